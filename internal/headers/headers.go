// Package headers validates header names and method tokens, and parses and
// checks the CORS Access-Control-Request-Headers request header. It knows
// nothing of Caddy.
package headers

// tokenSymbols are the bytes other than letters and digits that an RFC 9110
// token may hold.
const tokenSymbols = "!#$%&'*+-.^_`|~"

// TokenRule says what a token may hold, for messages about a bad method or
// header name: `%q is not a valid header name (` + TokenRule + `)`.
const TokenRule = "letters, digits and " + tokenSymbols + " only"

// tokenChars marks the bytes allowed in an RFC 9110 token (tchar).
var tokenChars = func() (t [256]bool) {
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	for c := 'a'; c <= 'z'; c++ {
		t[c] = true
		t[c-'a'+'A'] = true
	}
	for _, c := range tokenSymbols {
		t[c] = true
	}
	return t
}()

// IsToken reports whether s is a non-empty RFC 9110 token (tchar:
// "!#$%&'*+-.^_`|~", DIGIT, ALPHA). Header names and methods are tokens.
func IsToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !tokenChars[s[i]] {
			return false
		}
	}
	return true
}

// forbiddenRequest holds the WHATWG Fetch forbidden request-header names,
// apart from the "Proxy-" and "Sec-" prefixes.
var forbiddenRequest = NewSet([]string{
	"Accept-Charset",
	"Accept-Encoding",
	"Access-Control-Request-Headers",
	"Access-Control-Request-Method",
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
// this request header (WHATWG Fetch "forbidden request-header" names,
// including any name starting with "Proxy-" or "Sec-"), compared
// case-insensitively. Listing such a name as an allowed request header is a
// configuration mistake: it can never appear in a preflight.
func IsForbiddenRequestHeader(name string) bool {
	return forbiddenRequest.Contains(name) ||
		hasPrefixFold(name, "proxy-") ||
		hasPrefixFold(name, "sec-")
}

var forbiddenResponse = NewSet([]string{"Set-Cookie", "Set-Cookie2"})

// IsForbiddenResponseHeader reports whether browsers never expose this
// response header to scripts, whatever Access-Control-Expose-Headers says:
// Set-Cookie and Set-Cookie2, compared case-insensitively.
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
// response header without Access-Control-Expose-Headers (Fetch
// CORS-safelisted response-header names), compared case-insensitively.
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
