package bench

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// A scenario is one request against one policy.
type scenario struct {
	bench   string // the Benchmark function that runs it
	name    string // sub-benchmark path without the lib= key
	policy  Policy
	request *http.Request
	// want is the Access-Control-Allow-Origin every library must send: the
	// request's origin, "*", or "" for a refusal. Adversarial scenarios have
	// no common answer (see adversarial).
	want string
}

// origins returns n configured origins, all of one length (so that no
// library can reject a candidate on its length alone); the allowed request
// origin is the middle one, the average position for a linear scan.
func origins(n int) (list []string, allowed string) {
	for i := range n {
		list = append(list, fmt.Sprintf("https://app%05d.example.com", i))
	}
	return list, list[n/2]
}

// refused is as long as the configured origins and matches none of them
// (TestRefusedIsRefused).
const refused = "https://appzzzzz.example.com"

var (
	// 1 MiB of commas: no names at all, so a parser finds nothing to
	// reject on until it has read every byte.
	commas = strings.Repeat(",", 1<<20)
	// 10,000 names, every one allowed, so there is no early exit on a
	// name that is not allowed.
	names = strings.TrimSuffix(strings.Repeat("content-type,x-custom,", 5000), ",")
)

func newRequest(method, origin string, pairs ...string) *http.Request {
	r, err := http.NewRequest(method, "http://api.example.com/items/1", nil)
	if err != nil {
		panic(err)
	}
	if origin != "" {
		r.Header["Origin"] = []string{origin}
	}
	for i := 0; i < len(pairs); i += 2 {
		r.Header[pairs[i]] = []string{pairs[i+1]}
	}
	return r
}

func preflightRequest(origin, requestHeaders string) *http.Request {
	return newRequest(http.MethodOptions, origin,
		"Access-Control-Request-Method", "PUT",
		"Access-Control-Request-Headers", requestHeaders)
}

// scenarios is the matrix: every origin list, for actual and preflight
// requests, from an allowed and a refused origin; a request without Origin;
// adversarial preflights.
func scenarios() []scenario {
	one, oneAllowed := origins(1)
	several, severalAllowed := origins(5)
	many, manyAllowed := origins(10000)
	wildcard := []string{one[0], "https://*.example.org"}
	const wildcardAllowed = "https://a.b.example.org"

	lists := []struct {
		name    string
		origins []string
		allowed string
	}{
		{"one", one, oneAllowed},
		{"several", several, severalAllowed},
		{"10000", many, manyAllowed},
		{"any", nil, refused},
		{"wildcard", wildcard, wildcardAllowed},
	}
	var out []scenario
	for _, kind := range []string{"Actual", "Preflight"} {
		request := func(origin string) *http.Request {
			if kind == "Actual" {
				return newRequest(http.MethodGet, origin)
			}
			return preflightRequest(origin, "content-type,x-custom")
		}
		for _, l := range lists {
			want := l.allowed
			if l.origins == nil {
				want = "*"
			}
			p := Policy{Origins: l.origins}
			out = append(out, scenario{kind, fmt.Sprintf("origins=%s/origin=allowed", l.name), p, request(l.allowed), want})
			if l.origins != nil {
				out = append(out, scenario{kind, fmt.Sprintf("origins=%s/origin=refused", l.name), p, request(refused), ""})
			}
		}
	}
	out = append(out, scenario{"Actual", "origins=one/origin=none", Policy{Origins: one}, newRequest(http.MethodGet, ""), ""})
	for _, any := range []bool{false, true} {
		headers := "listed"
		if any {
			headers = "any"
		}
		p := Policy{Origins: one, AnyHeaders: any}
		out = append(out,
			scenario{"Adversarial", "headers=" + headers + "/acrh=commas-1MiB", p, preflightRequest(oneAllowed, commas), ""},
			scenario{"Adversarial", "headers=" + headers + "/acrh=names-10000", p, preflightRequest(oneAllowed, names), ""},
		)
	}
	return out
}

// benchWriter is the cheapest ResponseWriter there is. One is reused for
// every iteration, its header map cleared in between.
type benchWriter struct {
	header http.Header
	status int
}

func (w *benchWriter) Header() http.Header         { return w.header }
func (w *benchWriter) Write(b []byte) (int, error) { return len(b), nil }
func (w *benchWriter) WriteHeader(status int)      { w.status = status }

// next stands for the application: it writes a status and nothing else.
// (A next handler that never writes would hide work that a middleware
// defers to WriteHeader.)
var next = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	w.WriteHeader(http.StatusOK)
})

// handlers builds each library's handler once per distinct policy.
type handlers map[string]http.Handler

func (hs handlers) get(tb testing.TB, lib Library, p Policy) http.Handler {
	tb.Helper()
	key := fmt.Sprintf("%s %d %v %v", lib.Name, len(p.Origins), p.Origins == nil, p.AnyHeaders)
	if len(p.Origins) > 0 {
		key += " " + p.Origins[len(p.Origins)-1]
	}
	if h, ok := hs[key]; ok {
		return h
	}
	h, err := lib.New(p, next)
	if err != nil {
		tb.Fatal(err)
	}
	hs[key] = h
	return h
}
