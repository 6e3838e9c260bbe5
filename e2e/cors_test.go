package e2e

import (
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"
	"text/template"
	"time"
)

type stackConfig struct {
	Port      int    // HTTPS, for every site
	HTTPPort  int    // never used: no site is plain HTTP and redirects are off
	AdminPort int    // Caddy's admin API
	Storage   string // where Caddy's internal CA and certificates go
	Backend   string // host:port of the backend
	App       string // https://app.example.test:PORT, the origin the API allows
}

// stackTemplate has one policy per API path prefix; each scenario calls the
// prefix whose policy it is about. Everything listens on loopback only, and
// nothing touches the system trust store.
var stackTemplate = template.Must(template.New("Caddyfile").Parse(`{
	admin 127.0.0.1:{{.AdminPort}}
	http_port {{.HTTPPort}}
	https_port {{.Port}}
	storage file_system {{printf "%q" .Storage}}
	skip_install_trust
	auto_https disable_redirects
	servers {
		protocols h1 h2
	}
}

(loopback) {
	bind 127.0.0.1
	tls internal
}

# The pages whose scripts make the calls: an empty page at every path.
https://app.example.test:{{.Port}}, https://app.evil.test:{{.Port}} {
	import loopback
	header Content-Type "text/html; charset=utf-8"
	respond "<!doctype html><title>page</title>"
}

# The API.
https://api.example.test:{{.Port}} {
	import loopback

	cors /simple/* {{.App}}

	cors /methods/* {{.App}} {
		methods GET POST PUT
	}

	cors /headers/* {{.App}} {
		headers Content-Type X-Allowed
	}

	cors /any-headers/* {{.App}} {
		headers *
	}

	cors /credentials/* {{.App}} {
		credentials
	}

	cors /any-headers-credentials/* {{.App}} {
		headers *
		credentials
	}

	cors /expose/* {{.App}} {
		expose_headers X-Exposed
	}

	cors /wildcard/* https://*.example.test:{{.Port}}

	cors /auth/* {{.App}}
	basic_auth /auth/* {
		# password: open sesame
		alice $2a$04$Ibp4a9ZrYGmY.rIrr0Nb0eVDMfvrYqaHRJS/drc.7K0W3x8hcUFAa
	}

	# The backend sets its own Access-Control-Allow-Origin: * on /proxied/.
	cors /proxied/* {{.App}} {
		credentials
	}

	# Preflights reach the backend, which counts them.
	cors /cached/* {{.App}} {
		max_age 10m
		preflight_passthrough
	}
	cors /uncached/* {{.App}} {
		preflight_passthrough
	}

	reverse_proxy {{.Backend}}
}
`))

func stackCaddyfile(c stackConfig) (string, error) {
	var b strings.Builder
	err := stackTemplate.Execute(&b, c)
	return b.String(), err
}

// plainHeaders are the response headers that scripts can always read, of
// those the backend sends; it also sends X-Exposed and X-Hidden.
var plainHeaders = []string{"content-length", "content-type"}

func TestCrossOriginCalls(t *testing.T) {
	s := needStack(t)
	app, evil, api := s.origin("app.example.test"), s.origin("app.evil.test"), s.origin("api.example.test")

	tests := []struct {
		name  string
		page  string // origin of the page whose script makes the call
		login bool   // the user has the API's session cookie (SameSite=Lax)
		path  string // on the API
		init  string // fetch()'s second argument, as the script writes it
		want  seen
	}{
		{
			name: "simple GET from the listed origin is readable",
			page: app, path: "/simple/get",
			want: seen{Allowed: true, Status: 200, Body: "GET /simple/get\n", Readable: plainHeaders, Received: []string{"GET"}},
		},
		{
			name: "simple GET from an origin that is not listed is sent but not readable",
			page: evil, path: "/simple/get-unlisted",
			want: seen{CORSError: "MissingAllowOriginHeader", Received: []string{"GET"}},
		},
		{
			name: "JSON POST is preflighted and allowed",
			page: app, path: "/simple/json",
			init: `{method: "POST", headers: {"Content-Type": "application/json"}, body: '{"name":"x"}'}`,
			want: seen{Allowed: true, Status: 200, Body: "POST /simple/json\nContent-Type: application/json\n",
				Readable: plainHeaders, Preflighted: true, Received: []string{"POST"}},
		},
		{
			name: "PUT listed in methods passes the preflight",
			page: app, path: "/methods/put", init: `{method: "PUT"}`,
			want: seen{Allowed: true, Status: 200, Body: "PUT /methods/put\n", Readable: plainHeaders, Preflighted: true, Received: []string{"PUT"}},
		},
		{
			name: "DELETE not listed in methods fails the preflight and is never sent",
			page: app, path: "/methods/delete", init: `{method: "DELETE"}`,
			want: seen{CORSError: "PreflightMissingAllowOriginHeader", Preflighted: true},
		},
		{
			name: "header listed in headers passes the preflight",
			page: app, path: "/headers/listed", init: `{headers: {"X-Allowed": "yes"}}`,
			want: seen{Allowed: true, Status: 200, Body: "GET /headers/listed\nX-Allowed: yes\n", Readable: plainHeaders, Preflighted: true, Received: []string{"GET"}},
		},
		{
			name: "header not listed in headers fails the preflight and the call is never sent",
			page: app, path: "/headers/unlisted", init: `{headers: {"X-Other": "yes"}}`,
			want: seen{CORSError: "PreflightMissingAllowOriginHeader", Preflighted: true},
		},
		{
			name: "Authorization passes the preflight with headers *",
			page: app, path: "/any-headers/authorization", init: `{headers: {"Authorization": "Bearer t0ken"}}`,
			want: seen{Allowed: true, Status: 200, Body: "GET /any-headers/authorization\nAuthorization: Bearer t0ken\n",
				Readable: plainHeaders, Preflighted: true, Received: []string{"GET"}},
		},
		{
			// With credentials, browsers read a literal * as a header named "*".
			name: "Authorization with a cookie passes the preflight with headers * and credentials",
			page: app, login: true, path: "/any-headers-credentials/authorization",
			init: `{credentials: "include", headers: {"Authorization": "Bearer t0ken"}}`,
			want: seen{Allowed: true, Status: 200, Body: "GET /any-headers-credentials/authorization\nAuthorization: Bearer t0ken\nCookie: session=s3cret\n",
				Readable: plainHeaders, Preflighted: true, Received: []string{"GET"}},
		},
		{
			name: "credentialed call sends the cookie and is readable with credentials",
			page: app, login: true, path: "/credentials/me", init: `{credentials: "include"}`,
			want: seen{Allowed: true, Status: 200, Body: "GET /credentials/me\nCookie: session=s3cret\n", Readable: plainHeaders, Received: []string{"GET"}},
		},
		{
			name: "credentialed call is not readable without credentials",
			page: app, login: true, path: "/simple/me", init: `{credentials: "include"}`,
			want: seen{CORSError: "InvalidAllowCredentials", Received: []string{"GET"}},
		},
		{
			name: "exposed header is readable and the other is not",
			page: app, path: "/expose/headers",
			want: seen{Allowed: true, Status: 200, Body: "GET /expose/headers\n", Readable: []string{"content-length", "content-type", "x-exposed"}, Received: []string{"GET"}},
		},
		{
			name: "subdomain wildcard allows https://app.example.test",
			page: app, path: "/wildcard/subdomain",
			want: seen{Allowed: true, Status: 200, Body: "GET /wildcard/subdomain\n", Readable: plainHeaders, Received: []string{"GET"}},
		},
		{
			name: "subdomain wildcard does not allow https://app.evil.test",
			page: evil, path: "/wildcard/other-domain",
			want: seen{CORSError: "MissingAllowOriginHeader", Received: []string{"GET"}},
		},
		{
			name: "401 from basic_auth is readable",
			page: app, path: "/auth/no-password",
			want: seen{Allowed: true, Status: 401, Readable: []string{"content-length"}},
		},
		{
			name: "Authorization passes the preflight and then basic_auth",
			page: app, path: "/auth/password", init: `{headers: {"Authorization": "Basic " + btoa("alice:open sesame")}}`,
			want: seen{Allowed: true, Status: 200, Body: "GET /auth/password\nAuthorization: Basic YWxpY2U6b3BlbiBzZXNhbWU=\n",
				Readable: plainHeaders, Preflighted: true, Received: []string{"GET"}},
		},
		{
			name: "500 from the backend is readable",
			page: app, path: "/simple/broken?status=500",
			want: seen{Allowed: true, Status: 500, Body: "GET /simple/broken\n", Readable: plainHeaders, Received: []string{"GET"}},
		},
		{
			// With two Access-Control-Allow-Origin values, or with the
			// backend's *, the browser would refuse a credentialed call.
			name: "backend's own Access-Control-Allow-Origin: * is replaced, so a credentialed call works",
			page: app, login: true, path: "/proxied/me", init: `{credentials: "include"}`,
			want: seen{Allowed: true, Status: 200, Body: "GET /proxied/me\nCookie: session=s3cret\n", Readable: plainHeaders, Received: []string{"GET"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tb := openTab(t)
			if tt.login {
				tb.open(api + "/login")
			}
			tb.open(tt.page + "/")
			args := "API + " + jsString(tt.path)
			if tt.init != "" {
				args += ", " + tt.init
			}
			got := tb.fetch(api, args)
			path, _, _ := strings.Cut(tt.path, "?")
			got.Received = s.backend.methodsReceived(path)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("fetch(%s) from %s:\n got %v\nwant %v", args, tt.page, got, tt.want)
			}
		})
	}
}

// jsString quotes s as a JavaScript string literal; s is plain ASCII.
func jsString(s string) string { return `"` + s + `"` }

// TestPreflightCache counts the preflights that reach the backend when a page
// makes the same preflighted call twice, 6 seconds apart. Chromium caches a
// preflight answer for 5 seconds when it has no Access-Control-Max-Age, so
// only max_age can save the second preflight.
func TestPreflightCache(t *testing.T) {
	s := needStack(t)
	app, api := s.origin("app.example.test"), s.origin("api.example.test")
	tests := []struct {
		name string
		path string
		want []string // methods the backend received
	}{
		{"with max_age the second call sends no preflight", "/cached/item", []string{"OPTIONS", "PUT", "PUT"}},
		{"without max_age the second call sends a preflight again", "/uncached/item", []string{"OPTIONS", "PUT", "OPTIONS", "PUT"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tb := openTab(t)
			tb.open(app + "/")
			args := "API + " + jsString(tt.path) + `, {method: "PUT"}`
			for i := range 2 {
				if i > 0 {
					time.Sleep(6 * time.Second)
				}
				if got := tb.fetch(api, args); !got.Allowed || got.Status != 200 {
					t.Fatalf("call %d: %v", i+1, got)
				}
			}
			if got := s.backend.methodsReceived(tt.path); !slices.Equal(got, tt.want) {
				t.Errorf("backend received %q, want %q", got, tt.want)
			}
		})
	}
}

// TestProxiedAllowOriginAtTheServer checks on the wire what the browser test
// above relies on: the backend does send its own header, and Caddy sends the
// browser exactly one Access-Control-Allow-Origin.
func TestProxiedAllowOriginAtTheServer(t *testing.T) {
	s := needStack(t)
	app := s.origin("app.example.test")
	get := func(client *http.Client, url string) http.Header {
		t.Helper()
		req, err := http.NewRequest(http.MethodGet, url, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Origin", app)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.Header
	}
	direct := get(&http.Client{Timeout: waitLimit}, "http://"+s.backend.host+"/proxied/direct")
	if got := direct.Values("Access-Control-Allow-Origin"); !slices.Equal(got, []string{"*"}) {
		t.Fatalf("the backend itself sends Access-Control-Allow-Origin %q, want [\"*\"]", got)
	}
	through := get(s.client, s.origin("api.example.test")+"/proxied/through-caddy")
	if got := through.Values("Access-Control-Allow-Origin"); !slices.Equal(got, []string{app}) {
		t.Errorf("through Caddy, Access-Control-Allow-Origin is %q, want exactly [%q]", got, app)
	}
	if got := through.Values("Access-Control-Allow-Credentials"); !slices.Equal(got, []string{"true"}) {
		t.Errorf("through Caddy, Access-Control-Allow-Credentials is %q, want [\"true\"]", got)
	}
}
