package fetch

import (
	"net/netip"
	"net/url"
	"strings"
)

// DefaultPort is the port browsers leave out of an origin with scheme, or ""
// for a scheme without one.
func DefaultPort(scheme string) string {
	switch scheme {
	case "https":
		return "443"
	case "http":
		return "80"
	}
	return ""
}

// OriginOf returns u's origin as browsers write it in the Origin header:
// scheme "://" host [":" port], the host in lowercase, an IPv6 address in
// brackets, without the scheme's default port.
func OriginOf(u *url.URL) string {
	host, port := strings.ToLower(u.Hostname()), u.Port()
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	if port == "" || port == DefaultPort(u.Scheme) {
		return u.Scheme + "://" + host
	}
	return u.Scheme + "://" + host + ":" + port
}

// IsLoopbackHost reports whether host never leaves the machine, so browsers
// trust it like https (Secure Contexts, "potentially trustworthy origin"):
// localhost or a name under .localhost, an address in 127.0.0.0/8, or ::1.
// An IPv6 address may be in brackets; letters may be in any case. An
// IPv4-mapped IPv6 address (::ffff:127.0.0.1) is not loopback, as in
// browsers.
func IsLoopbackHost(host string) bool {
	host = strings.ToLower(host)
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	a, err := netip.ParseAddr(strings.TrimSuffix(strings.TrimPrefix(host, "["), "]"))
	if err != nil {
		return false
	}
	return a.Is4() && a.IsLoopback() || a == netip.IPv6Loopback()
}
