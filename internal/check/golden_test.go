package check

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden with the current output")

// TestGolden pins the human-readable output (and one JSON report), with the
// test server's address replaced by http://api.test.
func TestGolden(t *testing.T) {
	tests := []struct {
		name   string
		srv    http.Handler
		script script
		json   bool
	}{
		{"allowed-preflighted-put", &standIn{preflight: append(okPreflight, "Access-Control-Max-Age", "600"), actual: append(okActual, "X-Request-Id", "42", "Access-Control-Expose-Headers", "X-Request-Id")}, jsonPUT, false},
		{"caddy-refuses-method", &caddyLike{methods: []string{"GET", "POST", "PUT"}}, script{method: "DELETE"}, false},
		{"star-with-credentials", &standIn{actual: []string{"Access-Control-Allow-Origin", "*"}}, script{credentials: true}, false},
		{"method-case", &standIn{preflight: okPreflight, actual: okActual}, script{method: "patch", header: []Field{{Name: "Cookie", Value: "a=b"}}}, false},
		{"preflight-redirected", &standIn{preflightStatus: 301, preflight: []string{"Location", "https://api.example.com/api"}}, jsonPUT, false},
		{"caddy-refuses-method", &caddyLike{methods: []string{"GET", "POST", "PUT"}}, script{method: "DELETE"}, true},
		{"cross-site-credentials", &standIn{actual: append(okActual, "Access-Control-Allow-Credentials", "true",
			"Set-Cookie", "session=s3cret; Path=/; HttpOnly",
			"Set-Cookie", "theme=dark; SameSite=Lax",
			"Set-Cookie", "tracker=1; SameSite=None",
			"Set-Cookie", "prefs=2; Path=/; Secure; SameSite=None; Partitioned",
			"Set-Cookie", "csrf=3; Secure; SameSite=None")}, script{credentials: true, cookies: []Cookie{{Name: "session", Value: "s3cret"}}}, false},
		{"cross-site-credentials", &standIn{actual: append(okActual, "Access-Control-Allow-Credentials", "true")}, script{credentials: true}, true},
		{"response-header-as-request-header", &caddyLike{methods: []string{"GET"}, headers: []string{"Content-Type"}},
			script{header: []Field{{Name: "Access-Control-Allow-Origin", Value: "*"}}}, false},
	}
	for _, tt := range tests {
		file := tt.name + ".golden"
		if tt.json {
			file = tt.name + ".json.golden"
		}
		t.Run(file, func(t *testing.T) {
			ts := httptest.NewServer(tt.srv)
			defer ts.Close()
			u, _ := ParseURL(ts.URL + "/api")
			req := Request{URL: u, Origin: cmpString(tt.script.origin, page), Method: cmpString(tt.script.method, "GET"), Header: tt.script.header, Credentials: tt.script.credentials, Cookies: tt.script.cookies}
			if tt.script.body != "" {
				req.Body, req.HasBody = []byte(tt.script.body), true
			}
			client := NewClient()
			client.Timeout = 5 * time.Second
			rep, err := Run(context.Background(), client, req)
			if err != nil {
				t.Fatal(err)
			}
			var out bytes.Buffer
			if tt.json {
				enc := json.NewEncoder(&out)
				enc.SetIndent("", "  ")
				err = enc.Encode(rep)
			} else {
				err = WriteText(&out, rep)
			}
			if err != nil {
				t.Fatal(err)
			}
			got := strings.ReplaceAll(out.String(), ts.URL, "http://api.test")
			path := filepath.Join("testdata", file)
			if *update {
				os.MkdirAll("testdata", 0o755)
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -run TestGolden -update ./internal/check/ to create it)", err)
			}
			if got != string(want) {
				t.Errorf("output differs from %s (rerun with -update if the change is intended):\n--- got\n%s\n--- want\n%s", path, got, want)
			}
		})
	}
}
