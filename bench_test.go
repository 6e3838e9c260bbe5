package cors

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"strings"
	"testing"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"go.uber.org/zap"
)

// provision compiles h the way Caddy does.
func provision(tb testing.TB, h *Handler) *Handler {
	tb.Helper()
	ctx, cancel := caddy.NewContext(caddy.Context{Context: context.Background()})
	tb.Cleanup(cancel)
	if err := h.Provision(ctx); err != nil {
		tb.Fatal(err)
	}
	// Caddy logs at INFO unless told otherwise, so refusals are not logged;
	// without a loaded config its default logger would be at DEBUG.
	h.logger = zap.NewNop()
	h.observed = false // nothing logs or counts refusals or replaced headers
	return h
}

// benchWriter is the cheapest ResponseWriter there is; its header map is
// cleared between iterations so every run starts from an empty response.
type benchWriter struct {
	header http.Header
	status int
}

func (w *benchWriter) Header() http.Header         { return w.header }
func (w *benchWriter) Write(b []byte) (int, error) { return len(b), nil }
func (w *benchWriter) WriteHeader(status int)      { w.status = status }

// next writes a header, so the CORS writer's replacement runs too.
var next = caddyhttp.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
	w.WriteHeader(http.StatusOK)
	return nil
})

func request(method string, pairs ...string) *http.Request {
	r, _ := http.NewRequest(method, "http://api.example.com/", nil)
	r.Header = hdr(pairs...)
	return r
}

// manyOrigins returns n exact origins with origin among them.
func manyOrigins(n int, origin string) []string {
	list := []string{origin}
	for i := 1; i < n; i++ {
		list = append(list, fmt.Sprintf("https://app%d.example.com", i))
	}
	return list
}

type scenario struct {
	name    string
	handler *Handler
	request *http.Request
	// preset: what the response carries by the time Caddy and the
	// handlers before cors are done: none, Caddy's Server header alone
	// (caddyResponse), or a busy response's (busyResponse).
	preset http.Header
}

// caddyResponse is what every response carries before cors runs: Caddy
// sets Server first.
var caddyResponse = hdr("Server", "Caddy")

// busyResponse is what a response carries before cors runs in a typical
// site: Caddy's Server and Alt-Svc, and what an earlier handler (encode,
// header) set.
var busyResponse = hdr("Server", "Caddy", "Alt-Svc", `h3=":443"; ma=2592000`,
	"Cache-Control", "no-store", "Strict-Transport-Security", "max-age=31536000",
	"X-Content-Type-Options", "nosniff", "Content-Type", "application/json")

func scenarios(tb testing.TB) []scenario {
	exact := provision(tb, &Handler{Origins: []string{appOrigin}, ExposeHeaders: []string{"X-Request-Id"}})
	credentialed := provision(tb, &Handler{
		Origins:     []string{appOrigin, "https://*.example.org"},
		Headers:     []string{"Content-Type", "X-Custom"},
		Credentials: true,
		MaxAge:      func() *Duration { d := Duration(600e9); return &d }(),
	})
	anyOrigin := provision(tb, &Handler{})
	reportOnly := provision(tb, &Handler{Origins: []string{appOrigin}, ReportOnly: true})
	regexps := provision(tb, &Handler{OriginRegexps: []string{`https://pr-[0-9]+\.preview\.example\.com`}})
	hugeACRH := strings.Repeat(",", 1<<20)
	manyNames := strings.TrimSuffix(strings.Repeat("x-custom,", 10000), ",")
	return []scenario{
		{"no Origin", exact, request("GET"), nil},
		{"report-only allowed actual", reportOnly, request("GET", "Origin", appOrigin), nil},
		{"report-only refused actual", reportOnly, request("GET", "Origin", evilOrigin), nil},
		{"report-only refused preflight", reportOnly, request("OPTIONS", "Origin", evilOrigin, "Access-Control-Request-Method", "PUT"), nil},
		{"exact origin actual", exact, request("GET", "Origin", appOrigin), nil},
		{"exact origin actual, Caddy response", exact, request("GET", "Origin", appOrigin), caddyResponse},
		{"exact origin actual, busy response", exact, request("GET", "Origin", appOrigin), busyResponse},
		{"disallowed origin actual", exact, request("GET", "Origin", evilOrigin), nil},
		{"any origin actual", anyOrigin, request("GET", "Origin", evilOrigin), nil},
		{"wildcard origin actual", credentialed, request("GET", "Origin", "https://a.b.example.org"), nil},
		{"regexp origin actual", regexps, request("GET", "Origin", "https://pr-42.preview.example.com"), nil},
		{"exact origin preflight", credentialed, request("OPTIONS", "Origin", appOrigin, "Access-Control-Request-Method", "PUT", "Access-Control-Request-Headers", "content-type,x-custom"), nil},
		{"exact origin preflight, Caddy response", credentialed, request("OPTIONS", "Origin", appOrigin, "Access-Control-Request-Method", "PUT", "Access-Control-Request-Headers", "content-type,x-custom"), caddyResponse},
		{"exact origin preflight, busy response", credentialed, request("OPTIONS", "Origin", appOrigin, "Access-Control-Request-Method", "PUT", "Access-Control-Request-Headers", "content-type,x-custom"), busyResponse},
		{"any origin preflight echoing headers", anyOrigin, request("OPTIONS", "Origin", appOrigin, "Access-Control-Request-Method", "PUT", "Access-Control-Request-Headers", "content-type,authorization"), nil},
		{"wildcard origin preflight", credentialed, request("OPTIONS", "Origin", "https://a.example.org", "Access-Control-Request-Method", "PUT", "Access-Control-Request-Headers", "content-type"), nil},
		{"disallowed origin preflight", credentialed, request("OPTIONS", "Origin", evilOrigin, "Access-Control-Request-Method", "PUT"), nil},
		{"disallowed origin preflight, busy response", credentialed, request("OPTIONS", "Origin", evilOrigin, "Access-Control-Request-Method", "PUT"), busyResponse},
		{"disallowed header preflight", credentialed, request("OPTIONS", "Origin", appOrigin, "Access-Control-Request-Method", "PUT", "Access-Control-Request-Headers", "x-other"), nil},
		{"preflight with 1 MiB of commas", credentialed, request("OPTIONS", "Origin", appOrigin, "Access-Control-Request-Method", "PUT", "Access-Control-Request-Headers", hugeACRH), nil},
		{"preflight with 10,000 header names", anyOrigin, request("OPTIONS", "Origin", appOrigin, "Access-Control-Request-Method", "PUT", "Access-Control-Request-Headers", manyNames), nil},
	}
}

func serve(w *benchWriter, s scenario) {
	clear(w.header)
	maps.Copy(w.header, s.preset)
	if err := s.handler.ServeHTTP(w, s.request, next); err != nil {
		panic(err)
	}
}

func BenchmarkServeHTTP(b *testing.B) {
	for _, s := range scenarios(b) {
		b.Run(s.name, func(b *testing.B) {
			w := &benchWriter{header: make(http.Header)}
			b.ReportAllocs()
			for b.Loop() {
				serve(w, s)
			}
		})
	}
}

// BenchmarkOriginCount shows that matching time does not grow with the
// number of configured origins.
func BenchmarkOriginCount(b *testing.B) {
	for _, n := range []int{1, 100, 10000} {
		exact := provision(b, &Handler{Origins: manyOrigins(n, appOrigin)})
		wildcards := provision(b, &Handler{Origins: append(manyOrigins(n, appOrigin), "https://*.example.org")})
		for _, s := range []scenario{
			{"exact hit", exact, request("GET", "Origin", appOrigin), nil},
			{"exact miss", exact, request("GET", "Origin", evilOrigin), nil},
			{"wildcard hit", wildcards, request("GET", "Origin", "https://a.b.example.org"), nil},
		} {
			b.Run(fmt.Sprintf("%s/origins=%d", s.name, n), func(b *testing.B) {
				w := &benchWriter{header: make(http.Header)}
				b.ReportAllocs()
				for b.Loop() {
					serve(w, s)
				}
			})
		}
	}
}

// TestAllocations pins the allocation counts the benchmarks report, so that
// a change that adds an allocation to the request path fails.
func TestAllocations(t *testing.T) {
	// Under -race, sync.Pool drops a quarter of what is put back; the
	// few writers reallocated for that average out below one per request,
	// and AllocsPerRun reports whole numbers, so the counts still hold.
	// Every response that carries CORS values (Vary included) gets one
	// slice of them made for it, so that no handler can write into values
	// another response shares; nothing else allocates. Report-only changes
	// no header, so it allocates nothing.
	want := map[string]float64{
		"report-only allowed actual":                 0,
		"report-only refused actual":                 0,
		"report-only refused preflight":              0,
		"no Origin":                                  1,
		"exact origin actual, Caddy response":        1,
		"exact origin actual, busy response":         1,
		"exact origin preflight, Caddy response":     1,
		"exact origin preflight, busy response":      1,
		"disallowed origin preflight, busy response": 1,
		"exact origin actual":                        1,
		"disallowed origin actual":                   1,
		"any origin actual":                          1,
		"wildcard origin actual":                     1,
		"regexp origin actual":                       1,
		"exact origin preflight":                     1,
		"any origin preflight echoing headers":       1,
		"wildcard origin preflight":                  1,
		"disallowed origin preflight":                1,
		"disallowed header preflight":                1,
		"preflight with 1 MiB of commas":             1,
		"preflight with 10,000 header names":         1,
	}
	for _, s := range scenarios(t) {
		w := &benchWriter{header: make(http.Header)}
		serve(w, s) // let the writer pool fill
		got := testing.AllocsPerRun(100, func() { serve(w, s) })
		if got > want[s.name] {
			t.Errorf("%s: %v allocs per request, want at most %v", s.name, got, want[s.name])
		}
	}
}

// BenchmarkProvisionManySites loads a server of many sites, each with a
// cors handler in its routes and in its handle_errors, as config loaders
// such as caddy-docker-proxy write it, so that the placement check's cost
// per handler shows: it must not grow with the number of sites.
func BenchmarkProvisionManySites(b *testing.B) {
	for _, n := range []int{10, 1000} {
		var routes, errorRoutes []string
		for i := range n {
			match := fmt.Sprintf(`"match": [{"host": ["s%d.example.com"]}]`, i)
			cors := `{"handler": "cors", "origins": ["https://app.example.com"], "credentials": true}`
			routes = append(routes, fmt.Sprintf(`{%s, "terminal": true, "handle": [{"handler": "subroute", "routes": [
				{"handle": [%s]}, {"match": [{"path": ["/api/*"]}], "handle": [{"handler": "static_response", "body": "api"}]}]}]}`, match, cors))
			errorRoutes = append(errorRoutes, fmt.Sprintf(`{%s, "terminal": true, "handle": [{"handler": "subroute", "routes": [
				{"handle": [%s, {"handler": "static_response", "body": "error"}]}]}]}`, match, cors))
		}
		config := fmt.Sprintf(`{"admin": {"disabled": true}, "apps": {"http": {"servers": {"srv0": {"listen": ["127.0.0.1:0"],
			"routes": [%s], "errors": {"routes": [%s]}}}}}}`, strings.Join(routes, ","), strings.Join(errorRoutes, ","))
		b.Run(fmt.Sprintf("sites=%d", n), func(b *testing.B) {
			for b.Loop() {
				var cfg caddy.Config
				if err := json.Unmarshal([]byte(config), &cfg); err != nil {
					b.Fatal(err)
				}
				if err := caddy.Validate(&cfg); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n*2), "ns/handler")
		})
	}
}
