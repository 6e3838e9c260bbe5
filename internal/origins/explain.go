package origins

import (
	"cmp"
	"fmt"
	"strings"
)

// A flaw is why ParsePattern refuses a value. parse and notCanonical only
// find it; explain, which runs only once ParsePattern has failed, parses
// again to work out the suggestion.
type flaw struct {
	msg    string // what is wrong, worded to follow the quoted value
	mended string // the value with this flaw mended, if there is one: the message suggests its canonical form
	lead   string // the words before the suggestion, if not "write"
}

func flawf(format string, args ...any) *flaw {
	return &flaw{msg: fmt.Sprintf(format, args...)}
}

// noScheme is the flaw of a value without "://" (or with it only after a
// path); explain works out what the value lacks.
var noScheme = flawf(`is not an origin; write a scheme, "://" and a host, as in "https://app.example.com"`)

// explain words f as the error for s, ending with the canonical form of
// the mended value when it has one.
func (f *flaw) explain(s string) error {
	if f == noScheme {
		return missingSchemeError(s)
	}
	if f.mended != "" {
		if p, ok := canonical(f.mended); ok {
			return fmt.Errorf("%q %s; %s %q", s, f.msg, cmp.Or(f.lead, "write"), p.String())
		}
	}
	return fmt.Errorf("%q %s", s, f.msg)
}

// canonical returns the pattern s stands for, written canonically or not.
func canonical(s string) (Pattern, bool) {
	_, p, f := parse(s)
	return p, f == nil
}

// missingSchemeError explains a value without "://": a bare host, a host
// and port, or a scheme missing its "//".
func missingSchemeError(s string) error {
	scheme, after, found := strings.Cut(s, ":")
	switch strings.ToLower(scheme) {
	case "data", "about", "file", "javascript":
		if found {
			return fmt.Errorf(`%q is not an origin: pages from %s: URLs have an opaque origin, and browsers send "Origin: null" for them, which no policy can allow safely (any site can make such a page); serve the page from an http(s) origin and list that`, s, strings.ToLower(scheme))
		}
	}
	portLike := after != "" && (isDigit(after[0]) || after[0] == '*')
	if found && validScheme(scheme) && !portLike {
		if p, ok := canonical(scheme + "://" + strings.TrimLeft(after, "/")); ok {
			return fmt.Errorf(`%q is missing "//" after %q; write %q`, s, scheme+":", p.String())
		}
	}
	authority := strings.TrimPrefix(s, "//")
	if p, ok := canonical("https://" + authority); ok {
		if p.IsLoopback() {
			// Local development servers speak plain http; parsing again
			// puts the port right for it.
			p, _ = canonical("http://" + authority)
		}
		return fmt.Errorf("%q has no scheme; write %q", s, p.String())
	}
	return fmt.Errorf("%q %s", s, noScheme.msg)
}

// notCanonical words each way in which r is not written as its canonical
// form p.
func (r rawPattern) notCanonical(p Pattern) *flaw {
	var phrases []string
	if r.scheme != p.Scheme {
		phrases = append(phrases, "an uppercase scheme")
	}
	switch {
	case r.host == p.Host:
	case p.Host[0] == '[':
		phrases = append(phrases, "an IPv6 address not in canonical form")
	case endsInNumber(p.Host):
		phrases = append(phrases, "an IPv4 address not written as four decimal numbers")
	case !isASCII(r.host):
		phrases = append(phrases, "a non-ASCII host, which browsers send as punycode")
	default:
		phrases = append(phrases, "an uppercase host")
	}
	switch {
	case !r.hasPort:
	case r.port == "":
		phrases = append(phrases, `an empty port after ":"`)
	case r.port != p.Port:
		port := strings.TrimLeft(r.port, "0")
		if port != r.port {
			phrases = append(phrases, "a port with leading zeros")
		}
		if p.Port == "" {
			phrases = append(phrases, fmt.Sprintf("the default port for %s (%s) written out", p.Scheme, port))
		}
	}
	return &flaw{msg: "has " + joinPhrases(phrases), mended: r.String()}
}

// joinPhrases joins phrases as English: "a", "a and b", "a, b and c".
func joinPhrases(phrases []string) string {
	if len(phrases) == 1 {
		return phrases[0]
	}
	return strings.Join(phrases[:len(phrases)-1], ", ") + " and " + phrases[len(phrases)-1]
}
