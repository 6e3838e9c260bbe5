package fetch

import "strings"

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
	return strings.EqualFold(name, "Access-Control-Expose-Headers") || strings.EqualFold(name, "Access-Control-Max-Age")
}
