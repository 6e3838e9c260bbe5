// Package methods holds what the WHATWG Fetch standard says about request
// methods, for the handler and for cors-check alike: which methods browsers
// normalize, send without a preflight, or never send. A method's syntax is
// a token (golang.org/x/net/http/httpguts.ValidHeaderFieldName). It knows
// nothing of Caddy.
package methods

import "strings"

// normalized are the methods browsers uppercase before sending (Fetch
// "normalize a method", https://fetch.spec.whatwg.org/#concept-method-normalize);
// any other method is sent exactly as the script wrote it.
var normalized = [...]string{"DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT"}

// Normalize returns the method as fetch() sends it: one of DELETE, GET,
// HEAD, OPTIONS, POST and PUT in uppercase, any other unchanged.
func Normalize(method string) string {
	for _, m := range normalized {
		if strings.EqualFold(method, m) {
			return m
		}
	}
	return method
}

// IsSafelisted reports whether a browser sends the method without a
// preflight (a CORS-safelisted method,
// https://fetch.spec.whatwg.org/#cors-safelisted-method): GET, HEAD or
// POST, byte for byte.
func IsSafelisted(method string) bool {
	return method == "GET" || method == "HEAD" || method == "POST"
}

// IsForbidden reports whether fetch() refuses to send the method at all (a
// forbidden method, https://fetch.spec.whatwg.org/#forbidden-method):
// CONNECT, TRACE or TRACK, in any case.
func IsForbidden(method string) bool {
	return strings.EqualFold(method, "CONNECT") || strings.EqualFold(method, "TRACE") || strings.EqualFold(method, "TRACK")
}
