package cors

import (
	"net/http"
	"strings"

	"golang.org/x/net/http/httpguts"

	"github.com/seed-41134e10/caddy-cors/internal/headers"
	"github.com/seed-41134e10/caddy-cors/internal/methods"
	"github.com/seed-41134e10/caddy-cors/internal/origins"
)

// The decision for one request: from a compiled policy and the request's
// headers to a grant (the CORS response headers to send) and an outcome.
// Nothing here knows Caddy; decide_test.go tests it without a server.

// The CORS response headers, as indexes into a grant (prefixed "ac" for
// Access-Control-, so that they read apart from the policy's fields of the
// same names: g[acAllowMethods] = p.allowMethods).
const (
	acAllowOrigin = iota
	acAllowCredentials
	acExposeHeaders
	acAllowMethods
	acAllowHeaders
	acMaxAge
	acAllowPrivateNetwork
	numResponseHeaders
)

// responseHeaders are the names of the CORS response headers, in the
// canonical form Go uses for header map keys.
var responseHeaders = [numResponseHeaders]string{
	acAllowOrigin:         headers.AllowOrigin,
	acAllowCredentials:    headers.AllowCredentials,
	acExposeHeaders:       headers.ExposeHeaders,
	acAllowMethods:        headers.AllowMethods,
	acAllowHeaders:        headers.AllowHeaders,
	acMaxAge:              headers.MaxAge,
	acAllowPrivateNetwork: headers.AllowPrivateNetwork,
}

// A grant is a handler's whole decision for one response: the value of
// every CORS response header, "" where the header must be absent. Its
// strings may be shared between requests (strings are immutable); the
// header value slices that carry them are made for each response.
type grant [numResponseHeaders]string

// noGrant grants nothing: every CORS response header must be absent.
var noGrant grant

// An outcome says whether a CORS request got a grant and, if not, why.
type outcome uint8

const (
	allowed outcome = iota
	malformedOrigin
	originNotAllowed
	malformedMethod
	methodNotAllowed
	malformedHeaders
	headersTooLarge
	headerNotAllowed
	responseHeaderRequested // a header not allowed that is a CORS response header
	numOutcomes
)

// Why a request was refused, as the debug log says it.
var refusalReason = [numOutcomes]string{
	malformedOrigin:         "malformed origin",
	originNotAllowed:        "origin not allowed",
	malformedMethod:         "malformed " + headers.RequestMethod,
	methodNotAllowed:        "method not allowed",
	malformedHeaders:        "malformed " + headers.RequestHeaders,
	headersTooLarge:         headers.RequestHeaders + " too large",
	headerNotAllowed:        "header not allowed",
	responseHeaderRequested: "header is " + headers.ResponseHeaderAsRequestHeader,
}

// decideActual decides an actual (non-preflight) request with these Origin
// header values (none: not a CORS request, and no grant unless any origin
// is allowed, whose answer is the same for all), into g, which must be
// empty: a refusal leaves it so. The grant is written where the handler
// keeps it for the response rather than returned, which saves a copy of it
// per request. observed (something logs or counts refusals) asks to tell a
// malformed origin from one that is not allowed, which costs a parse. No
// allocation.
func (p *policy) decideActual(g *grant, origin []string, observed bool) outcome {
	if p.anyOrigin {
		*g = p.anyOriginGrant
		return allowed
	}
	value, out := p.matchOrigin(origin, observed)
	if out != allowed {
		return out
	}
	g[acAllowOrigin] = value
	g[acAllowCredentials] = p.allowCredentials
	g[acExposeHeaders] = p.exposeHeaders
	return allowed
}

// matchOrigin returns the Access-Control-Allow-Origin value for a request
// with these Origin header values, or why there is none.
func (p *policy) matchOrigin(origin []string, observed bool) (string, outcome) {
	if len(origin) != 1 {
		return "", malformedOrigin
	}
	o := origin[0]
	if p.origins.Match(o) {
		return o, allowed
	}
	if len(p.regexps) == 0 && !observed {
		return "", originNotAllowed
	}
	if _, wellFormed := origins.Parse(o); !wellFormed {
		return "", malformedOrigin
	}
	for _, re := range p.regexps {
		if re.MatchString(o) {
			return o, allowed
		}
	}
	return "", originNotAllowed
}

// decidePreflight decides a preflight from its request headers req, whose
// Origin and Access-Control-Request-Method values the handler has looked
// up already, into g, which must be empty: a refused preflight leaves it
// so. detail names the method or header a preflight is refused for, if any.
func (p *policy) decidePreflight(g *grant, origin, method []string, req http.Header, observed bool) (out outcome, detail string) {
	allowOriginValue, credentials := "*", ""
	if p.anyOrigin {
		if len(origin) != 1 {
			return malformedOrigin, ""
		}
	} else {
		value, out := p.matchOrigin(origin, observed)
		if out != allowed {
			return out, ""
		}
		allowOriginValue, credentials = value, p.allowCredentials
	}

	if len(method) != 1 || !httpguts.ValidHeaderFieldName(method[0]) {
		return malformedMethod, ""
	}
	m := method[0]
	allowedMethods := p.allowMethods
	switch {
	case allowedMethods == "": // any method, echoed because credentials rule out "*"
		allowedMethods = m
	case p.anyMethod || methods.IsSafelisted(m):
	default:
		if _, ok := p.methods[m]; !ok {
			return methodNotAllowed, m
		}
	}

	allowHeadersValue := ""
	if requested := req[headers.RequestHeaders]; len(requested) > 0 {
		notAllowed, err := headers.CheckRequest(requested, p.requestHeaders)
		switch {
		case err == headers.ErrTooLarge:
			return headersTooLarge, ""
		case err != nil:
			return malformedHeaders, ""
		case notAllowed != "" && headers.IsCORSResponseHeader(notAllowed):
			return responseHeaderRequested, notAllowed
		case notAllowed != "":
			return headerNotAllowed, notAllowed
		case p.allowHeaders != "":
			allowHeadersValue = p.allowHeaders
		default:
			// Any header: echo the (now validated) request, because a literal
			// "*" covers neither Authorization nor credentialed requests.
			allowHeadersValue = requestedHeaders(requested)
		}
	}

	g[acAllowOrigin] = allowOriginValue
	g[acAllowCredentials] = credentials
	g[acAllowMethods] = allowedMethods
	g[acAllowHeaders] = allowHeadersValue
	g[acMaxAge] = p.maxAge
	if p.privateNetwork {
		if v := req[headers.RequestPrivateNetwork]; len(v) == 1 && v[0] == "true" {
			g[acAllowPrivateNetwork] = "true"
		}
	}
	return allowed, ""
}

// requestedHeaders returns the requested header list as one value, or ""
// when it names no header at all.
func requestedHeaders(requested []string) string {
	value := requested[0]
	if len(requested) > 1 {
		value = strings.Join(requested, ",")
	}
	if strings.Trim(value, ", \t") == "" {
		return ""
	}
	return value
}
