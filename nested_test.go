package cors

import (
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddytest"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
)

// A cors handler that runs inside a route an outer cors handler already
// covers would be silently overridden: the outer one answers the preflights
// and wins on actual responses. Such configs must not load.
func TestNestedCorsIsRefused(t *testing.T) {
	inner := `cors https://admin.example.com {
			credentials
		}
		respond "admin"`
	for _, block := range []string{"handle /admin/*", "route /admin/*", "handle_path /admin/*"} {
		t.Run(block, func(t *testing.T) {
			caddytest.AssertLoadError(t, fmt.Sprintf(`{
	admin localhost:%d
	http_port %d
	default_bind 127.0.0.1
}
:{$SITE_PORT} {
	cors https://*.example.com
	%s {
		%s
	}
	respond "ok"
}`, adminPort, sitePort, block, inner), "caddyfile",
				`the cors handler for \"https://admin.example.com\" would never decide: the cors handler for \"https://*.example.com\" runs before it`)
		})
	}
	t.Run("JSON, general cors before a matched one in the same routes", func(t *testing.T) {
		caddytest.AssertLoadError(t, fmt.Sprintf(`{
	"admin": {"listen": "localhost:%d"},
	"apps": {"http": {"http_port": %d, "servers": {"srv0": {
		"listen": [%q],
		"routes": [
			{"handle": [{"handler": "cors", "origins": ["https://*.example.com"]}]},
			{"match": [{"path": ["/admin/*"]}], "handle": [{"handler": "cors", "origins": ["https://admin.example.com"]}]},
			{"handle": [{"handler": "static_response", "body": "ok"}]}
		]
	}}}}
}`, adminPort, sitePort, siteAddr), "json", `the cors handler for \"https://admin.example.com\" would never decide`)
	})
	t.Run("the fix names the innermost path", func(t *testing.T) {
		caddytest.AssertLoadError(t, fmt.Sprintf(`{
	admin localhost:%d
	http_port %d
	default_bind 127.0.0.1
}
:{$SITE_PORT} {
	cors https://*.example.com
	route /api/* {
		handle /api/admin/* {
			%s
		}
	}
}`, adminPort, sitePort, inner), "caddyfile", `cors /api/admin/* https://admin.example.com`)
	})
	t.Run("the error names the fix", func(t *testing.T) {
		caddytest.AssertLoadError(t, fmt.Sprintf(`{
	admin localhost:%d
	http_port %d
	default_bind 127.0.0.1
}
:{$SITE_PORT} {
	cors https://*.example.com
	handle /admin/* {
		%s
	}
}`, adminPort, sitePort, inner), "caddyfile", `cors /admin/* https://admin.example.com`)
	})
}

// TestPerPathPolicies is the documented way to have a stricter policy on
// some paths: site-level cors directives with matchers, which Caddy sorts
// most specific first. The matched one governs its paths, preflights
// included; the other one governs the rest.
func TestPerPathPolicies(t *testing.T) {
	startCaddy(t, `
:{$SITE_PORT} {
	cors /admin/* https://admin.example.com {
		credentials
		methods DELETE
	}
	cors https://*.example.com
	handle /admin/* {
		respond "admin"
	}
	respond "public"
}`)
	admin := "https://admin.example.com"
	sub := "https://app.example.com"
	runExchanges(t, []exchange{
		{name: "admin origin on /admin gets the admin grant", path: "/admin/x", header: hdr("Origin", admin), status: 200,
			cors: hdr("Access-Control-Allow-Origin", admin, "Access-Control-Allow-Credentials", "true", "Vary", "Origin"), body: "admin"},
		{name: "another subdomain on /admin gets nothing", path: "/admin/x", header: hdr("Origin", sub), status: 200,
			cors: hdr("Vary", "Origin"), body: "admin"},
		{name: "another subdomain elsewhere gets the site grant", path: "/", header: hdr("Origin", sub), status: 200,
			cors: hdr("Access-Control-Allow-Origin", sub, "Vary", "Origin"), body: "public"},
		{name: "admin preflight on /admin is answered by the admin policy", method: "OPTIONS", path: "/admin/x", header: preflightFrom(admin, "DELETE"), status: 204,
			cors: hdr("Access-Control-Allow-Origin", admin, "Access-Control-Allow-Credentials", "true", "Access-Control-Allow-Methods", "DELETE", "Vary", varyPreflight)},
		{name: "subdomain preflight on /admin is refused", method: "OPTIONS", path: "/admin/x", header: preflightFrom(sub, "DELETE"), status: 403,
			cors: hdr("Vary", varyPreflight)},
		{name: "subdomain preflight elsewhere is answered by the site policy", method: "OPTIONS", path: "/", header: preflightFrom(sub, "DELETE"), status: 204,
			cors: hdr("Access-Control-Allow-Origin", sub, "Access-Control-Allow-Methods", defaultACAM, "Vary", varyPreflight)},
	})
}

// TestSeparateCorsHandlersLoad: cors handlers that never run for the same
// request are not nested: sites on one port, and handle blocks (which
// exclude each other).
func TestSeparateCorsHandlersLoad(t *testing.T) {
	startCaddy(t, `
http://a.localhost:{$SITE_PORT} {
	cors https://a.example.com
	respond "a"
}
http://b.localhost:{$SITE_PORT} {
	handle /one/* {
		cors https://one.example.com
		respond "one"
	}
	handle {
		cors https://other.example.com
		respond "other"
	}
}`)
	for host, want := range map[string]string{"a.localhost": "https://a.example.com", "b.localhost": "https://other.example.com"} {
		req, _ := http.NewRequest("GET", siteURL+"/", nil)
		req.Host = host
		req.Header.Set("Origin", want)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if got := resp.Header.Get("Access-Control-Allow-Origin"); got != want {
			t.Errorf("%s: Access-Control-Allow-Origin = %q, want %q", host, got, want)
		}
	}
}

// loadError asserts that a Caddyfile with these sites does not load, and
// that the error says want (quotes as the admin API escapes them: \").
func loadError(t *testing.T, sites, want string) {
	t.Helper()
	caddytest.AssertLoadError(t, fmt.Sprintf(`{
	admin localhost:%d
	http_port %d
	default_bind 127.0.0.1
}
%s`, adminPort, sitePort, sites), "caddyfile", want)
}

// TestPlacementIsCheckedAsAWhole: a site where a stated policy would never
// decide, or where a neighbour of cors could change a response after cors
// decided, does not load; the error names what is wrong and the fix.
func TestPlacementIsCheckedAsAWhole(t *testing.T) {
	tests := []struct {
		name  string
		sites string
		want  []string
	}{
		{"a stricter cors nested two levels under a matched one", `:{$SITE_PORT} {
	cors /api/* https://*.example.com {
		credentials
	}
	handle /api/* {
		route /api/admin/* {
			cors https://admin.example.com {
				credentials
			}
			respond "admin"
		}
	}
}`, []string{`the cors handler for \"https://admin.example.com\" would never decide: the cors handler for \"https://*.example.com\" runs before it for every request it would see (it comes first in the same route (for /api/*))`,
			"`cors /api/admin/* https://admin.example.com` beside `cors /api/* https://*.example.com`"}},
		{"a cors in a handle with the same matcher", `:{$SITE_PORT} {
	cors /api/* https://*.example.com
	handle /api/* {
		cors https://admin.example.com
		respond "api"
	}
}`, []string{`the cors handler for \"https://admin.example.com\" would never decide`, "it comes first in the same route (for /api/*)"}},
		{"a site-level cors and a cors in a route", `:{$SITE_PORT} {
	cors https://*.example.com
	route {
		cors https://admin.example.com
		respond "route"
	}
}`, []string{`the cors handler for \"https://admin.example.com\" would never decide`, "(it comes first in the same route)"}},
		{"two site-level cors without matchers", `:{$SITE_PORT} {
	cors https://one.example.com
	cors https://two.example.com
	respond "ok"
}`, []string{`the cors handler for \"https://two.example.com\" would never decide: the cors handler for \"https://one.example.com\" runs before it`, "merge them into one cors"}},
		{"two site-level cors with the same matcher", `:{$SITE_PORT} {
	cors /api/* https://one.example.com
	cors /api/* https://two.example.com
	respond "ok"
}`, []string{`the cors handler for \"https://two.example.com\" would never decide`, "merge them into one cors"}},
		{"a cors after reverse_proxy in a route", `:{$SITE_PORT} {
	route {
		reverse_proxy 127.0.0.1:1
		cors https://app.example.com
	}
}`, []string{`the cors handler for \"https://app.example.com\" never runs: the reverse_proxy handler before it answers every request it would see; put cors before reverse_proxy`}},
		{"a cors after respond in a route", `:{$SITE_PORT} {
	route {
		respond "ok"
		cors https://app.example.com
	}
}`, []string{`never runs: the static_response handler before it`}},
		{"a deferred header before cors in a route", `:{$SITE_PORT} {
	route {
		header >Access-Control-Allow-Origin *
		cors https://app.example.com
		respond "ok"
	}
}`, []string{`a header handler that changes Access-Control-Allow-Origin when the response is written runs before the cors handler for \"https://app.example.com\"`, "put cors before it"}},
		{"a header deleting Vary before cors in a route", `:{$SITE_PORT} {
	route {
		header -Vary
		cors https://app.example.com
		respond "ok"
	}
}`, []string{`a header handler that changes Vary when the response is written runs before`}},
		{"a site-level deferred header around a nested cors", `:{$SITE_PORT} {
	header >Access-Control-Allow-Origin *
	handle /api/* {
		cors https://app.example.com
		respond "ok"
	}
}`, []string{`a header handler that changes Access-Control-Allow-Origin when the response is written runs before`}},
		{"handle_errors that proxies without cors", `:{$SITE_PORT} {
	cors https://app.example.com
	error 500
	handle_errors {
		reverse_proxy 127.0.0.1:1
	}
}`, []string{`handle_errors proxies to a backend (whose CORS headers would reach the browser) but no cors of its own runs before that for every error`, "add the same cors there, before the rest, without a matcher"}},
		{"handle_errors that sets a CORS header without cors", `:{$SITE_PORT} {
	cors https://app.example.com
	error 501
	handle_errors 501 {
		header Access-Control-Allow-Origin *
		respond "not implemented"
	}
}`, []string{`handle_errors changes Access-Control-Allow-Origin with header but no cors of its own runs before that for every error`}},
		{"handle_errors that invokes a named route without cors", `&(error-pages) {
	reverse_proxy 127.0.0.1:1
}
:{$SITE_PORT} {
	cors https://app.example.com {
		credentials
	}
	error 500
	handle_errors {
		invoke error-pages
	}
}`, []string{`handle_errors runs invoke, which may set CORS headers of its own, but no cors of its own runs before that for every error`}},
		{"handle_errors with templates without cors", `:{$SITE_PORT} {
	cors https://app.example.com
	error 500
	handle_errors {
		templates
		respond "error"
	}
}`, []string{`handle_errors runs templates, which may set CORS headers of its own, but no cors of its own runs before that for every error`}},
		{"handle_errors with intercept without cors", `:{$SITE_PORT} {
	cors https://app.example.com
	error 500
	handle_errors {
		intercept {
			handle_response {
				respond "intercepted"
			}
		}
		respond "error"
	}
}`, []string{`handle_errors runs intercept`}},
		{"handle_errors with a header named by a placeholder", `:{$SITE_PORT} {
	cors https://app.example.com
	error 500
	handle_errors {
		vars h Access-Control-Allow-Origin
		header {vars.h} https://evil.example.net
		respond "error"
	}
}`, []string{`handle_errors changes {http.vars.h} with header`}},
		{"invoke before cors in a route", `&(backend) {
	reverse_proxy 127.0.0.1:1
}
:{$SITE_PORT} {
	route {
		invoke backend
		cors https://app.example.com
	}
}`, []string{`the invoke handler runs before the cors handler for \"https://app.example.com\"`, "write cors before it"}},
		{"templates before cors in a route", `:{$SITE_PORT} {
	route {
		templates
		cors https://app.example.com
		respond "ok"
	}
}`, []string{`the templates handler runs before the cors handler`}},
		{"intercept before cors in a route", `:{$SITE_PORT} {
	route {
		intercept {
			handle_response {
				respond "intercepted"
			}
		}
		cors https://app.example.com
		respond "ok"
	}
}`, []string{`the intercept handler runs before the cors handler`}},
		{"forward_auth before cors in a route", `:{$SITE_PORT} {
	route {
		forward_auth 127.0.0.1:1 {
			uri /auth
		}
		cors https://app.example.com
		respond "ok"
	}
}`, []string{`the reverse_proxy with handle_response (forward_auth is one) handler runs before the cors handler`}},
		{"a deferred header named by a placeholder before cors in a route", `:{$SITE_PORT} {
	vars h Access-Control-Allow-Origin
	route {
		header >{vars.h} https://evil.example.net
		cors https://app.example.com
		respond "ok"
	}
}`, []string{`a header handler that changes {http.vars.h} when the response is written runs before`}},
		{"handle_errors whose cors is in one handle of a group", `(api-cors) {
	cors https://app.example.com {
		credentials
	}
}
:{$SITE_PORT} {
	import api-cors
	error 500
	handle_errors {
		handle /public/* {
			vars public 1
		}
		handle {
			import api-cors
		}
		reverse_proxy 127.0.0.1:1
	}
}`, []string{`handle_errors proxies to a backend (whose CORS headers would reach the browser) but no cors of its own runs before that for every error`}},
		{"handle_errors that sets a CORS header as a trailer", `:{$SITE_PORT} {
	cors https://app.example.com
	error 500
	handle_errors {
		header Trailer:Access-Control-Allow-Origin *
		respond "error"
	}
}`, []string{`handle_errors changes Access-Control-Allow-Origin with header`}},
		{"a catch-all site whose handle_errors proxies the errors of a site with cors", `http://a.localhost:{$SITE_PORT} {
	cors https://app.example.com
	respond "a"
}
http://:{$SITE_PORT} {
	respond "catch-all"
	handle_errors {
		reverse_proxy 127.0.0.1:1
	}
}`, []string{`handle_errors proxies to a backend`}},
		{"a cors in a named route", `&(api) {
	route {
		cors https://app.example.com {
			credentials
		}
		reverse_proxy 127.0.0.1:1
	}
}
:{$SITE_PORT} {
	header >Access-Control-Allow-Origin *
	invoke api
}`, []string{`the cors handler for \"https://app.example.com\" is in a named route (invoke)`, "put cors in the site's routes, before invoke"}},
		{"a cors under handle_path suggests no path the prefix was stripped from", `:{$SITE_PORT} {
	cors /api/* https://*.example.com
	handle_path /api/* {
		cors /admin/* https://admin.example.com
		respond "ok"
	}
}`, []string{"e.g. `cors \\u003cmatcher\\u003e https://admin.example.com` beside `cors /api/* https://*.example.com`"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, want := range tt.want {
				loadError(t, tt.sites, want)
			}
		})
	}
	t.Run("JSON, a subroute's own error routes that proxy without cors", func(t *testing.T) {
		caddytest.AssertLoadError(t, fmt.Sprintf(`{
	"admin": {"listen": "localhost:%d"},
	"apps": {"http": {"http_port": %d, "servers": {"srv0": {
		"listen": [%q],
		"routes": [{"handle": [{"handler": "subroute",
			"routes": [{"handle": [{"handler": "cors", "origins": ["https://app.example.com"], "credentials": true}, {"handler": "error", "status_code": 500}]}],
			"errors": {"routes": [{"handle": [{"handler": "reverse_proxy", "upstreams": [{"dial": "127.0.0.1:1"}]}]}]}
		}]}]
	}}}}
}`, adminPort, sitePort, siteAddr), "json", `the subroute around it, in its \"errors\" routes, proxies to a backend`)
	})
	t.Run("JSON, the own error routes of a subroute in handle_errors", func(t *testing.T) {
		caddytest.AssertLoadError(t, fmt.Sprintf(`{
	"admin": {"listen": "localhost:%d"},
	"apps": {"http": {"http_port": %d, "servers": {"srv0": {
		"listen": [%q],
		"routes": [{"handle": [{"handler": "cors", "origins": ["https://app.example.com"], "credentials": true}, {"handler": "error", "status_code": 500}]}],
		"errors": {"routes": [{"handle": [{"handler": "subroute",
			"routes": [{"handle": [{"handler": "error", "status_code": 500}]}],
			"errors": {"routes": [{"handle": [{"handler": "reverse_proxy", "upstreams": [{"dial": "127.0.0.1:1"}]}]}]}
		}]}]}
	}}}}
}`, adminPort, sitePort, siteAddr), "json", `handle_errors proxies to a backend`)
	})
}

// TestNeighboursThatLoad: sites on one port whose error routes are their
// own (a catch-all site whose handle_errors proxies never sees the errors
// of a site with cors), and a report-only policy before an enforcing one,
// load and work.
func TestNeighboursThatLoad(t *testing.T) {
	startCaddy(t, `
http://a.localhost:{$SITE_PORT} {
	cors https://app.example.com
	respond "a"
	handle_errors {
		respond "a error"
	}
}
http://b.localhost:{$SITE_PORT} {
	error 500
	handle_errors {
		header X-Error-Page yes
		respond "b error" 500
	}
}
http://:{$SITE_PORT} {
	respond "catch-all"
	handle_errors {
		reverse_proxy 127.0.0.1:1
	}
}
http://c.localhost:{$SITE_PORT} {
	cors https://new.example.com {
		report_only
	}
	cors https://app.example.com
	respond "c"
	handle_errors {
		respond "c error"
	}
}`)
	for _, tt := range []struct {
		host, origin, allowOrigin, body string
		status                          int
	}{
		{"a.localhost", appOrigin, appOrigin, "a", 200},
		{"b.localhost", appOrigin, "", "b error", 500},
		{"c.localhost", appOrigin, appOrigin, "c", 200},
		{"c.localhost", "https://new.example.com", "", "c", 200},
	} {
		req, _ := http.NewRequest("GET", siteURL+"/", nil)
		req.Host = tt.host
		req.Header.Set("Origin", tt.origin)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if got := resp.Header.Get("Access-Control-Allow-Origin"); got != tt.allowOrigin || resp.StatusCode != tt.status || string(body) != tt.body {
			t.Errorf("%s from %s: %d %q, Access-Control-Allow-Origin %q; want %d %q, %q", tt.host, tt.origin, resp.StatusCode, body, got, tt.status, tt.body, tt.allowOrigin)
		}
	}
}

// TestSeparatePoliciesLoadAndDecide: cors handlers that share no request,
// or where the first to run is the more specific, load, and each decides
// its own requests.
func TestSeparatePoliciesLoadAndDecide(t *testing.T) {
	errorPages := listenLoopback(t) // an error-page backend that sends its own CORS headers
	go http.Serve(errorPages, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Access-Control-Allow-Origin", "*")
		w.WriteHeader(http.StatusServiceUnavailable)
		io.WriteString(w, "backend error page")
	}))
	startCaddy(t, fmt.Sprintf(`
(api-cors) {
	cors https://app.example.com {
		credentials
	}
}
:{$SITE_PORT} {
	cors /api/* https://app.example.com
	handle /public/* {
		cors https://public.example.com
		respond "public"
	}
	handle /api/missing {
		error 404
	}
	handle /api/broken {
		error 502
	}
	handle {
		respond "api"
	}
}
:%d {
	import api-cors
	handle /broken {
		error 502
	}
	error 404
	handle_errors 404 {
		import api-cors
		respond "not found" 404
	}
	handle_errors 5xx {
		import api-cors
		reverse_proxy %s
	}
}`, backendPort, errorPages.Addr()))
	grant := func(origin string) http.Header { return hdr("Access-Control-Allow-Origin", origin, "Vary", "Origin") }
	runExchanges(t, []exchange{
		{name: "disjoint paths: /public/* answers its own origin", path: "/public/x", header: hdr("Origin", "https://public.example.com"), status: 200, cors: grant("https://public.example.com"), body: "public"},
		{name: "disjoint paths: /public/* refuses the /api/* origin", path: "/public/x", header: hdr("Origin", appOrigin), status: 200, cors: hdr("Vary", "Origin"), body: "public"},
		{name: "disjoint paths: /api/* answers its own origin", path: "/api/x", header: hdr("Origin", appOrigin), status: 200, cors: grant(appOrigin), body: "api"},
		{name: "split handle_errors imports: the 404 page carries the policy", path: fmt.Sprintf("http://127.0.0.1:%d/x", backendPort), header: hdr("Origin", appOrigin), status: 404,
			cors: hdr("Access-Control-Allow-Origin", appOrigin, "Access-Control-Allow-Credentials", "true", "Vary", "Origin"), body: "not found"},
		{name: "split handle_errors imports: a refused origin gets nothing on the 404 page", path: fmt.Sprintf("http://127.0.0.1:%d/x", backendPort), header: hdr("Origin", evilOrigin), status: 404,
			cors: hdr("Vary", "Origin"), body: "not found"},
		{name: "split handle_errors imports: the error backend's * does not reach a refused origin", path: fmt.Sprintf("http://127.0.0.1:%d/broken", backendPort), header: hdr("Origin", evilOrigin), status: 503,
			cors: hdr("Vary", "Origin"), body: "backend error page"},
		{name: "split handle_errors imports: the allowed origin gets one grant on the error backend's page", path: fmt.Sprintf("http://127.0.0.1:%d/broken", backendPort), header: hdr("Origin", appOrigin), status: 503,
			cors: hdr("Access-Control-Allow-Origin", appOrigin, "Access-Control-Allow-Credentials", "true", "Vary", "Origin"), body: "backend error page"},
	})
}

// orderProbe is a handler for TestCaddyProvisionsRoutesInOrder: when Caddy
// provisions it, it notes its id and whether, in every route list on its
// path, the first route Caddy has not loaded yet is the one that holds it.
type orderProbe struct {
	ID string `json:"id"`
}

var probed struct {
	sync.Mutex
	ids []string
}

func (orderProbe) CaddyModule() caddy.ModuleInfo {
	return caddy.ModuleInfo{ID: "http.handlers.cors_order_probe", New: func() caddy.Module { return new(orderProbe) }}
}

func (p *orderProbe) Provision(ctx caddy.Context) error {
	mark := fmt.Sprintf(`"id":%q`, p.ID)
	note := p.ID
	for _, m := range ctx.Modules() {
		var lists []caddyhttp.RouteList
		switch m := m.(type) {
		case *caddyhttp.App:
			for _, srv := range m.Servers {
				lists = append(lists, serverRoutes(srv)...)
			}
		case *caddyhttp.Subroute:
			lists = append(lists, m.Routes)
			if m.Errors != nil {
				lists = append(lists, m.Errors.Routes)
			}
		default:
			continue
		}
		found := false
		for _, routes := range lists {
			if i := firstRaw(routes); i >= 0 && strings.Contains(fmt.Sprint(rawText(routes[i])), mark) {
				found = true
			}
		}
		if !found {
			note += " (not in the first raw route of a list)"
		}
	}
	probed.Lock()
	probed.ids = append(probed.ids, note)
	probed.Unlock()
	return nil
}

func rawText(r caddyhttp.Route) string {
	var b strings.Builder
	for _, h := range r.HandlersRaw {
		b.Write(h)
	}
	return b.String()
}

func (orderProbe) ServeHTTP(w http.ResponseWriter, r *http.Request, next caddyhttp.Handler) error {
	return next.ServeHTTP(w, r)
}

func init() { caddy.RegisterModule(orderProbe{}) }

// TestCaddyProvisionsRoutesInOrder pins what the placement check assumes
// of Caddy (routes.go): routes are provisioned in order, depth first,
// primary routes before error routes, and each route's raw handler JSON is
// cleared once its handlers are loaded, so that the first route still raw
// is the one being provisioned. An upgrade of Caddy that changes this fails
// here.
func TestCaddyProvisionsRoutesInOrder(t *testing.T) {
	probed.Lock()
	probed.ids = nil
	probed.Unlock()
	probe := func(id string) string { return fmt.Sprintf(`{"handler": "cors_order_probe", "id": %q}`, id) }
	tc := caddytest.NewTester(t)
	tc.InitServer(fmt.Sprintf(`{
	"admin": {"listen": "localhost:%d"},
	"apps": {"http": {"http_port": %d, "servers": {"srv0": {
		"listen": [%q],
		"routes": [
			{"handle": [%s]},
			{"match": [{"path": ["/a/*"]}], "handle": [%s, {"handler": "subroute", "routes": [
				{"handle": [%s]},
				{"handle": [{"handler": "subroute", "routes": [{"handle": [%s]}]}, %s]}
			]}]},
			{"handle": [%s, {"handler": "static_response", "body": "ok"}]}
		],
		"errors": {"routes": [
			{"handle": [%s]},
			{"handle": [{"handler": "subroute", "routes": [{"handle": [%s]}]}]}
		]}
	}}}}
}`, adminPort, sitePort, siteAddr, probe("1"), probe("2"), probe("3"), probe("4"), probe("5"), probe("6"), probe("7"), probe("8")), "json")
	probed.Lock()
	defer probed.Unlock()
	if want := []string{"1", "2", "3", "4", "5", "6", "7", "8"}; !slices.Equal(probed.ids, want) {
		t.Errorf("Caddy provisioned the probes as %q, want %q: the placement check in routes.go no longer holds for this Caddy", probed.ids, want)
	}
}
