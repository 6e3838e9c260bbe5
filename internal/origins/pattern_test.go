package origins

import (
	"net/netip"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

func TestParsePatternAccepts(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want Pattern
	}{
		{"https origin with the default port", "https://app.example.com", Pattern{Scheme: "https", Host: "app.example.com"}},
		{"https origin with an explicit port", "https://app.example.com:8443", Pattern{Scheme: "https", Host: "app.example.com", Port: "8443"}},
		{"wildcard on the default port", "https://*.example.com", Pattern{Scheme: "https", Host: "example.com", Wildcard: true}},
		{"wildcard on one port", "https://*.example.com:8443", Pattern{Scheme: "https", Host: "example.com", Port: "8443", Wildcard: true}},
		{"wildcard on any port", "https://*.example.com:*", Pattern{Scheme: "https", Host: "example.com", Port: "*", Wildcard: true}},
		{"localhost on any port", "http://localhost:*", Pattern{Scheme: "http", Host: "localhost", Port: "*"}},
		{"IPv4 loopback with a port", "http://127.0.0.1:3000", Pattern{Scheme: "http", Host: "127.0.0.1", Port: "3000"}},
		{"IPv6 loopback with a port", "http://[::1]:8080", Pattern{Scheme: "http", Host: "[::1]", Port: "8080"}},
		{"IPv6 address on any port", "http://[2001:db8::1]:*", Pattern{Scheme: "http", Host: "[2001:db8::1]", Port: "*"}},
		{"http on the port that is https's default", "http://app.example.com:443", Pattern{Scheme: "http", Host: "app.example.com", Port: "443"}},
		{"https on the port that is http's default", "https://app.example.com:80", Pattern{Scheme: "https", Host: "app.example.com", Port: "80"}},
		{"highest port", "https://app.example.com:65535", Pattern{Scheme: "https", Host: "app.example.com", Port: "65535"}},
		{"capacitor app", "capacitor://localhost", Pattern{Scheme: "capacitor", Host: "localhost"}},
		{"tauri app", "tauri://localhost", Pattern{Scheme: "tauri", Host: "localhost"}},
		{"chrome extension", "chrome-extension://abcdefghijklmnopabcdefghijklmnop", Pattern{Scheme: "chrome-extension", Host: "abcdefghijklmnopabcdefghijklmnop"}},
		{"firefox extension", "moz-extension://0c8ec4d8-6d77-4f9e-a66a-1f7f3c44c0b0", Pattern{Scheme: "moz-extension", Host: "0c8ec4d8-6d77-4f9e-a66a-1f7f3c44c0b0"}},
		{"scheme with digits, plus, dot and hyphen", "web+app.v2-x://localhost", Pattern{Scheme: "web+app.v2-x", Host: "localhost"}},
		{"custom scheme keeps its port 443", "capacitor://localhost:443", Pattern{Scheme: "capacitor", Host: "localhost", Port: "443"}},
		{"underscore in a label, as browsers allow", "https://my_app.example.com", Pattern{Scheme: "https", Host: "my_app.example.com"}},
		{"hyphens where IDNA's hyphen rules would object", "https://r3---sn-abc.example.com", Pattern{Scheme: "https", Host: "r3---sn-abc.example.com"}},
		{"punycode host", "https://xn--bcher-kva.example", Pattern{Scheme: "https", Host: "xn--bcher-kva.example"}},
		{"single-label host", "http://intranet", Pattern{Scheme: "http", Host: "intranet"}},
		{"wildcard over localhost", "http://*.localhost:*", Pattern{Scheme: "http", Host: "localhost", Port: "*", Wildcard: true}},
		{"wildcard over a public suffix is the caller's decision", "https://*.github.io", Pattern{Scheme: "https", Host: "github.io", Wildcard: true}},
		{"numeric label that is not the last", "https://123.example.com", Pattern{Scheme: "https", Host: "123.example.com"}},
		{"63-byte label", "https://" + strings.Repeat("a", 63) + ".example", Pattern{Scheme: "https", Host: strings.Repeat("a", 63) + ".example"}},
		{"253-byte host", "https://" + longHost(253), Pattern{Scheme: "https", Host: longHost(253)}},
		{"exactly MaxOriginLength bytes", strings.Repeat("a", 500) + "://localhost", Pattern{Scheme: strings.Repeat("a", 500), Host: "localhost"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParsePattern(tt.in)
			if err != nil {
				t.Fatalf("ParsePattern(%q) error: %v", tt.in, err)
			}
			if got != tt.want {
				t.Errorf("ParsePattern(%q) = %+v, want %+v", tt.in, got, tt.want)
			}
			if s := got.String(); s != tt.in {
				t.Errorf("String() = %q, want the input %q back", s, tt.in)
			}
		})
	}
}

// longHost returns a valid host name of exactly n bytes.
func longHost(n int) string {
	var b strings.Builder
	for b.Len() < n {
		label := min(63, n-b.Len()-1)
		if b.Len() > 0 {
			b.WriteByte('.')
			label = min(63, n-b.Len())
		}
		b.WriteString(strings.Repeat("a", label))
	}
	return b.String()
}

func TestParsePatternRejects(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		says    string // a phrase the message must contain
		suggest string // the canonical form the message must offer, if any
	}{
		{"empty", "", "is empty", ""},
		{"wildcard-only is handled by the caller", "*", "handled separately", ""},
		{"null can be sent by any site", "null", "sandboxed iframes, file:// pages and some redirects", ""},
		{"null in capitals", "NULL", "any site can claim it", ""},
		{"file pages send null", "file:///home/me/index.html", `origin "null" for file pages`, ""},
		{"file in capitals", "FILE://host/x", "file:// URL", ""},
		{"no scheme", "app.example.com", "has no scheme", "https://app.example.com"},
		{"no scheme on localhost suggests http", "localhost:3000", "has no scheme", "http://localhost:3000"},
		{"no scheme on localhost with http's default port", "localhost:80", "has no scheme", "http://localhost"},
		{"no scheme on localhost with https's default port", "localhost:443", "has no scheme", "http://localhost:443"},
		{"scheme-relative", "//app.example.com", "has no scheme", "https://app.example.com"},
		{"nothing before ://", "://app.example.com", `no scheme before "://"`, "https://app.example.com"},
		{"missing slashes", "https:app.example.com", `missing "//" after "https:"`, "https://app.example.com"},
		{"missing one slash", "https:/app.example.com", `missing "//"`, "https://app.example.com"},
		{"not a URL at all", "mailto:me@example.com", "is not an origin", ""},
		{"scheme with a space", "ht tp://app.example.com", `invalid scheme "ht tp"`, ""},
		{"scheme starting with a digit", "1https://app.example.com", "invalid scheme", ""},
		{"scheme with an underscore", "my_app://localhost", "invalid scheme", ""},
		{"invalid UTF-8", "https://\xff.example", "not valid UTF-8", ""},
		{"surrounding white space", " https://app.example.com\t", "white space", "https://app.example.com"},
		{"trailing slash", "https://app.example.com/", "has a trailing slash", "https://app.example.com"},
		{"trailing slash on a wildcard", "https://*.example.com/", "has a trailing slash", "https://*.example.com"},
		{"path", "https://app.example.com/api", `has a path ("/api")`, "https://app.example.com"},
		{"query", "https://app.example.com?x=1", "has a query", "https://app.example.com"},
		{"query after a slash", "https://app.example.com/?x=1", "has a query", "https://app.example.com"},
		{"fragment", "https://app.example.com#top", "has a fragment", "https://app.example.com"},
		{"path on a non-canonical origin still suggests the canonical one", "HTTPS://App.example.com:443/x", "has a path", "https://app.example.com"},
		{"path on an invalid host suggests nothing", "https://a b/x", "has a path", ""},
		{"user info", "https://user@app.example.com", `user info ("user@")`, "https://app.example.com"},
		{"user and password", "https://user:pw@app.example.com:8443", "user info", "https://app.example.com:8443"},
		{"uppercase scheme", "HTTPS://app.example.com", "an uppercase scheme", "https://app.example.com"},
		{"uppercase host", "https://App.Example.COM", "an uppercase host", "https://app.example.com"},
		{"uppercase wildcard parent", "https://*.Example.com", "an uppercase host", "https://*.example.com"},
		{"everything uppercase at once", "HTTPS://APP.EXAMPLE.COM:443", "an uppercase scheme, an uppercase host and the default port for https (443) written out", "https://app.example.com"},
		{"default https port", "https://app.example.com:443", "default port for https (443)", "https://app.example.com"},
		{"default http port", "http://app.example.com:80", "default port for http (80)", "http://app.example.com"},
		{"default port on a wildcard", "https://*.example.com:443", "default port", "https://*.example.com"},
		{"leading zeros in a port", "https://app.example.com:08443", "leading zeros", "https://app.example.com:8443"},
		{"leading zeros in the default port", "http://app.example.com:0080", "leading zeros and the default port", "http://app.example.com"},
		{"empty port", "https://app.example.com:", `empty port after ":"`, "https://app.example.com"},
		{"non-numeric port", "https://app.example.com:https", `invalid port "https"`, ""},
		{"negative port", "https://app.example.com:-1", "invalid port", ""},
		{"port zero", "https://app.example.com:0", "port 0", ""},
		{"port zero with zeros", "https://app.example.com:000", "port 0", ""},
		{"port above 65535", "https://app.example.com:65536", "port 65536, which is above 65535", ""},
		{"huge port", "https://app.example.com:99999999999999999999999", "above 65535", ""},
		{"unicode host", "https://bücher.example", "non-ASCII host", "https://xn--bcher-kva.example"},
		{"unicode wildcard parent", "https://*.bücher.example", "non-ASCII host", "https://*.xn--bcher-kva.example"},
		{"fullwidth letters", "https://ａｐｐ.example.com", "non-ASCII host", "https://app.example.com"},
		{"ideographic full stop", "https://app。example.com", "non-ASCII host", "https://app.example.com"},
		{"invalid punycode", "https://xn--zz.example", "not a valid internationalized domain name", ""},
		{"empty punycode label", "https://xn--.example", "invalid punycode label", ""},
		{"punycode of plain ASCII", "https://xn--abc-.example", "internationalized", ""},
		{"zero-width joiner in the wrong place", "https://a\u200db.example", "not a valid internationalized domain name", ""},
		{"non-canonical IPv6", "http://[0:0:0:0:0:0:0:1]:8080", "IPv6 address not in canonical form", "http://[::1]:8080"},
		{"uppercase IPv6", "http://[2001:DB8::1]", "IPv6 address not in canonical form", "http://[2001:db8::1]"},
		{"IPv4-mapped IPv6 in dotted form", "http://[::ffff:127.0.0.1]", "IPv6 address not in canonical form", "http://[::ffff:7f00:1]"},
		{"IPv6 without brackets", "http://::1", "without brackets", "http://[::1]"},
		{"IPv6 without closing bracket", "http://[::1", `without its closing "]"`, ""},
		{"junk after IPv6", "http://[::1]x", `"x" after the IPv6 address`, ""},
		{"invalid IPv6", "http://[::g]", "invalid IPv6 address", ""},
		{"IPv4 in brackets", "http://[127.0.0.1]", "invalid IPv6 address", ""},
		{"IPv6 zone", "http://[fe80::1%25eth0]", "IPv6 zone", ""},
		{"IPv4 with fullwidth digits", "http://１２７.０.０.１:3000", "an IPv4 address not written as four decimal numbers", "http://127.0.0.1:3000"},
		{"short IPv4, which browsers read as 127.0.0.1", "http://127.1:3000", "ends in a number but is not an IPv4 address", ""},
		{"hex IPv4", "http://0x7f.0.0.1", "ends in a number but is not an IPv4 address", ""},
		{"IPv4 as one number", "http://2130706433", "ends in a number but is not an IPv4 address", ""},
		{"IPv4 with leading zeros, which browsers read as octal", "http://10.010.0.1", "ends in a number but is not an IPv4 address", ""},
		{"last label in hex", "https://example.0x1f", "ends in a number but is not an IPv4 address", ""},
		{"number that is not an IPv4 address", "https://example.123", "ends in a number but is not an IPv4 address", ""},
		{"five-part IPv4", "https://1.2.3.4.5", "not an IPv4 address", ""},
		{"IPv4 part above 255", "https://256.0.0.1", "not an IPv4 address", ""},
		{"wildcard not a whole label", "https://*example.com", "must be the whole leftmost label", ""},
		{"wildcard inside a label", "https://ex*.com", `as in "https://*.example.com"`, ""},
		{"wildcard in the middle", "https://a.*.example.com", "whole leftmost label", ""},
		{"double star", "https://**.example.com", "whole leftmost label", ""},
		{"two wildcard labels", "https://*.*.example.com", "whole leftmost label", ""},
		{"wildcard with nothing after it", "https://*.", `nothing after "*."`, ""},
		{"wildcard host alone", "https://*", `use "*" on its own`, ""},
		{"wildcard host on any port", "https://*:*", `use "*" on its own`, ""},
		{"wildcard over IPv4", "https://*.127.0.0.1", "wildcard in front of an IP address", "https://127.0.0.1"},
		{"wildcard over a short IPv4", "https://*.10.1", "ends in a number but is not an IPv4 address", ""},
		{"wildcard over IPv6", "http://*.[::1]:*", "wildcard in front of an IP address", "http://[::1]:*"},
		{"space in the host", "https://app example.com", `has " " in its host`, ""},
		{"percent in the host", "https://app%2eexample.com", `has "%" in its host`, ""},
		{"backslash in the host", `https://app\example.com`, `has "\\" in its host`, ""},
		{"no host", "https://", "has no host", ""},
		{"no host before the port", "https://:8443", "has no host", ""},
		{"empty label", "https://app..example.com", "empty label", "https://app.example.com"},
		{"leading dot looks like a wildcard", "https://.example.com", `starts with "."`, "https://*.example.com"},
		{"trailing dot is a different origin", "https://app.example.com.", `ends with "."`, "https://app.example.com"},
		{"only dots", "https://...", "only of dots", ""},
		{"label of 64 bytes", "https://" + strings.Repeat("a", 64) + ".example", "label of 64 bytes", ""},
		{"host of 254 bytes", "https://" + longHost(254), "host of 254 bytes", ""},
		{"longer than any accepted origin", strings.Repeat("a", 501) + "://localhost", "could never match", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := ParsePattern(tt.in)
			if err == nil {
				t.Fatalf("ParsePattern(%q) = %+v, want an error", tt.in, p)
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, strconv.Quote(tt.in)) {
				t.Errorf("message %q does not start by quoting the input", msg)
			}
			if !strings.Contains(msg, tt.says) {
				t.Errorf("message %q does not say %q", msg, tt.says)
			}
			fix, hasFix := suggestionIn(msg)
			if tt.suggest == "" {
				if hasFix {
					t.Errorf("message %q suggests %q, want no suggestion", msg, fix)
				}
				return
			}
			if fix != tt.suggest {
				t.Errorf("message %q suggests %q, want %q", msg, fix, tt.suggest)
			}
			if _, err := ParsePattern(fix); err != nil {
				t.Errorf("the suggestion %q is itself refused: %v", fix, err)
			}
		})
	}
}

var suggestionRE = regexp.MustCompile(`write ("(?:[^"\\]|\\.)*")$`)

// suggestionIn returns the canonical form an error message ends with.
func suggestionIn(msg string) (string, bool) {
	m := suggestionRE.FindStringSubmatch(msg)
	if m == nil {
		return "", false
	}
	s, err := strconv.Unquote(m[1])
	return s, err == nil
}

func TestPatternMethods(t *testing.T) {
	tests := []struct {
		name               string
		in                 string
		loopback, insecure bool
	}{
		{"localhost is loopback, so http is not insecure", "http://localhost:3000", true, false},
		{"subdomain of localhost is loopback", "http://app.localhost", true, false},
		{"wildcard over localhost is loopback", "http://*.localhost:*", true, false},
		{"127.0.0.1 is loopback", "http://127.0.0.1:8080", true, false},
		{"all of 127.0.0.0/8 is loopback", "http://127.255.0.9", true, false},
		{"::1 is loopback", "http://[::1]:8080", true, false},
		{"other IPv6 is not loopback", "http://[2001:db8::1]", false, true},
		{"128.0.0.1 is not loopback", "http://128.0.0.1", false, true},
		{"a domain that merely starts with localhost is not loopback", "http://localhost.example.com", false, true},
		{"a domain ending in localhost without a dot is not loopback", "http://mylocalhost", false, true},
		{"plain http to a public host is insecure", "http://app.example.com", false, true},
		{"https is never insecure", "https://app.example.com", false, false},
		{"custom schemes are not insecure", "capacitor://localhost", true, false},
		{"wildcard over github.io", "https://*.github.io", false, false},
		{"wildcard over co.uk", "https://*.co.uk", false, false},
		{"wildcard over com", "https://*.com", false, false},
		{"wildcard over a punycode TLD", "https://*.xn--p1ai", false, false},
		{"wildcard over an unlisted TLD", "https://*.internal", false, false},
		{"wildcard over example.com", "https://*.example.com", false, false},
		{"wildcard over a name under github.io", "https://*.me.github.io", false, false},
		{"plain http wildcard is insecure", "http://*.co.uk", false, true},
		{"exact public suffix host", "https://github.io", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := ParsePattern(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if got := p.IsLoopback(); got != tt.loopback {
				t.Errorf("IsLoopback() = %v, want %v", got, tt.loopback)
			}
			if got := p.IsInsecure(); got != tt.insecure {
				t.Errorf("IsInsecure() = %v, want %v", got, tt.insecure)
			}
		})
	}
}

func TestFormatIPv6(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"loopback", "::1", "[::1]"},
		{"unspecified", "::", "[::]"},
		{"single zero piece is not compressed", "2001:db8:0:1:1:1:1:1", "[2001:db8:0:1:1:1:1:1]"},
		{"longest run is compressed", "2001:0:0:1:0:0:0:1", "[2001:0:0:1::1]"},
		{"first of equal runs is compressed", "2001:db8:0:0:1:0:0:1", "[2001:db8::1:0:0:1]"},
		{"trailing run", "fe80::", "[fe80::]"},
		{"IPv4-mapped stays hex, as browsers write it", "::ffff:192.168.0.1", "[::ffff:c0a8:1]"},
		{"leading zeros of pieces dropped", "2001:0db8::0001", "[2001:db8::1]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := formatIPv6(netip.MustParseAddr(tt.in)); got != tt.want {
				t.Errorf("formatIPv6(%s) = %s, want %s", tt.in, got, tt.want)
			}
		})
	}
}
