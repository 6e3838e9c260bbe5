package origins

import (
	"fmt"
	"testing"
)

// BenchmarkMatch shows that Match costs the same at 1, 100 and 10,000
// configured patterns, and never allocates.
func BenchmarkMatch(b *testing.B) {
	cases := []struct {
		name    string
		pattern string // the pattern the request is about; the others are filler
		origin  string
		ok      bool
	}{
		{"exact_hit", "https://app.example.com", "https://app.example.com", true},
		{"exact_miss", "https://app.example.com", "https://app.example.org", false},
		{"wildcard_hit", "https://*.example.com", "https://a.b.example.com", true},
		{"any_port_hit", "http://localhost:*", "http://localhost:5173", true},
	}
	for _, c := range cases {
		for _, n := range []int{1, 100, 10000} {
			b.Run(fmt.Sprintf("%s/patterns=%d", c.name, n), func(b *testing.B) {
				set := NewSet(benchPatterns(b, c.pattern, n))
				if _, ok := set.Match(c.origin); ok != c.ok {
					b.Fatalf("Match(%q) = %v, want %v", c.origin, ok, c.ok)
				}
				b.ReportAllocs()
				for b.Loop() {
					set.Match(c.origin)
				}
			})
		}
	}
}

// benchPatterns returns n patterns: pattern and n-1 fillers of every kind
// (exact, wildcard, any-port) that the benchmarked origins do not match.
func benchPatterns(b *testing.B, pattern string, n int) []Pattern {
	in := []string{pattern}
	for i := 1; i < n; i++ {
		switch i % 3 {
		case 0:
			in = append(in, fmt.Sprintf("https://app%d.example.net", i))
		case 1:
			in = append(in, fmt.Sprintf("https://*.tenant%d.example.net", i))
		default:
			in = append(in, fmt.Sprintf("http://dev%d.example.org:*", i))
		}
	}
	return mustPatterns(b, in...)
}

func BenchmarkParse(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		Parse("https://a.b.example.com:8443")
	}
}
