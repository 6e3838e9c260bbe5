package e2e

import (
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"text/template"
	"time"
)

// The stack's host names.
const (
	appHost    = "app.example.localhost"    // the page that the API allows
	evilHost   = "app.evil.localhost"       // a page on another site
	apiHost    = "api.example.localhost"    // the API
	targetHost = "target.example.localhost" // where the API redirects to
)

type stackConfig struct {
	Port      int    // HTTPS, for every site
	HTTPPort  int    // never used: no site is plain HTTP and redirects are off
	AdminPort int    // Caddy's admin API
	Storage   string // where Caddy's internal CA and certificates go
	AccessLog string // the API's access log, from which tests count preflights
	Backend   string // host:port of the backend
	App       string // https://app.example.localhost:PORT, the origin the API allows
	Evil      string // https://app.evil.localhost:PORT, another site, allowed on /third-party/ only
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
https://app.example.localhost:{{.Port}}, https://app.evil.localhost:{{.Port}} {
	import loopback
	header Content-Type "text/html; charset=utf-8"
	respond "<!doctype html><title>page</title>"
}

# The API.
https://api.example.localhost:{{.Port}} {
	import loopback
	log {
		output file {{printf "%q" .AccessLog}}
		format json
	}

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

	cors /wildcard/* https://*.example.localhost:{{.Port}}

	cors /auth/* {{.App}}
	basic_auth /auth/* {
		# password: open sesame
		alice $2a$04$Ibp4a9ZrYGmY.rIrr0Nb0eVDMfvrYqaHRJS/drc.7K0W3x8hcUFAa
	}

	# Another site, with credentials: the cookie the API set when the user
	# visited it directly is a third-party cookie here (TestThirdPartyCookie).
	cors /third-party/* {{.Evil}} {
		credentials
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

	# Longer than WebKit's cap, within the others' (TestMaxAgeCaps).
	cors /max-age-2h/* {{.App}} {
		methods GET PUT
		max_age 2h
	}

	# Not the module: CORS headers written by hand, with the literal * in
	# Access-Control-Allow-Headers that the module never sends. Preflights
	# reach the backend, which answers them.
	header /hand-written/* {
		Access-Control-Allow-Origin {{.App}}
		Access-Control-Allow-Headers *
	}

	# Neighbours of cors that write CORS headers of their own: a deferred
	# header, and a header on a response that no handler writes (the
	# backend never sees /unwritten/). cors keeps its policy on both.
	cors /deferred-header/* {{.App}} {
		credentials
	}
	header /deferred-header/* {
		>Access-Control-Allow-Origin {http.request.header.Origin}
		>Access-Control-Allow-Credentials true
	}
	cors /unwritten/* {{.App}} {
		credentials
	}
	header /unwritten/* {
		Access-Control-Allow-Origin {http.request.header.Origin}
		Access-Control-Allow-Credentials true
	}

	# A PUT that the backend answers with a 303 to another origin
	# (TestRedirectAfterPreflight).
	cors /redirect/* {{.App}} {
		methods GET PUT
	}

	@proxied not path /unwritten/*
	reverse_proxy @proxied {{.Backend}}
}

# Where /redirect/ leads: another origin, with CORS headers written by hand
# that allow any origin (after two origins, the browser sends Origin: null).
# On /refused/ it answers preflights with 405.
https://target.example.localhost:{{.Port}} {
	import loopback
	header Access-Control-Allow-Origin *
	@refusedPreflight {
		method OPTIONS
		path /refused/*
	}
	respond @refusedPreflight 405
	reverse_proxy {{.Backend}}
}
`))

func stackCaddyfile(c stackConfig) (string, error) {
	var b strings.Builder
	err := stackTemplate.Execute(&b, c)
	return b.String(), err
}

// seen is what the page's script could do with one fetch(), as the browser
// decided, and which requests reached the server.
type seen struct {
	Allowed    bool     // the browser handed the response to the script; else fetch() rejected with a TypeError
	Status     int      // response.status
	Body       string   // response.text(): what the backend received
	Readable   []string // the response headers the script can read
	Preflights []int    // the status of each preflight that reached Caddy, in order
	Received   []string // methods that reached the backend, in order
}

func (s seen) String() string {
	if !s.Allowed {
		return fmt.Sprintf("blocked; preflights answered %v, backend received %q", s.Preflights, s.Received)
	}
	return fmt.Sprintf("allowed: status %d, body %q, readable headers %q; preflights answered %v, backend received %q",
		s.Status, s.Body, s.Readable, s.Preflights, s.Received)
}

// fetchJS calls fetch() in the page, as the page's own script would, and
// reports what the script got. API is the API's origin. A refused call
// rejects with a TypeError, whose message differs in each engine.
const fetchJS = `(async () => {
	const API = %q;
	try {
		const response = await fetch(%s);
		return {
			allowed: true,
			status: response.status,
			body: await response.text(),
			readable: [...response.headers.keys()],
		};
	} catch (err) {
		return {allowed: false, typeError: err instanceof TypeError, error: String(err)};
	}
})()`

// fetch runs fetch(args) in the page; args may use API, the API's origin.
func (tb *tab) fetch(api, args string) seen {
	tb.t.Helper()
	var got struct {
		seen
		TypeError bool
		Error     string
	}
	tb.eval(fmt.Sprintf(fetchJS, api, args), &got)
	if !got.Allowed && !got.TypeError {
		tb.t.Fatalf("fetch(%s) rejected with %s, not with the TypeError of a refused call", args, got.Error)
	}
	return got.seen
}

// calls numbers the paths that the tests call, so that no two calls of a
// test process share a path: the backend and the access log count by path,
// and browsers cache preflights by URL.
var calls atomic.Int64

// uniquePath is path, a path with an optional query, made unique for one call
// in engine e.
func uniquePath(path string, e *engine) string {
	p, query, _ := strings.Cut(path, "?")
	p = fmt.Sprintf("%s/%s-%d", p, e.name, calls.Add(1))
	if query != "" {
		p += "?" + query
	}
	return p
}

// plainHeaders are the response headers that scripts can always read, of
// those the backend sends; it also sends X-Exposed and X-Hidden.
var plainHeaders = []string{"content-length", "content-type"}

// crossOriginCall is one scenario of TestCrossOriginCalls.
type crossOriginCall struct {
	name  string
	page  string // host of the page whose script makes the call
	login bool   // the user has the API's session cookie (SameSite=Lax)
	path  string // on the API
	init  string // fetch()'s second argument, as the script writes it
	want  seen   // with path in Body; the test calls a path of its own

	// What engines whose wildcardCoversAuthorization is true do instead.
	wantIfWildcardCoversAuthorization *seen
}

var crossOriginCalls = []crossOriginCall{
	{
		name: "simple GET from the listed origin is readable",
		page: appHost, path: "/simple/get",
		want: seen{Allowed: true, Status: 200, Body: "GET /simple/get\n", Readable: plainHeaders, Received: []string{"GET"}},
	},
	{
		name: "simple GET from an origin that is not listed is sent but not readable",
		page: evilHost, path: "/simple/get-unlisted",
		want: seen{Received: []string{"GET"}},
	},
	{
		name: "JSON POST is preflighted and allowed",
		page: appHost, path: "/simple/json",
		init: `{method: "POST", headers: {"Content-Type": "application/json"}, body: '{"name":"x"}'}`,
		want: seen{Allowed: true, Status: 200, Body: "POST /simple/json\nContent-Type: application/json\n",
			Readable: plainHeaders, Preflights: []int{204}, Received: []string{"POST"}},
	},
	{
		name: "PUT listed in methods passes the preflight",
		page: appHost, path: "/methods/put", init: `{method: "PUT"}`,
		want: seen{Allowed: true, Status: 200, Body: "PUT /methods/put\n", Readable: plainHeaders, Preflights: []int{204}, Received: []string{"PUT"}},
	},
	{
		name: "DELETE not listed in methods fails the preflight and is never sent",
		page: appHost, path: "/methods/delete", init: `{method: "DELETE"}`,
		want: seen{Preflights: []int{403}},
	},
	{
		name: "header listed in headers passes the preflight",
		page: appHost, path: "/headers/listed", init: `{headers: {"X-Allowed": "yes"}}`,
		want: seen{Allowed: true, Status: 200, Body: "GET /headers/listed\nX-Allowed: yes\n", Readable: plainHeaders, Preflights: []int{204}, Received: []string{"GET"}},
	},
	{
		name: "header not listed in headers fails the preflight and the call is never sent",
		page: appHost, path: "/headers/unlisted", init: `{headers: {"X-Other": "yes"}}`,
		want: seen{Preflights: []int{403}},
	},
	{
		name: "Authorization passes the preflight with headers *",
		page: appHost, path: "/any-headers/authorization", init: `{headers: {"Authorization": "Bearer t0ken"}}`,
		want: seen{Allowed: true, Status: 200, Body: "GET /any-headers/authorization\nAuthorization: Bearer t0ken\n",
			Readable: plainHeaders, Preflights: []int{204}, Received: []string{"GET"}},
	},
	{
		// With credentials, browsers read a literal * as a header named "*".
		name: "Authorization with a cookie passes the preflight with headers * and credentials",
		page: appHost, login: true, path: "/any-headers-credentials/authorization",
		init: `{credentials: "include", headers: {"Authorization": "Bearer t0ken"}}`,
		want: seen{Allowed: true, Status: 200, Body: "GET /any-headers-credentials/authorization\nAuthorization: Bearer t0ken\nCookie: session=s3cret\n",
			Readable: plainHeaders, Preflights: []int{204}, Received: []string{"GET"}},
	},
	{
		name: "credentialed call sends the cookie and is readable with credentials",
		page: appHost, login: true, path: "/credentials/me", init: `{credentials: "include"}`,
		want: seen{Allowed: true, Status: 200, Body: "GET /credentials/me\nCookie: session=s3cret\n", Readable: plainHeaders, Received: []string{"GET"}},
	},
	{
		name: "credentialed call is not readable without credentials",
		page: appHost, login: true, path: "/simple/me", init: `{credentials: "include"}`,
		want: seen{Received: []string{"GET"}},
	},
	{
		name: "exposed header is readable and the other is not",
		page: appHost, path: "/expose/headers",
		want: seen{Allowed: true, Status: 200, Body: "GET /expose/headers\n", Readable: []string{"content-length", "content-type", "x-exposed"}, Received: []string{"GET"}},
	},
	{
		name: "subdomain wildcard allows https://app.example.localhost",
		page: appHost, path: "/wildcard/subdomain",
		want: seen{Allowed: true, Status: 200, Body: "GET /wildcard/subdomain\n", Readable: plainHeaders, Received: []string{"GET"}},
	},
	{
		name: "subdomain wildcard does not allow https://app.evil.localhost",
		page: evilHost, path: "/wildcard/other-domain",
		want: seen{Received: []string{"GET"}},
	},
	{
		name: "401 from basic_auth is readable",
		page: appHost, path: "/auth/no-password",
		want: seen{Allowed: true, Status: 401, Readable: []string{"content-length"}},
	},
	{
		name: "Authorization passes the preflight and then basic_auth",
		page: appHost, path: "/auth/password", init: `{headers: {"Authorization": "Basic " + btoa("alice:open sesame")}}`,
		want: seen{Allowed: true, Status: 200, Body: "GET /auth/password\nAuthorization: Basic YWxpY2U6b3BlbiBzZXNhbWU=\n",
			Readable: plainHeaders, Preflights: []int{204}, Received: []string{"GET"}},
	},
	{
		name: "500 from the backend is readable",
		page: appHost, path: "/simple/broken?status=500",
		want: seen{Allowed: true, Status: 500, Body: "GET /simple/broken\n", Readable: plainHeaders, Received: []string{"GET"}},
	},
	{
		// With two Access-Control-Allow-Origin values, or with the
		// backend's *, the browser would refuse a credentialed call.
		name: "backend's own Access-Control-Allow-Origin: * is replaced, so a credentialed call works",
		page: appHost, login: true, path: "/proxied/me", init: `{credentials: "include"}`,
		want: seen{Allowed: true, Status: 200, Body: "GET /proxied/me\nCookie: session=s3cret\n", Readable: plainHeaders, Received: []string{"GET"}},
	},
	{
		name: "hand-written Access-Control-Allow-Headers: * covers a custom header",
		page: appHost, path: "/hand-written/custom", init: `{headers: {"X-Allowed": "yes"}}`,
		want: seen{Allowed: true, Status: 200, Body: "GET /hand-written/custom\nX-Allowed: yes\n",
			Readable: plainHeaders, Preflights: []int{204}, Received: []string{"OPTIONS", "GET"}},
	},
	{
		// The Fetch standard; the reason why the module never sends a literal *.
		name: "hand-written Access-Control-Allow-Headers: * does not cover Authorization",
		page: appHost, path: "/hand-written/authorization", init: `{headers: {"Authorization": "Bearer t0ken"}}`,
		want: seen{Preflights: []int{204}, Received: []string{"OPTIONS"}},
		wantIfWildcardCoversAuthorization: &seen{Allowed: true, Status: 200, Body: "GET /hand-written/authorization\nAuthorization: Bearer t0ken\n",
			Readable: plainHeaders, Preflights: []int{204}, Received: []string{"OPTIONS", "GET"}},
	},
	{
		name: "a deferred header that echoes the Origin does not let another site read with credentials",
		page: evilHost, login: true, path: "/deferred-header/me", init: `{credentials: "include"}`,
		want: seen{Received: []string{"GET"}},
	},
	{
		name: "beside a deferred header that echoes the Origin, the listed origin reads with credentials",
		page: appHost, login: true, path: "/deferred-header/me", init: `{credentials: "include"}`,
		want: seen{Allowed: true, Status: 200, Body: "GET /deferred-header/me\nCookie: session=s3cret\n", Readable: plainHeaders, Received: []string{"GET"}},
	},
	{
		name: "a header that echoes the Origin on a response no handler writes does not let another site read with credentials",
		page: evilHost, login: true, path: "/unwritten/me", init: `{credentials: "include"}`,
		want: seen{},
	},
	{
		name: "on a response no handler writes, the listed origin reads with credentials",
		page: appHost, login: true, path: "/unwritten/me", init: `{credentials: "include"}`,
		want: seen{Allowed: true, Status: 200, Readable: []string{"content-length"}},
	},
}

func TestCrossOriginCalls(t *testing.T) {
	s := needStack(t)
	api := s.origin(apiHost)
	inEveryEngine(t, func(t *testing.T, e *engine, b browser) {
		for _, call := range crossOriginCalls {
			t.Run(call.name, func(t *testing.T) {
				t.Parallel()
				notePassed(t, e)
				want := call.want
				if call.wantIfWildcardCoversAuthorization != nil && e.wildcardCoversAuthorization {
					want = *call.wantIfWildcardCoversAuthorization
				}
				callPath := uniquePath(call.path, e)
				path, _, _ := strings.Cut(call.path, "?")
				unique, _, _ := strings.Cut(callPath, "?")
				want.Body = strings.Replace(want.Body, path, unique, 1)

				tb := openTab(t, b)
				if call.login {
					tb.open(api + "/login")
				}
				tb.open(s.origin(call.page) + "/")
				args := "API + " + jsString(callPath)
				if call.init != "" {
					args += ", " + call.init
				}
				got := tb.fetch(api, args)
				got.Received = s.backend.methodsReceived(unique)
				var err error
				if got.Preflights, err = s.preflights(unique); err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(got, want) {
					t.Errorf("fetch(%s) from %s:\n got %v\nwant %v", args, call.page, got, want)
				}
			})
		}
	})
}

// jsString quotes s as a JavaScript string literal; s is plain ASCII.
func jsString(s string) string { return `"` + s + `"` }

// preflightCacheCases are the cases of TestPreflightCache.
var preflightCacheCases = []struct {
	name string
	path string
	want []string // methods the backend received
}{
	{"with max_age the second call sends no preflight", "/cached/item", []string{"OPTIONS", "PUT", "PUT"}},
	{"without max_age the second call sends a preflight again", "/uncached/item", []string{"OPTIONS", "PUT", "OPTIONS", "PUT"}},
}

// TestPreflightCache counts the preflights that reach the backend when a page
// makes the same preflighted call twice, 6 seconds apart. Browsers cache a
// preflight answer for at most 5 seconds when it has no
// Access-Control-Max-Age, so only max_age can save the second preflight. The
// cases of an engine share the wait.
func TestPreflightCache(t *testing.T) {
	s := needStack(t)
	app, api := s.origin(appHost), s.origin(apiHost)
	inEveryEngine(t, func(t *testing.T, e *engine, b browser) {
		tb := openTab(t, b)
		tb.open(app + "/")
		paths := make([]string, len(preflightCacheCases))
		for i, c := range preflightCacheCases {
			paths[i] = uniquePath(c.path, e)
		}
		results := make([][]seen, len(preflightCacheCases))
		for round := range 2 {
			if round > 0 {
				time.Sleep(6 * time.Second)
			}
			for i, path := range paths {
				results[i] = append(results[i], tb.fetch(api, "API + "+jsString(path)+`, {method: "PUT"}`))
			}
		}
		for i, c := range preflightCacheCases {
			t.Run(c.name, func(t *testing.T) {
				notePassed(t, e)
				for round, got := range results[i] {
					if !got.Allowed || got.Status != 200 {
						t.Errorf("call %d: %v", round+1, got)
					}
				}
				if got := s.backend.methodsReceived(paths[i]); !slices.Equal(got, c.want) {
					t.Errorf("backend received %q, want %q", got, c.want)
				}
			})
		}
	})
}

// The cookie that /login-none sets, SameSite=None; Secure, for paths under
// /third-party/ only.
const (
	thirdPartyCookieName  = "site_session"
	thirdPartyCookieValue = "s3cret"
)

// TestThirdPartyCookie checks whether a credentialed call from another site
// carries the cookie that the API set when the user visited it directly: a
// third-party cookie, which engines treat differently
// (engine.sendsThirdPartyCookies). The user visits the API, where a
// same-origin call proves that the browser keeps the cookie, then a page on
// app.evil.localhost calls the API with credentials. The CORS part must pass
// in every engine; whether the cookie goes along must be what the engine's
// field says.
func TestThirdPartyCookie(t *testing.T) {
	s := needStack(t)
	api := s.origin(apiHost)
	cookie := thirdPartyCookieName + "=" + thirdPartyCookieValue
	inEveryEngine(t, func(t *testing.T, e *engine, b browser) {
		notePassed(t, e)
		tb := openTab(t, b)
		tb.open(api + "/login-none")
		own := uniquePath("/third-party/own-site", e)
		got := tb.fetch(api, "API + "+jsString(own)+`, {credentials: "include"}`)
		if body, cookies := cutCookies(got.Body); !got.Allowed || got.Status != 200 || body != "GET "+own+"\n" || !slices.Contains(cookies, cookie) {
			t.Fatalf("on the API's own site, the browser did not keep or send its SameSite=None cookie %s: %v", cookie, got)
		}

		tb.open(s.origin(evilHost) + "/")
		path := uniquePath("/third-party/me", e)
		args := "API + " + jsString(path) + `, {credentials: "include"}`
		got = tb.fetch(api, args)
		got.Received = s.backend.methodsReceived(path)
		var err error
		if got.Preflights, err = s.preflights(path); err != nil {
			t.Fatal(err)
		}
		var cookies []string
		got.Body, cookies = cutCookies(got.Body)
		// The call is CORS-allowed with or without the cookie.
		want := seen{Allowed: true, Status: 200, Body: "GET " + path + "\n", Readable: plainHeaders, Received: []string{"GET"}}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("fetch(%s) from %s, the Cookie line left out:\n got %v\nwant %v", args, evilHost, got, want)
		}
		if sent := slices.Contains(cookies, cookie); sent != e.sendsThirdPartyCookies {
			t.Errorf("%s sent the third-party cookie: %v (cookies %q); engine.sendsThirdPartyCookies says %v: correct it, and README's table with go test -update",
				e.title, sent, cookies, e.sendsThirdPartyCookies)
		}
	})
}

// cutCookies takes the Cookie line out of what the backend received, and
// returns the rest and the cookies, name=value each. WebKit's windows share
// their cookies, so a call may carry cookies that other scenarios got.
func cutCookies(body string) (rest string, cookies []string) {
	var b strings.Builder
	for line := range strings.Lines(body) {
		if v, ok := strings.CutPrefix(line, "Cookie: "); ok {
			cookies = strings.Split(strings.TrimSuffix(v, "\n"), "; ")
			continue
		}
		b.WriteString(line)
	}
	return b.String(), cookies
}

// TestProxiedAllowOriginAtTheServer checks on the wire what the browser test
// above relies on: the backend does send its own header, and Caddy sends the
// browser exactly one Access-Control-Allow-Origin. It needs no browser.
func TestProxiedAllowOriginAtTheServer(t *testing.T) {
	s := needStack(t)
	app := s.origin(appHost)
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
	through := get(s.client, s.origin(apiHost)+"/proxied/through-caddy")
	if got := through.Values("Access-Control-Allow-Origin"); !slices.Equal(got, []string{app}) {
		t.Errorf("through Caddy, Access-Control-Allow-Origin is %q, want exactly [%q]", got, app)
	}
	if got := through.Values("Access-Control-Allow-Credentials"); !slices.Equal(got, []string{"true"}) {
		t.Errorf("through Caddy, Access-Control-Allow-Credentials is %q, want [\"true\"]", got)
	}
}

// redirectCases are the cases of TestRedirectAfterPreflight: a PUT from the
// listed origin passes its preflight, and the API answers it with a 303 to
// another origin, which turns it into a GET that needs no preflight of its
// own. Engines differ on whether they preflight it anyway
// (engine.preflightsAfterRedirect).
var redirectCases = []struct {
	name   string
	target string // path on the target: /refused/ answers preflights with 405
}{
	{"the target answers preflights", "/landing/"},
	{"the target refuses preflights", "/refused/"},
}

// TestRedirectAfterPreflight measures what each engine does with a
// preflighted call redirected by a 303 to another origin: whether it sends
// a preflight for the redirected GET, and so whether the call fails where
// the target refuses preflights.
func TestRedirectAfterPreflight(t *testing.T) {
	s := needStack(t)
	api, app, target := s.origin(apiHost), s.origin(appHost), s.origin(targetHost)
	inEveryEngine(t, func(t *testing.T, e *engine, b browser) {
		for _, c := range redirectCases {
			t.Run(c.name, func(t *testing.T) {
				t.Parallel()
				notePassed(t, e)
				landing := uniquePath(c.target+"x", e)
				from := uniquePath("/redirect/x", e)
				tb := openTab(t, b)
				tb.open(app + "/")
				args := "API + " + jsString(from+"?to="+target+landing) + `, {method: "PUT"}`
				got := tb.fetch(api, args)
				received := s.backend.methodsReceived(landing)
				preflighted := slices.Contains(received, "OPTIONS") || c.target == "/refused/" && !slices.Contains(received, "GET")
				if preflighted != e.preflightsAfterRedirect {
					t.Errorf("%s sent a preflight for the redirected GET: %v, want %v (target received %q, fetch %v)",
						e.title, preflighted, e.preflightsAfterRedirect, received, got)
				}
				wantAllowed := c.target == "/landing/" || !e.preflightsAfterRedirect
				if got.Allowed != wantAllowed {
					t.Errorf("fetch(%s): allowed = %v, want %v (%v; target received %q)", args, got.Allowed, wantAllowed, got, received)
				}
			})
		}
	})
}
