package cors

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/caddyserver/caddy/v2/caddyconfig"
	"github.com/caddyserver/caddy/v2/caddytest"
)

// adaptHandler adapts a site holding one cors directive, as `caddy adapt`
// does, and returns the cors handler's JSON.
func adaptHandler(t *testing.T, directive string) (string, error) {
	t.Helper()
	out, _, err := caddyconfig.GetAdapter("caddyfile").Adapt([]byte(":80 {\n"+directive+"\n}"), nil)
	if err != nil {
		return "", err
	}
	// Keys come sorted, and none before "handler" holds an object, so the
	// handler starts at the last brace before its name.
	i := strings.Index(string(out), `"handler":"cors"`)
	if i < 0 {
		t.Fatalf("no cors handler in %s", out)
	}
	i = strings.LastIndexByte(string(out[:i]), '{')
	var handler json.RawMessage
	if err := json.NewDecoder(strings.NewReader(string(out[i:]))).Decode(&handler); err != nil {
		t.Fatal(err)
	}
	return string(handler), nil
}

// sameJSON reports whether two JSON texts hold the same value.
func sameJSON(t *testing.T, a, b string) bool {
	var va, vb any
	if err := json.Unmarshal([]byte(a), &va); err != nil {
		t.Fatalf("%s: %v", a, err)
	}
	if err := json.Unmarshal([]byte(b), &vb); err != nil {
		t.Fatalf("%s: %v", b, err)
	}
	return reflect.DeepEqual(va, vb)
}

func TestCaddyfileAdaptsToDocumentedJSON(t *testing.T) {
	tests := []struct {
		name      string
		directive string
		json      string
	}{
		{
			name:      "bare cors leaves origins out (any origin, with a warning at load)",
			directive: "cors",
			json:      `{"handler":"cors"}`,
		},
		{
			name:      "origins * says any origin on purpose",
			directive: "cors {\n origins *\n}",
			json:      `{"handler":"cors","origins":["*"]}`,
		},
		{
			name:      "origins on the first line and in the block add up",
			directive: "cors https://a.example.com {\n origins https://b.example.com\n origins https://c.example.com http://localhost:*\n}",
			json:      `{"handler":"cors","origins":["https://a.example.com","https://b.example.com","https://c.example.com","http://localhost:*"]}`,
		},
		{
			name: "every subdirective",
			directive: `cors https://app.example.com {
	origin_regexps https://pr-[0-9]+\.preview\.example\.com
	methods GET POST
	headers Content-Type Authorization
	expose_headers X-Request-Id
	credentials
	max_age 10m
	private_network
	preflight_status 200
	preflight_passthrough
	allow_insecure_origins
	allow_public_suffix_wildcards
}`,
			json: `{"handler":"cors","origins":["https://app.example.com"],"origin_regexps":["https://pr-[0-9]+\\.preview\\.example\\.com"],` +
				`"methods":["GET","POST"],"headers":["Content-Type","Authorization"],"expose_headers":["X-Request-Id"],"credentials":true,` +
				`"max_age":"10m","private_network":true,"preflight_status":200,"preflight_passthrough":true,` +
				`"allow_insecure_origins":true,"allow_public_suffix_wildcards":true}`,
		},
		{
			name:      "max_age 0 is kept, meaning no caching",
			directive: "cors https://app.example.com {\n max_age 0\n}",
			json:      `{"handler":"cors","origins":["https://app.example.com"],"max_age":"0s"}`,
		},
		{
			name:      "a matcher is not an origin",
			directive: "cors /api/* https://app.example.com",
			json:      `{"handler":"cors","origins":["https://app.example.com"]}`,
		},
		{
			name:      "origin_regexp, the name before v1, still reads as origin_regexps",
			directive: "cors {\n origin_regexp https://pr-[0-9]+\\.preview\\.example\\.com\n origin_regexps https://qa-[0-9]+\\.example\\.com\n}",
			json:      `{"handler":"cors","origin_regexps":["https://pr-[0-9]+\\.preview\\.example\\.com","https://qa-[0-9]+\\.example\\.com"]}`,
		},
		{
			name:      "the any-origin matcher on the first line is a matcher",
			directive: "cors * {\n methods GET\n}",
			json:      `{"handler":"cors","methods":["GET"]}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := adaptHandler(t, tt.directive)
			if err != nil {
				t.Fatal(err)
			}
			if !sameJSON(t, got, tt.json) {
				t.Errorf("adapted to\n%s\nwant\n%s", got, tt.json)
			}
		})
	}
}

func TestCaddyfileErrors(t *testing.T) {
	tests := []struct {
		name      string
		directive string
		errors    []string // each must appear in the error
	}{
		{"unknown subdirective", "cors {\n origin https://a.example.com\n}", []string{`unknown subdirective "origin"`, "Caddyfile:3"}},
		{"flag with a value", "cors https://a.example.com {\n credentials yes\n}", []string{`credentials: takes no value`}},
		{"list without values", "cors {\n methods\n}", []string{"methods: needs at least one value"}},
		{"max_age twice", "cors {\n max_age 1m\n max_age 2m\n}", []string{"max_age: given twice"}},
		{"max_age without value", "cors {\n max_age\n}", []string{"max_age: needs exactly one value"}},
		{"max_age with two values", "cors {\n max_age 1m 2m\n}", []string{"max_age: needs exactly one value"}},
		{"max_age not a duration", "cors {\n max_age soon\n}", []string{`max_age: "soon" is not a duration`}},
		{"preflight_status not a number", "cors {\n preflight_status ok\n}", []string{`preflight_status: "ok" is not a status code`}},
		{"star with credentials", "cors {\n origins *\n credentials\n}", []string{"credentials: cannot be used with any origin"}},
		{"bare cors with credentials", "cors {\n credentials\n}", []string{"credentials: cannot be used with any origin"}},
		{"star among other origins", "cors https://a.example.com {\n origins *\n}", []string{`origins: "*" allows every origin`}},
		{"expose star with credentials", "cors https://a.example.com {\n expose_headers *\n credentials\n}", []string{`expose_headers: "*" cannot be used with credentials`, "list the headers to expose in expose_headers, or remove credentials"}},
		{"response header listed as a request header", "cors https://a.example.com {\n headers Content-Type Access-Control-Allow-Origin\n}", []string{`headers: "Access-Control-Allow-Origin" is a response header: a page that sends it makes a mistake (a response header sent as a request header; remove it from the request)`}},
		{"request header listed as exposed", "cors https://a.example.com {\n expose_headers X-Request-Id Access-Control-Request-Method\n}", []string{`expose_headers: "Access-Control-Request-Method" is a request header that browsers send in preflights`}},
		{"empty origin regexp", "cors {\n origin_regexps \"\"\n}", []string{`origin_regexps: "" is empty`}},
		{"credentialed wildcard over a wildcard suffix rule", "cors https://*.r.appspot.com {\n credentials\n}", []string{`the public suffix "*.r.appspot.com"`}},
		{"credentialed wildcard over a city suffix rule", "cors https://*.kobe.jp {\n credentials\n}", []string{`the public suffix "*.kobe.jp"`}},
		{"credentialed wildcard over suffix rules below it", "cors https://*.customer-oci.com {\n credentials\n}", []string{`"https://*.customer-oci.com" allows every site under the public suffix`}},
		{"credentialed wildcard over explicit suffixes below it", "cors https://*.amazonaws.com {\n credentials\n}", []string{`"https://*.amazonaws.com" allows every site under the public suffix "s3.amazonaws.com"`}},
		{"credentialed wildcard under a per-tenant suffix", "cors https://*.platformsh.site {\n credentials\n}", []string{`"https://*.platformsh.site" allows every site under the public suffix`}},
		{"credentialed wildcard over compute hosts", "cors https://*.compute.amazonaws.com {\n credentials\n}", []string{`"https://*.compute.amazonaws.com" allows every site under the public suffix`}},
		{"null origin", "cors null", []string{`origins: "null"`}},
		{"file origin", "cors file:///home/me/index.html", []string{`origins: "file:///home/me/index.html"`}},
		{"trailing slash", "cors https://app.example.com/", []string{`"https://app.example.com/"`, `write "https://app.example.com"`}},
		{"path", "cors https://app.example.com/api", []string{`"https://app.example.com/api"`, `"https://app.example.com"`}},
		{"query", "cors https://app.example.com?x=1", []string{`"https://app.example.com?x=1"`}},
		{"fragment", "cors https://app.example.com#top", []string{`"https://app.example.com#top"`}},
		{"userinfo", "cors https://me@app.example.com", []string{`"https://me@app.example.com"`}},
		{"uppercase", "cors https://App.Example.com", []string{`write "https://app.example.com"`}},
		{"default https port", "cors https://app.example.com:443", []string{`write "https://app.example.com"`}},
		{"default http port", "cors http://localhost:80", []string{`write "http://localhost"`}},
		{"unicode host", "cors https://bücher.example", []string{`write "https://xn--bcher-kva.example"`}},
		{"wildcard not a whole label", "cors https://*example.com", []string{`"https://*example.com"`, `"https://*.example.com"`}},
		{"wildcard inside a label", "cors https://ex*.com", []string{`"https://ex*.com"`}},
		{"bad port", "cors https://app.example.com:99999", []string{`"https://app.example.com:99999"`}},
		{"no scheme", "cors app.example.com", []string{`write "https://app.example.com"`}},
		{"insecure origin with credentials", "cors http://app.example.com {\n credentials\n}", []string{`origins: "http://app.example.com" uses plain http`, "allow_insecure_origins"}},
		{"public suffix wildcard with credentials", "cors https://*.github.io {\n credentials\n}", []string{`origins: "https://*.github.io"`, "allow_public_suffix_wildcards"}},
		{"country-code public suffix wildcard with credentials", "cors https://*.co.uk {\n credentials\n}", []string{`"https://*.co.uk"`}},
		{"invalid regexp", "cors {\n origin_regexps https://(a\n}", []string{`origin_regexps: "https://(a" is not a valid RE2 regular expression: error parsing regexp: missing closing ): ` + "`https://(a`"}},
		{"regexp matching strangers with credentials", "cors {\n origin_regexps https://.*\n credentials\n}", []string{`origin_regexps: "https://.*" does not end the host with a fixed domain`}},
		{"regexp matching plain-http strangers with credentials", "cors {\n origin_regexps http://[a-z.-]+\n credentials\n}", []string{`origin_regexps: "http://[a-z.-]+" does not end the host with a fixed domain`}},
		{"regexp with unescaped dots and credentials", "cors {\n origin_regexps https://app.example.com\n credentials\n}", []string{`origin_regexps: "https://app.example.com" has an unescaped "." in the host, which matches any character, so "https://appxexample.com" matches too; write "\." for a dot`}},
		{"regexp for plain http and credentials", "cors {\n origin_regexps http://[a-z]+\\.example\\.com\n credentials\n}", []string{`origin_regexps: "http://[a-z]+\\.example\\.com" matches plain-http origins`, "allow_insecure_origins"}},
		{"regexp under a public suffix and credentials", "cors {\n origin_regexps https://[a-z0-9-]+\\.github\\.io\n credentials\n}", []string{`matches every site under the public suffix "github.io", which anyone can register`, "allow_public_suffix_wildcards"}},
		{"regexp under a top-level domain and credentials", "cors {\n origin_regexps https://.*\\.com\n credentials\n}", []string{`origin_regexps: "https://.*\\.com" matches every site under the public suffix "com"`}},
		{"regexp without a dot before its fixed end and credentials", "cors {\n origin_regexps https://[a-z]+example\\.com\n credentials\n}", []string{`lets any characters come right before "example.com" in the host, so a site named like "evilexample.com" matches`}},
		{"regexp without a literal scheme and credentials", "cors {\n origin_regexps [a-z]+://app\\.example\\.com\n credentials\n}", []string{`does not begin with a literal scheme`}},
		{"regexp with a branch for plain http and credentials", "cors {\n origin_regexps https?://app\\.example\\.com\n credentials\n}", []string{`matches plain-http origins`}},
		{"regexp with an optional dot in the host and credentials", "cors {\n origin_regexps https://app\\.?example\\.com\n credentials\n}", []string{`has an optional part in the host, so it also matches "https://appexample.com"`}},
		{"regexp with an optional label and credentials", "cors {\n origin_regexps https://(evil)?example\\.com\n credentials\n}", []string{`has an optional part in the host, so it also matches "https://example.com"`}},
		{"regexp with an empty alternative in the host and credentials", "cors {\n origin_regexps https://app(\\.|)example\\.com\n credentials\n}", []string{`has an optional part in the host`}},
		{"regexp with an optional suffix and credentials", "cors {\n origin_regexps https://[a-z]+\\.example\\.com(\\.cn)?\n credentials\n}", []string{`has an optional part in the host, so it also matches hosts`}},
		{"private_network with any origin", "cors {\n private_network\n}", []string{`private_network: cannot be used with any origin`}},
		{"opaque origin data:", "cors data:", []string{`"data:" is not an origin: pages from data: URLs have an opaque origin`}},
		{"opaque origin about:blank", "cors about:blank", []string{`"about:blank" is not an origin`}},
		{"wildcard under a top-level domain outside the public DNS", "cors https://*.internal {\n credentials\n}", []string{`"internal", a top-level domain outside the public DNS`}},
		{"invalid method", "cors {\n methods GE(T\n}", []string{`methods: "GE(T" is not a valid method name`}},
		{"CONNECT", "cors {\n methods CONNECT\n}", []string{`methods: "CONNECT" is forbidden`}},
		{"TRACE", "cors {\n methods trace\n}", []string{`methods: "trace" is forbidden`}},
		{"TRACK", "cors {\n methods TRACK\n}", []string{`methods: "TRACK" is forbidden`}},
		{"lowercase normalized method", "cors {\n methods get\n}", []string{`methods: "get" would never match`, `write "GET"`}},
		{"method star among others", "cors {\n methods * GET\n}", []string{`methods: "*" allows every method`}},
		{"invalid header", "cors {\n headers X:Y\n}", []string{`headers: "X:Y" is not a valid header name`}},
		{"forbidden header Cookie", "cors {\n headers Cookie\n}", []string{`headers: "Cookie" is a forbidden request header`}},
		{"forbidden header Host", "cors {\n headers host\n}", []string{`headers: "host" is a forbidden request header`}},
		{"forbidden header Sec-", "cors {\n headers Sec-Fetch-Mode\n}", []string{`"Sec-Fetch-Mode" is a forbidden`}},
		{"forbidden header Proxy-", "cors {\n headers Proxy-Authorization\n}", []string{`"Proxy-Authorization" is a forbidden`}},
		{"Set-Cookie exposed", "cors {\n expose_headers Set-Cookie\n}", []string{`expose_headers: "Set-Cookie" is never readable`}},
		{"negative max_age", "cors {\n max_age -1s\n}", []string{"max_age: -1s is negative"}},
		{"max_age over 24h", "cors {\n max_age 25h\n}", []string{"max_age: 25h is more than 24h"}},
		{"max_age with a fraction of a second", "cors {\n max_age 1500ms\n}", []string{"not a whole number of seconds"}},
		{"max_age without a unit", "cors {\n max_age 600\n}", []string{`max_age: "600" is not a duration`}},
		{"preflight_status 404", "cors {\n preflight_status 404\n}", []string{"preflight_status: 404 is not a 2xx status"}},
		{"preflight_status 302", "cors {\n preflight_status 302\n}", []string{"preflight_status: 302 is not a 2xx status"}},
		{
			name:      "every error is reported at once",
			directive: "cors https://a.example.com/ http://b.example.com {\n methods TRACE get\n headers Cookie\n credentials\n max_age -1s\n preflight_status 500\n}",
			errors: []string{
				`origins: "https://a.example.com/"`, `origins: "http://b.example.com" uses plain http`,
				`methods: "TRACE"`, `methods: "get"`, `headers: "Cookie"`, "max_age: -1s", "preflight_status: 500",
				"in the cors directive at Caddyfile:2",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := adaptHandler(t, tt.directive)
			if err == nil {
				t.Fatal("adapted without error")
			}
			for _, want := range tt.errors {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error does not mention %s:\n%v", want, err)
				}
			}
		})
	}
}

func TestCaddyfileAcceptsValidOrigins(t *testing.T) {
	for _, directive := range []string{
		"cors https://app.example.com:8443 https://*.example.com https://*.example.com:* http://localhost:* http://127.0.0.1:3000 http://[::1]:8080",
		"cors capacitor://localhost chrome-extension://abcdefghijklmnopabcdefghijklmnop",
		"cors http://localhost:3000 http://*.localhost {\n credentials\n}",
		"cors http://app.example.com {\n credentials\n allow_insecure_origins\n}",
		"cors https://*.github.io {\n credentials\n allow_public_suffix_wildcards\n}",
		"cors https://*.r.appspot.com {\n credentials\n allow_public_suffix_wildcards\n}",
		"cors https://*.city.kobe.jp https://*.app.example.com {\n credentials\n}",
		"cors https://*.github.io",
		"cors https://app.example.com {\n methods PURGE patch\n headers authorization X-Custom\n max_age 3h\n}",
		"cors {\n origin_regexps https://[a-z0-9-]+\\.preview\\.example\\.com\n credentials\n}",
		"cors {\n origin_regexps https://(app|api)\\.example\\.com(:8443)?\n credentials\n}",
		"cors {\n origin_regexps (?i)https://pr-[0-9]+\\.example\\.com http://localhost:[0-9]+\n credentials\n}",
		"cors {\n origin_regexps https://app\\.?example\\.com\n}",
		"cors {\n origin_regexps https://(www\\.)?example\\.com https://[a-z]+\\.example\\.com(?:|:[0-9]+)\n credentials\n}",
	} {
		if _, err := adaptHandler(t, directive); err != nil {
			t.Errorf("%s:\n%v", directive, err)
		}
	}
}

// TestJSONConfigIsValidatedOnLoad loads bad JSON through the admin API, as
// a user of the API would, and expects Caddy to refuse it with our message.
func TestJSONConfigIsValidatedOnLoad(t *testing.T) {
	tests := []struct {
		name    string
		handler string
		want    string
	}{
		{"star with credentials", `{"handler":"cors","origins":["*"],"credentials":true}`, "credentials: cannot be used with any origin"},
		{"no origins with credentials", `{"handler":"cors","credentials":true}`, "credentials: cannot be used with any origin"},
		{"trailing slash", `{"handler":"cors","origins":["https://app.example.com/"]}`, `write \"https://app.example.com\"`},
		{"max_age above 24h", `{"handler":"cors","origins":["https://app.example.com"],"max_age":"48h"}`, "max_age: 48h is more than 24h"},
		{"max_age as a number is nanoseconds", `{"handler":"cors","max_age":600}`, "max_age: 600ns is less than a second"},
		{"unknown field", `{"handler":"cors","origin":["https://app.example.com"]}`, "origin"},
		{"empty origins", `{"handler":"cors","origins":[]}`, `origins: is empty ([] or null)`},
		{"empty origin_regexps", `{"handler":"cors","origins":["https://app.example.com"],"origin_regexps":[]}`, `origin_regexps: is empty ([] or null)`},
		{"empty methods", `{"handler":"cors","origins":["https://app.example.com"],"methods":[]}`, `methods: is empty ([] or null)`},
		{"empty headers", `{"handler":"cors","origins":["https://app.example.com"],"headers":[]}`, `headers: is empty ([] or null)`},
		{"null origins", `{"handler":"cors","origins":null}`, `origins: is empty ([] or null)`},
		{"null expose_headers", `{"handler":"cors","origins":["https://app.example.com"],"expose_headers":null}`, `expose_headers: is empty ([] or null)`},
		{"regexp with unescaped dots and credentials", `{"handler":"cors","origin_regexps":["https://app.example.com"],"credentials":true}`, `has an unescaped \".\" in the host`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			caddytest.AssertLoadError(t, jsonConfig(tt.handler), "json", tt.want)
		})
	}
}

func jsonConfig(handler string) string {
	return fmt.Sprintf(`{
	"admin": {"listen": "localhost:%d"},
	"apps": {"http": {"http_port": %d, "servers": {"srv0": {
		"listen": [%q],
		"routes": [{"handle": [%s, {"handler": "static_response", "body": "next"}]}]
	}}}}
}`, adminPort, sitePort, siteAddr, handler)
}

func TestJSONConfigLoadsThroughAdminAPI(t *testing.T) {
	tc := caddytest.NewTester(t)
	tc.InitServer(jsonConfig(`{"handler":"cors","origins":["https://app.example.com"],"credentials":true,"max_age":"10m"}`), "json")
	if t.Failed() {
		t.FailNow()
	}
	runExchanges(t, []exchange{{
		name:   "preflight answered by the JSON-configured policy",
		method: "OPTIONS",
		header: preflightFrom(appOrigin, "PUT"),
		status: 204,
		cors: hdr(
			"Access-Control-Allow-Origin", appOrigin,
			"Access-Control-Allow-Credentials", "true",
			"Access-Control-Allow-Methods", defaultACAM,
			"Access-Control-Max-Age", "600",
			"Vary", varyPreflight,
		),
	}})
}
