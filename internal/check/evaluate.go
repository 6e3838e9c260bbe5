package check

import (
	"fmt"
	"net/http"
	"net/textproto"
	"slices"
	"sort"
	"strconv"
	"strings"

	"golang.org/x/net/http/httpguts"

	"github.com/seed-41134e10/caddy-cors/internal/headers"
	"github.com/seed-41134e10/caddy-cors/internal/methods"
)

// This file evaluates responses as the Fetch standard's "CORS check",
// "CORS-preflight fetch" and CORS-filtered response do. It sends nothing.

// call is what the browser asks for at one hop, as evaluation needs it.
type call struct {
	hop         int
	origin      string // the Origin header the browser sends: the page's origin, or "null"
	method      string // as sent, after normalization
	credentials bool
	unsafe      []headers.UnsafeHeader
	path        string // for fix texts
	fix         fixer
}

// defaultMaxAge is what browsers use without Access-Control-Max-Age.
const defaultMaxAge = 5

// evaluatePreflight checks a preflight answer as a browser does: the CORS
// check and an ok status first, then (only when both pass) the methods,
// headers and cache time. It returns the steps and the cache time in seconds.
func evaluatePreflight(c call, status int, h http.Header) ([]Step, int) {
	steps := corsCheck(c, PhasePreflight, h)
	st := statusStep(c, status, h)
	if len(h.Values(headers.AllowOrigin)) == 0 && st.Result == Fail && status != 403 {
		// The status is the cause; the header is missing because of it.
		steps[0].Detail = "no Access-Control-Allow-Origin header, because the server answered " + statusText(status) + " instead of answering the preflight; fix that first"
		steps[0].Fix = st.Fix
	}
	steps = append(steps, st)
	for _, s := range steps {
		if s.Result == Fail {
			return steps, 0
		}
	}
	steps = append(steps, methodStep(c, h))
	if len(c.unsafe) > 0 {
		steps = append(steps, headersStep(c, h))
	}
	maxAge, step := maxAgeStep(c, h)
	return append(steps, step), maxAge
}

func statusStep(c call, status int, h http.Header) Step {
	s := Step{Hop: c.hop, Phase: PhasePreflight, Check: "status", Seen: statusText(status)}
	switch {
	case 200 <= status && status <= 299:
		s.Result = Pass
		s.Detail = "an ok status, 200-299"
	case isRedirect(status):
		s.Result = Fail
		loc := h.Get("Location")
		s.Seen += ", Location: " + loc
		s.Detail = "browsers never follow a redirect of a preflight; the preflight fails"
		s.Fix = c.fix.redirectedPreflight(loc)
	case status == 401 || status == 407:
		s.Result = Fail
		s.Detail = "a preflight must get an ok status (200-299); browsers send it without cookies or Authorization, so it cannot pass an authentication check"
		s.Fix = c.fix.authenticatedPreflight()
	default:
		s.Result = Fail
		s.Detail = "a preflight must get an ok status (200-299)"
		s.Fix = c.fix.preflightStatus(status, h)
	}
	return s
}

// corsCheck is the Fetch standard's CORS check: Access-Control-Allow-Origin,
// then Access-Control-Allow-Credentials when the request carries credentials.
func corsCheck(c call, phase string, h http.Header) []Step {
	acao := h.Values(headers.AllowOrigin)
	s := Step{Hop: c.hop, Phase: phase, Check: "allow-origin", Result: Fail, Seen: seen(headers.AllowOrigin, acao)}
	switch {
	case len(acao) == 0:
		s.Detail = "no Access-Control-Allow-Origin header: the server does not allow " + c.origin + " here"
		if phase == PhasePreflight {
			s.Detail = "no Access-Control-Allow-Origin header: the server refused the preflight without saying why"
		}
		s.Fix = c.fix.allowOrigin()
	case len(acao) > 1 || strings.Contains(acao[0], ","):
		s.Detail = "more than one value; browsers accept exactly one origin or *"
		s.Fix = c.fix.oneOrigin()
	case acao[0] == "*" && c.credentials:
		s.Detail = "* does not allow requests with credentials; the server must answer with the origin itself and Access-Control-Allow-Credentials: true"
		s.Fix = c.fix.allowCredentials()
	case acao[0] == "*":
		s.Result = Pass
		s.Detail = "* allows any origin without credentials"
	case acao[0] == c.origin:
		s.Result = Pass
		s.Detail = "equals the origin"
	default:
		s.Detail = mismatch(acao[0], c.origin)
		s.Fix = c.fix.originMismatch()
	}
	steps := []Step{s}
	if s.Result == Fail {
		return steps // the browser stops here
	}

	acac := h.Values(headers.AllowCredentials)
	if !c.credentials {
		if len(acac) > 0 {
			steps = append(steps, Step{Hop: c.hop, Phase: phase, Check: "allow-credentials", Result: Info,
				Seen: seen(headers.AllowCredentials, acac), Detail: "ignored: the request carries no credentials"})
		}
		return steps
	}
	s = Step{Hop: c.hop, Phase: phase, Check: "allow-credentials", Result: Fail, Seen: seen(headers.AllowCredentials, acac)}
	value := strings.Join(acac, ", ") // what the browser gets from the header list
	switch {
	case value == "true":
		s.Result = Pass
		s.Detail = "exactly true, as credentials need"
	case len(acac) == 0:
		s.Detail = "missing; with credentials the browser needs Access-Control-Allow-Credentials: true"
		s.Fix = c.fix.allowCredentials()
	case strings.EqualFold(value, "true"):
		s.Detail = fmt.Sprintf("%q is not %q: the value is compared byte for byte, so only lowercase true counts", value, "true")
		s.Fix = c.fix.credentialsCase()
	default:
		s.Detail = fmt.Sprintf("%q is not %q, which credentials need", value, "true")
		s.Fix = c.fix.allowCredentials()
	}
	return append(steps, s)
}

// mismatch explains how an Access-Control-Allow-Origin value differs from the
// origin the browser sent.
func mismatch(value, origin string) string {
	why := "is not the origin " + origin
	switch {
	case value == origin+"/" || strings.HasPrefix(value, origin+"/"):
		why = "has a trailing slash or path; an origin is only scheme, host and port: " + origin
	case strings.EqualFold(value, origin):
		why = "differs in case; the value is compared byte for byte with " + origin
	case value == "null":
		why = `is "null", which matches only pages with an opaque origin (sandboxed iframes, file:// pages), not ` + origin
	case strings.HasPrefix(value, origin+":"):
		why = "has a port that the origin " + origin + " does not have (browsers leave out the default port)"
	}
	return value + " " + why + "; browsers compare the two byte for byte"
}

func methodStep(c call, h http.Header) Step {
	values := h.Values(headers.AllowMethods)
	s := Step{Hop: c.hop, Phase: PhasePreflight, Check: "allow-methods", Result: Fail, Seen: seen(headers.AllowMethods, values)}
	listed, ok := tokenList(values)
	switch {
	case !ok:
		s.Detail = "not a comma-separated list of method names, so the browser fails the preflight"
		s.Fix = c.fix.methods(nil, c.method)
	case slices.Contains(listed, c.method):
		s.Result = Pass
		s.Detail = "lists " + c.method
	case methods.IsSafelisted(c.method):
		s.Result = Pass
		s.Detail = c.method + " needs no listing: GET, HEAD and POST are always allowed"
	case slices.Contains(listed, "*") && !c.credentials:
		s.Result = Pass
		s.Detail = "* allows any method without credentials"
	case slices.Contains(listed, "*"):
		s.Detail = "* counts only for requests without credentials, and " + c.method + " is not listed by name"
		s.Fix = c.fix.methods(listed, c.method)
	case containsFold(listed, c.method):
		s.Detail = fmt.Sprintf("does not list %s: methods are compared case-sensitively, and fetch() uppercases only DELETE, GET, HEAD, OPTIONS, POST and PUT, so %q is sent as %q", c.method, c.method, c.method)
		s.Fix = c.fix.methodCase(listed, c.method)
	default:
		s.Detail = "does not list " + c.method
		s.Fix = c.fix.methods(listed, c.method)
	}
	return s
}

func headersStep(c call, h http.Header) Step {
	values := h.Values(headers.AllowHeaders)
	s := Step{Hop: c.hop, Phase: PhasePreflight, Check: "allow-headers", Result: Fail, Seen: seen(headers.AllowHeaders, values)}
	names, ok := tokenList(values)
	if !ok {
		s.Detail = "not a comma-separated list of header names, so the browser fails the preflight"
		s.Fix = c.fix.headers(nil, headers.UnsafeNames(c.unsafe))
		return s
	}
	star := slices.Contains(names, "*")
	var missing, byStar []string
	for _, u := range c.unsafe {
		switch {
		case containsFold(names, u.Name):
		case star && !c.credentials && u.Name != "authorization":
			byStar = append(byStar, u.Name)
		default:
			missing = append(missing, u.Name)
		}
	}
	if len(missing) == 0 {
		s.Result = Pass
		s.Detail = "covers " + strings.Join(headers.UnsafeNames(c.unsafe), ", ")
		if len(byStar) > 0 {
			s.Detail += " (" + strings.Join(byStar, ", ") + " through *, which counts without credentials)"
		}
		return s
	}
	s.Detail = "does not cover " + strings.Join(missing, ", ")
	for _, m := range missing {
		if headers.IsCORSResponseHeader(m) {
			s.Detail += "; " + responseHeaderMistake(m)
		}
	}
	switch {
	case star && slices.Contains(missing, "authorization"):
		s.Detail += "; * never covers Authorization, which must be listed by name"
	case star && c.credentials:
		s.Detail += "; * counts only for requests without credentials"
	}
	s.Fix = c.fix.headers(names, missing)
	return s
}

func maxAgeStep(c call, h http.Header) (int, Step) {
	values := h.Values(headers.MaxAge)
	s := Step{Hop: c.hop, Phase: PhasePreflight, Check: "max-age", Result: Info, Seen: seen(headers.MaxAge, values)}
	if len(values) == 0 {
		s.Detail = fmt.Sprintf("absent, so browsers cache this answer for %d seconds", defaultMaxAge)
		return defaultMaxAge, s
	}
	n, err := strconv.ParseUint(strings.TrimSpace(values[0]), 10, 63) // digits only: no sign
	if len(values) > 1 || err != nil {
		s.Detail = fmt.Sprintf("not a number of seconds, so browsers use their default of %d seconds", defaultMaxAge)
		return defaultMaxAge, s
	}
	switch {
	case n == 0:
		s.Detail = "browsers do not cache this answer"
	case n > headers.MaxAgeCapChromium:
		s.Detail = fmt.Sprintf("browsers may cache this answer for %d seconds (Chromium caps it at %d, Firefox at %d)", n, headers.MaxAgeCapChromium, headers.MaxAgeCapFirefox)
	default:
		s.Detail = fmt.Sprintf("browsers may cache this answer for %d seconds", n)
	}
	return int(n), s
}

// readable returns the names of the response headers a script can read, and
// the names it cannot (leaving out the Access-Control-* headers): the
// CORS-safelisted response headers, plus those in
// Access-Control-Expose-Headers, where * means all without credentials.
func readable(h http.Header, credentials bool) (canRead, cannotRead []string) {
	exposed, ok := tokenList(h.Values(headers.ExposeHeaders))
	if !ok {
		exposed = nil
	}
	all := !credentials && slices.Contains(exposed, "*")
	for name := range h {
		switch {
		case headers.IsForbiddenResponseHeader(name):
			cannotRead = append(cannotRead, name)
		case all || headers.IsSafelistedResponseHeader(name) || containsFold(exposed, name):
			canRead = append(canRead, name)
		case !strings.HasPrefix(strings.ToLower(name), "access-control-"):
			cannotRead = append(cannotRead, name)
		}
	}
	sort.Strings(canRead)
	sort.Strings(cannotRead)
	return canRead, cannotRead
}

// exposeStep reports what the script can read from an allowed response.
func exposeStep(c call, h http.Header) Step {
	values := h.Values(headers.ExposeHeaders)
	canRead, cannotRead := readable(h, c.credentials)
	s := Step{Hop: c.hop, Phase: PhaseActual, Check: "expose-headers", Result: Info, Seen: seen(headers.ExposeHeaders, values)}
	s.Detail = "scripts can read " + listOrNone(canRead)
	if len(cannotRead) > 0 {
		s.Detail += "; not " + strings.Join(cannotRead, ", ")
	}
	exposed, _ := tokenList(values)
	if c.credentials && slices.Contains(exposed, "*") {
		s.Detail += " (* exposes every header only without credentials; here it names a header called *)"
	}
	var exposable []string
	for _, name := range cannotRead {
		if !headers.IsForbiddenResponseHeader(name) && !seldomRead[name] {
			exposable = append(exposable, name)
		}
	}
	if len(exposable) > 0 {
		s.Fix = c.fix.expose(exposed, exposable)
	}
	return s
}

// seldomRead are response headers that scripts have no use for, left out of
// the expose_headers fix.
var seldomRead = map[string]bool{
	"Alt-Svc": true, "Connection": true, "Date": true, "Keep-Alive": true,
	"Server": true, "Strict-Transport-Security": true, "Vary": true,
}

// tokenList parses header values as a comma-separated list of tokens, as
// Fetch's "extract header list values" does for the Access-Control-Allow-*
// and -Expose-Headers headers; ok is false when an element is not a token.
// Empty elements are skipped.
func tokenList(values []string) (list []string, ok bool) {
	for _, v := range values {
		for elem := range strings.SplitSeq(v, ",") {
			elem = strings.Trim(elem, " \t")
			if elem == "" {
				continue
			}
			if !httpguts.ValidHeaderFieldName(elem) {
				return nil, false
			}
			list = append(list, elem)
		}
	}
	return list, true
}

func containsFold(list []string, s string) bool {
	return slices.ContainsFunc(list, func(e string) bool { return strings.EqualFold(e, s) })
}

// seen shows a header as it arrived: "Name: value", one per line joined by
// " | ", or "no Name" when it is absent.
func seen(name string, values []string) string {
	if len(values) == 0 {
		return "no " + name
	}
	parts := make([]string, len(values))
	for i, v := range values {
		parts[i] = name + ": " + v
	}
	return strings.Join(parts, " | ")
}

func statusText(status int) string {
	if text := http.StatusText(status); text != "" {
		return fmt.Sprintf("%d %s", status, text)
	}
	return strconv.Itoa(status)
}

func isRedirect(status int) bool {
	switch status {
	case 301, 302, 303, 307, 308:
		return true
	}
	return false
}

func listOrNone(names []string) string {
	if len(names) == 0 {
		return "no headers"
	}
	return strings.Join(names, ", ")
}

// canonical writes a lowercase header name as people usually spell it.
func canonical(name string) string {
	return textproto.CanonicalMIMEHeaderKey(name)
}
