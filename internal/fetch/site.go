package fetch

import (
	"net/netip"
	"net/url"
	"strings"

	"github.com/weppos/publicsuffix-go/publicsuffix"
)

// SiteOf returns u's site as browsers compare sites for cookies (HTML
// "obtain a site", schemeful): the scheme and the registrable domain by the
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
