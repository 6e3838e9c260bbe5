// The test harness of this package: an in-process Caddy on free loopback
// ports, and exchanges (a request and the whole set of CORS headers that
// must come back). Where a new test goes:
//
//	decide_test.go       the decision for one request, without Caddy: policy and
//	                     request headers in, CORS response headers and outcome out
//	handler_test.go      the same through a real Caddy: preflight answers, actual
//	                     responses, Vary, matchers, the order against other directives
//	responses_test.go    responses other handlers write: errors, handle_errors,
//	                     backends and header snippets that send CORS headers
//	nested_test.go       where cors sits: nesting and siblings, what runs before it,
//	                     handle_errors without cors, Caddy's provisioning order
//	isolation_test.go    no response can change another's header values
//	passthrough_test.go  streaming, upgrades, HTTP/2 and large bodies through cors
//	hostile_test.go      hostile requests against a real Caddy; memory stays flat
//	reload_test.go       config reloads under load: one policy per response
//	reportonly_test.go   report_only, and the signal for replaced backend headers
//	logs_metrics_test.go refusal logs, warnings and Prometheus metrics
//	caddyfile_test.go    Caddyfile and JSON config: adaptation and every config error
//	example_test.go      the built binary: example.Caddyfile, example.json, docs/json.md's JSON
//	docs_test.go         README.md and docs/: every Caddyfile adapts, every command shown
//	                     runs and prints what the docs say, every link resolves
//	command_test.go      caddy cors-check against real servers and the built binary
//	fuzz_test.go         FuzzServeHTTP: invariants of every response
//	module_test.go       go.mod: only the module's own dependencies
//	bench_test.go        benchmarks, and TestAllocations, which pins allocations
//
// internal/ packages test their own logic; e2e/ (its own module) drives real
// browsers; bench/ (its own module) compares with other CORS libraries.
package cors

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2/caddytest"

	"github.com/seed-41134e10/caddy-cors/internal/testenv"
)

// Ports of the Caddy that the tests in this package run in-process, chosen
// free at start so that several test processes can run side by side. Sites
// in the tests' Caddyfiles listen on :{$SITE_PORT}; TestMain exports it.
var (
	adminPort   int
	sitePort    int
	backendPort int
	httpsPort   int    // never bound: no test site uses TLS
	siteAddr    string // 127.0.0.1:sitePort
	siteURL     string // http://127.0.0.1:sitePort
)

func TestMain(m *testing.M) {
	ports, err := freePorts(4)
	if err != nil {
		fmt.Fprintln(os.Stderr, "cannot find free loopback ports:", err)
		os.Exit(1)
	}
	adminPort, sitePort, backendPort, httpsPort = ports[0], ports[1], ports[2], ports[3]
	siteAddr = fmt.Sprintf("127.0.0.1:%d", sitePort)
	siteURL = "http://" + siteAddr
	caddytest.Default.AdminPort = adminPort // also used by caddytest.AssertLoadError
	os.Setenv("SITE_PORT", strconv.Itoa(sitePort))
	code := m.Run()
	if builtCaddy.dir != "" {
		os.RemoveAll(builtCaddy.dir)
	}
	os.Exit(code)
}

// listenLoopback listens on a free loopback port, closed when t ends.
func listenLoopback(t *testing.T) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	return ln
}

// freePorts returns n distinct loopback ports that were free a moment ago.
var freePorts = testenv.FreePorts

// startCaddy loads a Caddyfile made of the global options the tests need
// plus sites into the in-process Caddy, replacing whatever ran before.
// Every site binds loopback only.
func startCaddy(t *testing.T, sites string, extraGlobal ...string) {
	t.Helper()
	config := fmt.Sprintf(`{
	admin localhost:%d
	http_port %d
	https_port %d
	default_bind 127.0.0.1
	grace_period 1ns
	skip_install_trust
	%s
}
%s`, adminPort, sitePort, httpsPort, strings.Join(extraGlobal, "\n\t"), sites)
	tc := caddytest.NewTester(t)
	tc.InitServer(config, "caddyfile")
	if t.Failed() {
		t.FailNow()
	}
}

// exchange is one request to the site on sitePort and what must come back.
type exchange struct {
	name   string
	method string
	path   string // on the site at sitePort, or a whole URL
	header http.Header
	status int
	// cors is the whole expected set of Access-Control-* and Vary response
	// headers: a missing or an extra one fails the test.
	cors http.Header
	body string
}

var client = &http.Client{
	Timeout: 10 * time.Second,
	CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	},
	Transport: &http.Transport{DisableKeepAlives: true},
}

func (e exchange) run(t *testing.T) {
	t.Helper()
	method := e.method
	if method == "" {
		method = http.MethodGet
	}
	url := e.path
	switch {
	case url == "":
		url = siteURL + "/"
	case url[0] == '/':
		url = siteURL + url
	}
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range e.header {
		req.Header[k] = v
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("reading body: %v", err)
	}
	if resp.StatusCode != e.status {
		t.Errorf("status = %d, want %d", resp.StatusCode, e.status)
	}
	if got := corsHeaders(resp.Header); !equalHeaders(got, e.cors) {
		t.Errorf("CORS headers:\n got %s\nwant %s", formatHeaders(got), formatHeaders(e.cors))
	}
	if string(body) != e.body {
		t.Errorf("body = %q, want %q", body, e.body)
	}
}

func runExchanges(t *testing.T, exchanges []exchange) {
	t.Helper()
	for _, e := range exchanges {
		t.Run(e.name, e.run)
	}
}

// corsHeaders picks the response headers a CORS decision is made of.
func corsHeaders(h http.Header) http.Header {
	picked := http.Header{}
	for k, v := range h {
		if strings.HasPrefix(k, "Access-Control-") || k == "Vary" {
			picked[k] = v
		}
	}
	return picked
}

func equalHeaders(a, b http.Header) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if !slices.Equal(v, b[k]) {
			return false
		}
	}
	return true
}

func formatHeaders(h http.Header) string {
	var lines []string
	for k, v := range h {
		for _, value := range v {
			lines = append(lines, k+": "+value)
		}
	}
	slices.Sort(lines)
	return "[" + strings.Join(lines, " | ") + "]"
}

// hdr builds a header from name, value pairs; a name may repeat.
func hdr(pairs ...string) http.Header {
	h := http.Header{}
	for i := 0; i+1 < len(pairs); i += 2 {
		h[pairs[i]] = append(h[pairs[i]], pairs[i+1])
	}
	return h
}

const (
	varyPreflight = "Origin, Access-Control-Request-Method, Access-Control-Request-Headers"
	defaultACAM   = "GET, HEAD, POST, PUT, PATCH, DELETE"
	appOrigin     = "https://app.example.com"
	evilOrigin    = "https://evil.example.net"
)

func preflightFrom(origin, method string, more ...string) http.Header {
	return hdr(append([]string{"Origin", origin, "Access-Control-Request-Method", method}, more...)...)
}

// readLog waits until the log file has at least n lines with msg, and
// returns those lines.
func readLog(t *testing.T, file, msg string, n int) []string {
	t.Helper()
	var lines []string
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		b, _ := os.ReadFile(file)
		lines = nil
		for _, line := range strings.Split(string(b), "\n") {
			if strings.Contains(line, msg) {
				lines = append(lines, line)
			}
		}
		if len(lines) >= n || time.Now().After(deadline) {
			return lines
		}
	}
}
