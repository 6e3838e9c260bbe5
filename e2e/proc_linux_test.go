package e2e

import (
	"os"
	"os/exec"
	"syscall"
)

// dieWithTests makes the kernel kill cmd's process if the test process dies
// first (killed, or SIGPIPE when its output goes away), so that no child
// outlives the tests, and puts it in a process group of its own, which
// killGroup ends. TestMain stops it in the normal case.
func dieWithTests(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL, Setpgid: true}
}

// killGroup kills p and the processes it started in its group, by p's ID:
// a browser's content processes, the browser a driver started.
func killGroup(p *os.Process) {
	syscall.Kill(-p.Pid, syscall.SIGKILL)
}
