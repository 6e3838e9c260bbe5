package origins

import "strings"

// Set matches request origins against patterns. Its cost per request does
// not grow with the number of patterns: an exact origin is one map lookup on
// the raw header value, and wildcard and any-port patterns are map lookups
// per label of the request's host. A Set is immutable, so safe for
// concurrent use.
type Set struct {
	exact    map[string]int          // canonical origin -> index of the first pattern that is exactly it
	maxExact int                     // length of the longest key in exact
	loose    map[string]*schemeHosts // by scheme: the wildcard and any-port patterns
}

// schemeHosts holds one scheme's wildcard and any-port patterns. Maps keyed
// by plain strings, rather than by a (scheme, port) struct, take Go's fast
// string-hashing path.
type schemeHosts struct {
	byPort  map[string]*looseHosts // "" for the scheme's default port
	anyPort *looseHosts            // patterns with port "*"
}

// looseHosts holds the patterns of one scheme and port that are not one
// exact origin.
type looseHosts struct {
	hosts   map[string]struct{} // hosts of non-wildcard any-port patterns
	parents map[string]struct{} // parent domains of wildcard patterns
}

// NewSet compiles patterns, as returned by ParsePattern, for matching.
// Duplicates are fine: Match reports the index of the first.
func NewSet(patterns []Pattern) *Set {
	s := &Set{exact: make(map[string]int), loose: make(map[string]*schemeHosts)}
	for i, p := range patterns {
		if !p.Wildcard && p.Port != "*" {
			k := p.String()
			if _, dup := s.exact[k]; !dup {
				s.exact[k] = i
				s.maxExact = max(s.maxExact, len(k))
			}
			continue
		}
		t := s.looseHostsFor(p.Scheme, p.Port)
		if p.Wildcard {
			t.parents[p.Host] = struct{}{}
		} else {
			t.hosts[p.Host] = struct{}{}
		}
	}
	return s
}

// looseHostsFor returns the table for scheme and port, creating it.
func (s *Set) looseHostsFor(scheme, port string) *looseHosts {
	sh := s.loose[scheme]
	if sh == nil {
		sh = &schemeHosts{byPort: make(map[string]*looseHosts)}
		s.loose[scheme] = sh
	}
	newTable := func() *looseHosts {
		return &looseHosts{hosts: make(map[string]struct{}), parents: make(map[string]struct{})}
	}
	if port == "*" {
		if sh.anyPort == nil {
			sh.anyPort = newTable()
		}
		return sh.anyPort
	}
	t := sh.byPort[port]
	if t == nil {
		t = newTable()
		sh.byPort[port] = t
	}
	return t
}

// Match reports whether the raw Origin header value origin matches any
// pattern. id is the index, in the slice given to NewSet, of the pattern
// that is exactly origin (a non-wildcard pattern with a concrete or default
// port); it is -1 when only a wildcard or any-port pattern matched. Match
// never allocates.
func (s *Set) Match(origin string) (id int, ok bool) {
	if len(origin) <= s.maxExact {
		if id, ok := s.exact[origin]; ok {
			return id, true
		}
	}
	if len(s.loose) == 0 {
		return -1, false
	}
	o, ok := Parse(origin)
	if !ok {
		return -1, false
	}
	sh := s.loose[o.Scheme]
	if sh == nil {
		return -1, false
	}
	return -1, sh.byPort[o.Port].match(o.Host) || sh.anyPort.match(o.Host)
}

// match looks host up, then walks it one label at a time from the left for
// wildcard parents, so "a.b.example.com" tries "b.example.com", then
// "example.com", then "com". A nil table matches nothing.
func (t *looseHosts) match(host string) bool {
	if t == nil {
		return false
	}
	if _, ok := t.hosts[host]; ok {
		return true
	}
	if len(t.parents) == 0 || host[0] == '[' {
		return false
	}
	for h := host; ; {
		i := strings.IndexByte(h, '.')
		if i < 0 {
			return false
		}
		h = h[i+1:]
		if _, ok := t.parents[h]; ok {
			return true
		}
	}
}
