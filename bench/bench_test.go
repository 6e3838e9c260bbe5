package bench

import (
	"net/http"
	"testing"
)

// The matrix, one Benchmark function per kind of request, each library last
// in the name so that `benchstat -col /lib` puts the libraries side by side:
//
//	BenchmarkActual/origins=one/origin=allowed/lib=caddy-cors
//	BenchmarkPreflight/origins=10000/origin=refused/lib=rs-cors
//	BenchmarkAdversarial/headers=listed/acrh=commas-1MiB/lib=go-chi-cors
func BenchmarkActual(b *testing.B)      { benchMatrix(b, "Actual") }
func BenchmarkPreflight(b *testing.B)   { benchMatrix(b, "Preflight") }
func BenchmarkAdversarial(b *testing.B) { benchMatrix(b, "Adversarial") }

func benchMatrix(b *testing.B, kind string) {
	hs := handlers{}
	for _, s := range scenarios() {
		if s.bench != kind {
			continue
		}
		for _, lib := range Libraries {
			h := hs.get(b, lib, s.policy)
			b.Run(s.name+"/lib="+lib.Name, func(b *testing.B) {
				run(b, h, s.request)
			})
		}
	}
}

// run is the whole harness: one writer, one prebuilt request, a cleared
// header map per iteration.
func run(b *testing.B, h http.Handler, r *http.Request) {
	w := &benchWriter{header: make(http.Header)}
	b.ReportAllocs()
	for b.Loop() {
		clear(w.header)
		h.ServeHTTP(w, r)
	}
}
