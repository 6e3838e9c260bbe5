package origins

// MaxOriginLength is the longest Origin header value Parse and Set.Match
// look at, in bytes; longer values are refused without further work.
const MaxOriginLength = 512

// Origin is a request's Origin header value split into parts. The fields are
// substrings of the parsed value.
type Origin struct{ Scheme, Host, Port string }

// Parse parses a request Origin header value as browsers serialize it:
// scheme "://" host [":" port], all lowercase, without the scheme's default
// port. ok is false for anything else, including "null", uppercase, paths,
// empty labels, ports with leading zeros or above 65535, and values longer
// than MaxOriginLength: browsers never send those, so they cannot match a
// configured origin. Parse never allocates.
func Parse(s string) (o Origin, ok bool) {
	if len(s) > MaxOriginLength {
		return Origin{}, false
	}
	n := schemeLength(s)
	if n == 0 || len(s) < n+3 || s[n:n+3] != "://" {
		return Origin{}, false
	}
	o.Scheme = s[:n]
	rest := s[n+3:]
	n = hostLength(rest)
	if n == 0 {
		return Origin{}, false
	}
	o.Host, rest = rest[:n], rest[n:]
	if rest == "" {
		return o, true
	}
	if rest[0] != ':' || !validPort(rest[1:]) {
		return Origin{}, false
	}
	o.Port = rest[1:]
	if o.Port == DefaultPort(o.Scheme) {
		return Origin{}, false
	}
	return o, true
}

// schemeLength returns the length of the lowercase scheme that starts s.
func schemeLength(s string) int {
	if s == "" || !isLowerAlpha(s[0]) {
		return 0
	}
	i := 1
	for i < len(s) && (isLowerAlpha(s[i]) || isDigit(s[i]) || s[i] == '+' || s[i] == '-' || s[i] == '.') {
		i++
	}
	return i
}

// hostLength returns the length of the host that starts s, ending at ":" or
// at the end of s, or 0 when it is not a well-formed host.
func hostLength(s string) int {
	if s != "" && s[0] == '[' {
		return ipv6Length(s)
	}
	i := 0
	for ; i < len(s) && s[i] != ':'; i++ {
		if labelByte[s[i]] {
			continue
		}
		if s[i] != '.' || i == 0 || s[i-1] == '.' {
			return 0 // a byte no host has, or an empty label
		}
	}
	if i > 0 && s[i-1] == '.' {
		return 0 // trailing empty label
	}
	return i
}

// labelByte reports the bytes a label of a serialized host can have.
var labelByte = func() (t [256]bool) {
	for c := 'a'; c <= 'z'; c++ {
		t[c] = true
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	t['-'], t['_'] = true, true
	return t
}()

// ipv6Length returns the length of the bracketed IPv6 literal that starts s:
// lowercase hex digits, ":" and "." between brackets, with at least one ":".
func ipv6Length(s string) int {
	colon := false
	for i := 1; i < len(s); i++ {
		switch c := s[i]; {
		case c == ']':
			if !colon {
				return 0
			}
			return i + 1
		case c == ':':
			colon = true
		case !isDigit(c) && !('a' <= c && c <= 'f') && c != '.':
			return 0
		}
	}
	return 0
}

// validPort reports whether s is a port from 1 to 65535 without leading zeros.
func validPort(s string) bool {
	if s == "" || len(s) > 5 || s[0] == '0' {
		return false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
		n = n*10 + int(s[i]-'0')
	}
	return n <= 65535
}

func isLowerAlpha(c byte) bool { return 'a' <= c && c <= 'z' }
