package headers

import "strings"

// The CORS response headers (https://fetch.spec.whatwg.org/#http-responses,
// and Private Network Access,
// https://wicg.github.io/private-network-access/#headers), in the canonical
// form Go uses for header map keys.
const (
	AllowOrigin         = "Access-Control-Allow-Origin"
	AllowCredentials    = "Access-Control-Allow-Credentials"
	AllowMethods        = "Access-Control-Allow-Methods"
	AllowHeaders        = "Access-Control-Allow-Headers"
	ExposeHeaders       = "Access-Control-Expose-Headers"
	MaxAge              = "Access-Control-Max-Age"
	AllowPrivateNetwork = "Access-Control-Allow-Private-Network"
)

// The CORS request headers, which only browsers send, in a preflight
// (https://fetch.spec.whatwg.org/#http-requests, and Private Network Access).
const (
	RequestMethod         = "Access-Control-Request-Method"
	RequestHeaders        = "Access-Control-Request-Headers"
	RequestPrivateNetwork = "Access-Control-Request-Private-Network"
)

// The longest time browsers cache a preflight answer, whatever
// Access-Control-Max-Age says (https://fetch.spec.whatwg.org/#http-access-control-max-age
// leaves the cap to them): Chromium's, in seconds, and Firefox's, the
// longest of all.
const (
	MaxAgeCapChromium = 7200
	MaxAgeCapFirefox  = 86400
)

// ResponseHeaderAsRequestHeader names the mistake of a script that sets a
// CORS response header, such as Access-Control-Allow-Origin, on its request:
// the server that answers sends those, and the browser only asks in a
// preflight whether the server allows a request header of that name. The
// handler's refusal reason and cors-check both say it in these words.
const ResponseHeaderAsRequestHeader = "a response header sent as a request header; remove it from the request"

// IsCORSResponseHeader reports whether name, in any case, is a header that
// only a server sends in answer to a CORS request: Access-Control-Allow-*
// (Origin, Credentials, Methods, Headers, Private-Network),
// Access-Control-Expose-Headers or Access-Control-Max-Age.
func IsCORSResponseHeader(name string) bool {
	const allow = "access-control-allow-"
	if len(name) > len(allow) && strings.EqualFold(name[:len(allow)], allow) {
		return true
	}
	return strings.EqualFold(name, ExposeHeaders) || strings.EqualFold(name, MaxAge)
}

// IsCORSRequestHeader reports whether name, in any case, is a header that
// only browsers send, in a preflight: Access-Control-Request-Method,
// -Headers and -Private-Network. No response carries them.
func IsCORSRequestHeader(name string) bool {
	const request = "access-control-request-"
	return len(name) > len(request) && strings.EqualFold(name[:len(request)], request)
}
