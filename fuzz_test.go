package cors

import (
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/seed-41134e10/caddy-cors/internal/methods"
	"github.com/seed-41134e10/caddy-cors/internal/origins"
)

// FuzzServeHTTP sends random requests through several policies and checks
// what must hold for every response, whatever the input: at most one
// Access-Control-Allow-Origin, equal to "*" or to the request's own origin,
// "*" never with credentials, and a grant exactly when a plain reference
// reading of the policy allows the origin.
func FuzzServeHTTP(f *testing.F) {
	f.Add("GET", appOrigin, "", "", uint8(1))
	f.Add("OPTIONS", appOrigin, "PUT", "content-type,x-custom", uint8(1))
	f.Add("OPTIONS", "https://a.b.example.org", "PATCH", "Authorization, X-Custom", uint8(2))
	f.Add("OPTIONS", "https://example.org", "GET", "", uint8(1))
	f.Add("OPTIONS", "null", "DELETE", ",,,", uint8(1))
	f.Add("GET", "https://app.example.com:443", "", "", uint8(2))
	f.Add("OPTIONS", "http://localhost:0", "get", "x\ty", uint8(1))
	f.Add("GET", "", "", "", uint8(0))
	f.Add("OPTIONS", "https://pr-12.example.net", "PUT", "x-a\nx-b", uint8(1))
	f.Add("OPTIONS", "http://[::1]:8080", "PROPFIND", "x-custom", uint8(1))
	f.Add("OPTIONS", "https://a.tenant.example:9000", "PUT", "Content-Type", uint8(1))

	exactOrigins := []string{appOrigin, "http://localhost:3000"}
	policies := []*Handler{
		provision(f, &Handler{Origins: exactOrigins, Headers: []string{"Content-Type", "X-Custom"}, Credentials: true, ExposeHeaders: []string{"X-Id"}}),
		provision(f, &Handler{Origins: []string{appOrigin, "https://*.example.org", "http://localhost:*"}, Methods: []string{"*"}, Credentials: true}),
		provision(f, &Handler{Methods: []string{"GET", "PUT"}, ExposeHeaders: []string{"*"}}),
		provision(f, &Handler{OriginRegexps: []string{`https://pr-[0-9]+\.example\.net`}, PreflightPassthrough: true}),
		provision(f, &Handler{
			Origins:         []string{"http://[::1]:8080", "https://*.tenant.example:*", "capacitor://localhost"},
			OriginRegexps:   []string{`https://[a-z]+\.regexp\.example`},
			Methods:         []string{"PROPFIND", "PUT"},
			Headers:         []string{"*"},
			PrivateNetwork:  true,
			PreflightStatus: 200,
		}),
	}

	f.Fuzz(func(t *testing.T, method, origin, requestMethod, requestHeaders string, originLines uint8) {
		// Built by hand: http.NewRequest refuses methods a raw connection can still carry.
		r := &http.Request{Method: method, URL: &url.URL{Path: "/"}, Header: http.Header{}}
		// 0: no Origin; 1: origin; 2: origin and then an allowed one.
		switch originLines % 3 {
		case 1:
			r.Header["Origin"] = []string{origin}
		case 2:
			r.Header["Origin"] = []string{origin, appOrigin}
		}
		if requestMethod != "" {
			r.Header["Access-Control-Request-Method"] = []string{requestMethod}
		}
		if requestHeaders != "" {
			r.Header["Access-Control-Request-Headers"] = strings.Split(requestHeaders, "\n")
		}
		for i, h := range policies {
			w := &benchWriter{header: make(http.Header)}
			if err := h.ServeHTTP(w, r, next); err != nil {
				t.Fatalf("policy %d: %v", i, err)
			}
			checkInvariants(t, i, h, r, w)
		}
	})
}

func checkInvariants(t *testing.T, i int, h *Handler, r *http.Request, w *benchWriter) {
	t.Helper()
	acao := w.header.Values("Access-Control-Allow-Origin")
	origin := r.Header["Origin"]
	anyOrigin := referenceAnyOrigin(h)
	allowed := referenceAllows(h, origin)
	preflight := r.Method == http.MethodOptions && len(origin) > 0 && len(r.Header["Access-Control-Request-Method"]) > 0

	switch {
	case len(acao) > 1:
		t.Fatalf("policy %d: two ACAO values %q", i, acao)
	case len(acao) == 1 && acao[0] == "*":
		if w.header.Get("Access-Control-Allow-Credentials") != "" {
			t.Fatalf("policy %d: ACAO * with credentials", i)
		}
		if !anyOrigin {
			t.Fatalf("policy %d: ACAO * from a policy with listed origins", i)
		}
	case len(acao) == 1:
		if len(origin) != 1 || acao[0] != origin[0] {
			t.Fatalf("policy %d: ACAO %q is not the request origin %q", i, acao[0], origin)
		}
		if !allowed {
			t.Fatalf("policy %d: origin %q granted, but the reference refuses it", i, acao[0])
		}
		if got := w.header.Get("Access-Control-Allow-Credentials"); (got == "true") != h.Credentials {
			t.Fatalf("policy %d: ACAC %q, credentials %v", i, got, h.Credentials)
		}
	}
	if len(acao) == 0 {
		for k := range w.header {
			if strings.HasPrefix(k, "Access-Control-Allow-") || k == "Access-Control-Expose-Headers" || k == "Access-Control-Max-Age" {
				t.Fatalf("policy %d: %s without ACAO", i, k)
			}
		}
		// An actual request's grant depends on the origin alone.
		if !preflight && allowed {
			t.Fatalf("policy %d: origin %q allowed by the reference, but the response has no ACAO", i, origin)
		}
	}
	if preflight && !h.PreflightPassthrough {
		switch w.status {
		case 403:
			if len(acao) != 0 {
				t.Fatalf("policy %d: refused preflight with ACAO", i)
			}
		case h.policy.preflightStatus:
			if len(acao) != 1 {
				t.Fatalf("policy %d: preflight answered %d without ACAO", i, w.status)
			}
			allowed := w.header.Get("Access-Control-Allow-Methods")
			m := r.Header.Get("Access-Control-Request-Method")
			if allowed != "*" && !methods.IsSafelisted(m) && !slices.Contains(strings.Split(allowed, ", "), m) {
				t.Fatalf("policy %d: allowed preflight for %q answers methods %q", i, m, allowed)
			}
		default:
			t.Fatalf("policy %d: preflight answered %d", i, w.status)
		}
	}
}

// referenceAnyOrigin reads the configuration plainly: no listed origins and
// no regexps, or the single origin "*", allows any origin.
func referenceAnyOrigin(h *Handler) bool {
	return len(h.OriginRegexps) == 0 && (len(h.Origins) == 0 || slices.Equal(h.Origins, []string{"*"}))
}

// referenceAllows decides, as plainly as possible and without the policy's
// compiled tables, whether a request with these Origin values is allowed:
// exactly one value, well-formed, equal in scheme, host (label by label, a
// wildcard standing for one or more labels) and port to a configured origin,
// or matching a configured regexp from end to end.
func referenceAllows(h *Handler, origin []string) bool {
	if referenceAnyOrigin(h) {
		return true
	}
	if len(origin) != 1 {
		return false
	}
	o, ok := origins.Parse(origin[0])
	if !ok {
		return false
	}
	for _, s := range h.Origins {
		p, err := origins.ParsePattern(s)
		if err != nil {
			panic(err) // provision accepted it
		}
		if p.Scheme == o.Scheme && referenceHostMatch(p, o.Host) && (p.Port == "*" || p.Port == o.Port) {
			return true
		}
	}
	for _, s := range h.OriginRegexps {
		if regexp.MustCompile(`^(?:` + s + `)$`).MatchString(origin[0]) {
			return true
		}
	}
	return false
}

func referenceHostMatch(p origins.Pattern, host string) bool {
	if !p.Wildcard {
		return p.Host == host
	}
	want := strings.Split(p.Host, ".")
	got := strings.Split(host, ".")
	if strings.HasPrefix(host, "[") || len(got) <= len(want) {
		return false
	}
	return slices.Equal(got[len(got)-len(want):], want)
}
