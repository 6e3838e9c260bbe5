package cors

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
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
	example, err := os.ReadFile("example.Caddyfile")
	if err != nil {
		t.Fatal(err)
	}
	demo, err := filepath.Abs("demo")
	if err != nil {
		t.Fatal(err)
	}
	siteA = fmt.Sprintf("http://localhost:%d", corsCheckFreePort(t))
	siteB = fmt.Sprintf("http://127.0.0.1:%d", corsCheckFreePort(t))
	config := strings.NewReplacer(
		"admin localhost:2019", fmt.Sprintf("admin 127.0.0.1:%d", corsCheckFreePort(t)),
		"http://localhost:8080", siteA,
		"http://127.0.0.1:8081", siteB,
		"root * demo", "root * "+demo,
	).Replace(string(example))
	if strings.Contains(config, ":8080") || strings.Contains(config, ":8081") || strings.Contains(config, ":2019") {
		t.Fatalf("example.Caddyfile changed; the demo copy still uses a fixed port:\n%s", config)
	}
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
			name: "GET /api/me with credentials is allowed",
			args: []string{siteB + "/api/me", "--credentials"}, wantCode: 0,
			want: []string{"PASS  actual     allow-credentials  Access-Control-Allow-Credentials: true", "ALLOWED"},
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
