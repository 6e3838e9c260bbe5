package e2e

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"
)

const (
	chromiumPath = "/usr/bin/chromium"

	// waitLimit bounds every wait for Caddy or the browser.
	waitLimit = 20 * time.Second
)

// reservedPorts are the ports that the demo, the root package's tests and
// Caddy's defaults bind; these tests run next to them and never take them.
var reservedPorts = map[int]bool{80: true, 443: true, 2019: true, 2999: true, 8080: true, 8081: true, 9080: true, 9081: true, 9443: true}

// needChromium skips the test when the browser suite cannot run here, except
// in CI, where a missing Chromium is a failure: CI must never skip it quietly.
func needChromium(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("starts Caddy and Chromium")
	}
	if _, err := os.Stat(chromiumPath); err != nil {
		if ci, _ := strconv.ParseBool(os.Getenv("CI")); ci {
			t.Fatalf("CI=true but %s is missing (%v); install it with apt-get install -y chromium", chromiumPath, err)
		}
		t.Skipf("browser tests skipped: %s is missing; install it with apt-get install -y chromium (with CI=true this is a failure)", chromiumPath)
	}
}

// What the tests of this package share is started on first use and stopped
// when TestMain ends, last started first.
var (
	stopMu sync.Mutex
	stops  []func()
)

func atExit(stop func()) {
	stopMu.Lock()
	defer stopMu.Unlock()
	stops = append(stops, stop)
}

func TestMain(m *testing.M) {
	code := m.Run()
	stopMu.Lock()
	for i := len(stops) - 1; i >= 0; i-- {
		stops[i]()
	}
	stopMu.Unlock()
	os.Exit(code)
}

// packageDir holds the Caddy binary, Caddy's storage and Chromium's profile.
var packageDir = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "caddy-cors-e2e-")
	if err == nil {
		atExit(func() { os.RemoveAll(dir) })
	}
	return dir, err
})

// caddyBinary builds ./cmd/caddy once for the package. Under -race it builds
// with -race too, so that `go test -race ./...` compiles Caddy only once.
var caddyBinary = sync.OnceValues(func() (string, error) {
	dir, err := packageDir()
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "caddy")
	args := []string{"build", "-o", bin}
	if raceEnabled {
		args = append(args, "-race")
	}
	args = append(args, "github.com/seed-41134e10/caddy-cors/cmd/caddy")
	if out, err := exec.Command("go", args...).CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build ./cmd/caddy: %v\n%s", err, out)
	}
	return bin, nil
})

// freePorts returns n distinct loopback ports that were free a moment ago.
func freePorts(n int) ([]int, error) {
	var ports []int
	for len(ports) < n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		defer l.Close() // held until all are chosen, so that they differ
		if port := l.Addr().(*net.TCPAddr).Port; !reservedPorts[port] {
			ports = append(ports, port)
		}
	}
	return ports, nil
}

// caddyProcess is a Caddy that a test started.
type caddyProcess struct {
	cmd    *exec.Cmd
	logs   *syncBuffer
	exited chan struct{}
}

// startCaddy runs `caddy run` on config, with its home, config and data
// directories under dir, so that it touches nothing outside dir.
func startCaddy(dir, config string) (*caddyProcess, error) {
	bin, err := caddyBinary()
	if err != nil {
		return nil, err
	}
	file := filepath.Join(dir, "Caddyfile")
	if err := os.WriteFile(file, []byte(config), 0o644); err != nil {
		return nil, err
	}
	home := filepath.Join(dir, "home")
	cmd := exec.Command(bin, "run", "--config", file, "--adapter", "caddyfile")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(),
		"HOME="+home,
		"XDG_CONFIG_HOME="+filepath.Join(home, "config"),
		"XDG_DATA_HOME="+filepath.Join(home, "data"),
		"XDG_CACHE_HOME="+filepath.Join(home, "cache"),
	)
	c := &caddyProcess{cmd: cmd, logs: new(syncBuffer), exited: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = c.logs, c.logs
	dieWithTests(cmd)
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	go func() {
		cmd.Wait()
		close(c.exited)
	}()
	return c, nil
}

func (c *caddyProcess) stop() {
	c.cmd.Process.Kill()
	<-c.exited
}

// waitServing polls each URL until Caddy answers it, with any status.
func (c *caddyProcess) waitServing(client func() (*http.Client, error), urls ...string) error {
	deadline := time.Now().Add(waitLimit)
	for _, url := range urls {
		for {
			select {
			case <-c.exited:
				return fmt.Errorf("caddy exited: %v\n%s", c.cmd.ProcessState, c.logs)
			default:
			}
			err := errors.New("no client yet")
			cl, clientErr := client()
			if clientErr == nil {
				var resp *http.Response
				if resp, err = cl.Get(url); err == nil {
					resp.Body.Close()
					break
				}
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("caddy does not serve %s after %v: %v\n%s", url, waitLimit, err, c.logs)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	return nil
}

// syncBuffer collects a process's output while tests read it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// stack is the Caddy that serves the scenarios: pages on
// https://app.example.test and https://app.evil.test, and the API on
// https://api.example.test with the backend behind it, all on one port.
type stack struct {
	port    int
	backend *backend
	caddy   *caddyProcess
	client  *http.Client // trusts Caddy's internal CA; dials every host on loopback
}

// origin is the origin of host on the stack, as a browser writes it.
func (s *stack) origin(host string) string {
	return fmt.Sprintf("https://%s:%d", host, s.port)
}

var sharedStack = sync.OnceValues(startStack)

// needStack returns the package's stack, starting it on first use.
func needStack(t *testing.T) *stack {
	t.Helper()
	needChromium(t)
	s, err := sharedStack()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func startStack() (*stack, error) {
	root, err := packageDir()
	if err != nil {
		return nil, err
	}
	dir := filepath.Join(root, "stack")
	if err := os.Mkdir(dir, 0o755); err != nil {
		return nil, err
	}
	ports, err := freePorts(3)
	if err != nil {
		return nil, err
	}
	s := &stack{port: ports[0], backend: startBackend()}
	atExit(s.backend.close)

	storage := filepath.Join(dir, "storage")
	config, err := stackCaddyfile(stackConfig{
		Port:      s.port,
		HTTPPort:  ports[1],
		AdminPort: ports[2],
		Storage:   storage,
		Backend:   s.backend.host,
		App:       s.origin("app.example.test"),
	})
	if err != nil {
		return nil, err
	}
	if s.caddy, err = startCaddy(dir, config); err != nil {
		return nil, err
	}
	atExit(s.caddy.stop)

	// The client can trust Caddy's root certificate once Caddy has made it.
	rootCert := filepath.Join(storage, "pki", "authorities", "local", "root.crt")
	client := func() (*http.Client, error) {
		if s.client != nil {
			return s.client, nil
		}
		pem, err := os.ReadFile(rootCert)
		if err != nil {
			return nil, err
		}
		roots := x509.NewCertPool()
		if !roots.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("no certificate in %s", rootCert)
		}
		addr := fmt.Sprintf("127.0.0.1:%d", s.port)
		var dialer net.Dialer
		s.client = &http.Client{
			Timeout: waitLimit,
			Transport: &http.Transport{
				TLSClientConfig: &tls.Config{RootCAs: roots},
				DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
					return dialer.DialContext(ctx, network, addr)
				},
			},
		}
		return s.client, nil
	}
	err = s.caddy.waitServing(client,
		s.origin("app.example.test")+"/", s.origin("app.evil.test")+"/", s.origin("api.example.test")+"/login")
	if err != nil {
		return nil, err
	}
	return s, nil
}
