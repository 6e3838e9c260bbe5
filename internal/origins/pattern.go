// Package origins parses the origins a CORS policy lists (strictly, with
// messages that say the fix), parses request Origin headers (cheaply), and
// matches one against the other without allocating.
package origins

import (
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

// textLen is len(p.String()), without making the string.
func (p Pattern) textLen() int {
	n := len(p.Scheme) + len("://") + len(p.Host)
	if p.Wildcard {
		n += len("*.")
	}
	if p.Port != "" {
		n += len(":") + len(p.Port)
	}
	return n
}

// hasText reports whether s == p.String(), without making the string.
func (p Pattern) hasText(s string) bool {
	if len(s) != p.textLen() {
		return false
	}
	s, ok := strings.CutPrefix(s, p.Scheme)
	s, ok2 := strings.CutPrefix(s, "://")
	if !ok || !ok2 {
		return false
	}
	if p.Wildcard {
		if s, ok = strings.CutPrefix(s, "*."); !ok {
			return false
		}
	}
	if s, ok = strings.CutPrefix(s, p.Host); !ok {
		return false
	}
	if p.Port == "" {
		return s == ""
	}
	return len(s) == 1+len(p.Port) && s[0] == ':' && s[1:] == p.Port
}

// IsLoopback reports whether p's host is localhost, *.localhost (wildcard or
// not), in 127.0.0.0/8, or [::1]: hosts that never leave the machine.
func (p Pattern) IsLoopback() bool {
	return IsLoopbackHost(p.Host) // a wildcard's Host is never an IP address
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
	r, p, f := parse(s)
	if f == nil && !p.hasText(s) {
		f = r.notCanonical(p)
	}
	if f != nil {
		return Pattern{}, f.explain(s)
	}
	return p, nil
}

// rawPattern is a configured origin cut into its parts as written.
type rawPattern struct {
	scheme   string
	wildcard bool   // the host started with "*."
	host     string // after "*."
	port     string
	hasPort  bool // tells "host:" (empty port) from "host"
}

// String puts r back together, for suggestions.
func (r rawPattern) String() string {
	s := r.scheme + "://"
	if r.wildcard {
		s += "*."
	}
	s += r.host
	if r.hasPort {
		s += ":" + r.port
	}
	return s
}

// parse reads s as browsers would: it returns the parts of s as written and
// the canonical pattern they stand for, or the first flaw that keeps s from
// being an origin pattern at all. Whether s is written canonically is for
// the caller to check.
func parse(s string) (rawPattern, Pattern, *flaw) {
	r, f := split(s)
	if f != nil {
		return r, Pattern{}, f
	}
	p, f := r.canonical()
	return r, p, f
}

// split cuts s into its parts, refusing what has no place in an origin.
func split(s string) (rawPattern, *flaw) {
	if f := checkWhole(s); f != nil {
		return rawPattern{}, f
	}
	scheme, rest, ok := strings.Cut(s, "://")
	if !ok || strings.ContainsAny(scheme, "/?#@") {
		return rawPattern{}, noScheme
	}
	if f := checkScheme(scheme, rest); f != nil {
		return rawPattern{}, f
	}
	authority, tail := rest, ""
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		authority, tail = rest[:i], rest[i:]
	}
	if tail != "" {
		return rawPattern{}, tailFlaw(scheme+"://"+authority, tail)
	}
	if i := strings.LastIndexByte(authority, '@'); i >= 0 {
		return rawPattern{}, &flaw{
			msg:    fmt.Sprintf("has user info (%q) before the host, which an origin never has", authority[:i+1]),
			mended: scheme + "://" + authority[i+1:],
		}
	}
	host, port, hasPort, f := splitHostPort(scheme, authority)
	if f != nil {
		return rawPattern{}, f
	}
	wildcard, host, f := cutWildcard(scheme, host)
	return rawPattern{scheme: scheme, wildcard: wildcard, host: host, port: port, hasPort: hasPort}, f
}

// canonical canonicalizes each part of r as browsers do.
func (r rawPattern) canonical() (Pattern, *flaw) {
	host, isIP, f := r.parseHost()
	if f != nil {
		return Pattern{}, f
	}
	if r.wildcard && isIP {
		address := r
		address.wildcard = false
		return Pattern{}, &flaw{
			msg:    "puts a wildcard in front of an IP address, which has no subdomains",
			mended: address.String(),
			lead:   "to allow the address itself, write",
		}
	}
	scheme := strings.ToLower(r.scheme)
	port, f := parsePort(scheme, r.port)
	if f != nil {
		return Pattern{}, f
	}
	p := Pattern{Scheme: scheme, Host: host, Port: port, Wildcard: r.wildcard}
	if n := p.textLen(); n > MaxOriginLength {
		return Pattern{}, flawf("is %d bytes long; request origins longer than %d bytes are refused, so it could never match", n, MaxOriginLength)
	}
	return p, nil
}

// checkWhole refuses the values that are not an origin at all.
func checkWhole(s string) *flaw {
	switch {
	case s == "":
		return flawf(`is empty; write an origin such as "https://app.example.com"`)
	case s == "*":
		return flawf(`on its own allows every origin and is handled separately, not as an origin pattern`)
	case strings.EqualFold(s, "null"):
		return flawf(`cannot be allowed safely: sandboxed iframes, file:// pages and some redirects all send the origin "null", so any site can claim it; remove it`)
	case !utf8.ValidString(s):
		return flawf("is not valid UTF-8 text")
	case strings.TrimSpace(s) != s:
		return &flaw{msg: "has leading or trailing white space", mended: strings.TrimSpace(s)}
	}
	return nil
}

// checkScheme checks the scheme grammar of RFC 3986 and refuses file, whose
// pages have the origin "null".
func checkScheme(scheme, rest string) *flaw {
	switch {
	case scheme == "":
		return &flaw{msg: `has no scheme before "://"`, mended: "https://" + rest}
	case !validScheme(scheme):
		return flawf(`has an invalid scheme %q; a scheme is a letter followed by letters, digits, "+", "-" or ".", as in "https"`, scheme)
	case strings.EqualFold(scheme, "file"):
		return flawf(`is a file:// URL; browsers send the origin "null" for file pages, which cannot be allowed safely; serve the page over http or https and list that origin`)
	}
	return nil
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

// tailFlaw explains a path, query or fragment after the host; origin is
// what comes before it.
func tailFlaw(origin, tail string) *flaw {
	path := tail
	if i := strings.IndexAny(tail, "?#"); i >= 0 {
		path = tail[:i]
	}
	f := &flaw{mended: origin}
	switch {
	case tail == "/":
		f.msg = "has a trailing slash"
	case path != "" && path != "/":
		f.msg = fmt.Sprintf("has a path (%q); an origin is only a scheme, a host and a port", path)
	case strings.Contains(tail, "?"):
		f.msg = "has a query; an origin is only a scheme, a host and a port"
	default:
		f.msg = "has a fragment; an origin is only a scheme, a host and a port"
	}
	return f
}

// splitHostPort splits an authority into host, which may still start with
// a wildcard's "*.", and port. hasPort tells "host:" (empty port) from "host".
func splitHostPort(scheme, authority string) (host, port string, hasPort bool, f *flaw) {
	if authority == "" {
		return "", "", false, flawf(`has no host; write one after "://", as in "https://app.example.com"`)
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
			return "", "", false, flawf(`has an IPv6 address without its closing "]"`)
		}
		host, after := authority[:end+1], authority[end+1:]
		if after != "" && after[0] != ':' {
			return "", "", false, flawf(`has %q after the IPv6 address; only ":" and a port may follow it`, after)
		}
		port, hasPort = strings.CutPrefix(after, ":")
		return host, port, hasPort, nil
	}
	if strings.Count(authority, ":") > 1 {
		if a, err := netip.ParseAddr(authority); err == nil && a.Is6() {
			return "", "", false, &flaw{msg: "has an IPv6 address without brackets", mended: scheme + "://[" + authority + "]"}
		}
		return "", "", false, flawf(`has more than one ":" after the host; write a single ":" and a port`)
	}
	host, port, hasPort = strings.Cut(authority, ":")
	return host, port, hasPort, nil
}

// cutWildcard takes a leading "*." off host. Any other "*" is a flaw.
func cutWildcard(scheme, host string) (wildcard bool, rest string, f *flaw) {
	if host == "*" {
		return false, "", flawf(`matches every host; to allow every origin, use "*" on its own`)
	}
	rest, wildcard = strings.CutPrefix(host, "*.")
	if strings.Contains(rest, "*") {
		return false, "", flawf(`has a "*" that is not the whole leftmost label; a wildcard must be the whole leftmost label, as in %q`, scheme+"://"+wildcardExample)
	}
	if wildcard && rest == "" {
		return false, "", flawf(`has nothing after "*."; write the parent domain, as in %q`, scheme+"://"+wildcardExample)
	}
	return wildcard, rest, nil
}

// parseHost canonicalizes a domain name, IPv4 address or bracketed IPv6
// address.
func (r rawPattern) parseHost() (host string, isIP bool, f *flaw) {
	switch {
	case r.host == "":
		return "", false, flawf(`has no host; write one after "://", as in "https://app.example.com"`)
	case r.host[0] == '[':
		host, f = parseIPv6(r.host)
		return host, true, f
	}
	return r.parseDomainOrIPv4()
}

// parseIPv6 canonicalizes "[addr]" the way browsers serialize it.
func parseIPv6(raw string) (string, *flaw) {
	a, err := netip.ParseAddr(raw[1 : len(raw)-1])
	switch {
	case err != nil || !a.Is6():
		return "", flawf("has an invalid IPv6 address %q", raw)
	case a.Zone() != "":
		return "", flawf("has an IPv6 zone (%q), which origins never carry; remove it", "%"+a.Zone())
	}
	return formatIPv6(a), nil
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
// whose last label is a number is an IPv4 address. Browsers read such a host
// in several forms ("127.1", "0x7f.0.0.1", "2130706433"); only the one they
// send, four decimal numbers, is accepted.
func (r rawPattern) parseDomainOrIPv4() (host string, isIP bool, f *flaw) {
	host = r.host
	if !plainHost(host) {
		for i := 0; i < len(r.host); i++ {
			if c := r.host[i]; c < 0x80 && !validDomainByte(lower(c)) {
				return "", false, flawf("has %q in its host, which a host name cannot contain", string(c))
			}
		}
		var err error
		host, err = hostProfile.ToASCII(r.host)
		if err != nil {
			return "", false, flawf("has a host that is not a valid internationalized domain name (%v)", err)
		}
		if isASCII(r.host) && host != strings.ToLower(r.host) {
			// idna rewrites only punycode labels of ASCII input, such as "xn--".
			return "", false, flawf("has a host with an invalid punycode label")
		}
		for i := 0; i < len(host); i++ {
			if !validDomainByte(host[i]) {
				return "", false, flawf("has a host that maps to %q, which is not a valid host name", host)
			}
		}
	}
	if f := r.checkLabels(host); f != nil {
		return "", false, f
	}
	if !endsInNumber(host) {
		return host, false, nil
	}
	if a, err := netip.ParseAddr(host); err != nil || !a.Is4() {
		return "", false, flawf(`has a host that ends in a number but is not an IPv4 address; write an IPv4 address as four numbers, as in "192.168.0.1", or a domain name`)
	}
	return host, true, nil
}

// plainHost reports whether host is lowercase ASCII letters, digits, "-",
// "_" and ".", without a punycode ("xn--") label: a host that IDNA leaves
// as it is (FuzzPlainHost checks that against idna), so parseDomainOrIPv4
// skips it. Most configured hosts are such, and IDNA was most of the cost
// of parsing one (BenchmarkParsePattern).
func plainHost(host string) bool {
	for i := 0; i < len(host); i++ {
		if !validDomainByte(host[i]) {
			return false
		}
	}
	return !strings.HasPrefix(host, "xn--") && !strings.Contains(host, ".xn--")
}

// checkLabels refuses empty labels in host, the ASCII form of r.host, and
// names over the DNS length limits.
func (r rawPattern) checkLabels(host string) *flaw {
	if len(host) > maxHostLength {
		return flawf("has a host of %d bytes; a host name has at most %d", len(host), maxHostLength)
	}
	if wellFormedLabels(host) {
		return nil
	}
	labels := strings.Split(host, ".")
	var nonEmpty []string
	for _, l := range labels {
		if len(l) > maxLabelLength {
			return flawf("has a label of %d bytes in its host; a label has at most %d", len(l), maxLabelLength)
		}
		if l != "" {
			nonEmpty = append(nonEmpty, l)
		}
	}
	if len(nonEmpty) == len(labels) {
		return nil
	}
	if len(nonEmpty) == 0 {
		return flawf(`has a host made only of dots; write a host name, as in "https://app.example.com"`)
	}
	mended := r
	mended.host = strings.Join(nonEmpty, ".")
	switch {
	case strings.HasPrefix(host, ".") && !r.wildcard:
		mended.wildcard = true
		return &flaw{msg: `has a host that starts with "."; to allow every subdomain, use a wildcard`, mended: mended.String()}
	case strings.HasSuffix(host, ".") && !strings.Contains(host, ".."):
		return &flaw{msg: `has a host that ends with "."; browsers treat that as a different origin`, mended: mended.String()}
	default:
		return &flaw{msg: "has an empty label (two dots in a row) in its host", mended: mended.String()}
	}
}

// wellFormedLabels reports whether every label of host is 1 to 63 bytes
// long, without making the list of labels that checkLabels needs to
// explain a flaw.
func wellFormedLabels(host string) bool {
	for label := range strings.SplitSeq(host, ".") {
		if label == "" || len(label) > maxLabelLength {
			return false
		}
	}
	return true
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

// parsePort checks a port and drops the scheme's default. An empty port
// stands for the default too.
func parsePort(scheme, raw string) (string, *flaw) {
	switch {
	case raw == "" || raw == "*":
		return raw, nil
	case !allBytes(raw, isDigit):
		return "", flawf(`has an invalid port %q; a port is a number from 1 to 65535, or "*" for any port`, raw)
	}
	port := strings.TrimLeft(raw, "0")
	if port == "" {
		return "", flawf(`has port 0, which no browser sends; use a port from 1 to 65535, or "*" for any port`)
	}
	if n, err := strconv.ParseUint(port, 10, 32); err != nil || n > 65535 {
		return "", flawf(`has port %s, which is above 65535; use a port from 1 to 65535, or "*" for any port`, port)
	}
	if port == DefaultPort(scheme) {
		return "", nil
	}
	return port, nil
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
