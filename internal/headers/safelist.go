package headers

import (
	"fmt"
	"sort"
	"strings"

	"golang.org/x/net/http/httpguts"
)

// Limits on safelisted request-header values.
const (
	maxSafelistedValue = 128  // bytes in one value
	maxSafelistedTotal = 1024 // bytes across all safelisted values
)

// Field is one request header as the script sets it.
type Field struct {
	Name, Value string
}

// NotSafelistedName is the reason for any header other than Accept,
// Accept-Language, Content-Language, Content-Type and Range.
const NotSafelistedName = "is not a CORS-safelisted request header"

// safelistProblem says why a header is not a CORS-safelisted request-header
// (https://fetch.spec.whatwg.org/#cors-safelisted-request-header),
// or returns "" when it is one (ignoring the 1024-byte total, which depends
// on the other headers).
func safelistProblem(f Field) string {
	name := strings.ToLower(f.Name)
	switch name {
	case "accept", "accept-language", "content-language", "content-type", "range":
	default:
		return NotSafelistedName
	}
	if len(f.Value) > maxSafelistedValue {
		return fmt.Sprintf("has a value of %d bytes; safelisted values have at most %d", len(f.Value), maxSafelistedValue)
	}
	switch name {
	case "accept":
		if b, ok := unsafeByte(f.Value); ok {
			return fmt.Sprintf("has the byte %q, which is not allowed in a safelisted value", b)
		}
	case "accept-language", "content-language":
		for i := 0; i < len(f.Value); i++ {
			if !isLanguageByte(f.Value[i]) {
				return fmt.Sprintf("has the byte %q; safelisted language values contain only letters, digits, space and *,-.;=", f.Value[i])
			}
		}
	case "content-type":
		if b, ok := unsafeByte(f.Value); ok {
			return fmt.Sprintf("has the byte %q, which is not allowed in a safelisted value", b)
		}
		essence, ok := mimeEssence(f.Value)
		if !ok {
			return fmt.Sprintf("value %q is not a MIME type", f.Value)
		}
		switch essence {
		case "application/x-www-form-urlencoded", "multipart/form-data", "text/plain":
		default:
			return fmt.Sprintf("value %q is not application/x-www-form-urlencoded, multipart/form-data or text/plain", f.Value)
		}
	case "range":
		if !isSimpleRange(f.Value) {
			return fmt.Sprintf("value %q is not a single range of the form bytes=N- or bytes=N-M", f.Value)
		}
	}
	return ""
}

// unsafeByte finds a CORS-unsafe request-header byte: a control byte other
// than tab, or one of "():<>?@[\]{} and DEL.
func unsafeByte(v string) (byte, bool) {
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c < 0x20 && c != '\t' || c == 0x7f || strings.IndexByte(`"():<>?@[\]{}`, c) >= 0 {
			return c, true
		}
	}
	return 0, false
}

func isLanguageByte(c byte) bool {
	return '0' <= c && c <= '9' || 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' ||
		strings.IndexByte(" *,-.;=", c) >= 0
}

// mimeEssence parses a MIME type as the WHATWG MIME Sniffing standard does,
// far enough to get its essence (lowercase type "/" subtype); parameters
// never make parsing fail.
func mimeEssence(v string) (string, bool) {
	v = strings.Trim(v, " \t\r\n")
	slash := strings.IndexByte(v, '/')
	if slash < 0 {
		return "", false
	}
	typ, rest := v[:slash], v[slash+1:]
	sub := rest
	if semi := strings.IndexByte(rest, ';'); semi >= 0 {
		sub = rest[:semi]
	}
	sub = strings.TrimRight(sub, " \t\r\n")
	if !httpguts.ValidHeaderFieldName(typ) || !httpguts.ValidHeaderFieldName(sub) {
		return "", false
	}
	return strings.ToLower(typ + "/" + sub), true
}

// isSimpleRange reports whether v is "bytes=" start "-" [end], with no white
// space and start <= end: Fetch's "parse a single range header value" without
// white space, and with a start, which is what browsers send.
func isSimpleRange(v string) bool {
	rest, ok := strings.CutPrefix(v, "bytes=")
	if !ok {
		return false
	}
	start, end, ok := strings.Cut(rest, "-")
	if !ok || start == "" || !allDigits(start) || !allDigits(end) {
		return false
	}
	if end == "" {
		return true
	}
	return compareDecimal(start, end) <= 0
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// compareDecimal compares two strings of digits of any length as numbers.
func compareDecimal(a, b string) int {
	a, b = strings.TrimLeft(a, "0"), strings.TrimLeft(b, "0")
	if len(a) != len(b) {
		return len(a) - len(b)
	}
	return strings.Compare(a, b)
}

// UnsafeHeader is a request header that makes a preflight necessary.
type UnsafeHeader struct {
	Name   string // lowercase, as sent in Access-Control-Request-Headers
	Reason string
}

// UnsafeHeaders returns the CORS-unsafe request-header names of fields
// (which must not hold forbidden headers), sorted and lowercased, each with
// the reason it is unsafe. A header that is safelisted on its own becomes
// unsafe when all safelisted values together exceed 1024 bytes.
func UnsafeHeaders(fields []Field) []UnsafeHeader {
	reasons := map[string]string{}
	var potentially []string
	total := 0
	for _, f := range fields {
		name := strings.ToLower(f.Name)
		if problem := safelistProblem(f); problem != "" {
			if _, seen := reasons[name]; !seen {
				reasons[name] = problem
			}
			continue
		}
		potentially = append(potentially, name)
		total += len(f.Value)
	}
	if total > maxSafelistedTotal {
		for _, name := range potentially {
			if _, seen := reasons[name]; !seen {
				reasons[name] = fmt.Sprintf("is safelisted on its own, but the safelisted values add up to %d bytes, over the %d-byte limit", total, maxSafelistedTotal)
			}
		}
	}
	unsafe := make([]UnsafeHeader, 0, len(reasons))
	for name, reason := range reasons {
		unsafe = append(unsafe, UnsafeHeader{Name: name, Reason: reason})
	}
	sort.Slice(unsafe, func(i, j int) bool { return unsafe[i].Name < unsafe[j].Name })
	return unsafe
}

// UnsafeNames returns the names of unsafe, in order.
func UnsafeNames(unsafe []UnsafeHeader) []string {
	names := make([]string, len(unsafe))
	for i, u := range unsafe {
		names[i] = u.Name
	}
	return names
}

// RequestHeadersValue is the Access-Control-Request-Headers value a browser
// sends: the unsafe names, comma-joined without spaces.
func RequestHeadersValue(unsafe []UnsafeHeader) string {
	return strings.Join(UnsafeNames(unsafe), ",")
}
