package origins

import (
	"net/url"
	"testing"
)

func TestOriginOf(t *testing.T) {
	tests := []struct{ name, url, want string }{
		{"https without a port", "https://api.example.com/x?y", "https://api.example.com"},
		{"the default port is left out", "https://api.example.com:443/", "https://api.example.com"},
		{"the default port of http is left out", "http://api.example.com:80/", "http://api.example.com"},
		{"another port stays", "http://api.example.com:8080/", "http://api.example.com:8080"},
		{"443 stays on http", "http://api.example.com:443/", "http://api.example.com:443"},
		{"the host is lowercased", "https://API.Example.COM/", "https://api.example.com"},
		{"IPv6 stays in brackets", "http://[::1]:3000/", "http://[::1]:3000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u, err := url.Parse(tt.url)
			if err != nil {
				t.Fatal(err)
			}
			if got := OriginOf(u); got != tt.want {
				t.Errorf("OriginOf(%q) = %q, want %q", tt.url, got, tt.want)
			}
		})
	}
}

func TestIsLoopbackHost(t *testing.T) {
	tests := []struct {
		name, host string
		want       bool
	}{
		{"localhost", "localhost", true},
		{"localhost in any case", "LocalHost", true},
		{"a name under .localhost", "app.localhost", true},
		{"a name that merely starts with localhost", "localhost.example.com", false},
		{"a name that ends in localhost without a dot", "mylocalhost", false},
		{"127.0.0.1", "127.0.0.1", true},
		{"all of 127.0.0.0/8", "127.255.0.9", true},
		{"128.0.0.1", "128.0.0.1", false},
		{"::1 in brackets", "[::1]", true},
		{"::1 without brackets", "::1", true},
		{"::1 written out", "0:0:0:0:0:0:0:1", true},
		{"IPv4-mapped 127.0.0.1 is not loopback, as in browsers", "[::ffff:7f00:1]", false},
		{"other IPv6", "[2001:db8::1]", false},
		{"a public name", "example.com", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := IsLoopbackHost(tt.host); got != tt.want {
				t.Errorf("IsLoopbackHost(%q) = %v, want %v", tt.host, got, tt.want)
			}
		})
	}
}

func TestSiteOf(t *testing.T) {
	tests := []struct{ name, url, want string }{
		{"a subdomain belongs to its registrable domain", "https://api.example.com/x", "https://example.com"},
		{"the registrable domain is its own site", "https://example.com", "https://example.com"},
		{"a multi-label public suffix counts whole", "https://www.example.co.uk", "https://example.co.uk"},
		{"the private section counts: github.io is a public suffix", "https://alice.github.io", "https://alice.github.io"},
		{"a public suffix is its own site", "https://github.io", "https://github.io"},
		{"the port does not count", "http://localhost:3000", "http://localhost"},
		{"localhost is its own site", "http://localhost", "http://localhost"},
		{"a name under localhost is a site of its own", "http://app.localhost:8080", "http://app.localhost"},
		{"an IPv4 address is its own site", "http://127.0.0.1:9000/api", "http://127.0.0.1"},
		{"an IPv6 address is its own site, in brackets", "http://[::1]:3000", "http://[::1]"},
		{"the host is lowercased", "https://API.Example.COM", "https://example.com"},
		{"the scheme is part of the site", "http://api.example.com", "http://example.com"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := SiteOf(mustParse(t, tt.url)); got != tt.want {
				t.Errorf("SiteOf(%q) = %q, want %q", tt.url, got, tt.want)
			}
		})
	}
}

// TestSameSite: two URLs are the same site when SiteOf gives both the
// same value.
func TestSameSite(t *testing.T) {
	tests := []struct {
		name, a, b string
		want       bool
	}{
		{"two subdomains of one domain", "https://app.example.com", "https://api.example.com", true},
		{"two ports of localhost", "http://localhost:3000", "http://localhost:8080", true},
		{"localhost and 127.0.0.1", "http://localhost:8080", "http://127.0.0.1:8081", false},
		{"two loopback addresses", "http://127.0.0.1", "http://127.0.0.2", false},
		{"http and https of one domain (schemeful same-site)", "http://app.example.com", "https://api.example.com", false},
		{"two registrable domains under co.uk", "https://a.example.co.uk", "https://b.other.co.uk", false},
		{"two sites under github.io", "https://alice.github.io", "https://bob.github.io", false},
		{"two names under localhost", "http://app.localhost", "http://api.localhost", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := SiteOf(mustParse(t, tt.a)) == SiteOf(mustParse(t, tt.b)); got != tt.want {
				t.Errorf("same site(%q, %q) = %v, want %v", tt.a, tt.b, got, tt.want)
			}
		})
	}
}

func mustParse(t *testing.T, raw string) *url.URL {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
