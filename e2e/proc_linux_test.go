package e2e

import (
	"os/exec"
	"syscall"
)

// dieWithTests makes the kernel kill cmd's process if the test process dies
// first (killed, or SIGPIPE when its output goes away), so that no Caddy
// outlives the tests. TestMain stops it in the normal case.
func dieWithTests(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
