package cors

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
)

// FuzzServeHTTP sends random requests through several policies and checks
// what must hold for every response, whatever the input.
func FuzzServeHTTP(f *testing.F) {
	f.Add("GET", appOrigin, "", "", false)
	f.Add("OPTIONS", appOrigin, "PUT", "content-type,x-custom", false)
	f.Add("OPTIONS", "https://a.b.example.org", "PATCH", "Authorization, X-Custom", true)
	f.Add("OPTIONS", "https://example.org", "GET", "", false)
	f.Add("OPTIONS", "null", "DELETE", ",,,", false)
	f.Add("GET", "https://app.example.com:443", "", "", true)
	f.Add("OPTIONS", "http://localhost:0", "get", "x\ty", false)

	exactOrigins := []string{appOrigin, "http://localhost:3000"}
	policies := []*Handler{
		provision(f, &Handler{Origins: exactOrigins, Headers: []string{"Content-Type", "X-Custom"}, Credentials: true, ExposeHeaders: []string{"X-Id"}}),
		provision(f, &Handler{Origins: []string{appOrigin, "https://*.example.org", "http://localhost:*"}, Methods: []string{"*"}, Credentials: true}),
		provision(f, &Handler{Methods: []string{"GET", "PUT"}, ExposeHeaders: []string{"*"}}),
		provision(f, &Handler{OriginRegexps: []string{`https://pr-[0-9]+\.example\.net`}, PreflightPassthrough: true}),
	}

	f.Fuzz(func(t *testing.T, method, origin, requestMethod, requestHeaders string, twoOrigins bool) {
		// Built by hand: http.NewRequest refuses methods a raw connection can still carry.
		r := &http.Request{Method: method, URL: &url.URL{Path: "/"}, Header: http.Header{}}
		r.Header["Origin"] = []string{origin}
		if twoOrigins {
			r.Header["Origin"] = append(r.Header["Origin"], appOrigin)
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
	switch {
	case len(acao) > 1:
		t.Fatalf("policy %d: two ACAO values %q", i, acao)
	case len(acao) == 1 && acao[0] == "*":
		if w.header.Get("Access-Control-Allow-Credentials") != "" {
			t.Fatalf("policy %d: ACAO * with credentials", i)
		}
		if !h.policy.anyOrigin {
			t.Fatalf("policy %d: ACAO * from a policy with listed origins", i)
		}
	case len(acao) == 1:
		if len(origin) != 1 || acao[0] != origin[0] {
			t.Fatalf("policy %d: ACAO %q is not the request origin %q", i, acao[0], origin)
		}
		if i == 0 && !slices.Contains(h.Origins, acao[0]) {
			t.Fatalf("policy %d: origin %q allowed but not listed", i, acao[0])
		}
	}
	if len(acao) == 0 {
		for k := range w.header {
			if strings.HasPrefix(k, "Access-Control-Allow-") || k == "Access-Control-Expose-Headers" || k == "Access-Control-Max-Age" {
				t.Fatalf("policy %d: %s without ACAO", i, k)
			}
		}
	}
	preflight := r.Method == http.MethodOptions && len(r.Header["Access-Control-Request-Method"]) > 0
	if preflight && !h.PreflightPassthrough {
		switch w.status {
		case 403:
			if len(acao) != 0 {
				t.Fatalf("policy %d: refused preflight with ACAO", i)
			}
		case h.policy.preflightStatus:
			allowed := w.header.Get("Access-Control-Allow-Methods")
			m := r.Header.Get("Access-Control-Request-Method")
			if allowed != "*" && !isSafelistedMethod(m) && !slices.Contains(strings.Split(allowed, ", "), m) {
				t.Fatalf("policy %d: allowed preflight for %q answers methods %q", i, m, allowed)
			}
		default:
			t.Fatalf("policy %d: preflight answered %d", i, w.status)
		}
	}
}
