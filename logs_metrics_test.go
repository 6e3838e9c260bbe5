package cors

import (
	"bufio"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// scrapeCORSMetrics returns the caddy_http_cors_requests_total series from
// the admin API's /metrics endpoint, by their label sets.
func scrapeCORSMetrics(t *testing.T) map[string]string {
	t.Helper()
	return scrapeMetrics(t, "caddy_http_cors_requests_total")
}

// scrapeMetrics returns the series of one metric from the admin API's
// /metrics endpoint, by their label sets.
func scrapeMetrics(t *testing.T, name string) map[string]string {
	t.Helper()
	resp, err := client.Get(fmt.Sprintf("http://localhost:%d/metrics", adminPort))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /metrics: %s", resp.Status)
	}
	series := map[string]string{}
	scanner := bufio.NewScanner(resp.Body)
	for scanner.Scan() {
		line := scanner.Text()
		if labels, ok := strings.CutPrefix(line, name+"{"); ok {
			labels = "{" + labels
			labels, value, _ := strings.Cut(labels, " ")
			series[labels] = value
		}
	}
	if err := scanner.Err(); err != nil {
		t.Fatal(err)
	}
	return series
}

func TestRequestsAreCountedInCaddyMetrics(t *testing.T) {
	startCaddy(t, `
:{$SITE_PORT} {
	cors https://app.example.com {
		methods GET PUT
		headers X-Custom
	}
	respond "next" 200
}`, "metrics")

	for _, e := range []exchange{
		{name: "allowed actual", header: hdr("Origin", appOrigin), status: 200, cors: hdr("Access-Control-Allow-Origin", appOrigin, "Vary", "Origin"), body: "next"},
		{name: "allowed actual again", header: hdr("Origin", appOrigin), status: 200, cors: hdr("Access-Control-Allow-Origin", appOrigin, "Vary", "Origin"), body: "next"},
		{name: "refused actual", header: hdr("Origin", evilOrigin), status: 200, cors: hdr("Vary", "Origin"), body: "next"},
		{name: "not a CORS request: not counted", status: 200, cors: hdr("Vary", "Origin"), body: "next"},
		{name: "allowed preflight", method: "OPTIONS", header: preflightFrom(appOrigin, "PUT"), status: 204, cors: hdr("Access-Control-Allow-Origin", appOrigin, "Access-Control-Allow-Methods", "GET, PUT", "Vary", varyPreflight)},
		{name: "preflight for a method not allowed", method: "OPTIONS", header: preflightFrom(appOrigin, "DELETE"), status: 403, cors: hdr("Vary", varyPreflight)},
		{name: "preflight for a header not allowed", method: "OPTIONS", header: preflightFrom(appOrigin, "PUT", "Access-Control-Request-Headers", "x-other"), status: 403, cors: hdr("Vary", varyPreflight)},
		{name: "preflight for a response header as a request header", method: "OPTIONS", header: preflightFrom(appOrigin, "PUT", "Access-Control-Request-Headers", "Access-Control-Allow-Origin"), status: 403, cors: hdr("Vary", varyPreflight)},
		{name: "preflight from a malformed origin", method: "OPTIONS", header: preflightFrom("https://app.example.com/", "PUT"), status: 403, cors: hdr("Vary", varyPreflight)},
	} {
		e.run(t)
	}

	got := scrapeCORSMetrics(t)
	want := map[string]string{
		`{kind="actual",reason="",result="allowed"}`:                             "2",
		`{kind="actual",reason="malformed_origin",result="refused"}`:             "0",
		`{kind="actual",reason="origin_not_allowed",result="refused"}`:           "1",
		`{kind="preflight",reason="",result="allowed"}`:                          "1",
		`{kind="preflight",reason="malformed_origin",result="refused"}`:          "1",
		`{kind="preflight",reason="origin_not_allowed",result="refused"}`:        "0",
		`{kind="preflight",reason="malformed_method",result="refused"}`:          "0",
		`{kind="preflight",reason="method_not_allowed",result="refused"}`:        "1",
		`{kind="preflight",reason="malformed_headers",result="refused"}`:         "0",
		`{kind="preflight",reason="headers_too_large",result="refused"}`:         "0",
		`{kind="preflight",reason="header_not_allowed",result="refused"}`:        "1",
		`{kind="preflight",reason="response_header_requested",result="refused"}`: "1",
	}
	for labels, value := range want {
		if got[labels] != value {
			t.Errorf("caddy_http_cors_requests_total%s = %q, want %q", labels, got[labels], value)
		}
	}
	for labels := range got {
		if _, ok := want[labels]; !ok {
			t.Errorf("unexpected series caddy_http_cors_requests_total%s", labels)
		}
	}
}

func TestNoCORSMetricsUnlessEnabled(t *testing.T) {
	startCaddy(t, `
:{$SITE_PORT} {
	cors https://app.example.com
	respond "next" 200
}`)
	exchange{name: "allowed actual", header: hdr("Origin", appOrigin), status: 200, cors: hdr("Access-Control-Allow-Origin", appOrigin, "Vary", "Origin"), body: "next"}.run(t)
	if got := scrapeCORSMetrics(t); len(got) != 0 {
		t.Errorf("cors metrics without the metrics option: %v", got)
	}
}

// TestErrorPagesAreCountedOnce: a request whose chain returns an error runs
// through the cors handler in handle_errors too (README's snippet); it is
// still one CORS request, counted once.
func TestErrorPagesAreCountedOnce(t *testing.T) {
	startCaddy(t, `
(api-cors) {
	cors https://app.example.com
}
:{$SITE_PORT} {
	import api-cors
	error "nope" 404
	handle_errors {
		import api-cors
		respond "error page" 404
	}
}`, "metrics")
	exchange{name: "allowed", header: hdr("Origin", appOrigin), status: 404, cors: hdr("Access-Control-Allow-Origin", appOrigin, "Vary", "Origin"), body: "error page"}.run(t)
	exchange{name: "refused", header: hdr("Origin", evilOrigin), status: 404, cors: hdr("Vary", "Origin"), body: "error page"}.run(t)
	got := scrapeCORSMetrics(t)
	for labels, value := range map[string]string{
		`{kind="actual",reason="",result="allowed"}`:                   "1",
		`{kind="actual",reason="origin_not_allowed",result="refused"}`: "1",
	} {
		if got[labels] != value {
			t.Errorf("caddy_http_cors_requests_total%s = %q, want %q", labels, got[labels], value)
		}
	}
}

// TestRefusalsAreLoggedAtDebug reads Caddy's log to check that each refused
// request says why.
func TestRefusalsAreLoggedAtDebug(t *testing.T) {
	logFile := filepath.Join(t.TempDir(), "caddy.log")
	startCaddy(t, `
:{$SITE_PORT} {
	cors https://app.example.com {
		methods GET PUT
		headers X-Custom
	}
	respond "next" 200
}`, fmt.Sprintf("log {\n\t\toutput file %s\n\t\tlevel DEBUG\n\t}", logFile))

	cases := []struct {
		header http.Header
		reason string
	}{
		{preflightFrom(evilOrigin, "PUT"), `"reason":"origin not allowed"`},
		{preflightFrom(appOrigin, "DELETE"), `"reason":"method \"DELETE\" not allowed"`},
		{preflightFrom(appOrigin, "PUT", "Access-Control-Request-Headers", "x-custom,X-Foo"), `"reason":"header \"X-Foo\" not allowed"`},
		{preflightFrom(appOrigin, "PUT", "Access-Control-Request-Headers", "x-custom,access-control-allow-origin"), `"reason":"header \"access-control-allow-origin\" is a response header sent as a request header; remove it from the request"`},
		{preflightFrom("https://app.example.com/path", "PUT"), `"reason":"malformed origin"`},
		{preflightFrom(appOrigin, "PUT", "Access-Control-Request-Headers", "a b"), `"reason":"malformed Access-Control-Request-Headers"`},
		{preflightFrom(`https://x".example`, "PUT"), `"origin":"https://x\".example"`},
		{preflightFrom(`https://evil.example","reason":"origin allowed`, "PUT"), `"origin":"https://evil.example\",\"reason\":\"origin allowed"`},
	}
	for _, c := range cases {
		exchange{name: c.reason, method: "OPTIONS", header: c.header, status: 403, cors: hdr("Vary", varyPreflight)}.run(t)
	}
	exchange{name: "actual", header: hdr("Origin", evilOrigin), status: 200, cors: hdr("Vary", "Origin"), body: "next"}.run(t)

	log := strings.Join(readLog(t, logFile, "cors: request refused", len(cases)+1), "\n")
	for _, c := range cases {
		if !strings.Contains(log, c.reason) {
			t.Errorf("log has no line with %s", c.reason)
		}
	}
	if n := strings.Count(log, "cors: request refused"); n != len(cases)+1 {
		t.Errorf("%d refusals logged, want %d", n, len(cases)+1)
	}
	if strings.Contains(log, `"reason":"origin allowed"`) {
		t.Errorf("a hostile origin forged a log field:\n%s", log)
	}
}

// TestLongMaxAgeWarns checks the warning for a max_age that Chromium cuts
// short: the config loads, and the log says what will happen.
func TestLongMaxAgeWarns(t *testing.T) {
	logFile := filepath.Join(t.TempDir(), "caddy.log")
	startCaddy(t, `
:{$SITE_PORT} {
	cors https://app.example.com {
		max_age 3h
	}
	respond "next" 200
}`, fmt.Sprintf("log {\n\t\toutput file %s\n\t}", logFile))
	exchange{
		name:   "preflight gets the configured max age",
		method: "OPTIONS",
		header: preflightFrom(appOrigin, "PUT"),
		status: 204,
		cors: hdr(
			"Access-Control-Allow-Origin", appOrigin,
			"Access-Control-Allow-Methods", defaultACAM,
			"Access-Control-Max-Age", "10800",
			"Vary", varyPreflight,
		),
	}.run(t)
	b, _ := os.ReadFile(logFile)
	if want := `"level":"warn"`; !strings.Contains(string(b), want) || !strings.Contains(string(b), "cors: max_age: 3h is more than 2h") {
		t.Errorf("log has no warning about max_age 3h:\n%s", b)
	}
}

// TestNoOriginsWarns: a cors line whose origins are empty (as when a
// placeholder such as {$CORS_ORIGINS} is unset) allows any origin, and says
// so at load; "origins *" says it on purpose, without a warning.
func TestNoOriginsWarns(t *testing.T) {
	const warning = "cors: no origins are listed, so any origin may read responses"
	os.Unsetenv("CORS_TEST_UNSET_ORIGINS")
	for _, tt := range []struct {
		name, directive string
		warns           bool
	}{
		{"an unset placeholder", "cors /api/* {$CORS_TEST_UNSET_ORIGINS}", true},
		{"origins *", "cors /api/* {\n\t\torigins *\n\t}", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			checkLoadWarning(t, fmt.Sprintf(`
:{$SITE_PORT} {
	%s
	respond "next" 200
}`, tt.directive), warning, tt.warns)
			exchange{name: "any origin is allowed", path: "/api/x", header: hdr("Origin", evilOrigin), status: 200,
				cors: hdr("Access-Control-Allow-Origin", "*"), body: "next"}.run(t)
		})
	}
}

// TestErrorPolicyWarnings: error routes whose cors handlers are configured
// unlike the site's give error responses another policy; Caddy loads them
// (it may be meant) and says so at load, naming what differs. A cors in
// handle_errors unlike every one of the site's, or a site with a cors per
// path whose handle_errors imports only one of them, warns; the same
// policies in both places do not.
func TestErrorPolicyWarnings(t *testing.T) {
	const (
		unlike  = "cors: the cors handler for \\\"https://other.example.com\\\" in handle_errors is configured unlike every cors handler of the site's routes"
		missing = `cors: handle_errors has no cors handler configured like the one for \"https://admin.example.com\"`
	)
	site := func(errorPolicies string) string {
		return fmt.Sprintf(`
(admin) {
	cors /admin/* https://admin.example.com {
		credentials
	}
}
(general) {
	cors https://*.example.com
}
:{$SITE_PORT} {
	import admin
	import general
	error 500
	handle_errors {
		%s
		respond "error page"
	}
}`, errorPolicies)
	}
	for _, tt := range []struct {
		name, errorPolicies, warning string
		warns                        bool
	}{
		{"a policy unlike the site's", "import admin\n\t\tcors https://other.example.com", unlike, true},
		{"one of two per-path policies", "import general", missing, true},
		{"the same policies", "import admin\n\t\timport general", unlike, false},
		{"the same policies, nothing missing", "import admin\n\t\timport general", missing, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			checkLoadWarning(t, site(tt.errorPolicies), tt.warning, tt.warns)
		})
	}
}

// checkLoadWarning starts Caddy with sites and checks whether it logged
// warning (as the JSON log escapes it) while loading them.
func checkLoadWarning(t *testing.T, sites, warning string, want bool) {
	t.Helper()
	logFile := filepath.Join(t.TempDir(), "caddy.log")
	startCaddy(t, sites, fmt.Sprintf("log {\n\t\toutput file %s\n\t}", logFile))
	b, _ := os.ReadFile(logFile)
	if got := strings.Contains(string(b), warning); got != want {
		t.Errorf("warning logged = %v, want %v:\n%s", got, want, b)
	}
}
