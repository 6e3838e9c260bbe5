package check

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/seed-41134e10/caddy-cors/internal/origins"
)

// thirdPartyCookieBrowsers says which browsers send no cookies with a
// cross-site call, however right its CORS headers are. It is what browsers
// do by default as the three-engine browser tests (e2e/, TestThirdPartyCookie)
// know it: headless Chromium and Firefox held the cookie back, and WebKitGTK
// sent it with Intelligent Tracking Prevention off, its default, and held it
// back with ITP on, Safari's default. Correct it here when they see otherwise.
const thirdPartyCookieBrowsers = "Safari (WebKit) blocks them all by default, with Intelligent Tracking Prevention, which WebKitGTK browsers have off unless they turn it on; " +
	"Firefox (Total Cookie Protection) sends only the cookies set in answers to calls from this page's site, not those the user got on the URL's own site; " +
	"Chrome (Chromium) sends them unless the user or a policy blocks third-party cookies, and blocks them in incognito windows and in headless mode"

// sameSiteFix is the fix for cookies held back because the page and the URL
// are different sites.
const sameSiteFix = "serve the page and the API from one site (the same scheme and registrable domain), such as https://app.example.com calling https://api.example.com; " +
	"in development, use one host name for both, such as http://localhost:5173 calling http://localhost:3000 (ports do not count, but localhost and 127.0.0.1 are two sites); " +
	"or authenticate with a token in an Authorization header instead of a cookie (fetch() without credentials, and the server allowing the Authorization request header)"

// siteOfOrigin returns the site of the page's origin, or "" for the origin
// null, which has none.
func siteOfOrigin(origin string) string {
	u, err := url.Parse(origin)
	if origin == "null" || err != nil {
		return ""
	}
	return origins.SiteOf(u)
}

// siteStep says whether a credentialed call from the page at origin to u is
// same-site, which decides whether its cookies are first- or third-party.
func siteStep(n int, origin string, u *url.URL) Step {
	page, target := siteOfOrigin(origin), origins.SiteOf(u)
	s := Step{Hop: n, Phase: PhaseRequest, Check: "site", Result: Info, Seen: "page " + page + ", URL " + target}
	if page == "" {
		s.Seen = "page null, URL " + target
	}
	if page == target {
		s.Detail = "the same site (scheme and registrable domain; ports do not count), so the cookies of this call are first-party: the browser sends them, SameSite=Lax and Strict ones included"
		return s
	}
	s.Result = Warn
	s.Fix = sameSiteFix
	_, pageDomain, _ := strings.Cut(page, "://")
	_, targetDomain, _ := strings.Cut(target, "://")
	why := "the page and the URL are different sites"
	switch {
	case page == "":
		why = "the page's origin is null (a sandboxed iframe or a file:// page), which has no site, so every call from it is cross-site"
	case pageDomain == targetDomain:
		why = "the page and the URL differ in scheme, and browsers compare sites with their scheme, so they are different sites"
	}
	s.Detail = why + ", so the cookies of this call are third-party cookies, which browsers that block them do not send, however right the CORS headers are: " + thirdPartyCookieBrowsers
	return s
}

// setCookie is what decides whether a browser stores a Set-Cookie and sends
// the cookie back across sites.
type setCookie struct {
	name        string
	seen        string // the header with the value left out
	sameSite    string // lowercase; "" when absent
	sameSiteRaw string // as written
	secure      bool
	partitioned bool
}

// parseSetCookie reads a Set-Cookie value far enough to judge it, as RFC
// 6265bis parses it: the last SameSite attribute counts.
func parseSetCookie(v string) setCookie {
	pair, attrs, hasAttrs := strings.Cut(v, ";")
	name, _, _ := strings.Cut(pair, "=")
	c := setCookie{name: strings.Trim(name, " \t")}
	c.seen = "Set-Cookie: " + c.name + "=…"
	if hasAttrs {
		c.seen += ";" + attrs
	}
	for a := range strings.SplitSeq(attrs, ";") {
		key, value, _ := strings.Cut(a, "=")
		switch strings.ToLower(strings.Trim(key, " \t")) {
		case "samesite":
			c.sameSiteRaw = strings.Trim(value, " \t")
			c.sameSite = strings.ToLower(c.sameSiteRaw)
		case "secure":
			c.secure = true
		case "partitioned":
			c.partitioned = true
		}
	}
	return c
}

// cookieSteps judges the cookies an answer to a CORS request sets: whether
// the browser stores them, and whether it sends them with later calls from
// the page. crossSite is set when the page and u are different sites.
func cookieSteps(n int, values []string, credentials, crossSite bool, u *url.URL) []Step {
	if len(values) == 0 {
		return nil
	}
	if !credentials {
		return []Step{{Hop: n, Phase: PhaseActual, Check: "set-cookie", Result: Warn, Seen: seenCookies(values),
			Detail: "the call carries no credentials, so the browser ignores Set-Cookie on this cross-origin answer: no cookie is stored",
			Fix:    "call fetch() with credentials: 'include' (cors-check --credentials), and have the server allow credentials for the page's origin"}}
	}
	steps := make([]Step, 0, len(values))
	for _, v := range values {
		c := parseSetCookie(v)
		s := Step{Hop: n, Phase: PhaseActual, Check: "set-cookie", Result: Warn, Seen: c.seen}
		s.Detail, s.Fix = judgeCookie(c, crossSite, u)
		if s.Fix == "" {
			s.Result = Info
		}
		steps = append(steps, s)
	}
	return steps
}

// judgeCookie says what the browser does with cookie c from u; fix is ""
// when it stores the cookie and sends it with later calls from the page
// (where it allows third-party cookies, for a cross-site call).
func judgeCookie(c setCookie, crossSite bool, u *url.URL) (detail, fix string) {
	noneSecure := "send it with SameSite=None; Secure: Set-Cookie: " + c.name + "=…; SameSite=None; Secure, with its other attributes"
	switch {
	case c.secure && u.Scheme == "http" && !origins.IsLoopbackHost(u.Hostname()):
		return "a Secure cookie from an http:// URL: browsers ignore it, since Secure cookies may only be set over https",
			"serve the URL over https, where a Secure cookie can be set"
	case c.sameSite == "none" && !c.secure:
		return "SameSite=None without Secure: Chromium rejects the cookie, as RFC 6265bis asks every browser to",
			"add Secure: Set-Cookie: " + c.name + "=…; SameSite=None; Secure (Secure needs https; Chromium and Firefox also take it from http://localhost)"
	case c.partitioned && !c.secure:
		return "Partitioned without Secure: Chromium rejects the cookie, since partitioned cookies (CHIPS) must be Secure",
			"add Secure: Set-Cookie: " + c.name + "=…; Secure; Partitioned; SameSite=None"
	case !crossSite:
		return "the page and the URL are the same site, so SameSite does not hold this cookie back: the browser stores it and sends it with later calls from the page", ""
	case c.sameSite == "":
		return "no SameSite attribute, and the page is on another site: Chromium takes the cookie as SameSite=Lax, so it ignores it here and sends it with no cross-site fetch() (Firefox and Safari take it as SameSite=None)",
			noneSecure + "; or serve the page and the API from one site"
	case c.sameSite == "lax" || c.sameSite == "strict":
		return fmt.Sprintf("SameSite=%s, and the page is on another site: browsers ignore a SameSite=Lax or Strict cookie set by a cross-site answer, and send none with a cross-site fetch()", c.sameSiteRaw),
			noneSecure + "; or serve the page and the API from one site, where SameSite=Lax cookies are sent"
	case c.sameSite != "none":
		return fmt.Sprintf("SameSite=%s is not a value browsers know (None, Lax or Strict), so they take the cookie as if it had none; Chromium then takes it as SameSite=Lax, which a cross-site fetch() does not send", c.sameSiteRaw),
			noneSecure
	case c.partitioned:
		return "SameSite=None; Secure; Partitioned (CHIPS): the browser keeps the cookie for the page's site only and sends it with later calls from that site, in Chrome even when third-party cookies are blocked; it is not the cookie the user has on the URL's own site", ""
	}
	return "SameSite=None; Secure: browsers store the cookie and send it with cross-site calls, where they allow third-party cookies (see the site step)", ""
}

// preflightCookieStep notes Set-Cookie on a preflight answer, which
// browsers ignore.
func preflightCookieStep(n int, values []string) []Step {
	if len(values) == 0 {
		return nil
	}
	return []Step{{Hop: n, Phase: PhasePreflight, Check: "set-cookie", Result: Info, Seen: seenCookies(values),
		Detail: "ignored: browsers send a preflight without credentials and store no cookie from its answer"}}
}

// seenCookies shows Set-Cookie headers as they arrived, with their values
// left out, joined by " | ".
func seenCookies(values []string) string {
	seen := make([]string, len(values))
	for i, v := range values {
		seen[i] = parseSetCookie(v).seen
	}
	return strings.Join(seen, " | ")
}
