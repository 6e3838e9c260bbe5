package e2e

// Where things are, one concern a file:
//
//	stack_test.go      this harness: TestMain, child processes, Caddy and the stack it serves
//	backend_test.go    the application behind the API's reverse_proxy
//	engines_test.go    the three engines, what a page can do in each, and where they differ
//	chromium_test.go   Chromium, through the DevTools protocol (chromedp)
//	firefox_test.go    Firefox ESR, through WebDriver BiDi (client in bidi_test.go)
//	webkit_test.go     WebKitGTK's MiniBrowser under Xvfb, through WebDriver (client in webdriver_test.go)
//	cors_test.go       the scenarios: cross-origin calls, preflight cache, a proxied backend,
//	                   a third-party cookie
//	maxage_test.go     the opt-in, 10-minute test of each engine's Access-Control-Max-Age cap
//	demo_test.go       the demo of README.md, example.Caddyfile and demo/index.html
//	readme_test.go     README's "Tested in" table, checked against what the tests observed
//	proc_*_test.go     child processes die with the tests
//	race_*_test.go     whether -race is on, to build Caddy the same way

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/seed-41134e10/caddy-cors/internal/testenv"
)

const (
	// waitLimit bounds every wait for Caddy, or for a page to get somewhere.
	waitLimit = 20 * time.Second
	// startLimit bounds the start of a browser, which can be slow on a busy
	// machine: Firefox sets up its new profile.
	startLimit = 60 * time.Second
)

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
	if code == 0 {
		code = checkREADME()
	}
	os.Exit(code)
}

// packageDir holds the Caddy binary, Caddy's storage and the browsers'
// profiles.
var packageDir = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "caddy-cors-e2e-")
	if err == nil {
		atExit(func() { os.RemoveAll(dir) })
	}
	return dir, err
})

// caddyBinary builds ./cmd/caddy of the repository, in the root module, once
// for the package. Under -race it builds with -race too, so that it reuses
// what `go test -race ./...` at the root already compiled.
var caddyBinary = sync.OnceValues(func() (string, error) {
	dir, err := packageDir()
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "caddy")
	if err := testenv.BuildCaddy("..", bin, raceEnabled); err != nil {
		return "", err
	}
	return bin, nil
})

// freePorts returns n distinct loopback ports that were free a moment ago.
var freePorts = testenv.FreePorts

// isolatedEnv is the environment of a child process whose home, config, data
// and cache directories are under dir, so that it touches nothing outside.
func isolatedEnv(dir string) []string {
	home := filepath.Join(dir, "home")
	return append(os.Environ(),
		"HOME="+home,
		"XDG_CONFIG_HOME="+filepath.Join(home, "config"),
		"XDG_DATA_HOME="+filepath.Join(home, "data"),
		"XDG_CACHE_HOME="+filepath.Join(home, "cache"),
	)
}

// child is a process that the tests started: Caddy, a browser, a driver or
// Xvfb. It runs in a process group of its own, so that stop ends the
// processes it started too.
type child struct {
	cmd    *exec.Cmd
	logs   *syncBuffer // stdout and stderr
	exited chan struct{}
}

// startChild starts cmd and waits for it from one goroutine locked to its OS
// thread: Linux sends the death signal when the thread that started the
// process ends, not the process (https://go.dev/issue/27505).
func startChild(cmd *exec.Cmd) (*child, error) {
	c := &child{cmd: cmd, logs: new(syncBuffer), exited: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = c.logs, c.logs
	dieWithTests(cmd)
	started := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		err := cmd.Start()
		started <- err
		if err != nil {
			return
		}
		cmd.Wait()
		close(c.exited)
	}()
	if err := <-started; err != nil {
		return nil, fmt.Errorf("starting %s: %w", cmd.Path, err)
	}
	return c, nil
}

// stop kills the process and its group, by the process's ID, and waits for it.
func (c *child) stop() {
	killGroup(c.cmd.Process)
	<-c.exited
}

// waitOutput waits until the process prints a line that matches re, and
// returns re's first group in it.
func (c *child) waitOutput(re *regexp.Regexp) (string, error) {
	deadline := time.Now().Add(startLimit)
	for {
		if m := re.FindStringSubmatch(c.logs.String()); m != nil {
			return m[1], nil
		}
		select {
		case <-c.exited:
			return "", fmt.Errorf("%s exited: %v\n%s", c.cmd.Path, c.cmd.ProcessState, c.logs)
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return "", fmt.Errorf("%s printed no %q in %v:\n%s", c.cmd.Path, re, startLimit, c.logs)
		}
	}
}

// startCaddy runs `caddy run` on config, with its home, config and data
// directories under dir.
func startCaddy(dir, config string) (*child, error) {
	bin, err := caddyBinary()
	if err != nil {
		return nil, err
	}
	file := filepath.Join(dir, "Caddyfile")
	if err := os.WriteFile(file, []byte(config), 0o644); err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "run", "--config", file, "--adapter", "caddyfile")
	cmd.Dir = dir
	cmd.Env = isolatedEnv(dir)
	return startChild(cmd)
}

// waitServing polls each URL until the server answers it, with any status.
func (c *child) waitServing(client func() (*http.Client, error), urls ...string) error {
	deadline := time.Now().Add(waitLimit)
	for _, url := range urls {
		for {
			select {
			case <-c.exited:
				return fmt.Errorf("%s exited: %v\n%s", c.cmd.Path, c.cmd.ProcessState, c.logs)
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
				return fmt.Errorf("%s does not serve %s after %v: %v\n%s", c.cmd.Path, url, waitLimit, err, c.logs)
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
// https://app.example.localhost and https://app.evil.localhost, and the API
// on https://api.example.localhost with the backend behind it, all on one
// port. Every engine resolves names under localhost to loopback by itself,
// and app. and api.example.localhost are one site, as app. and
// api.example.com would be, so the API's cookie is first-party everywhere.
type stack struct {
	port      int
	backend   *backend
	caddy     *child
	accessLog string       // Caddy's access log of the API, JSON lines
	client    *http.Client // trusts Caddy's internal CA; dials every host on loopback
}

// origin is the origin of host on the stack, as a browser writes it.
func (s *stack) origin(host string) string {
	return fmt.Sprintf("https://%s:%d", host, s.port)
}

var sharedStack = sync.OnceValues(startStack)

// needStack returns the package's stack, starting it on first use.
func needStack(t *testing.T) *stack {
	t.Helper()
	if testing.Short() {
		t.Skip("starts Caddy")
	}
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
	s := &stack{port: ports[0], backend: startBackend(), accessLog: filepath.Join(dir, "access.log")}
	atExit(s.backend.close)

	storage := filepath.Join(dir, "storage")
	config, err := stackCaddyfile(stackConfig{
		Port:      s.port,
		HTTPPort:  ports[1],
		AdminPort: ports[2],
		Storage:   storage,
		AccessLog: s.accessLog,
		Backend:   s.backend.host,
		App:       s.origin("app.example.localhost"),
		Evil:      s.origin("app.evil.localhost"),
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
	err = s.caddy.waitServing(client, s.origin("app.example.localhost")+"/",
		s.origin("app.evil.localhost")+"/", s.origin("api.example.localhost")+"/login", s.origin(targetHost)+"/")
	if err != nil {
		return nil, err
	}
	return s, nil
}

// preflights returns the status of every preflight (OPTIONS request) for
// path that reached Caddy, in order, from Caddy's access log of the API.
func (s *stack) preflights(path string) ([]int, error) {
	requests, err := readAccessLog(s.accessLog)
	if err != nil {
		return nil, err
	}
	var statuses []int
	for _, r := range requests {
		if r.method == http.MethodOptions && r.path == path {
			statuses = append(statuses, r.status)
		}
	}
	return statuses, nil
}

// loggedRequest is a request in a Caddy access log.
type loggedRequest struct {
	method, path string
	status       int
}

func (r loggedRequest) String() string { return fmt.Sprintf("%s %s %d", r.method, r.path, r.status) }

// readAccessLog reads a Caddy access log in JSON. Caddy writes a request's
// entry before it sends the response, so a request that the browser has had
// an answer to is in the log.
func readAccessLog(file string) ([]loggedRequest, error) {
	log, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	var requests []loggedRequest
	for line := range bytes.Lines(log) {
		var entry struct {
			Request struct{ Method, URI string }
			Status  int
		}
		if err := json.Unmarshal(line, &entry); err != nil {
			return nil, fmt.Errorf("%s: %v: %s", file, err, line)
		}
		path, _, _ := strings.Cut(entry.Request.URI, "?")
		requests = append(requests, loggedRequest{entry.Request.Method, path, entry.Status})
	}
	return requests, nil
}
