// Package fetch holds the WHATWG Fetch standard's definitions that CORS
// depends on, for the handler and for cors-check alike: which methods
// browsers normalize, send without a preflight or never send; which request
// headers a script cannot set or makes a preflight for; which headers only a
// server sends in answer to CORS; how an origin is written and when its host
// is loopback; and which URLs are the same site for cookies (the HTML
// standard's "site", by the Public Suffix List). Header-name syntax and the
// lists of forbidden and safelisted header names are in package headers,
// which this builds on. It knows nothing of Caddy.
package fetch

import "strings"

// normalizedMethods are the methods browsers uppercase before sending (Fetch
// "normalize a method"); any other method is sent exactly as the script
// wrote it.
var normalizedMethods = [...]string{"DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT"}

// NormalizeMethod returns the method as fetch() sends it: one of DELETE,
// GET, HEAD, OPTIONS, POST and PUT in uppercase, any other unchanged.
func NormalizeMethod(method string) string {
	for _, m := range normalizedMethods {
		if strings.EqualFold(method, m) {
			return m
		}
	}
	return method
}

// IsSafelistedMethod reports whether a browser sends the method without a
// preflight (a CORS-safelisted method): GET, HEAD or POST, byte for byte.
func IsSafelistedMethod(method string) bool {
	return method == "GET" || method == "HEAD" || method == "POST"
}

// IsForbiddenMethod reports whether fetch() refuses to send the method at
// all: CONNECT, TRACE or TRACK, in any case.
func IsForbiddenMethod(method string) bool {
	return strings.EqualFold(method, "CONNECT") || strings.EqualFold(method, "TRACE") || strings.EqualFold(method, "TRACK")
}
