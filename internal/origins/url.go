package origins

import (
	"net/netip"
	"net/url"
	"strings"

	"github.com/weppos/publicsuffix-go/publicsuffix"
)

// What the URL, HTML and Secure Contexts standards say about an origin as
// a URL has it: its default port, its serialization, whether its host is
// loopback, and its site.

// DefaultPort is the port browsers leave out of an origin with scheme (the
// URL standard's default port, https://url.spec.whatwg.org/#default-port),
// or "" for a scheme without one.
func DefaultPort(scheme string) string {
	switch scheme {
	case "https":
		return "443"
	case "http":
		return "80"
	}
	return ""
}

// OriginOf returns u's origin as browsers write it in the Origin header
// (the serialization of an origin, https://html.spec.whatwg.org/#ascii-serialisation-of-an-origin):
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
// trust it like https (Secure Contexts, "potentially trustworthy origin",
// https://w3c.github.io/webappsec-secure-contexts/#potentially-trustworthy-origin):
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

// SiteOf returns u's site as browsers compare sites for cookies (HTML
// "obtain a site", schemeful, https://html.spec.whatwg.org/#obtain-a-site): the scheme and the registrable domain by the
// Public Suffix List, its ICANN and private sections, as "https://example.com".
// A host without a registrable domain is its own site: an IP address,
// localhost, or a public suffix such as github.io. Ports do not count.
func SiteOf(u *url.URL) string {
	host := strings.ToLower(u.Hostname())
	switch a, err := netip.ParseAddr(host); {
	case err == nil && a.Is6():
		return u.Scheme + "://[" + host + "]"
	case err == nil:
		return u.Scheme + "://" + host
	}
	domain, err := publicsuffix.DomainFromListWithOptions(publicsuffix.DefaultList, host, publicsuffix.DefaultFindOptions)
	if err != nil {
		// The host is a public suffix itself ("localhost" under the
		// implicit rule "*", or "github.io"): browsers take the host.
		domain = host
	}
	return u.Scheme + "://" + domain
}
