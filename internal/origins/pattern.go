// Package origins parses the origins a CORS policy lists (strictly, with
// messages that say the fix), parses request Origin headers (cheaply), and
// matches one against the other without allocating.
package origins

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/idna"
)

// Pattern is one validated, canonical entry of a CORS origins list. It is
// never "*": the caller handles "*" on its own.
type Pattern struct {
	Scheme   string // lowercase, e.g. "https", "http", "capacitor", "chrome-extension"
	Host     string // canonical host: lowercase ASCII/punycode domain, IPv4 dotted quad, or IPv6 in brackets "[::1]"; for a wildcard, the parent domain after "*."
	Port     string // "" = the scheme's default/no port, decimal digits, or "*" = any port (including none)
	Wildcard bool   // "https://*.example.com": one or more labels before Host, on a dot boundary, never Host itself
}

// String returns the canonical text of p, e.g. "https://*.example.com:*".
// For a pattern that matches one origin exactly, it is that origin as
// browsers serialize it.
func (p Pattern) String() string {
	s := p.Scheme + "://"
	if p.Wildcard {
		s += "*."
	}
	s += p.Host
	if p.Port != "" {
		s += ":" + p.Port
	}
	return s
}

// IsLoopback reports whether p's host is localhost, *.localhost (wildcard or
// not), in 127.0.0.0/8, or [::1]: hosts that never leave the machine.
func (p Pattern) IsLoopback() bool {
	if p.Host == "localhost" || strings.HasSuffix(p.Host, ".localhost") || p.Host == "[::1]" {
		return true
	}
	if p.Wildcard {
		return false
	}
	a, err := netip.ParseAddr(p.Host)
	return err == nil && a.Is4() && a.IsLoopback()
}

// IsInsecure reports whether p is plain http to a host other than loopback,
// so anyone on the network path can impersonate it.
func (p Pattern) IsInsecure() bool {
	return p.Scheme == "http" && !p.IsLoopback()
}

// PublicSuffixUnder reports whether p is a wildcard that matches names under
// which anyone can register a site, and names the public suffix found:
//   - p's parent is itself a public suffix ("*.github.io", "*.co.uk", "*.com",
//     and "*.internal" by the list's default rule "*"): suffix is the parent,
//     "github.io";
//   - or a Public Suffix List rule makes a public suffix of some name below
//     the parent ("*.kobe.jp" has the rule "*.kobe.jp", "*.amazonaws.com" the
//     rule "s3.amazonaws.com" and more): suffix is that rule as the list
//     writes it, the plainest one (fewest labels, then shortest).
//
// "*.city.kobe.jp" is not one: the exception rule "!city.kobe.jp" makes
// city.kobe.jp registrable. "*.localhost" is not one either: localhost is
// loopback, not registrable, although the default rule would call it a suffix.
// The first call builds an index of the list (BenchmarkSuffixListBuild).
func (p Pattern) PublicSuffixUnder() (suffix string, ok bool) {
	if !p.Wildcard || p.IsLoopback() {
		return "", false
	}
	list := publicSuffixList()
	if s, _ := list.publicSuffix(p.Host); s == p.Host {
		return p.Host, true
	}
	return list.suffixBelow(p.Host)
}

// IsPublicSuffixWildcard reports whether p is a wildcard over a public suffix
// ("*.github.io", "*.co.uk", "*.com"). It checks only p's parent.
//
// Deprecated: use PublicSuffixUnder, which also finds suffix rules below the
// parent ("*.r.appspot.com", "*.kobe.jp", "*.amazonaws.com").
func (p Pattern) IsPublicSuffixWildcard() bool {
	if !p.Wildcard || p.IsLoopback() {
		return false
	}
	s, _ := publicSuffixList().publicSuffix(p.Host)
	return s == p.Host
}

// hostProfile canonicalizes domain names as browsers do (UTS #46
// non-transitional, as in the WHATWG URL standard): lowercase, map, punycode.
// Underscores and the hyphen rules are relaxed because browsers accept such
// hosts; other ASCII is checked by validDomainByte. Lengths are checked by
// parseDomain, for clearer messages.
var hostProfile = idna.New(
	idna.MapForLookup(),
	idna.Transitional(false),
	idna.StrictDomainName(false), // after MapForLookup, which turns it on
	idna.CheckHyphens(false),
	idna.CheckJoiners(true),
	idna.BidiRule(),
	idna.VerifyDNSLength(false),
)

const (
	maxHostLength  = 253
	maxLabelLength = 63
)

const wildcardExample = "*.example.com"

// ParsePattern parses one configured origin. A value that is valid but not
// written as browsers send it is refused too, with the canonical form in the
// message, so the configuration says exactly what is matched. The error text
// is a complete sentence that quotes s and says the fix.
func ParsePattern(s string) (Pattern, error) {
	p, fixes, err := parsePattern(s)
	if err != nil {
		return Pattern{}, err
	}
	if len(fixes) > 0 {
		return Pattern{}, fmt.Errorf("%q has %s; write %q", s, joinPhrases(fixes), p.String())
	}
	if c := p.String(); c != s {
		// Unreachable if every difference is reported as a fix; kept so a
		// pattern is never accepted in a form other than its canonical one.
		return Pattern{}, fmt.Errorf("%q is not in canonical form; write %q", s, c)
	}
	return p, nil
}

// suggest returns the canonical form of s when s has no error other than
// not being canonical, or "" when there is nothing valid to suggest.
func suggest(s string) string {
	p, _, err := parsePattern(s)
	if err != nil {
		return ""
	}
	return p.String()
}

// withFix ends msg with "; write <fix>" when there is a fix to show.
func withFix(msg, fix string) error {
	if fix == "" {
		return errors.New(msg)
	}
	return fmt.Errorf("%s; write %q", msg, fix)
}

// parsePattern parses s leniently where browsers would canonicalize it:
// fixes lists, as phrases that follow "has", every way in which s is not
// canonical. err is for what cannot be a configured origin at all.
func parsePattern(s string) (p Pattern, fixes []string, err error) {
	if err := checkWhole(s); err != nil {
		return Pattern{}, nil, err
	}
	rawScheme, rest, ok := strings.Cut(s, "://")
	if !ok || strings.ContainsAny(rawScheme, "/?#@") {
		return Pattern{}, nil, missingSchemeError(s)
	}
	scheme, schemeFixes, err := parseScheme(s, rawScheme, rest)
	if err != nil {
		return Pattern{}, nil, err
	}
	fixes = append(fixes, schemeFixes...)

	authority, tail := rest, ""
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		authority, tail = rest[:i], rest[i:]
	}
	if tail != "" {
		return Pattern{}, nil, tailError(s, rawScheme+"://"+authority, tail)
	}
	if i := strings.LastIndexByte(authority, '@'); i >= 0 {
		return Pattern{}, nil, withFix(
			fmt.Sprintf("%q has user info (%q) before the host, which an origin never has", s, authority[:i+1]),
			suggest(rawScheme+"://"+authority[i+1:]))
	}

	rawHost, rawPort, hasPort, err := splitHostPort(s, rawScheme, authority)
	if err != nil {
		return Pattern{}, nil, err
	}
	wildcard, rawHost, err := cutWildcard(s, rawScheme, rawHost)
	if err != nil {
		return Pattern{}, nil, err
	}
	host, isIP, hostFixes, err := parseHost(s, rawHost, wildcard, func(wildcard bool, host string) string {
		return rebuild(rawScheme, wildcard, host, rawPort, hasPort)
	})
	if err != nil {
		return Pattern{}, nil, err
	}
	if wildcard && isIP {
		msg := fmt.Sprintf("%q puts a wildcard in front of an IP address, which has no subdomains", s)
		if fix := suggest(rebuild(rawScheme, false, rawHost, rawPort, hasPort)); fix != "" {
			msg += fmt.Sprintf("; to allow the address itself, write %q", fix)
		}
		return Pattern{}, nil, errors.New(msg)
	}
	fixes = append(fixes, hostFixes...)
	port, portFixes, err := parsePort(s, scheme, rawPort, hasPort)
	if err != nil {
		return Pattern{}, nil, err
	}
	fixes = append(fixes, portFixes...)

	p = Pattern{Scheme: scheme, Host: host, Port: port, Wildcard: wildcard}
	if n := len(p.String()); n > MaxOriginLength {
		return Pattern{}, nil, fmt.Errorf("%q is %d bytes long; request origins longer than %d bytes are refused, so it could never match", s, n, MaxOriginLength)
	}
	return p, fixes, nil
}

// rebuild reassembles a pattern from raw parts, for suggestions.
func rebuild(scheme string, wildcard bool, host, port string, hasPort bool) string {
	s := scheme + "://"
	if wildcard {
		s += "*."
	}
	s += host
	if hasPort {
		s += ":" + port
	}
	return s
}

// checkWhole refuses the values that are not an origin at all.
func checkWhole(s string) error {
	switch {
	case s == "":
		return fmt.Errorf(`%q is empty; write an origin such as "https://app.example.com"`, s)
	case s == "*":
		return fmt.Errorf(`%q on its own allows every origin and is handled separately, not as an origin pattern`, s)
	case strings.EqualFold(s, "null"):
		return fmt.Errorf(`%q cannot be allowed safely: sandboxed iframes, file:// pages and some redirects all send the origin "null", so any site can claim it; remove it`, s)
	case !utf8.ValidString(s):
		return fmt.Errorf("%q is not valid UTF-8 text", s)
	case strings.TrimSpace(s) != s:
		return withFix(fmt.Sprintf("%q has leading or trailing white space", s), suggest(strings.TrimSpace(s)))
	}
	return nil
}

// missingSchemeError explains a value without "://" (or with it only after
// a path): a bare host, a host and port, or a scheme missing its "//".
func missingSchemeError(s string) error {
	scheme, after, found := strings.Cut(s, ":")
	portLike := after != "" && (isDigit(after[0]) || after[0] == '*')
	if found && validScheme(scheme) && !portLike {
		if fix := suggest(scheme + "://" + strings.TrimLeft(after, "/")); fix != "" {
			return fmt.Errorf(`%q is missing "//" after %q; write %q`, s, scheme+":", fix)
		}
	}
	if p, _, err := parsePattern("https://" + strings.TrimPrefix(s, "//")); err == nil {
		if p.IsLoopback() {
			p.Scheme = "http"
		}
		return fmt.Errorf("%q has no scheme; write %q", s, p.String())
	}
	return fmt.Errorf(`%q is not an origin; write a scheme, "://" and a host, as in "https://app.example.com"`, s)
}

// parseScheme checks the scheme grammar of RFC 3986 and refuses file, whose
// pages have the origin "null".
func parseScheme(s, raw, rest string) (scheme string, fixes []string, err error) {
	if raw == "" {
		return "", nil, withFix(fmt.Sprintf(`%q has no scheme before "://"`, s), suggest("https://"+rest))
	}
	if !validScheme(raw) {
		return "", nil, fmt.Errorf(`%q has an invalid scheme %q; a scheme is a letter followed by letters, digits, "+", "-" or ".", as in "https"`, s, raw)
	}
	scheme = strings.ToLower(raw)
	if scheme == "file" {
		return "", nil, fmt.Errorf(`%q is a file:// URL; browsers send the origin "null" for file pages, which cannot be allowed safely; serve the page over http or https and list that origin`, s)
	}
	if scheme != raw {
		fixes = append(fixes, "an uppercase scheme")
	}
	return scheme, fixes, nil
}

// validScheme reports whether s is ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ).
func validScheme(s string) bool {
	if s == "" || !isAlpha(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		c := s[i]
		if !isAlpha(c) && !isDigit(c) && c != '+' && c != '-' && c != '.' {
			return false
		}
	}
	return true
}

// tailError explains a path, query or fragment after the host.
func tailError(s, prefix, tail string) error {
	fix := suggest(prefix)
	path := tail
	if i := strings.IndexAny(tail, "?#"); i >= 0 {
		path = tail[:i]
	}
	var msg string
	switch {
	case tail == "/":
		msg = fmt.Sprintf("%q has a trailing slash", s)
	case path != "" && path != "/":
		msg = fmt.Sprintf("%q has a path (%q); an origin is only a scheme, a host and a port", s, path)
	case strings.Contains(tail, "?"):
		msg = fmt.Sprintf("%q has a query; an origin is only a scheme, a host and a port", s)
	default:
		msg = fmt.Sprintf("%q has a fragment; an origin is only a scheme, a host and a port", s)
	}
	return withFix(msg, fix)
}

// splitHostPort splits an authority into host and port. hasPort tells
// "host:" (empty port) from "host".
func splitHostPort(s, scheme, authority string) (host, port string, hasPort bool, err error) {
	if authority == "" {
		return "", "", false, fmt.Errorf(`%q has no host; write one after "://", as in "https://app.example.com"`, s)
	}
	// Skip a wildcard's "*." so that "*.[::1]" reaches the IPv6 check, which
	// refuses wildcards over addresses.
	start := 0
	if strings.HasPrefix(authority, "*.") {
		start = 2
	}
	if start < len(authority) && authority[start] == '[' {
		end := strings.IndexByte(authority, ']')
		if end < 0 {
			return "", "", false, fmt.Errorf(`%q has an IPv6 address without its closing "]"`, s)
		}
		host, after := authority[:end+1], authority[end+1:]
		if after == "" {
			return host, "", false, nil
		}
		if after[0] != ':' {
			return "", "", false, fmt.Errorf(`%q has %q after the IPv6 address; only ":" and a port may follow it`, s, after)
		}
		return host, after[1:], true, nil
	}
	if strings.Count(authority, ":") > 1 {
		if a, err := netip.ParseAddr(authority); err == nil && a.Is6() {
			return "", "", false, withFix(fmt.Sprintf("%q has an IPv6 address without brackets", s), suggest(scheme+"://["+authority+"]"))
		}
		return "", "", false, fmt.Errorf(`%q has more than one ":" after the host; write a single ":" and a port`, s)
	}
	host, port, hasPort = strings.Cut(authority, ":")
	return host, port, hasPort, nil
}

// cutWildcard takes a leading "*." off host. Any other "*" is an error.
func cutWildcard(s, scheme, host string) (wildcard bool, rest string, err error) {
	if host == "*" {
		return false, "", fmt.Errorf(`%q matches every host; to allow every origin, use "*" on its own`, s)
	}
	rest, wildcard = strings.CutPrefix(host, "*.")
	if strings.Contains(rest, "*") {
		return false, "", fmt.Errorf(`%q has a "*" that is not the whole leftmost label; a wildcard must be the whole leftmost label, as in %q`, s, scheme+"://"+wildcardExample)
	}
	if wildcard && rest == "" {
		return false, "", fmt.Errorf(`%q has nothing after "*."; write the parent domain, as in %q`, s, scheme+"://"+wildcardExample)
	}
	return wildcard, rest, nil
}

// parseHost canonicalizes a domain name, IPv4 address or bracketed IPv6
// address. rebuild puts a host back into the pattern, for suggestions.
func parseHost(s, raw string, wildcard bool, rebuild func(wildcard bool, host string) string) (host string, isIP bool, fixes []string, err error) {
	if raw == "" {
		return "", false, nil, fmt.Errorf(`%q has no host; write one after "://", as in "https://app.example.com"`, s)
	}
	if raw[0] == '[' {
		host, fixes, err = parseIPv6(s, raw)
		return host, true, fixes, err
	}
	return parseDomainOrIPv4(s, raw, wildcard, rebuild)
}

// parseIPv6 canonicalizes "[addr]" the way browsers serialize it.
func parseIPv6(s, raw string) (host string, fixes []string, err error) {
	inner := raw[1 : len(raw)-1]
	a, perr := netip.ParseAddr(inner)
	switch {
	case perr != nil || !a.Is6():
		return "", nil, fmt.Errorf("%q has an invalid IPv6 address %q", s, raw)
	case a.Zone() != "":
		return "", nil, fmt.Errorf("%q has an IPv6 zone (%q), which origins never carry; remove it", s, "%"+a.Zone())
	}
	host = formatIPv6(a)
	if host != raw {
		fixes = append(fixes, "an IPv6 address not in canonical form")
	}
	return host, fixes, nil
}

// formatIPv6 serializes a as the WHATWG URL standard does: like RFC 5952,
// lowercase and with the longest run of two or more zero pieces as "::", but
// never with an embedded IPv4 address (netip writes "::ffff:1.2.3.4").
func formatIPv6(a netip.Addr) string {
	b := a.As16()
	var pieces [8]uint16
	for i := range pieces {
		pieces[i] = uint16(b[2*i])<<8 | uint16(b[2*i+1])
	}
	zeroStart, zeroLen := -1, 1
	for i := 0; i < len(pieces); {
		if pieces[i] != 0 {
			i++
			continue
		}
		j := i
		for j < len(pieces) && pieces[j] == 0 {
			j++
		}
		if j-i > zeroLen {
			zeroStart, zeroLen = i, j-i
		}
		i = j
	}
	buf := make([]byte, 0, len("[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]"))
	buf = append(buf, '[')
	for i := 0; i < len(pieces); i++ {
		if i == zeroStart {
			buf = append(buf, "::"...)
			i += zeroLen - 1
			continue
		}
		if i > 0 && buf[len(buf)-1] != ':' {
			buf = append(buf, ':')
		}
		buf = strconv.AppendUint(buf, uint64(pieces[i]), 16)
	}
	return string(append(buf, ']'))
}

// parseDomainOrIPv4 follows the WHATWG host parser: IDNA first, then a host
// whose last label is a number is an IPv4 address in any of the forms
// browsers accept ("127.1", "0x7f.0.0.1", "2130706433").
func parseDomainOrIPv4(s, raw string, wildcard bool, rebuild func(wildcard bool, host string) string) (host string, isIP bool, fixes []string, err error) {
	for i := 0; i < len(raw); i++ {
		if c := raw[i]; c < 0x80 && !validDomainByte(lower(c)) {
			return "", false, nil, fmt.Errorf("%q has %q in its host, which a host name cannot contain", s, string(c))
		}
	}
	host, ierr := hostProfile.ToASCII(raw)
	if ierr != nil {
		return "", false, nil, fmt.Errorf("%q has a host that is not a valid internationalized domain name (%v)", s, ierr)
	}
	ascii := isASCII(raw)
	if ascii && host != strings.ToLower(raw) {
		// idna rewrites only punycode labels of ASCII input, such as "xn--".
		return "", false, nil, fmt.Errorf("%q has a host with an invalid punycode label", s)
	}
	for i := 0; i < len(host); i++ {
		if !validDomainByte(host[i]) {
			return "", false, nil, fmt.Errorf("%q has a host that maps to %q, which is not a valid host name", s, host)
		}
	}
	if err := checkLabels(s, host, wildcard, rebuild); err != nil {
		return "", false, nil, err
	}
	if endsInNumber(host) {
		ip, ok := parseIPv4(host)
		if !ok {
			return "", false, nil, fmt.Errorf(`%q has a host that ends in a number but is not an IPv4 address; write an IPv4 address as four numbers, as in "192.168.0.1", or a domain name`, s)
		}
		if ip != raw {
			fixes = append(fixes, "an IPv4 address not written as four decimal numbers")
		}
		return ip, true, fixes, nil
	}
	switch {
	case host == raw:
	case !ascii:
		fixes = append(fixes, "a non-ASCII host, which browsers send as punycode")
	case host == strings.ToLower(raw):
		fixes = append(fixes, "an uppercase host")
	default:
		fixes = append(fixes, "a host not in canonical form")
	}
	return host, false, fixes, nil
}

// checkLabels refuses empty labels and names over the DNS length limits.
func checkLabels(s, host string, wildcard bool, rebuild func(wildcard bool, host string) string) error {
	if len(host) > maxHostLength {
		return fmt.Errorf("%q has a host of %d bytes; a host name has at most %d", s, len(host), maxHostLength)
	}
	labels := strings.Split(host, ".")
	var nonEmpty []string
	for _, l := range labels {
		if len(l) > maxLabelLength {
			return fmt.Errorf("%q has a label of %d bytes in its host; a label has at most %d", s, len(l), maxLabelLength)
		}
		if l != "" {
			nonEmpty = append(nonEmpty, l)
		}
	}
	if len(nonEmpty) == len(labels) {
		return nil
	}
	if len(nonEmpty) == 0 {
		return fmt.Errorf(`%q has a host made only of dots; write a host name, as in "https://app.example.com"`, s)
	}
	fixed := rebuild(wildcard, strings.Join(nonEmpty, "."))
	switch {
	case strings.HasPrefix(host, ".") && !wildcard:
		return withFix(fmt.Sprintf(`%q has a host that starts with "."; to allow every subdomain, use a wildcard`, s), suggest(rebuild(true, strings.Join(nonEmpty, "."))))
	case strings.HasSuffix(host, ".") && !strings.Contains(host, ".."):
		return withFix(fmt.Sprintf(`%q has a host that ends with "."; browsers treat that as a different origin`, s), suggest(fixed))
	default:
		return withFix(fmt.Sprintf("%q has an empty label (two dots in a row) in its host", s), suggest(fixed))
	}
}

// endsInNumber reports whether the last label of host is decimal digits or
// "0x" and hex digits: the WHATWG test for parsing a host as IPv4.
func endsInNumber(host string) bool {
	last := host[strings.LastIndexByte(host, '.')+1:]
	if last == "" {
		return false
	}
	if allBytes(last, isDigit) {
		return true
	}
	hex, ok := strings.CutPrefix(last, "0x")
	return ok && allBytes(hex, isHexDigit)
}

// parseIPv4 parses host with the WHATWG IPv4 parser: one to four parts, each
// decimal, octal (leading 0) or hex (0x), the last filling the remaining
// bytes. It returns the dotted quad.
func parseIPv4(host string) (string, bool) {
	parts := strings.Split(host, ".")
	if len(parts) > 4 {
		return "", false
	}
	var n uint64
	for i, part := range parts {
		v, ok := parseIPv4Number(part)
		if !ok {
			return "", false
		}
		if i < len(parts)-1 {
			if v > 255 {
				return "", false
			}
			n = n<<8 | v
			continue
		}
		rest := uint(8 * (5 - len(parts)))
		if v >= 1<<rest {
			return "", false
		}
		n = n<<rest | v
	}
	return netip.AddrFrom4([4]byte{byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)}).String(), true
}

// parseIPv4Number parses one part of an IPv4 address; values that do not fit
// in 32 bits fail.
func parseIPv4Number(s string) (uint64, bool) {
	if s == "" {
		return 0, false
	}
	base := uint64(10)
	switch {
	case strings.HasPrefix(s, "0x"):
		base, s = 16, s[2:]
	case len(s) > 1 && s[0] == '0':
		base, s = 8, s[1:]
	}
	var v uint64
	for i := 0; i < len(s); i++ {
		d, ok := digitValue(s[i])
		if !ok || d >= base {
			return 0, false
		}
		v = v*base + d
		if v > 1<<32 {
			return 0, false
		}
	}
	return v, true
}

// parsePort checks a port and drops the scheme's default.
func parsePort(s, scheme, raw string, hasPort bool) (port string, fixes []string, err error) {
	if !hasPort {
		return "", nil, nil
	}
	if raw == "" {
		return "", []string{`an empty port after ":"`}, nil
	}
	if raw == "*" {
		return "*", nil, nil
	}
	if !allBytes(raw, isDigit) {
		return "", nil, fmt.Errorf(`%q has an invalid port %q; a port is a number from 1 to 65535, or "*" for any port`, s, raw)
	}
	trimmed := strings.TrimLeft(raw, "0")
	if trimmed == "" {
		return "", nil, fmt.Errorf(`%q has port 0, which no browser sends; use a port from 1 to 65535, or "*" for any port`, s)
	}
	if n, err := strconv.ParseUint(trimmed, 10, 32); err != nil || n > 65535 {
		return "", nil, fmt.Errorf(`%q has port %s, which is above 65535; use a port from 1 to 65535, or "*" for any port`, s, trimmed)
	}
	if trimmed != raw {
		fixes = append(fixes, "a port with leading zeros")
	}
	if trimmed == defaultPort(scheme) {
		return "", append(fixes, fmt.Sprintf("the default port for %s (%s) written out", scheme, trimmed)), nil
	}
	return trimmed, fixes, nil
}

// defaultPort is the port browsers leave out of the origin for scheme.
func defaultPort(scheme string) string {
	switch scheme {
	case "https":
		return "443"
	case "http":
		return "80"
	}
	return ""
}

// joinPhrases joins phrases as English: "a", "a and b", "a, b and c".
func joinPhrases(phrases []string) string {
	if len(phrases) == 1 {
		return phrases[0]
	}
	return strings.Join(phrases[:len(phrases)-1], ", ") + " and " + phrases[len(phrases)-1]
}

func validDomainByte(c byte) bool {
	return 'a' <= c && c <= 'z' || isDigit(c) || c == '-' || c == '_' || c == '.'
}

func isAlpha(c byte) bool    { return 'a' <= lower(c) && lower(c) <= 'z' }
func isDigit(c byte) bool    { return '0' <= c && c <= '9' }
func isHexDigit(c byte) bool { return isDigit(c) || 'a' <= c && c <= 'f' }

func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

func digitValue(c byte) (uint64, bool) {
	switch {
	case isDigit(c):
		return uint64(c - '0'), true
	case 'a' <= c && c <= 'f':
		return uint64(c-'a') + 10, true
	}
	return 0, false
}

func allBytes(s string, ok func(byte) bool) bool {
	for i := 0; i < len(s); i++ {
		if !ok(s[i]) {
			return false
		}
	}
	return true
}

func isASCII(s string) bool {
	return allBytes(s, func(c byte) bool { return c < 0x80 })
}
