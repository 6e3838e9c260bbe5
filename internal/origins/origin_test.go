package origins

import (
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want Origin
		ok   bool
	}{
		{"https on the default port", "https://app.example.com", Origin{"https", "app.example.com", ""}, true},
		{"https with a port", "https://app.example.com:8443", Origin{"https", "app.example.com", "8443"}, true},
		{"http on https's default port", "http://app.example.com:443", Origin{"http", "app.example.com", "443"}, true},
		{"IPv4 with a port", "http://127.0.0.1:3000", Origin{"http", "127.0.0.1", "3000"}, true},
		{"IPv6 with a port", "http://[::1]:8080", Origin{"http", "[::1]", "8080"}, true},
		{"IPv6 without a port", "http://[2001:db8::1]", Origin{"http", "[2001:db8::1]", ""}, true},
		{"custom scheme", "capacitor://localhost", Origin{"capacitor", "localhost", ""}, true},
		{"scheme with digits, plus, dot and hyphen", "web+app.v2-x://localhost", Origin{"web+app.v2-x", "localhost", ""}, true},
		{"underscores and hyphens in labels", "https://my_app-1.example.com", Origin{"https", "my_app-1.example.com", ""}, true},
		{"port 1", "https://a.example:1", Origin{"https", "a.example", "1"}, true},
		{"port 65535", "https://a.example:65535", Origin{"https", "a.example", "65535"}, true},
		{"exactly MaxOriginLength bytes", "https://" + strings.Repeat("a", MaxOriginLength-len("https://")), Origin{"https", strings.Repeat("a", MaxOriginLength-len("https://")), ""}, true},

		{"empty", "", Origin{}, false},
		{"null", "null", Origin{}, false},
		{"longer than MaxOriginLength", "https://" + strings.Repeat("a", MaxOriginLength-len("https://")+1), Origin{}, false},
		{"uppercase scheme", "HTTPS://app.example.com", Origin{}, false},
		{"uppercase host", "https://App.example.com", Origin{}, false},
		{"uppercase IPv6", "http://[::FFFF:1]", Origin{}, false},
		{"trailing slash", "https://app.example.com/", Origin{}, false},
		{"path", "https://app.example.com/api", Origin{}, false},
		{"query", "https://app.example.com?x", Origin{}, false},
		{"fragment", "https://app.example.com#x", Origin{}, false},
		{"user info", "https://u@app.example.com", Origin{}, false},
		{"no scheme", "app.example.com", Origin{}, false},
		{"empty scheme", "://app.example.com", Origin{}, false},
		{"scheme starting with a digit", "1a://app.example.com", Origin{}, false},
		{"missing slashes", "https:app.example.com", Origin{}, false},
		{"no host", "https://", Origin{}, false},
		{"no host before a port", "https://:443", Origin{}, false},
		{"leading dot", "https://.example.com", Origin{}, false},
		{"empty label", "https://a..example.com", Origin{}, false},
		{"trailing dot", "https://example.com.", Origin{}, false},
		{"wildcard", "https://*.example.com", Origin{}, false},
		{"space", "https://a example.com", Origin{}, false},
		{"non-ASCII host", "https://bücher.example", Origin{}, false},
		{"default https port written out", "https://app.example.com:443", Origin{}, false},
		{"default http port written out", "http://app.example.com:80", Origin{}, false},
		{"empty port", "https://app.example.com:", Origin{}, false},
		{"port zero", "https://app.example.com:0", Origin{}, false},
		{"leading zero in port", "https://app.example.com:08443", Origin{}, false},
		{"port above 65535", "https://app.example.com:65536", Origin{}, false},
		{"six-digit port", "https://app.example.com:100000", Origin{}, false},
		{"non-numeric port", "https://app.example.com:x", Origin{}, false},
		{"two ports", "https://app.example.com:1:2", Origin{}, false},
		{"IPv6 without brackets", "http://::1", Origin{}, false},
		{"IPv6 without closing bracket", "http://[::1", Origin{}, false},
		{"IPv6 without a colon", "http://[abc]", Origin{}, false},
		{"IPv6 with a zone", "http://[fe80::1%25eth0]", Origin{}, false},
		{"junk after IPv6", "http://[::1]x", Origin{}, false},
		{"empty brackets", "http://[]", Origin{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := Parse(tt.in)
			if got != tt.want || ok != tt.ok {
				t.Errorf("Parse(%q) = %+v, %v; want %+v, %v", tt.in, got, ok, tt.want, tt.ok)
			}
		})
	}
}
