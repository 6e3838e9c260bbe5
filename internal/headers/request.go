package headers

import (
	"errors"
	"strings"

	"golang.org/x/net/http/httpguts"
)

// Limits on Access-Control-Request-Headers, beyond which a preflight is
// refused without further work. Browsers send a few short names; these
// bounds leave ample room while capping the work an attacker can cause.
const (
	MaxRequestBytes = 4096 // total bytes across all header lines
	MaxRequestNames = 64   // names, counting duplicates
)

var (
	// ErrTooLarge reports Access-Control-Request-Headers over MaxRequestBytes
	// or MaxRequestNames.
	ErrTooLarge = errors.New("headers: Access-Control-Request-Headers is too large")
	// ErrMalformed reports an element of Access-Control-Request-Headers that
	// is not a header name (token), such as "x foo", "x\x00" or "é".
	ErrMalformed = errors.New("headers: Access-Control-Request-Headers has an element that is not a header name")
)

// CheckRequest checks the values of Access-Control-Request-Headers against
// allowed. Each value is one header line: a comma-separated list of header
// names with optional whitespace (SP/HTAB) around them. Empty elements, as in
// "a,,b", a trailing comma or an all-empty value, are skipped, as RFC 9110
// asks recipients of lists to do. A nil allowed allows any valid name, so
// only syntax and limits are checked.
//
// It returns ErrTooLarge or ErrMalformed for bad input; bad input anywhere
// wins over a name that is not allowed. Otherwise it returns the first
// requested name, as written in values, that allowed does not contain, or ""
// when every name is allowed.
//
// The size limit is checked before any parsing, so an oversized value costs
// O(len(values)); CheckRequest never allocates.
func CheckRequest(values []string, allowed *Set) (notAllowed string, err error) {
	size := 0
	for _, v := range values {
		size += len(v)
		if size > MaxRequestBytes {
			return "", ErrTooLarge
		}
	}
	names := 0
	for _, v := range values {
		for v != "" {
			var elem string
			if i := strings.IndexByte(v, ','); i >= 0 {
				elem, v = v[:i], v[i+1:]
			} else {
				elem, v = v, ""
			}
			elem = trimOWS(elem)
			if elem == "" {
				continue
			}
			if !httpguts.ValidHeaderFieldName(elem) {
				return "", ErrMalformed
			}
			names++
			if names > MaxRequestNames {
				return "", ErrTooLarge
			}
			if notAllowed == "" && allowed != nil && !allowed.Contains(elem) {
				notAllowed = elem
			}
		}
	}
	return notAllowed, nil
}

// trimOWS removes RFC 9110 optional whitespace (SP and HTAB) from both ends.
func trimOWS(s string) string {
	for s != "" && (s[0] == ' ' || s[0] == '\t') {
		s = s[1:]
	}
	for s != "" && (s[len(s)-1] == ' ' || s[len(s)-1] == '\t') {
		s = s[:len(s)-1]
	}
	return s
}
