// Package check does what a browser does for a cross-origin fetch() and
// explains each step: it decides whether a preflight is needed, sends the
// preflight and the request as a browser would, and checks the answers as
// the WHATWG Fetch standard says. It knows nothing of Caddy beyond writing
// fixes as cors directive lines when the server says it is Caddy.
package check

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"

	"golang.org/x/net/http/httpguts"

	"github.com/seed-41134e10/caddy-cors/internal/headers"
	"github.com/seed-41134e10/caddy-cors/internal/methods"
	"github.com/seed-41134e10/caddy-cors/internal/origins"
)

// Field is one request header as the script sets it.
type Field = headers.Field

// Request is one call as a script would make it with fetch().
type Request struct {
	URL         *url.URL
	Origin      string // the page's origin
	Method      string // as the script wrote it
	Header      []Field
	Body        []byte
	HasBody     bool
	Credentials bool // credentials: 'include'
	// Cookies are the cookies the browser has for the URL's host, sent with
	// the request itself (never with a preflight); only with Credentials.
	Cookies []Cookie
}

// Cookie is one cookie the browser has for the URL, as NAME=VALUE.
type Cookie struct {
	Name, Value string
}

// ParseURL checks a URL a script could fetch cross-origin.
func ParseURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("%q is not a URL: %v", raw, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("%q is not an http:// or https:// URL", raw)
	}
	if u.Host == "" {
		return nil, fmt.Errorf("%q has no host", raw)
	}
	if u.User != nil {
		return nil, fmt.Errorf("%q has user info (%q), which fetch() refuses; send an Authorization header instead", raw, u.User.String()+"@")
	}
	u.Fragment = ""
	return u, nil
}

// ParseOrigin checks an origin as browsers send it in the Origin header;
// "null" is what sandboxed and file:// pages send.
func ParseOrigin(s string) (string, error) {
	if s == "null" {
		return s, nil
	}
	if _, ok := origins.Parse(s); ok {
		return s, nil
	}
	if _, err := origins.ParsePattern(s); err != nil {
		return "", fmt.Errorf("--origin %v", err)
	}
	return "", fmt.Errorf("--origin %q is not an origin as browsers send it: scheme://host[:port], lowercase, without the default port", s)
}

// ParseHeader reads "Name: value" as a script would pass it to fetch().
func ParseHeader(line string) (Field, error) {
	name, value, ok := strings.Cut(line, ":")
	if !ok {
		return Field{}, fmt.Errorf("--header %q has no colon; write it as \"Name: value\"", line)
	}
	if !httpguts.ValidHeaderFieldName(name) {
		return Field{}, fmt.Errorf("--header %q: %q is not a valid header name (%s)", line, name, headers.TokenRule)
	}
	value = strings.Trim(value, " \t\r\n") // fetch() normalizes values this way
	if strings.ContainsAny(value, "\x00\r\n") {
		return Field{}, fmt.Errorf("--header %q: the value has a NUL, CR or LF byte, which fetch() refuses", line)
	}
	if !httpguts.ValidHeaderFieldValue(value) {
		// fetch() sends other control bytes; Go's HTTP client refuses them.
		i := strings.IndexFunc(value, func(r rune) bool { return r < ' ' && r != '\t' || r == 0x7f })
		return Field{}, fmt.Errorf("--header %q: the value has the control byte %#02x, which cors-check cannot send (fetch() would); leave it out", line, value[i])
	}
	return Field{Name: name, Value: value}, nil
}

// ParseMethod checks a method as fetch() would.
func ParseMethod(method string) error {
	if !httpguts.ValidHeaderFieldName(method) {
		return fmt.Errorf("--method %q is not a method name (%s)", method, headers.TokenRule)
	}
	if methods.IsForbidden(method) {
		return fmt.Errorf("--method %q: fetch() refuses to send %s", method, strings.ToUpper(method))
	}
	return nil
}

// ParseCookie reads --cookie NAME=VALUE: a cookie-name and a cookie-value as
// RFC 6265 writes them, so that the Cookie header is one a browser could
// send.
func ParseCookie(s string) (Cookie, error) {
	name, value, ok := strings.Cut(s, "=")
	switch {
	case !ok:
		return Cookie{}, fmt.Errorf("--cookie %q has no \"=\"; write it as NAME=VALUE, such as --cookie session=abc123", s)
	case !httpguts.ValidHeaderFieldName(name):
		return Cookie{}, fmt.Errorf("--cookie %q: %q is not a cookie name (%s); write it as NAME=VALUE", s, name, headers.TokenRule)
	}
	inner := value
	if len(value) >= 2 && value[0] == '"' && value[len(value)-1] == '"' {
		inner = value[1 : len(value)-1]
	}
	for i := 0; i < len(inner); i++ {
		if !isCookieOctet(inner[i]) {
			return Cookie{}, fmt.Errorf("--cookie %q: the value has the byte %q, which a cookie value cannot have (no space, \", comma, semicolon, backslash or control byte); percent-encode it, as servers usually do", s, inner[i])
		}
	}
	return Cookie{Name: name, Value: value}, nil
}

// isCookieOctet reports whether c may be in a cookie value (RFC 6265
// cookie-octet): printable US-ASCII without space, '"', ',', ';' and '\\'.
func isCookieOctet(c byte) bool {
	return 0x21 <= c && c <= 0x7e && c != '"' && c != ',' && c != ';' && c != '\\'
}

// cookieHeader is the Cookie header a browser sends with these cookies.
func cookieHeader(cookies []Cookie) string {
	pairs := make([]string, len(cookies))
	for i, c := range cookies {
		pairs[i] = c.Name + "=" + c.Value
	}
	return strings.Join(pairs, "; ")
}

// ReadData reads --data: "@file" reads the file, anything else is the body.
func ReadData(data string) ([]byte, error) {
	name, ok := strings.CutPrefix(data, "@")
	if !ok {
		return []byte(data), nil
	}
	if name == "" {
		return nil, errors.New("--data @ needs a file name after @")
	}
	body, err := os.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("--data: %v", err)
	}
	return body, nil
}

// Validate checks what fetch() itself would refuse.
func (r *Request) Validate() error {
	m := methods.Normalize(r.Method)
	if r.HasBody && (m == "GET" || m == "HEAD") {
		return fmt.Errorf("fetch() refuses a body with %s; use --method POST or another method", m)
	}
	if len(r.Cookies) > 0 && !r.Credentials {
		return errors.New("--cookie needs --credentials: a browser sends cookies with a cross-origin fetch() only with credentials: 'include'")
	}
	return nil
}
