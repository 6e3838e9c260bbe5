package bench

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
)

// TestSamePolicy checks that the comparison is fair: on every benchmarked
// request, every library reaches the decision the policy calls for, so that
// no library is measured doing less than the others.
func TestSamePolicy(t *testing.T) {
	hs := handlers{}
	for _, s := range scenarios() {
		if s.bench == "Adversarial" {
			continue
		}
		for _, lib := range Libraries {
			t.Run(s.bench+"/"+s.name+"/lib="+lib.Name, func(t *testing.T) {
				w := serveOnce(hs.get(t, lib, s.policy), s.request)
				for _, problem := range checkDecision(s, w.header) {
					t.Error(problem)
				}
			})
		}
	}
}

// checkDecision returns what is wrong with a response to s, if anything:
// the browser's verdict, and everything that verdict depends on.
func checkDecision(s scenario, h http.Header) (problems []string) {
	fail := func(format string, args ...any) {
		problems = append(problems, fmt.Sprintf(format, args...))
	}
	if got := h.Values("Access-Control-Allow-Origin"); !slices.Equal(got, nonEmpty(s.want)) {
		fail("Access-Control-Allow-Origin = %q, want %q", got, nonEmpty(s.want))
	}
	credentialed := s.policy.Origins != nil
	if s.policy.Origins != nil && s.request.Header.Get("Origin") != "" && !listHas(h.Values("Vary"), "Origin") {
		fail("Vary = %q, want it to name Origin", h.Values("Vary"))
	}
	if s.want == "" {
		for name := range h {
			if strings.HasPrefix(name, "Access-Control-") {
				fail("refused request got %s: %q", name, h.Values(name))
			}
		}
		return problems
	}
	if got, want := h.Get("Access-Control-Allow-Credentials") == "true", credentialed; got != want {
		fail("Access-Control-Allow-Credentials true = %v, want %v", got, want)
	}
	if s.bench == "Actual" {
		if !listHas(h.Values("Access-Control-Expose-Headers"), "X-Request-Id") {
			fail("Access-Control-Expose-Headers = %q, want X-Request-Id", h.Values("Access-Control-Expose-Headers"))
		}
		return problems
	}
	if m := h.Values("Access-Control-Allow-Methods"); !listHas(m, "PUT") && !(listHas(m, "*") && !credentialed) {
		fail("Access-Control-Allow-Methods = %q, want it to cover PUT", m)
	}
	for _, name := range strings.Split(s.request.Header.Get("Access-Control-Request-Headers"), ",") {
		if a := h.Values("Access-Control-Allow-Headers"); !listHas(a, name) {
			fail("Access-Control-Allow-Headers = %q, want it to cover %q", a, name)
		}
	}
	if got := h.Get("Access-Control-Max-Age"); got != "600" {
		fail("Access-Control-Max-Age = %q, want 600", got)
	}
	return problems
}

// TestAdversarialOutcomes pins what each library does with the adversarial
// preflights. They have no common answer, because only some libraries limit
// Access-Control-Request-Headers; the benchmark compares the cost of each
// library's own answer, and BENCHMARKS.md says which answer that is.
func TestAdversarialOutcomes(t *testing.T) {
	// granted[lib][scenario]: whether the preflight was granted.
	granted := map[string]map[string]bool{
		"caddy-cors": {
			"headers=listed/acrh=commas-1MiB": false, "headers=listed/acrh=names-10000": false,
			"headers=any/acrh=commas-1MiB": false, "headers=any/acrh=names-10000": false,
		},
		"rs-cors": {
			"headers=listed/acrh=commas-1MiB": false, "headers=listed/acrh=names-10000": false,
			"headers=any/acrh=commas-1MiB": true, "headers=any/acrh=names-10000": true,
		},
		"go-chi-cors": {
			"headers=listed/acrh=commas-1MiB": true, "headers=listed/acrh=names-10000": true,
			"headers=any/acrh=commas-1MiB": true, "headers=any/acrh=names-10000": true,
		},
		// Measured in a scratch copy of this module only (BENCHMARKS.md).
		"jub0bs-cors": {
			"headers=listed/acrh=commas-1MiB": false, "headers=listed/acrh=names-10000": false,
			"headers=any/acrh=commas-1MiB": true, "headers=any/acrh=names-10000": true,
		},
	}
	hs := handlers{}
	for _, s := range scenarios() {
		if s.bench != "Adversarial" {
			continue
		}
		for _, lib := range Libraries {
			w := serveOnce(hs.get(t, lib, s.policy), s.request)
			got := w.header.Get("Access-Control-Allow-Origin") != ""
			if want := granted[lib.Name][s.name]; got != want {
				t.Errorf("%s %s: granted = %v, want %v", lib.Name, s.name, got, want)
			}
		}
	}
}

func serveOnce(h http.Handler, r *http.Request) *benchWriter {
	w := &benchWriter{header: make(http.Header)}
	h.ServeHTTP(w, r)
	return w
}

func nonEmpty(s string) []string {
	if s == "" {
		return nil
	}
	return []string{s}
}

// listHas reports whether a comma-separated header list names want, in any
// letter case.
func listHas(values []string, want string) bool {
	for _, v := range values {
		for _, elem := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(elem), strings.TrimSpace(want)) {
				return true
			}
		}
	}
	return false
}

// TestRefusedIsRefused: in the scale benchmarks, every library grants the
// allowed origin and refuses the refused one, whatever the number of
// origins configured.
func TestRefusedIsRefused(t *testing.T) {
	for _, n := range scaleSizes {
		list, allowed := origins(n)
		for _, lib := range Libraries {
			h, err := lib.New(Policy{Origins: list}, next)
			if err != nil {
				t.Fatal(err)
			}
			for origin, want := range map[string]string{allowed: allowed, refused: ""} {
				w := serveOnce(h, newRequest(http.MethodGet, origin))
				if got := w.header.Get("Access-Control-Allow-Origin"); got != want {
					t.Errorf("%s with %d origins: Access-Control-Allow-Origin for %s = %q, want %q", lib.Name, n, origin, got, want)
				}
			}
		}
	}
}
