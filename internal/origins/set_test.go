package origins

import (
	"fmt"
	"testing"
)

// mustPatterns parses configured origins, failing the test on any error.
func mustPatterns(tb testing.TB, in ...string) []Pattern {
	tb.Helper()
	ps := make([]Pattern, len(in))
	for i, s := range in {
		p, err := ParsePattern(s)
		if err != nil {
			tb.Fatal(err)
		}
		ps[i] = p
	}
	return ps
}

func TestSetMatch(t *testing.T) {
	patterns := mustPatterns(t,
		"https://app.example.com",           // 0
		"https://api.example.com:8443",      // 1
		"https://*.example.com",             // 2
		"https://*.tenant.example.net:9000", // 3
		"http://localhost:*",                // 4
		"http://*.dev.example:*",            // 5
		"http://[::1]:8080",                 // 6
		"capacitor://localhost",             // 7
		"https://app.example.com",           // 8: a duplicate of 0
	)
	tests := []struct {
		name   string
		origin string
		ok     bool
	}{
		{"exact origin without a port gets its index", "https://app.example.com", true},
		{"exact origin with a port gets its index", "https://api.example.com:8443", true},
		{"exact IPv6 origin gets its index", "http://[::1]:8080", true},
		{"exact custom-scheme origin gets its index", "capacitor://localhost", true},
		{"exact origin also covered by a wildcard still gets its index", "https://app.example.com", true},
		{"exact origin on another port does not match", "https://api.example.com:9443", false},
		{"exact origin without the pattern's port matches only through the wildcard", "https://api.example.com", true},
		{"exact origin on another scheme does not match", "http://app.example.com", false},

		{"wildcard matches one label", "https://foo.example.com", true},
		{"wildcard matches several labels", "https://a.b.c.example.com", true},
		{"wildcard never matches the apex", "https://example.com", false},
		{"wildcard does not match a name that merely ends the same", "https://evilexample.com", false},
		{"wildcard does not match the parent as a prefix", "https://example.com.evil.com", false},
		{"wildcard does not match on another scheme", "http://foo.example.com", false},
		{"wildcard on the default port does not match another port", "https://foo.example.com:8443", false},
		{"wildcard with a port matches that port", "https://x.tenant.example.net:9000", true},
		{"wildcard with a port does not match the default port", "https://x.tenant.example.net", false},
		{"wildcard with a port does not match another port", "https://x.tenant.example.net:9001", false},
		{"wildcard on any port matches without a port", "http://a.dev.example", true},
		{"wildcard on any port matches a port", "http://a.b.dev.example:5173", true},
		{"wildcard on any port never matches the apex", "http://dev.example:5173", false},

		{"any-port host matches without a port", "http://localhost", true},
		{"any-port host matches a port", "http://localhost:3000", true},
		{"any-port host matches the highest port", "http://localhost:65535", true},
		{"any-port host does not match subdomains", "http://app.localhost:3000", false},
		{"any-port host does not match another scheme", "https://localhost:3000", false},

		{"malformed: uppercase", "https://APP.example.com", false},
		{"malformed: trailing slash", "https://app.example.com/", false},
		{"malformed: default port written out", "https://app.example.com:443", false},
		{"malformed: empty label under a wildcard", "https://a..example.com", false},
		{"malformed: leading dot under a wildcard", "https://.example.com", false},
		{"malformed: leading zero port on an any-port host", "http://localhost:03000", false},
		{"malformed: port above 65535 on an any-port host", "http://localhost:65536", false},
		{"malformed: null", "null", false},
		{"malformed: empty", "", false},
		{"malformed: two values", "https://app.example.com, https://foo.example.com", false},
	}
	// A few wildcard parents are tested as suffixes, many are looked up
	// label by label: both must agree. The extra patterns match none of
	// the origins above.
	var more []string
	for i := range 2 * fewParents {
		more = append(more, fmt.Sprintf("https://*.filler%d.example.org", i), fmt.Sprintf("http://*.filler%d.example.org:*", i))
	}
	for size, set := range map[string]*Set{
		"few wildcards":  NewSet(patterns),
		"many wildcards": NewSet(append(patterns, mustPatterns(t, more...)...)),
	} {
		for _, tt := range tests {
			t.Run(size+"/"+tt.name, func(t *testing.T) {
				if ok := set.Match(tt.origin); ok != tt.ok {
					t.Errorf("Match(%q) = %v, want %v", tt.origin, ok, tt.ok)
				}
			})
		}
	}
}

func TestEmptySetMatchesNothing(t *testing.T) {
	for _, set := range []*Set{NewSet(nil), NewSet([]Pattern{})} {
		if set.Match("https://app.example.com") {
			t.Error("Match on an empty set = true")
		}
	}
}

func TestParseAndMatchDoNotAllocate(t *testing.T) {
	set := NewSet(mustPatterns(t,
		"https://app.example.com",
		"https://*.example.com",
		"http://localhost:*",
	))
	tests := []struct {
		name string
		f    func()
	}{
		{"Parse of a valid origin", func() { Parse("https://app.example.com:8443") }},
		{"Parse of a malformed origin", func() { Parse("https://App.example.com/") }},
		{"Match of an exact origin", func() { set.Match("https://app.example.com") }},
		{"Match through a wildcard", func() { set.Match("https://a.b.example.com") }},
		{"Match through an any-port host", func() { set.Match("http://localhost:3000") }},
		{"Match of an origin that matches nothing", func() { set.Match("https://evil.example.net") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if n := testing.AllocsPerRun(100, tt.f); n != 0 {
				t.Errorf("%v allocations per run, want 0", n)
			}
		})
	}
}
