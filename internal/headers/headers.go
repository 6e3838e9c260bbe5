// Package headers holds what the WHATWG Fetch standard says about HTTP
// header names, for the handler and for cors-check alike: the CORS header
// names themselves (cors.go), which request headers a script cannot set or
// makes a preflight for (this file and safelist.go), which response headers
// a script can read, and how Access-Control-Request-Headers is parsed
// (request.go). Each fact is written once, with a link to the section of
// the standard it comes from. A header name is a token
// (golang.org/x/net/http/httpguts.ValidHeaderFieldName). It knows nothing
// of Caddy.
package headers

import (
	"strings"

	"github.com/seed-41134e10/caddy-cors/internal/methods"
)

// TokenRule says what a token (a header name or a method, RFC 9110
// section 5.6.2) may hold, for messages about a bad one:
// `%q is not a valid header name (` + TokenRule + `)`.
const TokenRule = "letters, digits and !#$%&'*+-.^_`|~ only"

// forbiddenRequest holds the forbidden request-header names
// (https://fetch.spec.whatwg.org/#forbidden-request-header), apart from the
// "Proxy-" and "Sec-" prefixes.
var forbiddenRequest = NewSet([]string{
	"Accept-Charset",
	"Accept-Encoding",
	RequestHeaders,
	RequestMethod,
	"Connection",
	"Content-Length",
	"Cookie",
	"Cookie2",
	"Date",
	"DNT",
	"Expect",
	"Host",
	"Keep-Alive",
	"Origin",
	"Referer",
	"Set-Cookie",
	"TE",
	"Trailer",
	"Transfer-Encoding",
	"Upgrade",
	"Via",
})

// IsForbiddenRequestHeader reports whether browsers never let scripts set
// this request header (a forbidden request-header,
// https://fetch.spec.whatwg.org/#forbidden-request-header): one of the
// names above or any name starting with "Proxy-" or "Sec-", compared
// case-insensitively, or a method-override header whose value names a
// forbidden method. value is the header's value, or "" where there is none
// (a name in a configuration). Listing such a name as an allowed request
// header is a configuration mistake: it can never appear in a preflight.
func IsForbiddenRequestHeader(name, value string) bool {
	if forbiddenRequest.Contains(name) || hasPrefixFold(name, "proxy-") || hasPrefixFold(name, "sec-") {
		return true
	}
	switch strings.ToLower(name) {
	case "x-http-method", "x-http-method-override", "x-method-override":
		for m := range strings.SplitSeq(value, ",") {
			if methods.IsForbidden(strings.Trim(m, " \t")) {
				return true
			}
		}
	}
	return false
}

var forbiddenResponse = NewSet([]string{"Set-Cookie", "Set-Cookie2"})

// IsForbiddenResponseHeader reports whether browsers never expose this
// response header to scripts, whatever Access-Control-Expose-Headers says
// (a forbidden response-header name,
// https://fetch.spec.whatwg.org/#forbidden-response-header-name): Set-Cookie
// and Set-Cookie2, compared case-insensitively.
func IsForbiddenResponseHeader(name string) bool {
	return forbiddenResponse.Contains(name)
}

var safelistedResponse = NewSet([]string{
	"Cache-Control",
	"Content-Language",
	"Content-Length",
	"Content-Type",
	"Expires",
	"Last-Modified",
	"Pragma",
})

// IsSafelistedResponseHeader reports whether scripts can always read this
// response header without Access-Control-Expose-Headers (a CORS-safelisted
// response-header name,
// https://fetch.spec.whatwg.org/#cors-safelisted-response-header-name),
// compared case-insensitively.
func IsSafelistedResponseHeader(name string) bool {
	return safelistedResponse.Contains(name)
}

// hasPrefixFold reports whether s starts with lowerPrefix, ignoring ASCII
// case. lowerPrefix must be lowercase.
func hasPrefixFold(s, lowerPrefix string) bool {
	return len(s) >= len(lowerPrefix) && equalFoldASCII(s[:len(lowerPrefix)], lowerPrefix)
}

// equalFoldASCII reports whether s equals lower, ignoring ASCII case only:
// unlike strings.EqualFold, the Kelvin sign "\u212a" does not match "k",
// because header names are ASCII tokens. lower must be lowercase.
func equalFoldASCII(s, lower string) bool {
	if len(s) != len(lower) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if toLowerASCII(s[i]) != lower[i] {
			return false
		}
	}
	return true
}

func toLowerASCII(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}
