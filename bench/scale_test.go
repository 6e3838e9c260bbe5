package bench

import (
	"fmt"
	"net/http"
	"runtime"
	"testing"

	"github.com/caddyserver/caddy/v2"
	chicors "github.com/go-chi/cors"
	rscors "github.com/rs/cors"

	originset "github.com/seed-41134e10/caddy-cors/internal/origins"
)

var scaleSizes = []int{1, 1000, 100000}

// BenchmarkProvision measures building each library's handler for 1, 1,000
// and 100,000 configured origins. For caddy-cors it is what Caddy does when
// it loads a config: decode the handler's JSON, provision, validate. B/op
// counts every byte allocated while building; retained-B is what the built
// handler keeps on the heap after garbage collection.
func BenchmarkProvision(b *testing.B) {
	root, err := caddyContext()
	if err != nil {
		b.Fatal(err)
	}
	for _, n := range scaleSizes {
		list, _ := origins(n)
		p := Policy{Origins: list}
		raw := CaddyCorsJSON(p)
		builds := []struct {
			lib   string
			build func() any
		}{
			{"caddy-cors", func() any {
				ctx, cancel := caddy.NewContext(root)
				defer cancel()
				h, err := ctx.LoadModuleByID("http.handlers.cors", raw)
				if err != nil {
					panic(err)
				}
				return h
			}},
			{"rs-cors", func() any {
				return rscors.New(rscors.Options{AllowedOrigins: list, AllowedMethods: methods, AllowedHeaders: listedHeaders,
					ExposedHeaders: exposed, MaxAge: maxAgeSeconds, AllowCredentials: true})
			}},
			{"go-chi-cors", func() any {
				return chicors.New(chicors.Options{AllowedOrigins: list, AllowedMethods: methods, AllowedHeaders: listedHeaders,
					ExposedHeaders: exposed, MaxAge: maxAgeSeconds, AllowCredentials: true})
			}},
		}
		for _, c := range builds {
			b.Run(fmt.Sprintf("origins=%d/lib=%s", n, c.lib), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					c.build()
				}
				// After the loop, which would reset it.
				b.ReportMetric(retained(c.build), "retained-B")
			})
		}
	}
}

// retained returns the heap bytes that the value build returns keeps alive.
func retained(build func() any) float64 {
	var before, after runtime.MemStats
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
