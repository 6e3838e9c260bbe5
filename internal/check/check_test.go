package check

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/seed-41134e10/caddy-cors/internal/headers"
	"github.com/seed-41134e10/caddy-cors/internal/methods"
)

const page = "https://app.example.com"

// standIn is a server that answers preflights and actual requests with fixed
// headers, however wrong, and records what it received.
type standIn struct {
	preflightStatus int // 204 when 0
	preflight       []string
	actualStatus    int // 200 when 0
	actual          []string
	// redirects maps a path to the Location of a 302 for actual requests.
	redirects map[string]string

	mu       sync.Mutex
	received []*http.Request
	bodies   []string
}

func (s *standIn) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	s.received = append(s.received, r)
	s.bodies = append(s.bodies, string(body))
	s.mu.Unlock()
	set := func(pairs []string) {
		for i := 0; i+1 < len(pairs); i += 2 {
			w.Header().Add(pairs[i], pairs[i+1])
		}
	}
	if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
		set(s.preflight)
		w.WriteHeader(cmp(s.preflightStatus, 204))
		return
	}
	set(s.actual)
	if loc, ok := s.redirects[r.URL.Path]; ok {
		w.Header().Set("Location", loc)
		w.WriteHeader(302)
		return
	}
	w.WriteHeader(cmp(s.actualStatus, 200))
	io.WriteString(w, `{"ok":true}`)
}

func cmp(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}

// call describes what the script does.
type script struct {
	origin      string // page when empty
	method      string
	header      []Field
	body        string
	credentials bool
	cookies     []Cookie // --cookie
}

func run(t *testing.T, srv http.Handler, path string, s script) *Report {
	t.Helper()
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	u, err := ParseURL(ts.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	req := Request{URL: u, Origin: cmpString(s.origin, page), Method: cmpString(s.method, "GET"), Header: s.header, Credentials: s.credentials, Cookies: s.cookies}
	if s.body != "" {
		req.Body, req.HasBody = []byte(s.body), true
	}
	client := NewClient()
	client.Timeout = 5 * time.Second
	rep, err := Run(context.Background(), client, req)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	return rep
}

func cmpString(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

var (
	okPreflight = []string{"Access-Control-Allow-Origin", page, "Access-Control-Allow-Methods", "GET, POST, PUT, PATCH, DELETE", "Access-Control-Allow-Headers", "Content-Type, X-Foo, Authorization"}
	okActual    = []string{"Access-Control-Allow-Origin", page}
	jsonPUT     = script{method: "PUT", header: []Field{{Name: "Content-Type", Value: "application/json"}}, body: "{}"}
)

func TestRunAgainstMisbehavingServers(t *testing.T) {
	tests := []struct {
		name        string
		srv         http.Handler
		path        string
		script      script
		wantVerdict string
		wantPhase   string // of the first failure
		wantCheck   string
		wantDetail  string // part of the first failure's detail
		wantFix     string // part of the first failure's fix
	}{
		{
			name: "simple GET answered with the origin is allowed without a preflight",
			srv:  &standIn{actual: okActual}, wantVerdict: "allowed",
		},
		{
			name: "simple GET answered with * is allowed",
			srv:  &standIn{actual: []string{"Access-Control-Allow-Origin", "*"}}, wantVerdict: "allowed",
		},
		{
			name: "missing Access-Control-Allow-Origin blocks a simple GET",
			srv:  &standIn{}, wantVerdict: "blocked", wantPhase: PhaseActual, wantCheck: "allow-origin",
			wantDetail: "no Access-Control-Allow-Origin header", wantFix: "answer with Access-Control-Allow-Origin: " + page,
		},
		{
			name:        "two Access-Control-Allow-Origin headers block the call",
			srv:         &standIn{actual: []string{"Access-Control-Allow-Origin", page, "Access-Control-Allow-Origin", page}},
			wantVerdict: "blocked", wantPhase: PhaseActual, wantCheck: "allow-origin", wantDetail: "more than one value", wantFix: "send Access-Control-Allow-Origin once",
		},
		{
			name:        "two origins in one Access-Control-Allow-Origin header block the call",
			srv:         &standIn{actual: []string{"Access-Control-Allow-Origin", page + ", https://other.example"}},
			wantVerdict: "blocked", wantPhase: PhaseActual, wantCheck: "allow-origin", wantDetail: "more than one value",
		},
		{
			name:        "Access-Control-Allow-Origin with a trailing slash blocks the call",
			srv:         &standIn{actual: []string{"Access-Control-Allow-Origin", page + "/"}},
			wantVerdict: "blocked", wantPhase: PhaseActual, wantCheck: "allow-origin", wantDetail: "has a trailing slash",
			wantFix: "answer with the request's Origin exactly",
		},
		{
			name:        "Access-Control-Allow-Origin in another case blocks the call",
			srv:         &standIn{actual: []string{"Access-Control-Allow-Origin", "https://App.example.com"}},
			wantVerdict: "blocked", wantPhase: PhaseActual, wantCheck: "allow-origin", wantDetail: "differs in case",
		},
		{
			name:   "* with credentials blocks the call",
			srv:    &standIn{actual: []string{"Access-Control-Allow-Origin", "*", "Access-Control-Allow-Credentials", "true"}},
			script: script{credentials: true}, wantVerdict: "blocked", wantPhase: PhaseActual, wantCheck: "allow-origin",
			wantDetail: "* does not allow requests with credentials", wantFix: "(not *) and Access-Control-Allow-Credentials: true",
		},
		{
			name:   "Access-Control-Allow-Credentials: True blocks a credentialed call",
			srv:    &standIn{actual: []string{"Access-Control-Allow-Origin", page, "Access-Control-Allow-Credentials", "True"}},
			script: script{credentials: true}, wantVerdict: "blocked", wantPhase: PhaseActual, wantCheck: "allow-credentials",
			wantDetail: `"True" is not "true"`, wantFix: "in lowercase",
		},
		{
			name: "missing Access-Control-Allow-Credentials blocks a credentialed call",
			srv:  &standIn{actual: okActual}, script: script{credentials: true},
			wantVerdict: "blocked", wantPhase: PhaseActual, wantCheck: "allow-credentials", wantDetail: "missing",
		},
		{
			name:   "credentialed call with the origin and Access-Control-Allow-Credentials: true is allowed",
			srv:    &standIn{actual: []string{"Access-Control-Allow-Origin", page, "Access-Control-Allow-Credentials", "true"}},
			script: script{credentials: true}, wantVerdict: "allowed",
		},
		{
			name: "preflighted PUT with a JSON body is allowed by a correct server",
			srv:  &standIn{preflight: okPreflight, actual: okActual}, script: jsonPUT, wantVerdict: "allowed",
		},
		{
			name: "preflight answered 401 blocks the call",
			srv:  &standIn{preflightStatus: 401, preflight: okPreflight, actual: okActual}, script: jsonPUT,
			wantVerdict: "blocked", wantPhase: PhasePreflight, wantCheck: "status", wantDetail: "cannot pass an authentication check",
			wantFix: "without asking for authentication",
		},
		{
			name: "preflight answered 401 without CORS headers blocks the call, and the status is the fix",
			srv:  &standIn{preflightStatus: 401, actual: okActual}, script: jsonPUT,
			wantVerdict: "blocked", wantPhase: PhasePreflight, wantCheck: "allow-origin", wantDetail: "because the server answered 401 Unauthorized",
			wantFix: "without asking for authentication",
		},
		{
			name: "preflight answered 301 blocks the call: preflights are not redirected",
			srv:  &standIn{preflightStatus: 301, preflight: append([]string{"Location", "https://api.example.com/x"}, okPreflight...), actual: okActual}, script: jsonPUT,
			wantVerdict: "blocked", wantPhase: PhasePreflight, wantCheck: "status", wantDetail: "never follow a redirect of a preflight",
			wantFix: "call the final URL (https://api.example.com/x)",
		},
		{
			name: "preflight answered 500 blocks the call",
			srv:  &standIn{preflightStatus: 500, preflight: okPreflight, actual: okActual}, script: jsonPUT,
			wantVerdict: "blocked", wantPhase: PhasePreflight, wantCheck: "status", wantDetail: "must get an ok status",
		},
		{
			name:        "preflight without one requested header in Access-Control-Allow-Headers blocks the call",
			srv:         &standIn{preflight: []string{"Access-Control-Allow-Origin", page, "Access-Control-Allow-Methods", "PUT", "Access-Control-Allow-Headers", "content-type"}, actual: okActual},
			script:      script{method: "PUT", header: []Field{{Name: "Content-Type", Value: "application/json"}, {Name: "X-Foo", Value: "1"}}},
			wantVerdict: "blocked", wantPhase: PhasePreflight, wantCheck: "allow-headers", wantDetail: "does not cover x-foo",
			wantFix: "add X-Foo to Access-Control-Allow-Headers",
		},
		{
			name:   "Access-Control-Allow-Headers matches names case-insensitively",
			srv:    &standIn{preflight: []string{"Access-Control-Allow-Origin", page, "Access-Control-Allow-Headers", "X-FOO"}, actual: okActual},
			script: script{header: []Field{{Name: "x-foo", Value: "1"}}}, wantVerdict: "allowed",
		},
		{
			name:        "* in Access-Control-Allow-Headers does not cover Authorization",
			srv:         &standIn{preflight: []string{"Access-Control-Allow-Origin", "*", "Access-Control-Allow-Headers", "*"}, actual: []string{"Access-Control-Allow-Origin", "*"}},
			script:      script{header: []Field{{Name: "Authorization", Value: "Bearer t"}, {Name: "X-Foo", Value: "1"}}},
			wantVerdict: "blocked", wantPhase: PhasePreflight, wantCheck: "allow-headers", wantDetail: "does not cover authorization; * never covers Authorization",
		},
		{
			name:   "* in Access-Control-Allow-Headers covers other headers without credentials",
			srv:    &standIn{preflight: []string{"Access-Control-Allow-Origin", "*", "Access-Control-Allow-Headers", "*"}, actual: []string{"Access-Control-Allow-Origin", "*"}},
			script: script{header: []Field{{Name: "X-Foo", Value: "1"}}}, wantVerdict: "allowed",
		},
		{
			name: "* in Access-Control-Allow-Headers does not count with credentials",
			srv: &standIn{preflight: []string{"Access-Control-Allow-Origin", page, "Access-Control-Allow-Credentials", "true", "Access-Control-Allow-Headers", "*"},
				actual: []string{"Access-Control-Allow-Origin", page, "Access-Control-Allow-Credentials", "true"}},
			script:      script{header: []Field{{Name: "X-Foo", Value: "1"}}, credentials: true},
			wantVerdict: "blocked", wantPhase: PhasePreflight, wantCheck: "allow-headers", wantDetail: "* counts only for requests without credentials",
		},
		{
			name: "method patch is not covered by PATCH: methods are case-sensitive",
			srv:  &standIn{preflight: okPreflight, actual: okActual}, script: script{method: "patch"},
			wantVerdict: "blocked", wantPhase: PhasePreflight, wantCheck: "allow-methods", wantDetail: `so "patch" is sent as "patch"`,
			wantFix: "write method: 'PATCH' in the script",
		},
		{
			name: "method put is uppercased by fetch and covered by PUT",
			srv:  &standIn{preflight: okPreflight, actual: okActual}, script: script{method: "put"}, wantVerdict: "allowed",
		},
		{
			name:   "* in Access-Control-Allow-Methods covers any method without credentials",
			srv:    &standIn{preflight: []string{"Access-Control-Allow-Origin", page, "Access-Control-Allow-Methods", "*"}, actual: okActual},
			script: script{method: "PROPFIND"}, wantVerdict: "allowed",
		},
		{
			name: "* in Access-Control-Allow-Methods does not count with credentials",
			srv: &standIn{preflight: []string{"Access-Control-Allow-Origin", page, "Access-Control-Allow-Credentials", "true", "Access-Control-Allow-Methods", "*"},
				actual: []string{"Access-Control-Allow-Origin", page, "Access-Control-Allow-Credentials", "true"}},
			script:      script{method: "DELETE", credentials: true},
			wantVerdict: "blocked", wantPhase: PhasePreflight, wantCheck: "allow-methods", wantDetail: "* counts only for requests without credentials",
		},
		{
			name:   "POST needs no listing in Access-Control-Allow-Methods",
			srv:    &standIn{preflight: []string{"Access-Control-Allow-Origin", page, "Access-Control-Allow-Methods", "PUT", "Access-Control-Allow-Headers", "x-foo"}, actual: okActual},
			script: script{method: "POST", header: []Field{{Name: "X-Foo", Value: "1"}}, body: "x"}, wantVerdict: "allowed",
		},
		{
			name:   "preflight refused with 403 by a Caddy server gets the cors line that allows the method",
			srv:    &caddyLike{methods: []string{"GET", "POST", "PUT"}, headers: []string{"Content-Type"}},
			script: script{method: "DELETE"}, wantVerdict: "blocked", wantPhase: PhasePreflight, wantCheck: "allow-origin",
			wantDetail: "so the method DELETE is what the server refuses", wantFix: `Caddyfile: "methods GET POST PUT DELETE"`,
		},
		{
			name:   "preflight refused with 403 by a Caddy server gets the cors line that allows the header",
			srv:    &caddyLike{methods: []string{"GET", "POST", "PUT"}, headers: []string{"Content-Type"}},
			script: script{method: "PUT", header: []Field{{Name: "Content-Type", Value: "application/json"}, {Name: "X-Foo", Value: "1"}}}, wantVerdict: "blocked", wantPhase: PhasePreflight, wantCheck: "allow-origin",
			wantDetail: "so the server refuses the request header x-foo", wantFix: `Caddyfile: "headers Content-Type X-Foo"`,
		},
		{
			name:   "call refused by a Caddy server for its origin gets the cors line that allows the origin",
			srv:    &caddyLike{origin: "https://other.example", methods: []string{"GET"}},
			script: script{method: "PUT"}, wantVerdict: "blocked", wantPhase: PhasePreflight, wantCheck: "allow-origin",
			wantDetail: "a preflight for a plain GET from " + page + " is refused too", wantFix: "Caddyfile: cors " + page,
		},
		{
			name:   "preflight with more request headers than a Caddy server accepts names the limit",
			srv:    &caddyLike{methods: []string{"GET"}},
			script: script{header: manyHeaders(headers.MaxRequestNames + 1)}, wantVerdict: "blocked", wantPhase: PhasePreflight, wantCheck: "allow-origin",
			wantDetail: fmt.Sprintf("more than %d names", headers.MaxRequestNames), wantFix: fmt.Sprintf("at most %d request headers", headers.MaxRequestNames),
		},
		{
			name:   "preflight with as many request headers as a Caddy server accepts is allowed",
			srv:    &caddyLike{methods: []string{"GET"}},
			script: script{header: manyHeaders(headers.MaxRequestNames)}, wantVerdict: "allowed",
		},
		{
			name: "101 Switching Protocols to a plain fetch is not a response the script can read",
			srv:  switchingProtocols{"Access-Control-Allow-Origin", page}, wantVerdict: "blocked", wantPhase: PhaseActual, wantCheck: "status",
			wantDetail: "101 answers only a request to switch protocols", wantFix: "answer with a final status",
		},
		{
			name:   "origin null refused by a Caddy server gets a cors line the module accepts, not cors null",
			srv:    &caddyLike{methods: []string{"GET"}},
			script: script{origin: "null", method: "PUT"}, wantVerdict: "blocked", wantPhase: PhasePreflight, wantCheck: "allow-origin",
			wantDetail: "a preflight for a plain GET from null is refused too", wantFix: "Caddyfile: cors (with no origins",
		},
		{
			name:   "origin null with credentials refused by a Caddy server is told that no cors line can allow it",
			srv:    &caddyLike{methods: []string{"GET"}},
			script: script{origin: "null", credentials: true}, wantVerdict: "blocked", wantPhase: PhaseActual, wantCheck: "allow-origin",
			wantFix: "no cors line can allow the origin null with credentials",
		},
		{
			name:   "credentials for a plain-http origin from a Caddy server name allow_insecure_origins, which the module needs",
			srv:    &caddyLike{origin: "http://app.example.com", methods: []string{"GET"}},
			script: script{origin: "http://app.example.com", credentials: true}, wantVerdict: "blocked", wantPhase: PhaseActual, wantCheck: "allow-credentials",
			wantFix: `Caddyfile: "credentials" and "allow_insecure_origins" in the block of the cors directive that allows http://app.example.com`,
		},
		{
			name: "redirect that passes the CORS check is followed",
			srv:  &standIn{actual: okActual, redirects: map[string]string{"/old": "/new"}}, path: "/old", wantVerdict: "allowed",
		},
		{
			name: "redirect without CORS headers blocks the call",
			srv:  &standIn{redirects: map[string]string{"/old": "/new"}}, path: "/old",
			wantVerdict: "blocked", wantPhase: PhaseActual, wantCheck: "allow-origin",
		},
		{
			name: "redirect to a URL with user info blocks the call",
			srv:  &standIn{actual: okActual, redirects: map[string]string{"/old": "http://me@127.0.0.1:1/"}}, path: "/old",
			wantVerdict: "blocked", wantPhase: PhaseRedirect, wantCheck: "location", wantDetail: "has user info",
		},
		{
			name:   "Access-Control-Allow-Origin set as a request header is refused by a Caddy server, and the fix removes it from the request",
			srv:    &caddyLike{methods: []string{"GET"}, headers: []string{"Content-Type"}},
			script: script{header: []Field{{Name: "Access-Control-Allow-Origin", Value: "*"}}}, wantVerdict: "blocked", wantPhase: PhasePreflight, wantCheck: "allow-origin",
			wantDetail: "so the server refuses the request header access-control-allow-origin",
			wantFix:    "Access-Control-Allow-Origin is " + headers.ResponseHeaderAsRequestHeader + " (in the fetch() or axios call on the page",
		},
		{
			name:   "a CORS response header not in Access-Control-Allow-Headers is named as the mistake, beside a header to allow",
			srv:    &standIn{preflight: okPreflight},
			script: script{header: []Field{{Name: "access-control-max-age", Value: "600"}, {Name: "X-Bar", Value: "1"}}}, wantVerdict: "blocked", wantPhase: PhasePreflight, wantCheck: "allow-headers",
			wantDetail: "does not cover access-control-max-age, x-bar; Access-Control-Max-Age is " + headers.ResponseHeaderAsRequestHeader,
			wantFix:    "Access-Control-Max-Age is " + headers.ResponseHeaderAsRequestHeader + " (in the fetch() or axios call on the page; CORS is configured on the server that answers); and for the others: add X-Bar to Access-Control-Allow-Headers",
		},
		{
			name:   "a CORS response header that a lenient server allows is let through, with a warning",
			srv:    &caddyLike{methods: []string{"GET"}},
			script: script{header: []Field{{Name: "Access-Control-Allow-Credentials", Value: "true"}}}, wantVerdict: "allowed",
		},
		{
			name: "redirect loop stops after 20 redirects",
			srv:  &standIn{actual: okActual, redirects: map[string]string{"/loop": "/loop"}}, path: "/loop",
			wantVerdict: "blocked", wantPhase: PhaseRedirect, wantCheck: "location", wantDetail: "more than 20 redirects",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep := run(t, tt.srv, cmpString(tt.path, "/api"), tt.script)
			if rep.Verdict != tt.wantVerdict {
				t.Fatalf("verdict = %q, want %q; steps:\n%s", rep.Verdict, tt.wantVerdict, dump(rep))
			}
			if tt.wantVerdict == "allowed" {
				if rep.Failure != nil {
					t.Errorf("allowed call has a failure: %+v", rep.Failure)
				}
				return
			}
			f := rep.Failure
			if f == nil {
				t.Fatalf("blocked call has no failure; steps:\n%s", dump(rep))
			}
			if f.Phase != tt.wantPhase || f.Check != tt.wantCheck {
				t.Errorf("failed at %s %s, want %s %s; steps:\n%s", f.Phase, f.Check, tt.wantPhase, tt.wantCheck, dump(rep))
			}
			if !strings.Contains(f.Detail, tt.wantDetail) {
				t.Errorf("failure detail %q does not say %q", f.Detail, tt.wantDetail)
			}
			if !strings.Contains(f.Fix, tt.wantFix) {
				t.Errorf("failure fix %q does not say %q", f.Fix, tt.wantFix)
			}
		})
	}
}

func dump(rep *Report) string {
	var b strings.Builder
	WriteText(&b, rep)
	return b.String()
}

// caddyLike answers as the cors handler does: Server: Caddy, and a refused
// preflight gets 403 with no CORS headers, whatever the reason, including
// more request-header names than the handler accepts.
type caddyLike struct {
	origin  string // page when empty
	methods []string
	headers []string // any header when nil, as without a headers line
}

func (c *caddyLike) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Server", "Caddy")
	origin := cmpString(c.origin, page)
	allowed := r.Header.Get("Origin") == origin
	if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
		method := r.Header.Get("Access-Control-Request-Method")
		if !methods.IsSafelisted(method) && !slices.Contains(c.methods, method) {
			allowed = false
		}
		names, _ := tokenList(r.Header.Values("Access-Control-Request-Headers"))
		for _, name := range names {
			if c.headers != nil && !containsFold(c.headers, name) {
				allowed = false
			}
		}
		if len(names) > headers.MaxRequestNames {
			allowed = false
		}
		if !allowed {
			w.WriteHeader(403)
			return
		}
		w.Header().Set("Access-Control-Allow-Origin", origin)
		w.Header().Set("Access-Control-Allow-Methods", strings.Join(c.methods, ", "))
		switch {
		case len(names) > 0 && c.headers == nil:
			w.Header().Set("Access-Control-Allow-Headers", strings.Join(names, ", "))
		case len(names) > 0:
			w.Header().Set("Access-Control-Allow-Headers", strings.Join(c.headers, ", "))
		}
		w.WriteHeader(204)
		return
	}
	if allowed {
		w.Header().Set("Access-Control-Allow-Origin", origin)
	}
	io.WriteString(w, "ok")
}

// manyHeaders returns n distinct headers that are not CORS-safelisted.
func manyHeaders(n int) []Field {
	fields := make([]Field, n)
	for i := range fields {
		fields[i] = Field{Name: fmt.Sprintf("X-Custom-%d", i), Value: "1"}
	}
	return fields
}

// switchingProtocols answers every request with 101 Switching Protocols and
// the given headers, as a misconfigured WebSocket backend might, then closes
// the connection.
type switchingProtocols []string

func (h switchingProtocols) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	conn, buf, err := http.NewResponseController(w).Hijack()
	if err != nil {
		return
	}
	defer conn.Close()
	buf.WriteString("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n")
	for i := 0; i+1 < len(h); i += 2 {
		buf.WriteString(h[i] + ": " + h[i+1] + "\r\n")
	}
	buf.WriteString("\r\n")
	buf.Flush()
}

func TestPreflightIsSentAsABrowserSendsIt(t *testing.T) {
	srv := &standIn{preflight: okPreflight, actual: okActual}
	rep := run(t, srv, "/api/items/1", script{
		method:      "PUT",
		header:      []Field{{Name: "X-Foo", Value: "1"}, {Name: "Content-Type", Value: "application/json"}, {Name: "Authorization", Value: "Bearer t"}, {Name: "Cookie", Value: "session=1"}, {Name: "Accept", Value: "application/json"}},
		body:        `{"a":1}`,
		credentials: false,
	})
	if !rep.Allowed() {
		t.Fatalf("call blocked:\n%s", dump(rep))
	}
	if len(srv.received) != 2 {
		t.Fatalf("server got %d requests, want a preflight and the request", len(srv.received))
	}
	pre, actual := srv.received[0], srv.received[1]
	wantPre := map[string]string{
		"Origin":                         page,
		"Access-Control-Request-Method":  "PUT",
		"Access-Control-Request-Headers": "authorization,content-type,x-foo",
		"Accept":                         "*/*",
	}
	if pre.Method != http.MethodOptions {
		t.Errorf("preflight method = %s, want OPTIONS", pre.Method)
	}
	for name, want := range wantPre {
		if got := pre.Header.Values(name); len(got) != 1 || got[0] != want {
			t.Errorf("preflight %s = %q, want %q", name, got, want)
		}
	}
	for _, name := range []string{"Cookie", "Authorization", "X-Foo", "Content-Type"} {
		if v := pre.Header.Get(name); v != "" {
			t.Errorf("preflight carries %s: %q; browsers send none of the script's headers and no credentials", name, v)
		}
	}
	if srv.bodies[0] != "" || pre.ContentLength > 0 {
		t.Errorf("preflight has a body: %q", srv.bodies[0])
	}
	if actual.Method != "PUT" || actual.Header.Get("Origin") != page || actual.Header.Get("X-Foo") != "1" ||
		actual.Header.Get("Authorization") != "Bearer t" || srv.bodies[1] != `{"a":1}` {
		t.Errorf("actual request = %s %v body %q", actual.Method, actual.Header, srv.bodies[1])
	}
	if v := actual.Header.Values("Accept"); len(v) != 1 || v[0] != "application/json" {
		t.Errorf("actual Accept = %q, want the script's own", v)
	}
	if v := actual.Header.Get("Cookie"); v != "" {
		t.Errorf("actual request carries Cookie %q, which scripts cannot set", v)
	}
	if !slices.ContainsFunc(rep.Steps, func(s Step) bool { return s.Check == "forbidden-header" && strings.Contains(s.Detail, "not sent") }) {
		t.Errorf("the report does not say that Cookie is not sent:\n%s", dump(rep))
	}
}

func TestSimpleRequestGetsNoPreflight(t *testing.T) {
	srv := &standIn{actual: okActual}
	rep := run(t, srv, "/", script{method: "POST", header: []Field{{Name: "Content-Type", Value: "text/plain"}, {Name: "Accept-Language", Value: "en"}}, body: "x"})
	if !rep.Allowed() || rep.Preflight || len(srv.received) != 1 || srv.received[0].Method != "POST" {
		t.Errorf("simple POST: allowed %v, preflight %v, server got %d requests\n%s", rep.Allowed(), rep.Preflight, len(srv.received), dump(rep))
	}
}

func TestReadableHeaders(t *testing.T) {
	tests := []struct {
		name        string
		actual      []string
		credentials bool
		want        []string
	}{
		{"only safelisted response headers without Access-Control-Expose-Headers",
			[]string{"Access-Control-Allow-Origin", page, "X-Request-Id", "1", "Cache-Control", "no-store"}, false,
			[]string{"Cache-Control", "Content-Length", "Content-Type"}},
		{"exposed headers are readable, matched case-insensitively",
			[]string{"Access-Control-Allow-Origin", page, "X-Request-Id", "1", "X-Other", "2", "Access-Control-Expose-Headers", "x-request-id"}, false,
			[]string{"Content-Length", "Content-Type", "X-Request-Id"}},
		{"* exposes every header but Set-Cookie without credentials",
			[]string{"Access-Control-Allow-Origin", page, "X-Request-Id", "1", "Set-Cookie", "a=b", "Access-Control-Expose-Headers", "*"}, false,
			[]string{"Access-Control-Allow-Origin", "Access-Control-Expose-Headers", "Content-Length", "Content-Type", "Date", "X-Request-Id"}},
		{"* exposes nothing more with credentials",
			[]string{"Access-Control-Allow-Origin", page, "Access-Control-Allow-Credentials", "true", "X-Request-Id", "1", "Access-Control-Expose-Headers", "*"}, true,
			[]string{"Content-Length", "Content-Type"}},
		{"Set-Cookie is never readable, even when exposed",
			[]string{"Access-Control-Allow-Origin", page, "Set-Cookie", "a=b", "Access-Control-Expose-Headers", "Set-Cookie"}, false,
			[]string{"Content-Length", "Content-Type"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep := run(t, &standIn{actual: tt.actual}, "/", script{credentials: tt.credentials})
			if !rep.Allowed() {
				t.Fatalf("blocked:\n%s", dump(rep))
			}
			if !slices.Equal(rep.Readable, tt.want) {
				t.Errorf("readable = %q, want %q", rep.Readable, tt.want)
			}
		})
	}
}

func TestRedirectToAnotherOriginSendsOriginNull(t *testing.T) {
	var gotOrigin, gotAuth string
	second := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotOrigin, gotAuth = r.Header.Get("Origin"), r.Header.Get("Authorization")
		w.Header().Set("Access-Control-Allow-Origin", "*")
	}))
	defer second.Close()
	// localhost and 127.0.0.1 are different origins on the same server.
	target := strings.Replace(second.URL, "127.0.0.1", "localhost", 1)
	first := &standIn{
		preflight: []string{"Access-Control-Allow-Origin", "*", "Access-Control-Allow-Headers", "authorization"},
		actual:    []string{"Access-Control-Allow-Origin", "*"}, redirects: map[string]string{"/": target + "/"},
	}
	rep := run(t, first, "/", script{method: "POST", header: []Field{{Name: "Authorization", Value: "Bearer t"}}, body: "x"})
	if !rep.Allowed() {
		t.Fatalf("blocked:\n%s", dump(rep))
	}
	if gotOrigin != "null" {
		t.Errorf("after a redirect to another origin, Origin = %q, want null", gotOrigin)
	}
	if gotAuth != "" {
		t.Errorf("Authorization survived a cross-origin redirect: %q", gotAuth)
	}
	if !slices.ContainsFunc(rep.Steps, func(s Step) bool { return s.Phase == PhaseRedirect && strings.Contains(s.Detail, "POST into GET") }) {
		t.Errorf("the report does not say that a 302 turns POST into GET:\n%s", dump(rep))
	}
}

func TestSameOriginCallIsNotCORS(t *testing.T) {
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer ts.Close()
	u, _ := ParseURL(ts.URL + "/x")
	rep, err := Run(context.Background(), NewClient(), Request{URL: u, Origin: ts.URL, Method: "DELETE"})
	if err != nil || !rep.Allowed() || rep.Preflight {
		t.Errorf("same-origin call: %v, allowed %v, preflight %v", err, rep != nil && rep.Allowed(), rep != nil && rep.Preflight)
	}
}

// TestSameOriginRedirectToAnotherOrigin checks a call to the page's own
// origin that is redirected to another origin: from there on CORS applies,
// with the page's origin (not null: the request crossed origins once).
func TestSameOriginRedirectToAnotherOrigin(t *testing.T) {
	tests := []struct {
		name        string
		other       []string // headers of the other origin's answers
		script      script
		wantVerdict string
		wantMethods []string // received by the other origin, each with the page's Origin
	}{
		{
			name: "the other origin without CORS headers blocks the call", script: script{},
			wantVerdict: "blocked", wantMethods: []string{"GET"},
		},
		{
			name: "the other origin allowing the page's origin lets the script read the answer", other: []string{"Access-Control-Allow-Origin", "page"},
			wantVerdict: "allowed", wantMethods: []string{"GET"},
		},
		{
			name: "a request that needs a preflight gets one at the other origin", other: []string{"Access-Control-Allow-Origin", "page", "Access-Control-Allow-Methods", "PUT"},
			script:      script{method: "PUT"},
			wantVerdict: "allowed", wantMethods: []string{"OPTIONS", "PUT"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			first := &standIn{}
			ts := httptest.NewServer(first)
			defer ts.Close()
			pageOrigin := ts.URL // the page is on the first server's origin
			other := &standIn{preflight: replace(tt.other, "page", pageOrigin), actual: replace(tt.other, "page", pageOrigin)}
			os := httptest.NewServer(other)
			defer os.Close()
			// localhost and 127.0.0.1 are different origins.
			first.redirects = map[string]string{"/": strings.Replace(os.URL, "127.0.0.1", "localhost", 1) + "/api"}

			u, _ := ParseURL(ts.URL + "/")
			client := NewClient()
			client.Timeout = 5 * time.Second
			rep, err := Run(context.Background(), client, Request{URL: u, Origin: pageOrigin, Method: cmpString(tt.script.method, "GET")})
			if err != nil {
				t.Fatal(err)
			}
			if rep.Verdict != tt.wantVerdict {
				t.Fatalf("verdict = %q, want %q:\n%s", rep.Verdict, tt.wantVerdict, dump(rep))
			}
			var methods []string
			for _, r := range other.received {
				methods = append(methods, r.Method)
				if got := r.Header.Get("Origin"); got != pageOrigin {
					t.Errorf("%s at the other origin carried Origin %q, want the page's %q", r.Method, got, pageOrigin)
				}
			}
			if !slices.Equal(methods, tt.wantMethods) {
				t.Errorf("the other origin got %q, want %q", methods, tt.wantMethods)
			}
			if tt.wantVerdict == "blocked" && (rep.Failure.Hop != 2 || rep.Failure.Check != "allow-origin") {
				t.Errorf("failure = %+v, want hop 2 allow-origin", rep.Failure)
			}
		})
	}
}

func replace(pairs []string, old, new string) []string {
	out := slices.Clone(pairs)
	for i := range out {
		if out[i] == old {
			out[i] = new
		}
	}
	return out
}

func TestSameOriginSwitchingProtocolsIsNotReadable(t *testing.T) {
	ts := httptest.NewServer(switchingProtocols{})
	defer ts.Close()
	u, _ := ParseURL(ts.URL + "/")
	client := NewClient()
	client.Timeout = 5 * time.Second
	rep, err := Run(context.Background(), client, Request{URL: u, Origin: ts.URL, Method: "GET"})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Allowed() || rep.Failure.Check != "status" {
		t.Errorf("same-origin 101: verdict %q:\n%s", rep.Verdict, dump(rep))
	}
}

func TestRunStopsAtTheContextDeadline(t *testing.T) {
	slow := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(100 * time.Millisecond)
		w.Header().Set("Access-Control-Allow-Origin", "*")
		w.Header().Set("Location", "/again")
		w.WriteHeader(302)
	})
	ts := httptest.NewServer(slow)
	defer ts.Close()
	u, _ := ParseURL(ts.URL + "/")
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	rep, err := Run(ctx, NewClient(), Request{URL: u, Origin: page, Method: "GET"})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Run over a redirect chain longer than its deadline: %v, %v; want context.DeadlineExceeded", rep, err)
	}
}

func TestMixedContentIsBlocked(t *testing.T) {
	u, _ := ParseURL("http://api.example.com/x")
	rep, err := Run(context.Background(), NewClient(), Request{URL: u, Origin: page, Method: "GET"})
	if err != nil || rep.Allowed() || rep.Failure.Check != "mixed-content" {
		t.Errorf("https page calling http URL: %v %+v", err, rep)
	}
}

func TestNetworkErrorIsAnError(t *testing.T) {
	ts := httptest.NewServer(http.NotFoundHandler())
	u, _ := ParseURL(ts.URL)
	ts.Close()
	if _, err := Run(context.Background(), NewClient(), Request{URL: u, Origin: page, Method: "GET"}); err == nil {
		t.Error("Run against a closed server returned no error")
	}
}
