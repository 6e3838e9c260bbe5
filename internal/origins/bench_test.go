package origins

import (
	"fmt"
	"testing"
	"unsafe"

	"github.com/weppos/publicsuffix-go/publicsuffix"
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
				if ok := set.Match(c.origin); ok != c.ok {
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

// BenchmarkParsePattern is the cost of each configured origin at load:
// most are plain ASCII hosts, which skip IDNA; an internationalized one
// goes through it.
func BenchmarkParsePattern(b *testing.B) {
	for _, s := range []string{"https://app.example.com", "https://*.example.org", "https://xn--bcher-kva.example"} {
		b.Run(s, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := ParsePattern(s); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkParse(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		Parse("https://a.b.example.com:8443")
	}
}

// BenchmarkSuffixListBuild is what the first credentialed wildcard costs:
// the public suffix index, built once per process. retained-B is the index
// itself (its strings are the library's constants); B/op adds the library's
// copy of its rules, freed after the build.
func BenchmarkSuffixListBuild(b *testing.B) {
	b.ReportAllocs()
	var list suffixList
	for b.Loop() {
		rules := publicsuffix.DefaultRules()
		list = newSuffixList(rules[:])
	}
	if list.kind("github.io")&normalRule == 0 {
		b.Fatal(`the index has no rule "github.io"`)
	}
	b.ReportMetric(float64(cap(list))*float64(unsafe.Sizeof(suffixRule{})), "retained-B")
}

// BenchmarkPublicSuffixUnder is the cost of each credentialed wildcard after
// the first, for a parent with many rules below it and one with none.
func BenchmarkPublicSuffixUnder(b *testing.B) {
	for _, c := range []struct {
		in   string
		want bool
	}{{"https://*.amazonaws.com", true}, {"https://*.app.example.com", false}} {
		b.Run(c.in, func(b *testing.B) {
			p := mustPatterns(b, c.in)[0]
			if _, ok := p.PublicSuffixUnder(); ok != c.want {
				b.Fatalf("PublicSuffixUnder() found %v, want %v", ok, c.want)
			}
			b.ReportAllocs()
			for b.Loop() {
				p.PublicSuffixUnder()
			}
		})
	}
}
