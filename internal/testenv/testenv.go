// Package testenv is what the root package's tests and the browser tests
// (e2e/, a module of its own) share: the Caddy built from this repository,
// the demo (example.Caddyfile and demo/index.html) moved to free ports, and
// free ports themselves. It is used by tests only.
package testenv

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// BuildCaddy builds ./cmd/caddy of the repository at root into the file
// out. With race, it builds with -race, which reuses what `go test -race`
// compiled already.
func BuildCaddy(root, out string, race bool) error {
	args := []string{"build", "-o", out}
	if race {
		args = append(args, "-race")
	}
	cmd := exec.Command("go", append(args, "./cmd/caddy")...)
	cmd.Dir = root
	if output, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build ./cmd/caddy: %v\n%s", err, output)
	}
	return nil
}

// FreePorts returns n distinct loopback ports that were free a moment ago.
func FreePorts(n int) ([]int, error) {
	var ports []int
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		defer l.Close()
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

// A Demo is the repository's demo moved from its fixed ports (8080 for site
// A, the page; 8081 for site B, the API; 2019 for the admin API).
type Demo struct {
	SiteA, SiteB string // origins, such as http://localhost:41234
	Caddyfile    string // example.Caddyfile, serving the page from the directory given to NewDemo
	Page         string // demo/index.html, calling SiteB
}

// NewDemo reads the demo from the repository at root and moves it to free
// ports, with the page served from pageDir (the caller writes Page there as
// index.html). With accessLog, site B logs its requests there, as JSON. It
// fails if the demo changed so that a fixed port would be left.
func NewDemo(root, pageDir, accessLog string) (*Demo, error) {
	ports, err := FreePorts(3)
	if err != nil {
		return nil, err
	}
	d := &Demo{
		SiteA: fmt.Sprintf("http://localhost:%d", ports[0]),
		SiteB: fmt.Sprintf("http://127.0.0.1:%d", ports[1]),
	}
	log := ""
	if accessLog != "" {
		log = fmt.Sprintf("\n\tlog {\n\t\toutput file %q\n\t\tformat json\n\t}", accessLog)
	}
	if d.Caddyfile, err = rewrite(filepath.Join(root, "example.Caddyfile"), map[string]string{
		"admin localhost:2019":                fmt.Sprintf("admin 127.0.0.1:%d", ports[2]),
		"http://localhost:8080":               d.SiteA, // site A, and the origin in site B's cors line
		"http://127.0.0.1:8081":               d.SiteB,
		"root * demo":                         fmt.Sprintf("root * %q", pageDir),
		"\tbind 127.0.0.1\n\n\t# Only /api/*": "\tbind 127.0.0.1" + log + "\n\n\t# Only /api/*",
	}); err != nil {
		return nil, err
	}
	if d.Page, err = rewrite(filepath.Join(root, "demo", "index.html"), map[string]string{
		`"http://127.0.0.1:8081"`: fmt.Sprintf("%q", d.SiteB),
	}); err != nil {
		return nil, err
	}
	for _, port := range []string{":8080", ":8081", ":2019"} {
		if strings.Contains(d.Caddyfile, port) || strings.Contains(d.Page, port) {
			return nil, fmt.Errorf("the demo changed: moved to free ports, it still uses %s:\n%s", port, d.Caddyfile)
		}
	}
	return d, nil
}

// rewrite returns the file with each old string replaced by its new one. An
// old string missing from the file is an error: the demo changed, and so
// must the tests.
func rewrite(file string, replacements map[string]string) (string, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return "", err
	}
	text := string(b)
	for old, replacement := range replacements {
		if !strings.Contains(text, old) {
			return "", fmt.Errorf("%s has no %q any more; update internal/testenv", file, old)
		}
		text = strings.ReplaceAll(text, old, replacement)
	}
	return text, nil
}
