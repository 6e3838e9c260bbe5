package fetch

import "strings"

// IsCORSRequestHeader reports whether name, in any case, is a header that
// only browsers send, in a preflight: Access-Control-Request-Method,
// -Headers and -Private-Network. No response carries them.
func IsCORSRequestHeader(name string) bool {
	const request = "access-control-request-"
	return len(name) > len(request) && strings.EqualFold(name[:len(request)], request)
}
