package cors

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/net/http/httpguts"

	"github.com/seed-41134e10/caddy-cors/internal/headers"
	"github.com/seed-41134e10/caddy-cors/internal/methods"
	"github.com/seed-41134e10/caddy-cors/internal/origins"
)

// policy is a Handler's configuration compiled for the request path: every
// header value the handler can send is computed here once, so that serving a
// request is lookups and map assignments only. A policy is never modified
// after compile returns.
type policy struct {
	anyOrigin bool
	origins   *origins.Set
	regexps   []*regexp.Regexp

	// actual responses
	allowCredentials string // "" without credentials
	exposeHeaders    string // "" when nothing is exposed

	anyOriginGrant grant  // the grant of every actual request to an any-origin policy
	actualVary     string // "Origin", or "" when any origin gets the same answer

	// preflight responses
	anyMethod       bool
	methods         map[string]struct{}
	allowMethods    string       // "" when the requested method is echoed
	requestHeaders  *headers.Set // the allowed request headers; nil for any header
	allowHeaders    string       // "" when the requested headers are echoed
	maxAge          string       // "" without max_age
	privateNetwork  bool
	preflightStatus int
	passthrough     bool
	preflightVary   string

	reportOnly bool // decide and report, change nothing
}

const (
	maxMaxAge         = headers.MaxAgeCapFirefox * time.Second
	chromiumMaxAgeCap = headers.MaxAgeCapChromium * time.Second
)

// defaultMethods are allowed when methods is not set: what a typical web
// app's API uses, and nothing exotic.
var defaultMethods = []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"}

// compile validates h and builds its policy. It reports every configuration
// error at once, each naming the subdirective, the bad value and the fix.
// warnings are for configurations that work but probably not as intended.
func compile(h *Handler) (p *policy, warnings []string, err error) {
	var errs []error
	fail := func(subdirective, format string, args ...any) {
		errs = append(errs, fmt.Errorf("cors: "+subdirective+": "+format, args...))
	}
	p = &policy{passthrough: h.PreflightPassthrough, privateNetwork: h.PrivateNetwork, reportOnly: h.ReportOnly}

	compileOrigins(h, p, fail)
	if h.Origins == nil && h.OriginRegexps == nil {
		warnings = append(warnings, `cors: no origins are listed, so any origin may read responses (without credentials); if that is what you want, say so with "origins *" (in the Caddyfile, inside the cors block: a "*" on the cors line is a matcher); if the origins come from a placeholder such as {$CORS_ORIGINS}, it is empty`)
	}
	compileMethods(h, p, fail)
	compileHeaders(h, p, fail)
	warnings = append(warnings, compileExposeHeaders(h, p, fail)...)
	warnings = append(warnings, compileMaxAge(h, p, fail)...)

	switch {
	case h.PreflightStatus == 0:
		p.preflightStatus = 204
	case h.PreflightStatus < 200 || h.PreflightStatus > 299:
		fail("preflight_status", "%d is not a 2xx status; browsers fail preflights answered with any other status; use 204 or 200", h.PreflightStatus)
	default:
		p.preflightStatus = h.PreflightStatus
	}

	if h.Credentials {
		p.allowCredentials = "true"
	}
	p.preflightVary = "Origin, " + headers.RequestMethod + ", " + headers.RequestHeaders
	if h.PrivateNetwork {
		p.preflightVary += ", " + headers.RequestPrivateNetwork
	}

	if !p.anyOrigin {
		p.actualVary = "Origin"
	}
	p.anyOriginGrant[acAllowOrigin] = "*"
	p.anyOriginGrant[acExposeHeaders] = p.exposeHeaders

	if len(errs) > 0 {
		return nil, nil, errors.Join(errs...)
	}
	return p, warnings, nil
}

// suffixWords says why a public suffix is open to anyone.
func suffixWords(suffix string) string {
	if origins.IsListedSuffix(suffix) {
		return fmt.Sprintf("the public suffix %q, which anyone can register", suffix)
	}
	return fmt.Sprintf("%q, a top-level domain outside the public DNS, where any machine on the network may take a name", suffix)
}

// checkCredentialedRegexp holds an origin regexp that goes with
// credentials to the rules of listed origins, read from its parsed form:
// a literal scheme (https, or loopback http, unless allow_insecure_origins),
// no unescaped "." in the host, and a fixed end of the host that holds a
// domain of the site's own, not a public suffix (unless
// allow_public_suffix_wildcards).
func checkCredentialedRegexp(h *Handler, s string, failAll failFunc) {
	failed := false
	fail := func(subdirective, format string, args ...any) {
		if !failed { // one error per regexp, not one per branch
			failed = true
			failAll(subdirective, format, args...)
		}
	}
	branches, err := origins.Branches(s)
	if err != nil {
		fail("origin_regexps", "%q %v", s, err)
		return
	}
	for _, b := range branches {
		switch {
		case b.Scheme == "":
			fail("origin_regexps", `%q does not begin with a literal scheme and "://" (as in "https://"), so it can match origins of any scheme; with credentials, write the scheme out`, s)
		case b.LooseDot && b.Example != "":
			fail("origin_regexps", `%q has an unescaped "." in the host, which matches any character, so %q matches too; write "\." for a dot`, s, b.Example)
		case b.LooseDot:
			fail("origin_regexps", `%q has an unescaped "." in the host, which matches any character; write "\." for a dot, or a class such as "[a-z0-9-]+" for a label`, s)
		case b.Optional && b.Exact:
			fail("origin_regexps", `%q has an optional part in the host, so it also matches %q, which may be another site's; with credentials, write each host out (alternatives such as "(app|api)\.example\.com" are fine)`, s, b.Scheme+"://"+b.HostTail)
		case b.Optional:
			fail("origin_regexps", `%q has an optional part in the host, so it also matches hosts that may be another site's; with credentials, write each host out (alternatives such as "(app|api)\.example\.com" are fine)`, s)
		case !b.Exact && b.HostTail == "":
			fail("origin_regexps", `%q does not end the host with a fixed domain, so it can match sites you do not own; end it with your domain written out, as in "https://[a-z0-9-]+\.example\.com"`, s)
		case !b.Exact && !strings.HasPrefix(b.HostTail, "."):
			fail("origin_regexps", `%q lets any characters come right before %q in the host, so a site named like "evil%s" matches; begin the fixed end of the host with "\." (as in "[a-z0-9-]+\.example\.com")`, s, b.HostTail, b.HostTail)
		default:
			// The branch as a listed origin: its host, or a wildcard over
			// the fixed end of its host, held to the same rules.
			host := b.HostTail
			if !b.Exact {
				host = "*" + host
			}
			pat, err := origins.ParsePattern(b.Scheme + "://" + host)
			switch {
			case err != nil && !b.Exact:
				fail("origin_regexps", `%q ends the host with %q, which is not a domain of the site's own; end it with your domain, as in "\.example\.com"`, s, b.HostTail)
			case err != nil:
			case pat.IsInsecure() && !h.AllowInsecureOrigins:
				fail("origin_regexps", "%q matches plain-http origins, which anyone on the network path can impersonate and then read credentialed responses; use https, or set allow_insecure_origins if you accept that risk", s)
			case !h.AllowPublicSuffixWildcards:
				if suffix, ok := pat.PublicSuffixUnder(); ok {
					fail("origin_regexps", "%q matches every site under %s, so any of them reads credentialed responses; match only your own domain, or set allow_public_suffix_wildcards if you accept that risk", s, suffixWords(suffix))
				}
			}
		}
	}
}

type failFunc func(subdirective, format string, args ...any)

func compileOrigins(h *Handler, p *policy, fail failFunc) {
	patterns := make([]origins.Pattern, 0, len(h.Origins))
	for _, s := range h.Origins {
		if s == "*" {
			p.anyOrigin = true
			continue
		}
		pat, err := origins.ParsePattern(s)
		if err != nil {
			fail("origins", "%v", err)
			continue
		}
		if h.Credentials && pat.IsInsecure() && !h.AllowInsecureOrigins {
			fail("origins", "%q uses plain http, so anyone on the network path can impersonate it and read credentialed responses; use https, or set allow_insecure_origins if you accept that risk", s)
		}
		if h.Credentials && !h.AllowPublicSuffixWildcards {
			if suffix, ok := pat.PublicSuffixUnder(); ok {
				fail("origins", "%q allows every site under %s to read credentialed responses; list your own origins, or set allow_public_suffix_wildcards if you accept that risk", s, suffixWords(suffix))
			}
		}
		patterns = append(patterns, pat)
	}
	for _, s := range h.OriginRegexps {
		if s == "" {
			fail("origin_regexps", `"" is empty, which matches no origin browsers send; remove it or write the pattern`)
			continue
		}
		if _, err := regexp.Compile(s); err != nil {
			fail("origin_regexps", "%q is not a valid RE2 regular expression: %v", s, err)
			continue
		}
		if h.Credentials {
			checkCredentialedRegexp(h, s, fail)
		}
		p.regexps = append(p.regexps, regexp.MustCompile(`^(?:`+s+`)$`))
	}
	for _, l := range []struct {
		name string
		list []string
	}{{"origins", h.Origins}, {"origin_regexps", h.OriginRegexps}, {"methods", h.Methods}, {"headers", h.Headers}, {"expose_headers", h.ExposeHeaders}} {
		// JSON [] is not "no list": an empty list that means "any" is
		// how an unset variable in a config generator opens a site.
		if l.list != nil && len(l.list) == 0 {
			hint := ""
			if l.name == "origins" {
				hint = ` (to allow any origin on purpose, write "origins": ["*"])`
			}
			fail(l.name, `is empty ([] or null); list values, or leave the field out for the default%s`, hint)
		}
	}
	if len(h.Origins) == 0 && len(h.OriginRegexps) == 0 {
		p.anyOrigin = true
	}
	if p.anyOrigin && (len(patterns) > 0 || len(p.regexps) > 0) {
		fail("origins", `"*" allows every origin, so the other origins listed have no effect; remove "*" or remove the others`)
	}
	if p.anyOrigin && h.Credentials {
		fail("credentials", `cannot be used with any origin ("*", or no origins listed): browsers refuse credentialed responses that allow "*"; list the origins that may send credentials`)
	}
	if p.anyOrigin && h.PrivateNetwork {
		fail("private_network", `cannot be used with any origin ("*", or no origins listed): it would let every public website reach this server on a private network; list the origins that may`)
	}
	p.origins = origins.NewSet(patterns)
}

func compileMethods(h *Handler, p *policy, fail failFunc) {
	listed := h.Methods
	if len(listed) == 0 {
		listed = defaultMethods
	}
	if slices.Contains(listed, "*") {
		if len(listed) > 1 {
			fail("methods", `"*" allows every method, so the other methods listed have no effect; remove "*" or remove the others`)
		}
		p.anyMethod = true
		if !h.Credentials {
			// Browsers honour a literal "*" only without credentials; with
			// credentials the requested method is echoed.
			p.allowMethods = "*"
		}
		return
	}
	p.methods = make(map[string]struct{}, len(listed))
	var list []string
	for _, m := range listed {
		switch {
		case !httpguts.ValidHeaderFieldName(m):
			fail("methods", "%q is not a valid method name (%s)", m, headers.TokenRule)
			continue
		case methods.IsForbidden(m):
			fail("methods", "%q is forbidden: browsers never let scripts send it; remove it", m)
			continue
		}
		if n := methods.Normalize(m); n != m {
			fail("methods", "%q would never match: browsers uppercase it before sending; write %q", m, n)
			continue
		}
		if _, dup := p.methods[m]; dup {
			continue
		}
		p.methods[m] = struct{}{}
		list = append(list, m)
	}
	p.allowMethods = strings.Join(list, ", ")
}

func compileHeaders(h *Handler, p *policy, fail failFunc) {
	if len(h.Headers) == 0 {
		return // any header; the requested ones are echoed
	}
	if slices.Contains(h.Headers, "*") {
		if len(h.Headers) > 1 {
			fail("headers", `"*" allows every request header, so the other headers listed have no effect; remove "*" or remove the others`)
		}
		return
	}
	var list []string
	for _, name := range h.Headers {
		switch {
		case !httpguts.ValidHeaderFieldName(name):
			fail("headers", "%q is not a valid header name (%s)", name, headers.TokenRule)
		case headers.IsForbiddenRequestHeader(name, ""):
			fail("headers", "%q is a forbidden request header: browsers never let scripts set it, so allowing it has no effect; remove it", name)
		case headers.IsCORSResponseHeader(name):
			fail("headers", "%q is a response header: a page that sends it makes a mistake (%s), and allowing it only hides that; remove it from headers", name, headers.ResponseHeaderAsRequestHeader)
		default:
			list = appendFold(list, name)
		}
	}
	p.requestHeaders = headers.NewSet(list)
	p.allowHeaders = strings.Join(list, ", ")
}

func compileExposeHeaders(h *Handler, p *policy, fail failFunc) (warnings []string) {
	if slices.Contains(h.ExposeHeaders, "*") {
		switch {
		case len(h.ExposeHeaders) > 1:
			fail("expose_headers", `"*" exposes every response header, so the other headers listed have no effect; remove "*" or remove the others`)
		case h.Credentials:
			fail("expose_headers", `"*" cannot be used with credentials: browsers do not honour it on credentialed requests, where it would expose only a header named "*"; list the headers to expose in expose_headers, or remove credentials`)
		default:
			p.exposeHeaders = "*"
		}
		return nil
	}
	var list []string
	for _, name := range h.ExposeHeaders {
		switch {
		case !httpguts.ValidHeaderFieldName(name):
			fail("expose_headers", "%q is not a valid header name (%s)", name, headers.TokenRule)
			continue
		case headers.IsForbiddenResponseHeader(name):
			fail("expose_headers", "%q is never readable by scripts, whatever the server says; remove it", name)
			continue
		case headers.IsCORSRequestHeader(name):
			fail("expose_headers", "%q is a request header that browsers send in preflights: no response carries it, so exposing it has no effect; remove it", name)
			continue
		case headers.IsSafelistedResponseHeader(name):
			warnings = append(warnings, fmt.Sprintf("cors: expose_headers: %q is always readable by scripts; listing it is not needed", name))
		}
		list = appendFold(list, name)
	}
	if len(list) > 0 {
		p.exposeHeaders = strings.Join(list, ", ")
	}
	return warnings
}

func compileMaxAge(h *Handler, p *policy, fail failFunc) (warnings []string) {
	if h.MaxAge == nil {
		return nil
	}
	d := time.Duration(*h.MaxAge)
	switch {
	case d < 0:
		fail("max_age", "%s is negative; use 0 to disable preflight caching, or a duration such as 10m", *h.MaxAge)
	case d > maxMaxAge:
		fail("max_age", "%s is more than 24h, longer than any browser caches a preflight; use at most 2h (Chromium's cap)", *h.MaxAge)
	case d < time.Second && d > 0:
		fail("max_age", `%s is less than a second (a JSON number is read as nanoseconds); write a duration string such as "10m"`, *h.MaxAge)
	case d%time.Second != 0:
		fail("max_age", "%s is not a whole number of seconds, which is what browsers read; write e.g. %s", *h.MaxAge, Duration(d.Round(time.Second)))
	default:
		if d > chromiumMaxAgeCap {
			warnings = append(warnings, fmt.Sprintf("cors: max_age: %s is more than 2h; Chromium caches preflights for at most 2h, Firefox for at most 24h", *h.MaxAge))
		}
		p.maxAge = strconv.FormatInt(int64(d/time.Second), 10)
	}
	return warnings
}

// appendFold appends name to a list of header names unless the list has it
// already, in any letter case.
func appendFold(list []string, name string) []string {
	if slices.ContainsFunc(list, func(n string) bool { return strings.EqualFold(n, name) }) {
		return list
	}
	return append(list, name)
}
