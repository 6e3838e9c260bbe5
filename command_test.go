package cors

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2/caddyconfig"

	"github.com/seed-41134e10/caddy-cors/internal/check"
	"github.com/seed-41134e10/caddy-cors/internal/headers"
	"github.com/seed-41134e10/caddy-cors/internal/testenv"
)

// corsCheckFreePort returns a loopback port that was free a moment ago.
func corsCheckFreePort(t *testing.T) int {
	t.Helper()
	ports, err := freePorts(1)
	if err != nil {
		t.Fatal(err)
	}
	return ports[0]
}

// corsCheckEnv keeps caddy's storage and config out of the user's home.
func corsCheckEnv(t *testing.T) []string {
	home := t.TempDir()
	return append(os.Environ(), "HOME="+home, "XDG_DATA_HOME="+home, "XDG_CONFIG_HOME="+home)
}

// startDemo runs example.Caddyfile on free ports and returns site A's origin
// and site B's URL.
func startDemo(t *testing.T, bin string) (siteA, siteB string) {
	t.Helper()
	pageDir := t.TempDir()
	demo, err := testenv.NewDemo(".", pageDir, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(pageDir, "index.html"), []byte(demo.Page), 0o644); err != nil {
		t.Fatal(err)
	}
	siteA, siteB, config := demo.SiteA, demo.SiteB, demo.Caddyfile
	path := filepath.Join(t.TempDir(), "Caddyfile")
	if err := os.WriteFile(path, []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}

	cmd := exec.Command(bin, "run", "--config", path)
	cmd.Env = corsCheckEnv(t)
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		if t.Failed() {
			t.Logf("caddy logs:\n%s", logs.String())
		}
	})
	probe := &http.Client{Timeout: time.Second}
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if resp, err := probe.Get(siteB + "/api/hello"); err == nil {
			resp.Body.Close()
			return siteA, siteB
		}
	}
	t.Fatalf("the demo did not start; logs:\n%s", logs.String())
	return "", ""
}

// runCorsCheckCommand runs `caddy cors-check` and returns its output and
// exit status.
func runCorsCheckCommand(t *testing.T, bin string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, append([]string{"cors-check"}, args...)...)
	cmd.Env = corsCheckEnv(t)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exit):
		code = exit.ExitCode()
	default:
		t.Fatalf("caddy cors-check %q: %v", args, err)
	}
	return out.String(), errOut.String(), code
}

// TestCorsCheckDemo runs cors-check on the six calls of the demo page
// (demo/index.html) against example.Caddyfile: four allowed, two blocked.
func TestCorsCheckDemo(t *testing.T) {
	bin := buildCaddy(t)
	siteA, siteB := startDemo(t, bin)

	tests := []struct {
		name     string
		args     []string
		wantCode int
		want     []string // lines or parts of lines of the output
	}{
		{
			name: "simple GET /api/hello is allowed without a preflight",
			args: []string{siteB + "/api/hello"}, wantCode: 0,
			want: []string{"INFO  request    preflight-needed   GET (no:", "PASS  actual     allow-origin       Access-Control-Allow-Origin: " + siteA, "X-Request-Id", "ALLOWED"},
		},
		{
			name: "JSON POST /api/items is preflighted and allowed",
			args: []string{siteB + "/api/items", "-H", "Content-Type: application/json", "--data", `{"name":"demo"}`}, wantCode: 0,
			want: []string{"Access-Control-Request-Headers: content-type;", "PASS  preflight  allow-headers      Access-Control-Allow-Headers: Content-Type, X-Demo", "201 Created", "ALLOWED"},
		},
		{
			name: "PUT /api/items/1 with X-Demo is preflighted and allowed",
			args: []string{siteB + "/api/items/1", "--method", "PUT", "--header", "X-Demo: yes", "--header", "Content-Type: application/json", "--data", "{}"}, wantCode: 0,
			want: []string{"Access-Control-Request-Headers: content-type,x-demo;", "PASS  preflight  allow-methods      Access-Control-Allow-Methods: GET, POST, PUT (lists PUT)", "Access-Control-Max-Age: 600", "ALLOWED"},
		},
		{
			name: "GET /api/me with credentials is allowed, with a warning that localhost and 127.0.0.1 are two sites",
			args: []string{siteB + "/api/me", "--credentials"}, wantCode: 0,
			want: []string{"PASS  actual     allow-credentials  Access-Control-Allow-Credentials: true", "ALLOWED",
				"WARN  request    site               page http://localhost, URL http://127.0.0.1\n      why: the page and the URL are different sites",
				"\nWARNING: request site: the page and the URL are different sites, so the cookies of this call are third-party cookies"},
		},
		{
			name: "GET /api/me with credentials and a cookie sends it with the request",
			args: []string{siteB + "/api/me", "--credentials", "--cookie", "session=abc123"}, wantCode: 0,
			want: []string{"with credentials and the cookies of --cookie: Cookie: session=…", "ALLOWED", "WARNING: request site:"},
		},
		{
			name: "a CORS response header set on the request is named as the mistake",
			args: []string{siteB + "/api/hello", "--header", "Access-Control-Allow-Origin: *"}, wantCode: 1,
			want: []string{"WARN  request    response-header    Access-Control-Allow-Origin: *\n      why: Access-Control-Allow-Origin is " + headers.ResponseHeaderAsRequestHeader,
				"fix: remove Access-Control-Allow-Origin from the headers of the fetch() or axios call on the page", "BLOCKED",
				"\nWARNING: request response-header: Access-Control-Allow-Origin is " + headers.ResponseHeaderAsRequestHeader},
		},
		{
			name: "DELETE /api/items/1 is blocked, with the methods line that allows it",
			args: []string{siteB + "/api/items/1", "-X", "DELETE"}, wantCode: 1,
			want: []string{"FAIL  preflight  allow-origin       no Access-Control-Allow-Origin", "so the method DELETE is what the server refuses",
				`fix: Caddyfile: "methods GET POST PUT DELETE" in the block of the cors directive that allows ` + siteA, "BLOCKED"},
		},
		{
			name: "GET /internal/stats is blocked: outside the cors matcher",
			args: []string{siteB + "/internal/stats"}, wantCode: 1,
			want: []string{"FAIL  actual     allow-origin       no Access-Control-Allow-Origin", "fix: Caddyfile: cors " + siteA, "with a matcher that covers /internal/stats", "BLOCKED"},
		},
		{
			name: "another origin is refused, and the probe says it is the origin",
			args: []string{siteB + "/api/items/1", "-X", "PUT", "--origin", "https://evil.example"}, wantCode: 1,
			want: []string{"a preflight for a plain GET from https://evil.example is refused too", "fix: Caddyfile: cors https://evil.example"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := tt.args
			if !slices.Contains(args, "--origin") {
				args = append(args, "--origin", siteA)
			}
			out, errOut, code := runCorsCheckCommand(t, bin, args...)
			if code != tt.wantCode {
				t.Errorf("exit status %d, want %d; stderr: %s", code, tt.wantCode, errOut)
			}
			for _, want := range tt.want {
				if !strings.Contains(out, want) {
					t.Errorf("output does not contain %q", want)
				}
			}
			if t.Failed() {
				t.Logf("output:\n%s", out)
			}
		})
	}

	t.Run("--json lists the cookie warning and keeps the verdict", func(t *testing.T) {
		out, _, code := runCorsCheckCommand(t, bin, siteB+"/api/me", "--origin", siteA, "--credentials", "--json")
		var report struct {
			Verdict  string `json:"verdict"`
			Warnings []struct {
				Phase, Check, Result, Seen, Detail, Fix string
			} `json:"warnings"`
		}
		if err := json.Unmarshal([]byte(out), &report); err != nil {
			t.Fatalf("output is not JSON: %v\n%s", err, out)
		}
		if code != 0 || report.Verdict != "allowed" || len(report.Warnings) != 1 {
			t.Fatalf("exit %d, report %+v", code, report)
		}
		if w := report.Warnings[0]; w.Check != "site" || w.Result != "warn" || !strings.Contains(w.Detail, "Safari") || !strings.Contains(w.Fix, "Authorization header") {
			t.Errorf("warning %+v", w)
		}
	})

	t.Run("--json gives the verdict and the failure for scripts", func(t *testing.T) {
		out, _, code := runCorsCheckCommand(t, bin, siteB+"/api/items/1", "--origin", siteA, "-X", "DELETE", "--json")
		var report struct {
			Verdict   string   `json:"verdict"`
			Preflight bool     `json:"preflight"`
			Server    string   `json:"server"`
			Readable  []string `json:"readable_headers"`
			Failure   struct {
				Phase, Check, Detail, Fix string
			} `json:"failure"`
		}
		if err := json.Unmarshal([]byte(out), &report); err != nil {
			t.Fatalf("output is not JSON: %v\n%s", err, out)
		}
		if code != 1 || report.Verdict != "blocked" || !report.Preflight || report.Server != "Caddy" ||
			report.Failure.Phase != "preflight" || report.Failure.Check != "allow-origin" || !strings.Contains(report.Failure.Fix, "methods GET POST PUT DELETE") {
			t.Errorf("exit %d, report %+v", code, report)
		}
	})
}

// TestCorsCheckUsageErrors checks that bad input gets a clear message and
// exit status 2, never a panic.
func TestCorsCheckUsageErrors(t *testing.T) {
	bin := buildCaddy(t)
	closed := fmt.Sprintf("http://127.0.0.1:%d/", corsCheckFreePort(t))
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no URL", []string{"--origin", "https://app.example.com"}, "needs exactly one URL"},
		{"two URLs", []string{"http://127.0.0.1:1/", "http://127.0.0.1:2/", "--origin", "https://app.example.com"}, "needs exactly one URL"},
		{"URL without scheme", []string{"api.example.com/x", "--origin", "https://app.example.com"}, "is not an http:// or https:// URL"},
		{"no origin", []string{"http://127.0.0.1:1/"}, "--origin is required"},
		{"origin with a trailing slash", []string{"http://127.0.0.1:1/", "--origin", "https://app.example.com/"}, `has a trailing slash; write "https://app.example.com"`},
		{"header without a colon", []string{"http://127.0.0.1:1/", "--origin", "https://app.example.com", "-H", "X-Foo"}, "has no colon"},
		{"header with a bad name", []string{"http://127.0.0.1:1/", "--origin", "https://app.example.com", "-H", "X Foo: 1"}, "is not a valid header name"},
		{"unreadable data file", []string{"http://127.0.0.1:1/", "--origin", "https://app.example.com", "--data", "@" + filepath.Join(t.TempDir(), "missing.json")}, "--data: open"},
		{"forbidden method", []string{"http://127.0.0.1:1/", "--origin", "https://app.example.com", "-X", "TRACE"}, "fetch() refuses to send TRACE"},
		{"GET with a body", []string{"http://127.0.0.1:1/", "--origin", "https://app.example.com", "-X", "GET", "--data", "x"}, "fetch() refuses a body with GET"},
		{"unknown flag", []string{"http://127.0.0.1:1/", "--origin", "https://app.example.com", "--nope"}, "unknown flag: --nope"},
		{"bad timeout", []string{"http://127.0.0.1:1/", "--origin", "https://app.example.com", "--timeout", "soon"}, "invalid argument \"soon\""},
		{"max-time that is not positive", []string{"http://127.0.0.1:1/", "--origin", "https://app.example.com", "--max-time", "0s"}, "--max-time must be positive"},
		{"header value that Go cannot send", []string{"http://127.0.0.1:1/", "--origin", "https://app.example.com", "-H", "X-Foo: a\x01b"}, `the value has the control byte 0x01, which cors-check cannot send`},
		{"header value with a line break", []string{"http://127.0.0.1:1/", "--origin", "https://app.example.com", "-H", "X-Foo: a\nX-Bar: b"}, "the value has a NUL, CR or LF byte"},
		{"cookie without =", []string{"http://127.0.0.1:1/", "--origin", "https://app.example.com", "--credentials", "--cookie", "session"}, `--cookie "session" has no "="; write it as NAME=VALUE`},
		{"cookie with a semicolon", []string{"http://127.0.0.1:1/", "--origin", "https://app.example.com", "--credentials", "--cookie", "a=1; b=2"}, `the value has the byte ';'`},
		{"cookie without credentials", []string{"http://127.0.0.1:1/", "--origin", "https://app.example.com", "--cookie", "session=abc"}, "--cookie needs --credentials"},
		{"server not running", []string{closed, "--origin", "https://app.example.com", "--timeout", "5s"}, "connection refused"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, errOut, code := runCorsCheckCommand(t, bin, tt.args...)
			if code != 2 {
				t.Errorf("exit status %d, want 2", code)
			}
			if !strings.Contains(errOut, tt.want) {
				t.Errorf("stderr does not say %q:\n%s", tt.want, errOut)
			}
			if strings.Contains(errOut, "panic") || out != "" {
				t.Errorf("stdout %q, stderr %q", out, errOut)
			}
		})
	}
}

// TestCorsCheckCookies runs the built cors-check against a server that sets
// a cookie browsers hold back across sites, and records what it received.
func TestCorsCheckCookies(t *testing.T) {
	bin := buildCaddy(t)
	const origin = "http://localhost:3000"
	var mu sync.Mutex
	var received []string // method and Cookie header of each request
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		received = append(received, r.Method+" "+r.Header.Get("Cookie"))
		mu.Unlock()
		w.Header().Set("Access-Control-Allow-Origin", origin)
		w.Header().Set("Access-Control-Allow-Credentials", "true")
		if r.Method == http.MethodOptions {
			w.Header().Set("Access-Control-Allow-Methods", "PUT")
			w.WriteHeader(http.StatusNoContent)
			return
		}
		w.Header().Add("Set-Cookie", "session=s3cret; Path=/; HttpOnly; SameSite=Lax")
		w.Header().Add("Set-Cookie", "tracker=1; SameSite=None")
		io.WriteString(w, "ok")
	}))
	defer api.Close()

	out, errOut, code := runCorsCheckCommand(t, bin, api.URL+"/me", "--origin", origin, "-X", "PUT", "--credentials", "--cookie", "session=abc", "--cookie", "theme=dark")
	if code != 0 {
		t.Errorf("exit status %d, want 0: cookie warnings do not change the verdict; stderr: %s", code, errOut)
	}
	for _, want := range []string{
		"WARN  request    site               page http://localhost, URL http://127.0.0.1",
		"WARN  actual     set-cookie         Set-Cookie: session=…; Path=/; HttpOnly; SameSite=Lax\n      why: SameSite=Lax, and the page is on another site",
		"fix: send it with SameSite=None; Secure: Set-Cookie: session=…; SameSite=None; Secure",
		"WARN  actual     set-cookie         Set-Cookie: tracker=…; SameSite=None\n      why: SameSite=None without Secure",
		"ALLOWED",
		"\nWARNING: actual set-cookie: SameSite=None without Secure",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output does not contain %q", want)
		}
	}
	if strings.Contains(out, "s3cret") {
		t.Error("the output shows a cookie's value")
	}
	mu.Lock()
	defer mu.Unlock()
	if want := []string{"OPTIONS ", "PUT session=abc; theme=dark"}; !slices.Equal(received, want) {
		t.Errorf("the server received %q, want %q: cookies go with the request itself, never with the preflight", received, want)
	}
	if t.Failed() {
		t.Logf("output:\n%s", out)
	}
}

// TestCorsCheckMaxTime checks that --max-time bounds a whole run, here a
// redirect chain whose every answer comes well within --timeout.
func TestCorsCheckMaxTime(t *testing.T) {
	bin := buildCaddy(t)
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(300 * time.Millisecond)
		w.Header().Set("Access-Control-Allow-Origin", "*")
		w.Header().Set("Location", "/again")
		w.WriteHeader(http.StatusFound)
	}))
	defer slow.Close()

	start := time.Now()
	out, errOut, code := runCorsCheckCommand(t, bin, slow.URL+"/", "--origin", "https://app.example.com", "--timeout", "5s", "--max-time", "1s")
	took := time.Since(start)
	if code != 2 || !strings.Contains(errOut, "took longer than --max-time 1s") || out != "" {
		t.Errorf("exit status %d, stdout %q, stderr %q; want 2 and a message naming --max-time", code, out, errOut)
	}
	if took > 4*time.Second { // 21 answers of 300ms each take 6s
		t.Errorf("cors-check took %v with --max-time 1s", took)
	}
}

// TestCorsCheckFixesAreAcceptedByTheModule runs cors-check's checks against a
// Caddy with this module for each kind of failure it writes a cors line for,
// and feeds every Caddyfile text of every fix to the Caddyfile parser.
func TestCorsCheckFixesAreAcceptedByTheModule(t *testing.T) {
	startCaddy(t, `
:{$SITE_PORT} {
	handle /any/* {
		cors
		respond "any"
	}
	handle /listed/* {
		header X-Request-Id 42
		cors https://app.example.com {
			methods GET POST PATCH
			headers Content-Type
		}
		respond "listed"
	}
	handle /insecure/* {
		cors http://app.example.com
		respond "insecure"
	}
	handle /moved/* {
		redir * /elsewhere
	}
	handle /private/* {
		basic_auth {
			bob `+bobHash+`
		}
		respond "private"
	}
	handle /gone/* {
		respond 404
	}
	handle /credentials/* {
		cors https://app.example.com {
			credentials
		}
		respond "credentials"
	}
	handle /upper/* {
		header Access-Control-Allow-Origin https://app.example.com
		header Access-Control-Allow-Credentials True
		respond "upper"
	}
	respond "outside"
}`)
	many := make([]string, headers.MaxRequestNames+1)
	for i := range many {
		many[i] = fmt.Sprintf("X-Custom-%d: 1", i)
	}
	tests := []struct {
		name        string
		path        string
		origin      string // https://app.example.com when empty
		method      string // GET when empty
		header      []string
		credentials bool
		wantFix     string // part of one of the fixes
	}{
		{name: "origin not listed", path: "/listed/x", origin: "https://other.example", wantFix: "Caddyfile: cors https://other.example ("},
		{name: "loopback origin not listed", path: "/listed/x", origin: "http://127.0.0.1:8080", wantFix: "Caddyfile: cors http://127.0.0.1:8080 ("},
		{name: "path outside every cors matcher", path: "/elsewhere", wantFix: "Caddyfile: cors https://app.example.com ("},
		{name: "method not listed", path: "/listed/x", method: "DELETE", wantFix: `"methods GET POST PATCH DELETE"`},
		{name: "method in another case", path: "/listed/x", method: "patch", wantFix: `"methods GET POST PATCH patch"`},
		{name: "header not listed, beside a listed one", path: "/listed/x", method: "POST", header: []string{"Content-Type: application/json", "X-Foo: 1"}, wantFix: `"headers Content-Type X-Foo"`},
		{name: "header not listed, alone", path: "/listed/x", method: "POST", header: []string{"X-Foo: 1"}, wantFix: `"headers X-Foo"`},
		{name: "credentials not allowed", path: "/listed/x", credentials: true, wantFix: `"credentials"`},
		{name: "credentials with any origin", path: "/any/x", credentials: true, wantFix: `"credentials"`},
		{name: "credentials for a plain-http origin", path: "/insecure/x", origin: "http://app.example.com", credentials: true, wantFix: `"allow_insecure_origins"`},
		{name: "response header not exposed", path: "/listed/x", wantFix: `"expose_headers X-Request-Id"`},
		{name: "origin null not allowed", path: "/listed/x", origin: "null", method: "PUT", wantFix: "Caddyfile: cors (with no origins"},
		{name: "origin null and a method not allowed", path: "/any/x", origin: "null", method: "PROPFIND", wantFix: "without origins"},
		{name: "origin null with credentials", path: "/listed/x", origin: "null", credentials: true, wantFix: "no cors line can allow the origin null"},
		{name: "origin null with credentials and any origin", path: "/any/x", origin: "null", credentials: true, wantFix: "no cors line can allow the origin null"},
		{name: "more request headers than the module accepts", path: "/any/x", method: "POST", header: many, wantFix: fmt.Sprintf("at most %d request headers", headers.MaxRequestNames)},
		{name: "preflight redirected outside every cors matcher", path: "/moved/x", method: "PUT", wantFix: "cors runs before redir"},
		{name: "preflight stopped by basic_auth outside every cors matcher", path: "/private/x", method: "PUT", wantFix: "cors runs before basic_auth and forward_auth"},
		{name: "preflight answered by a later handler", path: "/gone/x", method: "PUT", wantFix: "the cors handler answers an allowed preflight with 2xx itself"},
		{name: "credentials value written by a header snippet instead of cors", path: "/upper/x", credentials: true, wantFix: "the cors handler sends a lowercase true"},
		{name: "a CORS response header sent as a request header", path: "/listed/x", header: []string{"Access-Control-Allow-Origin: *"}, wantFix: "Access-Control-Allow-Origin is " + headers.ResponseHeaderAsRequestHeader},
	}
	var said []string // every fix and detail, for the claims about the module
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := check.Request{Origin: cmp.Or(tt.origin, "https://app.example.com"), Method: cmp.Or(tt.method, "GET"), Credentials: tt.credentials}
			var err error
			if req.URL, err = check.ParseURL(siteURL + tt.path); err != nil {
				t.Fatal(err)
			}
			for _, line := range tt.header {
				f, err := check.ParseHeader(line)
				if err != nil {
					t.Fatal(err)
				}
				req.Header = append(req.Header, f)
			}
			client := check.NewClient()
			client.Timeout = 10 * time.Second
			rep, err := check.Run(context.Background(), client, req)
			if err != nil {
				t.Fatal(err)
			}
			found := false
			for _, step := range rep.Steps {
				said = append(said, step.Detail, step.Fix)
				if step.Fix == "" {
					continue
				}
				found = found || strings.Contains(step.Fix, tt.wantFix)
				if strings.Contains(step.Fix, "cors null") {
					t.Errorf("fix suggests the origin null, which the module refuses: %s", step.Fix)
				}
				for _, directive := range suggestedDirectives(t, step.Fix) {
					if _, err := adaptHandler(t, directive); err != nil {
						t.Errorf("fix %q suggests\n%s\nwhich the module refuses: %v", step.Fix, directive, err)
					}
				}
			}
			if !found {
				var out strings.Builder
				check.WriteText(&out, rep)
				t.Errorf("no fix says %q:\n%s", tt.wantFix, out.String())
			}
		})
	}
	t.Run("what fixes say about the module is true of it", func(t *testing.T) {
		checkModuleClaims(t, said)
	})
}

// bobHash is a bcrypt hash for basic_auth in tests (of "hiccup").
const bobHash = "$2a$14$Zkx19XLiW6VYouLHR5NmfOFU0z2GTNmpkT/5qqR7hx4IjWJPDhjvG"

// moduleClaims are the sentences cors-check writes about the cors handler
// and its place in Caddy (internal/check/fix.go, diagnose.go), each with a
// check against the module. checkModuleClaims fails when a text says "cors
// handler" or "cors runs" outside every claim (add the claim and its check
// here), and when a claim is no longer said (it was reworded: update it).
var moduleClaims = []struct {
	name  string
	said  *regexp.Regexp
	check func(t *testing.T, match []string)
}{
	{"cors runs before the directives named", regexp.MustCompile(`cors runs before ([a-z_]+(?: and [a-z_]+)*)`), checkRunsBefore},
	{"the module refuses to list null", regexp.MustCompile(`the cors handler refuses to list (?:it|null)`), func(t *testing.T, _ []string) {
		if _, err := adaptHandler(t, "cors null"); err == nil {
			t.Error(`the module accepts "cors null"`)
		}
	}},
	{"the module refuses credentials for a plain-http origin without a flag", regexp.MustCompile(`the cors handler refuses them for a plain-http origin without ([a-z_]+)`), func(t *testing.T, m []string) {
		directive := "cors http://app.example.com {\n\tcredentials\n%s}"
		if _, err := adaptHandler(t, fmt.Sprintf(directive, "")); err == nil {
			t.Error("the module accepts credentials for http://app.example.com")
		}
		if _, err := adaptHandler(t, fmt.Sprintf(directive, "\t"+m[1]+"\n")); err != nil {
			t.Errorf("the module refuses credentials for http://app.example.com with %s: %v", m[1], err)
		}
	}},
	{"the module answers an allowed preflight with 2xx itself", regexp.MustCompile(`the cors handler answers an allowed preflight with 2xx itself`), func(t *testing.T, _ []string) {
		if _, err := adaptHandler(t, "cors {\n\tpreflight_status 302\n}"); err == nil {
			t.Error("the module accepts preflight_status 302")
		}
		resp := askSite(t, "OPTIONS", "/listed/x", "Origin", "https://app.example.com", "Access-Control-Request-Method", "PATCH")
		if resp.StatusCode < 200 || resp.StatusCode > 299 {
			t.Errorf("an allowed preflight got %s", resp.Status)
		}
	}},
	{"the module sends a lowercase true", regexp.MustCompile(`the cors handler sends a lowercase (true) \(add ([a-z_]+) to its block\)`), func(t *testing.T, m []string) {
		if m[2] != "credentials" {
			t.Fatalf("the fix names %s, not credentials", m[2])
		}
		resp := askSite(t, "GET", "/credentials/x", "Origin", "https://app.example.com")
		if got := resp.Header.Values("Access-Control-Allow-Credentials"); !slices.Equal(got, []string{m[1]}) {
			t.Errorf("with credentials, the module sends Access-Control-Allow-Credentials: %q", got)
		}
	}},
	{"the module's limit on request headers", regexp.MustCompile(`the cors handler refuses a preflight that lists more than (\d+) names or (\d+) bytes there, whatever its config`), func(t *testing.T, m []string) {
		if m[1] != strconv.Itoa(headers.MaxRequestNames) || m[2] != strconv.Itoa(headers.MaxRequestBytes) {
			t.Errorf("the limits said, %s names and %s bytes, are not the module's", m[1], m[2])
		}
	}},
}

func checkModuleClaims(t *testing.T, said []string) {
	seen := make([]map[string]bool, len(moduleClaims)) // by claim, the sentences checked
	for _, text := range said {
		covered := make([]bool, len(text))
		for i, claim := range moduleClaims {
			for _, span := range claim.said.FindAllStringSubmatchIndex(text, -1) {
				for j := span[0]; j < span[1]; j++ {
					covered[j] = true
				}
				match := make([]string, len(span)/2)
				for k := range match {
					match[k] = text[span[2*k]:span[2*k+1]]
				}
				if seen[i] == nil {
					seen[i] = map[string]bool{}
				}
				if !seen[i][match[0]] {
					seen[i][match[0]] = true
					t.Run(claim.name+": "+match[0], func(t *testing.T) { claim.check(t, match) })
				}
			}
		}
		for _, about := range []string{"cors handler", "cors runs"} {
			for i := 0; ; i++ {
				j := strings.Index(text[i:], about)
				if j < 0 {
					break
				}
				i += j
				if !covered[i] {
					t.Errorf("no claim in moduleClaims checks what this says about the module: %q", text)
				}
			}
		}
	}
	for i, claim := range moduleClaims {
		if seen[i] == nil {
			t.Errorf("no fix says %q any more (%s): update moduleClaims", claim.said, claim.name)
		}
	}
}

// askSite sends a request with header (name, value, ...) to the site of
// startCaddy and returns the answer, its body read.
func askSite(t *testing.T, method, path string, header ...string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(method, siteURL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	client := &http.Client{Timeout: 10 * time.Second}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, resp.Body)
	return resp
}

// orderProbes are directives that cors-check's fixes say cors runs before,
// with a line that uses each and the handler it adapts to.
var orderProbes = map[string]struct{ line, handler string }{
	"redir":        {"redir /x /y", `"handler":"static_response"`},
	"basic_auth":   {"basic_auth {\n\t\tbob " + bobHash + "\n\t}", `"handler":"authentication"`},
	"forward_auth": {"forward_auth 127.0.0.1:9 {\n\t\turi /auth\n\t}", `"handler":"reverse_proxy"`},
}

// checkRunsBefore checks that Caddy's directive order, with the one the
// module registers, puts cors before each directive in "a and b".
func checkRunsBefore(t *testing.T, match []string) {
	for _, directive := range strings.Split(match[1], " and ") {
		probe, ok := orderProbes[directive]
		if !ok {
			t.Errorf("a fix says cors runs before %s; add it to orderProbes", directive)
			continue
		}
		// cors comes last in the site, so only the directive order can put it first.
		site := ":80 {\n\t" + probe.line + "\n\tcors\n}"
		out, _, err := caddyconfig.GetAdapter("caddyfile").Adapt([]byte(site), nil)
		if err != nil {
			t.Fatalf("%s: %v", site, err)
		}
		corsAt, otherAt := bytes.Index(out, []byte(`"handler":"cors"`)), bytes.Index(out, []byte(probe.handler))
		if corsAt < 0 || otherAt < 0 || corsAt > otherAt {
			t.Errorf("cors does not run before %s:\n%s", directive, out)
		}
	}
}

// suggestedDirectives returns the cors directives a cors-check fix suggests,
// from the two shapes of Caddyfile text it writes (see internal/check/fix.go):
// `Caddyfile: cors <origin> (…`, and `Caddyfile: "<line>" [and "<line>"] in
// the block of the cors directive that allows <origin>` or `… without origins`.
func suggestedDirectives(t *testing.T, fix string) []string {
	t.Helper()
	const allows = " in the block of the cors directive that allows "
	const withoutOrigins = " in the block of the cors directive without origins"
	var directives []string
	rest := fix
	for {
		var ok bool
		if _, rest, ok = strings.Cut(rest, "Caddyfile: "); !ok {
			return directives
		}
		if strings.HasPrefix(rest, "cors") {
			line, _, _ := strings.Cut(rest, " (")
			directives = append(directives, line)
			continue
		}
		var lines []string
		for {
			quoted, err := strconv.QuotedPrefix(rest)
			if err != nil {
				t.Errorf("fix %q has Caddyfile text in no known shape", fix)
				return nil
			}
			line, _ := strconv.Unquote(quoted)
			lines = append(lines, line)
			rest = rest[len(quoted):]
			if rest, ok = strings.CutPrefix(rest, " and "); !ok {
				break
			}
		}
		var head string
		switch {
		case strings.HasPrefix(rest, allows):
			origin := rest[len(allows):]
			if i := strings.IndexAny(origin, " ,;"); i >= 0 {
				origin = origin[:i]
			}
			head = "cors " + origin
		case strings.HasPrefix(rest, withoutOrigins):
			head = "cors"
		default:
			t.Errorf("fix %q names lines of a cors block without saying which", fix)
			return nil
		}
		directives = append(directives, head+" {\n\t"+strings.Join(lines, "\n\t")+"\n}")
	}
}

// TestCorsCheckRedirectAfterPreflight: a PUT that passes its preflight and
// is answered with a 303 to another origin becomes a GET there, which needs
// no preflight; Firefox and WebKit send one anyway (e2e:
// TestRedirectAfterPreflight). cors-check says so, and names them when that
// preflight fails.
func TestCorsCheckRedirectAfterPreflight(t *testing.T) {
	startCaddy(t, fmt.Sprintf(`
:{$SITE_PORT} {
	cors /redirect/* https://app.example.com {
		methods GET PUT
	}
	redir /redirect/answered http://127.0.0.1:%d/answered 303
	redir /redirect/refused http://127.0.0.1:%d/refused 303
}
:%d {
	header Access-Control-Allow-Origin *
	@refusedPreflight {
		method OPTIONS
		path /refused
	}
	respond @refusedPreflight 405
	respond "landed"
}`, backendPort, backendPort, backendPort))
	for _, tt := range []struct {
		path      string
		blockedIn []string
		result    check.Result
	}{
		{"/redirect/answered", nil, check.Info},
		{"/redirect/refused", []string{"Firefox", "WebKit (Safari)"}, check.Warn},
	} {
		t.Run(tt.path, func(t *testing.T) {
			u, err := check.ParseURL(siteURL + tt.path)
			if err != nil {
				t.Fatal(err)
			}
			client := check.NewClient()
			client.Timeout = 10 * time.Second
			rep, err := check.Run(context.Background(), client, check.Request{URL: u, Origin: "https://app.example.com", Method: "PUT"})
			if err != nil {
				t.Fatal(err)
			}
			if !rep.Allowed() || !slices.Equal(rep.BlockedIn, tt.blockedIn) {
				t.Errorf("verdict %s, blocked in %q; want allowed, blocked in %q", rep.Verdict, rep.BlockedIn, tt.blockedIn)
			}
			i := slices.IndexFunc(rep.Steps, func(s check.Step) bool { return s.Check == "preflight-after-redirect" })
			if i < 0 || rep.Steps[i].Result != tt.result || !strings.Contains(rep.Steps[i].Detail, "Firefox and WebKit (Safari) send one anyway") {
				t.Errorf("no %s step preflight-after-redirect that names Firefox in %+v", tt.result, rep.Steps)
			}
		})
	}
}
