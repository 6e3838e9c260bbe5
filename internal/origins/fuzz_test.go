package origins

import (
	"net/netip"
	"strconv"
	"strings"
	"testing"
)

var patternSeeds = []string{
	"https://app.example.com", "https://app.example.com:8443", "https://*.example.com",
	"https://*.example.com:*", "http://localhost:*", "http://127.0.0.1:3000", "http://[::1]:8080",
	"capacitor://localhost", "chrome-extension://abcdefghijklmnopabcdefghijklmnop",
	"HTTPS://App.Example.com:443", "https://bücher.example", "https://*.bücher.example:*",
	"https://app.example.com/", "https://a.example/api?x#y", "https://user@a.example",
	"https://*example.com", "https://a.*.example.com", "https://*", "https://*:*", "*", "null", "",
	"file:///x", "app.example.com", "localhost:3000", "https:a.example", "http://[0:0::1]",
	"http://[::ffff:127.0.0.1]", "http://0x7f.1", "http://2130706433", "https://*.127.0.0.1",
	"https://a..b", "https://.a.b", "https://a.b.", "https://a.123", "https://xn--zz.example",
	"https://xn--.example", "https://a.example:0", "https://a.example:65536", "https://a.example:",
	"https://a.example:00443", "http://::1", "http://[::1", "http://[fe80::1%25eth0]",
	"https://ａｂｃ.example", "https://a\u200db.example", " https://a.example",
	"https://*.[::1]", "http://[::1]x", "https://*.",
}

func FuzzParsePattern(f *testing.F) {
	for _, s := range patternSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParsePattern(s)
		if err != nil {
			msg := err.Error()
			if !strings.HasPrefix(msg, strconv.Quote(s)) {
				t.Fatalf("message %q does not start by quoting the input", msg)
			}
			// A suggested fix must itself be accepted, or it is no fix.
			if fix, ok := suggestionIn(msg); ok {
				if _, err := ParsePattern(fix); err != nil {
					t.Fatalf("ParsePattern(%q) suggests %q, which is refused: %v", s, fix, err)
				}
			}
			return
		}
		if p.String() != s {
			t.Fatalf("ParsePattern(%q) accepted a non-canonical form; String() = %q", s, p.String())
		}
		again, err := ParsePattern(p.String())
		if err != nil || again != p {
			t.Fatalf("ParsePattern(%q) = %+v, but its String() parses to %+v, %v", s, p, again, err)
		}
		// An exact pattern is an origin as browsers send it, so Parse must
		// accept it; otherwise Set.Match would disagree with itself.
		if !p.Wildcard && p.Port != "*" {
			o, ok := Parse(s)
			if !ok || o.Scheme != p.Scheme || o.Host != p.Host || o.Port != p.Port {
				t.Fatalf("Parse(%q) = %+v, %v; want the parts of %+v", s, o, ok, p)
			}
		}
		if strings.HasPrefix(p.Host, "[") {
			a := netip.MustParseAddr(p.Host[1 : len(p.Host)-1])
			if !a.Is4In6() && "["+a.String()+"]" != p.Host {
				t.Fatalf("IPv6 host %q differs from netip's canonical form %q", p.Host, a.String())
			}
		}
	})
}

func FuzzParse(f *testing.F) {
	for _, s := range patternSeeds {
		f.Add(s)
	}
	for _, s := range []string{
		"https://a.example:443", "http://a.example:80", "http://a.example:443", "http://[::1]",
		"https://a.example:65535", "https://a.example:99999", "https://a.example:1:2", "http://[]", "a+b.c-d://x_y",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		o, ok := Parse(s)
		if !ok {
			if o != (Origin{}) {
				t.Fatalf("Parse(%q) refused the value but returned parts %+v", s, o)
			}
			return
		}
		joined := o.Scheme + "://" + o.Host
		if o.Port != "" {
			joined += ":" + o.Port
		}
		if joined != s {
			t.Fatalf("Parse(%q) = %+v, which reassembles to %q", s, o, joined)
		}
	})
}

// fixedPatterns are always in FuzzMatch's set, so fuzzed origins have
// something of every kind to match.
var fixedPatterns = []string{
	"https://app.example.com", "https://api.example.com:8443", "https://*.example.com",
	"https://*.tenant.example.net:9000", "http://localhost:*", "http://*.dev.example:*",
	"http://[::1]:8080", "capacitor://localhost", "https://app.example.com",
}

func FuzzMatch(f *testing.F) {
	f.Add("https://*.b.example", "http://a.example:*", "https://x.b.example")
	f.Add("https://a.example", "https://*.a.example:*", "https://a.example")
	f.Add("http://localhost:3000", "https://*.com", "https://evilexample.com")
	f.Add("https://*.example.com", "", "https://example.com.evil.com")
	f.Add("", "", "http://localhost:03000")
	f.Add("", "", "http://a.dev.example")
	f.Add("", "", "https://api.example.com:8443")
	f.Add("http://[::1]:*", "", "http://[::1]")
	f.Add("web+x://*.a.b:*", "web+x://a.b:7", "web+x://c.a.b:7")
	f.Add("http://[::ffff:7f00:1]:*", "https://*.a_b.example:1", "http://[::ffff:127.0.0.1]")
	fixed := mustPatterns(f, fixedPatterns...)
	f.Fuzz(func(t *testing.T, pattern1, pattern2, origin string) {
		patterns := append([]Pattern(nil), fixed...)
		for _, s := range []string{pattern1, pattern2} {
			if p, err := ParsePattern(s); err == nil {
				patterns = append(patterns, p)
			}
		}
		set := NewSet(patterns)
		if ok, want := set.Match(origin), referenceMatch(patterns, origin); ok != want {
			t.Fatalf("with patterns %v, Match(%q) = %v; the reference says %v", patterns, origin, ok, want)
		}
	})
}

// referenceMatch is Set.Match written as plainly as possible: parse the
// origin, then try every pattern in order, comparing the scheme, the host
// label by label (a wildcard stands for one or more labels on the left) and
// the port ("*" stands for any port or none). An exact pattern (no wildcard,
// no "*" port) that matches gives its index; any other match gives -1.
func referenceMatch(patterns []Pattern, origin string) bool {
	o, wellFormed := Parse(origin)
	if !wellFormed {
		return false
	}
	for _, p := range patterns {
		if p.Scheme == o.Scheme && referenceHostMatch(p, o.Host) && referencePortMatch(p, o.Port) {
			return true
		}
	}
	return false
}

func referenceHostMatch(p Pattern, host string) bool {
	if !p.Wildcard {
		return p.Host == host
	}
	if strings.HasPrefix(host, "[") {
		return false // an IPv6 address has no subdomains
	}
	want := strings.Split(p.Host, ".")
	got := strings.Split(host, ".")
	if len(got) <= len(want) {
		return false
	}
	extra := len(got) - len(want)
	for i := range want {
		if got[extra+i] != want[i] {
			return false
		}
	}
	return true
}

func referencePortMatch(p Pattern, port string) bool {
	return p.Port == "*" || p.Port == port
}

// FuzzPlainHost checks the shortcut of parseDomainOrIPv4: IDNA leaves a
// host that plainHost accepts as it is, without an error.
func FuzzPlainHost(f *testing.F) {
	for _, s := range []string{"app.example.com", "a_b.example", "xn--bcher-kva.example", "a.xn--p1ai", "xn--",
		"a..b", ".a", "a.", "-a.example", "a-.example", "ab--cd.example", "1.2.3.4", "0x7f.1", "", strings.Repeat("a", 64) + ".example"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !plainHost(s) {
			return
		}
		if got, err := hostProfile.ToASCII(s); got != s || err != nil {
			t.Fatalf("plainHost(%q), but IDNA gives %q, %v", s, got, err)
		}
	})
}
