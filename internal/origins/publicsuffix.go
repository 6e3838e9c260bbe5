package origins

import (
	"cmp"
	"slices"
	"strings"
	"sync"

	"github.com/weppos/publicsuffix-go/publicsuffix"
)

// suffixKind is a set of Public Suffix List rule types: one domain can carry
// more than one.
type suffixKind uint8

const (
	normalRule    suffixKind = 1 << iota // "github.io": the domain is a public suffix
	wildcardRule                         // "*.kobe.jp": every child of the domain is one
	exceptionRule                        // "!city.kobe.jp": the domain is registrable after all
)

// suffixRule is every rule the list has for one domain.
type suffixRule struct {
	domain string // "kobe.jp" for "*.kobe.jp"
	kind   suffixKind
}

// suffixList is the Public Suffix List (ICANN and private sections) sorted
// by compareFromRight, so that the rules of a domain and of every name below
// it are one run. x/net/publicsuffix answers only "what is the suffix of this
// name"; a wildcard pattern also needs "which rules lie below this domain".
type suffixList []suffixRule

// publicSuffixList is built on first use, so that a Caddy without
// credentialed wildcards never pays for it (BenchmarkSuffixListBuild). The
// library's own init, which fills its DefaultList, runs at start-up anyway.
var publicSuffixList = sync.OnceValue(func() suffixList {
	rules := publicsuffix.DefaultRules()
	return newSuffixList(rules[:])
})

func newSuffixList(rules []publicsuffix.Rule) suffixList {
	list := make(suffixList, 0, len(rules))
	for _, r := range rules {
		var kind suffixKind
		switch r.Type {
		case publicsuffix.NormalType:
			kind = normalRule
		case publicsuffix.WildcardType:
			kind = wildcardRule
		case publicsuffix.ExceptionType:
			kind = exceptionRule
		default:
			continue
		}
		list = append(list, suffixRule{domain: r.Value, kind: kind})
	}
	slices.SortFunc(list, func(a, b suffixRule) int { return compareFromRight(a.domain, b.domain) })
	// Merge the rules of one domain.
	merged := list[:0]
	for _, r := range list {
		if n := len(merged); n > 0 && merged[n-1].domain == r.domain {
			merged[n-1].kind |= r.kind
			continue
		}
		merged = append(merged, r)
	}
	return slices.Clip(merged)
}

// compareFromRight orders domains by their labels read from the right, as
// "jp", "kobe.jp", "city.kobe.jp", "nagoya.jp": a domain comes right before
// the names below it.
func compareFromRight(a, b string) int {
	for {
		i, j := strings.LastIndexByte(a, '.'), strings.LastIndexByte(b, '.')
		if c := strings.Compare(a[i+1:], b[j+1:]); c != 0 {
			return c
		}
		switch {
		case i < 0 && j < 0:
			return 0
		case i < 0:
			return -1
		case j < 0:
			return 1
		}
		a, b = a[:i], b[:j]
	}
}

// search returns where domain is, or would be, in l.
func (l suffixList) search(domain string) (int, bool) {
	return slices.BinarySearchFunc(l, domain, func(r suffixRule, domain string) int { return compareFromRight(r.domain, domain) })
}

// kind returns the rule types listed for domain.
func (l suffixList) kind(domain string) suffixKind {
	if i, ok := l.search(domain); ok {
		return l[i].kind
	}
	return 0
}

// at returns the rules for domain and every name below it.
func (l suffixList) at(domain string) suffixList {
	start, _ := l.search(domain)
	end := start
	for end < len(l) && (l[end].domain == domain || isBelow(l[end].domain, domain)) {
		end++
	}
	return l[start:end]
}

// isBelow reports whether name is a subdomain of domain, and not domain itself.
func isBelow(name, domain string) bool {
	return len(name) > len(domain) && name[len(name)-len(domain)-1] == '.' && strings.HasSuffix(name, domain)
}

// publicSuffix returns the public suffix of host by the list's algorithm
// (an exception rule prevails, then the longest match, then the implicit
// rule "*"), and the rule that decided it, as written in the list.
func (l suffixList) publicSuffix(host string) (suffix, rule string) {
	for d := host; d != ""; d = parentDomain(d) {
		if l.kind(d)&exceptionRule != 0 && parentDomain(d) != "" {
			return parentDomain(d), "!" + d
		}
	}
	for d := host; d != ""; d = parentDomain(d) {
		if l.kind(d)&normalRule != 0 {
			return d, d
		}
		if p := parentDomain(d); p != "" && l.kind(p)&wildcardRule != 0 {
			return d, "*." + p
		}
	}
	return host[strings.LastIndexByte(host, '.')+1:], "*"
}

// parentDomain returns domain without its first label, or "" for a single label.
func parentDomain(domain string) string {
	_, parent, _ := strings.Cut(domain, ".")
	return parent
}

// suffixBelow returns the rule that makes a public suffix of some name
// strictly below parent: the rule with the fewest labels, then the shortest,
// so that a message names the plainest one.
func (l suffixList) suffixBelow(parent string) (rule string, ok bool) {
	consider := func(candidate string) {
		if ok && !plainer(candidate, rule) {
			return
		}
		// A rule's own text is a name it makes a public suffix, unless an
		// exception rule prevails: "github.io", or "*.kobe.jp" where "*" is
		// a label no rule names, so no exception rule can hide the wildcard.
		if suffix, _ := l.publicSuffix(candidate); isBelow(suffix, parent) {
			rule, ok = candidate, true
		}
	}
	for _, r := range l.at(parent) {
		if r.kind&normalRule != 0 {
			consider(r.domain)
		}
		if r.kind&wildcardRule != 0 {
			consider("*." + r.domain)
		}
	}
	return rule, ok
}

// plainer orders rules by number of labels, then length, then text.
func plainer(a, b string) bool {
	if c := cmp.Compare(strings.Count(a, "."), strings.Count(b, ".")); c != 0 {
		return c < 0
	}
	if c := cmp.Compare(len(a), len(b)); c != 0 {
		return c < 0
	}
	return a < b
}

// IsListedSuffix reports whether the Public Suffix List names suffix by a
// rule of its own, rather than by its default rule "*", which makes every
// unknown top-level domain (.internal, .test, .local ...) a public suffix.
func IsListedSuffix(suffix string) bool {
	_, rule := publicSuffixList().publicSuffix(suffix)
	return rule != "*"
}
