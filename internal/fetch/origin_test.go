package fetch

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
