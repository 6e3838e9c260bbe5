package cors

import (
	"fmt"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// sendTo sends one request to a loopback port and returns the response's
// status, headers (without Date, which differs from second to second) and body.
func sendTo(t *testing.T, port int, method string, header http.Header) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequest(method, fmt.Sprintf("http://127.0.0.1:%d/", port), nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header = header
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body := new(strings.Builder)
	if _, err := fmt.Fprint(body, ""); err == nil {
		b := make([]byte, 4096)
		n, _ := resp.Body.Read(b)
		body.Write(b[:n])
	}
	resp.Header.Del("Date")
	return resp.StatusCode, resp.Header, body.String()
}

// TestReportOnlyChangesNothing puts a report-only policy in front of the two
// permissive setups it is meant to replace, a leftover header snippet and a
// backend that echoes every Origin: every response must be exactly what the
// same site sends without the cors line, preflights included (they reach
// the next handler); refusals are logged at INFO with what the response
// granted, and counted apart from enforced decisions.
func TestReportOnlyChangesNothing(t *testing.T) {
	backend := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if o := r.Header.Get("Origin"); o != "" {
			w.Header().Set("Access-Control-Allow-Origin", o)
			w.Header().Set("Access-Control-Allow-Credentials", "true")
			w.Header().Add("Vary", "Origin")
		}
		fmt.Fprintf(w, "backend %s", r.Method)
	})}
	ln := listenLoopback(t)
	go backend.Serve(ln)
	t.Cleanup(func() { backend.Close() })
	ports, err := freePorts(2)
	if err != nil {
		t.Fatal(err)
	}
	snippetBare, proxyBare := ports[0], ports[1]
	logFile := filepath.Join(t.TempDir(), "caddy.log")
	policy := `cors https://app.example.com {
		methods GET PUT
		report_only
	}`
	snippet := `header Access-Control-Allow-Origin *
	respond "next {method}"`
	proxy := "reverse_proxy " + ln.Addr().String()
	startCaddy(t, fmt.Sprintf(`
:{$SITE_PORT} {
	%s
	%s
}
:%d {
	%s
}
:%d {
	%s
	%s
}
:%d {
	%s
}`, policy, snippet, snippetBare, snippet, backendPort, policy, proxy, proxyBare, proxy),
		"metrics", fmt.Sprintf("log {\n\t\toutput file %s\n\t\tlevel INFO\n\t}", logFile))

	requests := []struct {
		name   string
		method string
		header http.Header
	}{
		{"allowed actual", "GET", hdr("Origin", appOrigin)},
		{"refused actual", "GET", hdr("Origin", evilOrigin)},
		{"no Origin", "GET", http.Header{}},
		{"allowed preflight", "OPTIONS", preflightFrom(appOrigin, "PUT")},
		{"preflight for a method the policy refuses", "OPTIONS", preflightFrom(appOrigin, "DELETE")},
		{"preflight from a refused origin", "OPTIONS", preflightFrom(evilOrigin, "PUT")},
	}
	for _, site := range []struct {
		name       string
		port, bare int
	}{{"header snippet", sitePort, snippetBare}, {"backend echoing the Origin", backendPort, proxyBare}} {
		for _, req := range requests {
			t.Run(site.name+"/"+req.name, func(t *testing.T) {
				status, header, body := sendTo(t, site.port, req.method, req.header)
				wantStatus, wantHeader, wantBody := sendTo(t, site.bare, req.method, req.header)
				if status != wantStatus || body != wantBody {
					t.Errorf("got %d %q, want %d %q as without cors", status, body, wantStatus, wantBody)
				}
				if formatHeaders(header) != formatHeaders(wantHeader) {
					t.Errorf("headers:\n got %s\nwant %s (as without cors)", formatHeaders(header), formatHeaders(wantHeader))
				}
			})
		}
	}

	lines := readLog(t, logFile, "cors: report-only: would refuse", 6)
	if len(lines) != 6 {
		t.Fatalf("%d would-refuse lines, want 6 (3 refusals on each site):\n%s", len(lines), strings.Join(lines, "\n"))
	}
	for _, want := range [][]string{
		{`"reason":"origin not allowed"`, `"origin":"https://evil.example.net"`, `"method":"GET"`, `"response_allow_origin":"*"`, `"granted_today":true`},
		{`"reason":"method \"DELETE\" not allowed"`, `"request_method":"DELETE"`, `"response_allow_origin":"*"`, `"granted_today":true`},
		{`"reason":"origin not allowed"`, `"method":"GET"`, `"response_allow_origin":"https://evil.example.net"`, `"response_allow_credentials":"true"`, `"granted_today":true`},
	} {
		if !slices.ContainsFunc(lines, func(line string) bool {
			for _, w := range want {
				if !strings.Contains(line, w) {
					return false
				}
			}
			return strings.Contains(line, `"level":"info"`)
		}) {
			t.Errorf("no INFO line with %s in:\n%s", want, strings.Join(lines, "\n"))
		}
	}

	got := scrapeMetrics(t, "caddy_http_cors_report_only_requests_total")
	for labels, value := range map[string]string{
		`{granted_today="true",kind="actual",reason="",result="allowed"}`:                      "2",
		`{granted_today="true",kind="actual",reason="origin_not_allowed",result="refused"}`:    "2",
		`{granted_today="true",kind="preflight",reason="method_not_allowed",result="refused"}`: "2",
		`{granted_today="true",kind="preflight",reason="origin_not_allowed",result="refused"}`: "2",
		`{granted_today="true",kind="preflight",reason="",result="allowed"}`:                   "2",
	} {
		if got[labels] != value {
			t.Errorf("caddy_http_cors_report_only_requests_total%s = %q, want %q", labels, got[labels], value)
		}
	}
	if enforced := scrapeMetrics(t, "caddy_http_cors_requests_total"); slices.ContainsFunc(slices.Collect(mapValues(enforced)), func(v string) bool { return v != "0" }) {
		t.Errorf("report-only requests counted as enforced: %v", enforced)
	}
}

func mapValues(m map[string]string) func(func(string) bool) {
	return func(yield func(string) bool) {
		for _, v := range m {
			if !yield(v) {
				return
			}
		}
	}
}

// TestReplacedHeadersAreReported: when an enforcing cors removes or
// replaces CORS headers that a backend set, it logs them at debug level and
// counts them by header, so operators can find such backends.
func TestReplacedHeadersAreReported(t *testing.T) {
	logFile := filepath.Join(t.TempDir(), "caddy.log")
	startCaddy(t, fmt.Sprintf(`
:{$SITE_PORT} {
	cors https://app.example.com
	reverse_proxy 127.0.0.1:%d
}
:%d {
	header Access-Control-Allow-Origin *
	header Access-Control-Allow-Credentials true
	respond "backend"
}`, backendPort, backendPort), "metrics", fmt.Sprintf("log {\n\t\toutput file %s\n\t\tlevel DEBUG\n\t}", logFile))
	exchange{name: "allowed", header: hdr("Origin", appOrigin), status: 200, cors: hdr("Access-Control-Allow-Origin", appOrigin, "Vary", "Origin"), body: "backend"}.run(t)
	exchange{name: "refused", header: hdr("Origin", evilOrigin), status: 200, cors: hdr("Vary", "Origin"), body: "backend"}.run(t)

	lines := readLog(t, logFile, "cors: replaced CORS headers set by another handler", 2)
	if len(lines) != 2 {
		t.Fatalf("%d replaced lines, want 2:\n%s", len(lines), strings.Join(lines, "\n"))
	}
	for _, line := range lines {
		for _, want := range []string{`"level":"debug"`, `"headers":["Access-Control-Allow-Origin","Access-Control-Allow-Credentials"]`, `"dropped":["Access-Control-Allow-Origin: *","Access-Control-Allow-Credentials: true"]`} {
			if !strings.Contains(line, want) {
				t.Errorf("replaced line lacks %s:\n%s", want, line)
			}
		}
	}
	got := scrapeMetrics(t, "caddy_http_cors_replaced_headers_total")
	for labels, value := range map[string]string{
		`{header="Access-Control-Allow-Origin"}`:      "2",
		`{header="Access-Control-Allow-Credentials"}`: "2",
		`{header="Access-Control-Expose-Headers"}`:    "0",
	} {
		if got[labels] != value {
			t.Errorf("caddy_http_cors_replaced_headers_total%s = %q, want %q", labels, got[labels], value)
		}
	}
}

// TestHeadersSetBeforeCorsAreReported: CORS headers that a handler before
// cors set are reported like a backend's, whether cors replaces them (a
// granted header) or removes them (one it does not grant), on actual
// requests and on the preflights it answers.
func TestHeadersSetBeforeCorsAreReported(t *testing.T) {
	logFile := filepath.Join(t.TempDir(), "caddy.log")
	startCaddy(t, `
:{$SITE_PORT} {
	route {
		header Access-Control-Allow-Origin *
		header Access-Control-Max-Age 86400
		cors https://app.example.com
		respond "site"
	}
}`, "metrics", fmt.Sprintf("log {\n\t\toutput file %s\n\t\tlevel DEBUG\n\t}", logFile))
	exchange{name: "actual", header: hdr("Origin", appOrigin), status: 200, cors: hdr("Access-Control-Allow-Origin", appOrigin, "Vary", "Origin"), body: "site"}.run(t)
	exchange{name: "preflight", method: "OPTIONS", header: preflightFrom(appOrigin, "PUT"), status: 204, cors: hdr(
		"Access-Control-Allow-Origin", appOrigin, "Access-Control-Allow-Methods", defaultACAM, "Vary", varyPreflight)}.run(t)

	got := scrapeMetrics(t, "caddy_http_cors_replaced_headers_total")
	for labels, value := range map[string]string{
		`{header="Access-Control-Allow-Origin"}`: "2",
		`{header="Access-Control-Max-Age"}`:      "2",
	} {
		if got[labels] != value {
			t.Errorf("caddy_http_cors_replaced_headers_total%s = %q, want %q", labels, got[labels], value)
		}
	}
	// One line per response names all it dropped.
	lines := readLog(t, logFile, "cors: replaced CORS headers set by another handler", 2)
	if len(lines) != 2 {
		t.Errorf("%d replaced lines, want 2 (one per response):\n%s", len(lines), strings.Join(lines, "\n"))
	}
	for _, line := range lines {
		for _, want := range []string{`"Access-Control-Allow-Origin: *"`, `"Access-Control-Max-Age: 86400"`} {
			if !strings.Contains(line, want) {
				t.Errorf("replaced line lacks %s:\n%s", want, line)
			}
		}
	}
}

// TestReportOnlyBesideAnEnforcedPolicy tries a stricter policy on some paths
// in report-only mode while the site's policy goes on enforcing: the
// enforced one must still decide those paths, and the report-only one
// reports what it would change.
func TestReportOnlyBesideAnEnforcedPolicy(t *testing.T) {
	logFile := filepath.Join(t.TempDir(), "caddy.log")
	startCaddy(t, `
:{$SITE_PORT} {
	cors /admin/* https://admin.example.com {
		report_only
	}
	cors https://*.example.com
	respond "next"
}`, fmt.Sprintf("log {\n\t\toutput file %s\n\t\tlevel INFO\n\t}", logFile))
	runExchanges(t, []exchange{
		{name: "the enforced policy decides /admin/* too", path: "/admin/x", header: hdr("Origin", appOrigin), status: 200,
			cors: hdr("Access-Control-Allow-Origin", appOrigin, "Vary", "Origin"), body: "next"},
		{name: "and answers its preflights", method: "OPTIONS", path: "/admin/x", header: preflightFrom(appOrigin, "PUT"), status: 204,
			cors: hdr("Access-Control-Allow-Origin", appOrigin, "Access-Control-Allow-Methods", defaultACAM, "Vary", varyPreflight)},
	})
	lines := readLog(t, logFile, "cors: report-only: would refuse", 2)
	if len(lines) != 2 {
		t.Fatalf("%d would-refuse lines, want 2:\n%s", len(lines), strings.Join(lines, "\n"))
	}
	for _, line := range lines {
		if !strings.Contains(line, `"response_allow_origin":"https://app.example.com"`) || !strings.Contains(line, `"granted_today":true`) {
			t.Errorf("the report does not show what the enforced policy granted:\n%s", line)
		}
	}
}

// TestReportOnlyCredentialedRequests: a request with a Cookie is
// credentialed, and a browser refuses "*" and a missing
// Access-Control-Allow-Credentials for it, so such a response does not
// grant it today.
func TestReportOnlyCredentialedRequests(t *testing.T) {
	logFile := filepath.Join(t.TempDir(), "caddy.log")
	startCaddy(t, `
:{$SITE_PORT} {
	cors https://app.example.com {
		report_only
	}
	handle /star {
		header Access-Control-Allow-Origin *
		respond "star"
	}
	handle /echo {
		header Access-Control-Allow-Origin {http.request.header.Origin}
		header Access-Control-Allow-Credentials true
		respond "echo"
	}
}`, fmt.Sprintf("log {\n\t\toutput file %s\n\t\tlevel INFO\n\t}", logFile))
	for i, tt := range []struct {
		path, cookie string
		granted      bool
	}{
		{"/star", "session=1", false},
		{"/star", "", true},
		{"/echo", "session=1", true},
	} {
		req, _ := http.NewRequest("GET", siteURL+tt.path, nil)
		req.Header.Set("Origin", evilOrigin)
		if tt.cookie != "" {
			req.Header.Set("Cookie", tt.cookie)
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		lines := readLog(t, logFile, "cors: report-only: would refuse", i+1)
		if len(lines) != i+1 {
			t.Fatalf("%s: %d would-refuse lines, want %d", tt.path, len(lines), i+1)
		}
		want := fmt.Sprintf(`"granted_today":%v`, tt.granted)
		if last := lines[i]; !strings.Contains(last, want) {
			t.Errorf("%s with cookie %q: want %s in\n%s", tt.path, tt.cookie, want, last)
		}
	}
}
