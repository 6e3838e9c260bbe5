package bench

import (
	"encoding/json"
	"fmt"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/caddyserver/caddy/v2"
	chicors "github.com/go-chi/cors"
	rscors "github.com/rs/cors"

	originset "github.com/seed-41134e10/caddy-cors/internal/origins"
)

var scaleSizes = []int{1, 1000, 100000}

// BenchmarkProvision measures building each library's handler for 1, 1,000
// and 100,000 configured origins. For caddy-cors it is what Caddy does for
// each handler of a config it loads: decode the handler's JSON, provision,
// validate (Context.LoadModuleByID). Caddy makes one context per config,
// whatever the number of handlers in it, so the benchmark makes one per
// 1,000 handlers: made for each, the context (mostly its metrics registry)
// would be most of the figure at one origin, and it is not the handler's
// cost. caddy-headers is the floor for any handler that Caddy loads from
// JSON: Caddy's own `headers` handler, loaded the same way, setting the
// headers of the hand-written snippet with the origins as the values of
// Access-Control-Allow-Origin, so its JSON is as long. B/op counts every
// byte allocated while building; retained-B is what the built handler
// keeps on the heap after garbage collection.
func BenchmarkProvision(b *testing.B) {
	root, err := caddyContext()
	if err != nil {
		b.Fatal(err)
	}
	for _, n := range scaleSizes {
		list, _ := origins(n)
		p := Policy{Origins: list}
		builds := []struct {
			lib      string
			newBuild func(b *testing.B) func() any
		}{
			{"caddy-cors", func(b *testing.B) func() any { return loader(b, root, "http.handlers.cors", CaddyCorsJSON(p)) }},
			{"caddy-headers", func(b *testing.B) func() any { return loader(b, root, "http.handlers.headers", snippetJSON(list)) }},
			{"rs-cors", func(*testing.B) func() any {
				return func() any {
					return rscors.New(rscors.Options{AllowedOrigins: list, AllowedMethods: methods, AllowedHeaders: listedHeaders,
						ExposedHeaders: exposed, MaxAge: maxAgeSeconds, AllowCredentials: true})
				}
			}},
			{"go-chi-cors", func(*testing.B) func() any {
				return func() any {
					return chicors.New(chicors.Options{AllowedOrigins: list, AllowedMethods: methods, AllowedHeaders: listedHeaders,
						ExposedHeaders: exposed, MaxAge: maxAgeSeconds, AllowCredentials: true})
				}
			}},
		}
		for _, c := range builds {
			b.Run(fmt.Sprintf("origins=%d/lib=%s", n, c.lib), func(b *testing.B) {
				build := c.newBuild(b)
				b.ReportAllocs()
				for b.Loop() {
					build()
				}
				// After the loop, which would reset it; with a builder of
				// its own, whose context holds nothing else.
				b.ReportMetric(retained(c.newBuild(b)), "retained-B")
			})
		}
	}
}

// loader returns a function that loads the module id from raw in a Caddy
// context, a new one every 1,000 loads, as a config of 1,000 handlers has.
func loader(b *testing.B, root caddy.Context, id string, raw []byte) func() any {
	ctx, cancel := caddy.NewContext(root)
	b.Cleanup(func() { cancel() })
	loads := 0
	return func() any {
		if loads == 1000 {
			cancel()
			ctx, cancel = caddy.NewContext(root)
			loads = 0
		}
		loads++
		h, err := ctx.LoadModuleByID(id, raw)
		if err != nil {
			panic(err)
		}
		return h
	}
}

// snippetJSON is the config of Caddy's headers handler that sets the
// policy's response headers, with origins as the values of
// Access-Control-Allow-Origin.
func snippetJSON(origins []string) []byte {
	raw, err := json.Marshal(map[string]any{"response": map[string]any{"set": map[string][]string{
		"Access-Control-Allow-Origin":      origins,
		"Access-Control-Allow-Credentials": {"true"},
		"Access-Control-Allow-Methods":     {strings.Join(methods, ", ")},
		"Access-Control-Allow-Headers":     {strings.Join(listedHeaders, ", ")},
		"Access-Control-Expose-Headers":    {strings.Join(exposed, ", ")},
		"Access-Control-Max-Age":           {strconv.Itoa(maxAgeSeconds)},
		"Vary":                             {"Origin"},
	}}})
	if err != nil {
		panic(err)
	}
	return raw
}

// retained returns the heap bytes that the value build returns keeps alive.
func retained(build func() any) float64 {
	var before, after runtime.MemStats
	// Twice: what sync.Pools held moves to their victim caches at the first
	// collection and is freed at the second, which must not count here.
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&before)
	v := build()
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(v)
	return float64(after.HeapAlloc) - float64(before.HeapAlloc)
}

// BenchmarkOriginScale measures an actual request from an allowed (the
// middle one) and from a refused origin, with 1, 1,000 and 100,000
// configured origins.
func BenchmarkOriginScale(b *testing.B) {
	for _, n := range scaleSizes {
		list, allowed := origins(n)
		p := Policy{Origins: list}
		for _, lib := range Libraries {
			h, err := lib.New(p, next)
			if err != nil {
				b.Fatal(err)
			}
			for _, o := range []struct{ name, origin string }{{"allowed", allowed}, {"refused", refused}} {
				r := newRequest(http.MethodGet, o.origin)
				b.Run(fmt.Sprintf("origins=%d/origin=%s/lib=%s", n, o.name, lib.Name), func(b *testing.B) {
					run(b, h, r)
				})
			}
		}
	}
}

// BenchmarkSetMatch measures the origin matcher alone, without the handler
// around it, with 1, 1,000 and 100,000 configured origins.
func BenchmarkSetMatch(b *testing.B) {
	for _, n := range scaleSizes {
		list, allowed := origins(n)
		var patterns []originset.Pattern
		for _, s := range list {
			p, err := originset.ParsePattern(s)
			if err != nil {
				b.Fatal(err)
			}
			patterns = append(patterns, p)
		}
		set := originset.NewSet(patterns)
		for _, o := range []struct{ name, origin string }{{"allowed", allowed}, {"refused", refused}} {
			b.Run(fmt.Sprintf("origins=%d/origin=%s/lib=caddy-cors", n, o.name), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					set.Match(o.origin)
				}
			})
		}
	}
}
