package cors

import (
	"os"
	"slices"
	"strings"
	"testing"
)

// TestDirectDependencies keeps what users' builds pull in to what the
// module needs: browser drivers and the libraries it is compared with
// live in their own modules (e2e/, bench/).
func TestDirectDependencies(t *testing.T) {
	b, err := os.ReadFile("go.mod")
	if err != nil {
		t.Fatal(err)
	}
	allowed := []string{
		"github.com/caddyserver/caddy/v2",
		"go.uber.org/zap",
		"golang.org/x/net",
		"github.com/prometheus/client_golang",
		"github.com/spf13/cobra",
		"github.com/weppos/publicsuffix-go", // the Public Suffix List with its rules enumerable
	}
	direct := 0
	inRequire := false
	for _, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		switch {
		case line == "require (":
			inRequire = true
			continue
		case line == ")":
			inRequire = false
			continue
		case strings.HasPrefix(line, "require "):
			line = strings.TrimPrefix(line, "require ")
		case !inRequire:
			continue
		}
		fields := strings.Fields(line)
		if len(fields) < 2 || strings.Contains(line, "// indirect") {
			continue
		}
		direct++
		if !slices.Contains(allowed, fields[0]) {
			t.Errorf("go.mod requires %s directly; the module's own dependencies are %s", fields[0], strings.Join(allowed, ", "))
		}
	}
	if direct == 0 {
		t.Fatal("no direct requirement found in go.mod")
	}
}
