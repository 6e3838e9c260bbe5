package origins

import "strings"

// Set matches request origins against patterns. Its cost per request does
// not grow with the number of patterns: an exact origin is one map lookup on
// the raw header value, and wildcard and any-port patterns are map lookups
// per label of the request's host. A Set is immutable, so safe for
// concurrent use.
type Set struct {
	exact    map[string]struct{} // canonical origins of the patterns that are exactly one origin
	maxExact int                 // length of the longest key in exact
	loose    []schemeHosts       // by scheme: the wildcard and any-port patterns
}

// schemeHosts holds one scheme's wildcard and any-port patterns. A config
// names few schemes and ports, so they are found by comparing strings,
// which is cheaper than hashing them.
type schemeHosts struct {
	scheme  string
	byPort  []portHosts // "" for the scheme's default port
	anyPort *looseHosts // patterns with port "*"
}

type portHosts struct {
	port  string
	hosts *looseHosts
}

// looseHosts holds the patterns of one scheme and port that are not one
// exact origin.
type looseHosts struct {
	hosts   map[string]struct{} // hosts of non-wildcard any-port patterns
	parents map[string]struct{} // parent domains of wildcard patterns
	// fewParents lists the parents when there are at most fewParents of
	// them: testing each as a suffix beats hashing every parent domain of
	// the request's host.
	fewParents []string
}

const fewParents = 8

// NewSet compiles patterns, as returned by ParsePattern, for matching.
// Duplicates are fine.
func NewSet(patterns []Pattern) *Set {
	s := &Set{exact: make(map[string]struct{}, len(patterns))}
	for _, p := range patterns {
		if !p.Wildcard && p.Port != "*" {
			k := p.String()
			s.exact[k] = struct{}{}
			s.maxExact = max(s.maxExact, len(k))
			continue
		}
		t := s.looseHostsFor(p.Scheme, p.Port)
		if p.Wildcard {
			t.parents[p.Host] = struct{}{}
		} else {
			t.hosts[p.Host] = struct{}{}
		}
	}
	for i := range s.loose {
		sh := &s.loose[i]
		sh.anyPort.listFewParents()
		for _, ph := range sh.byPort {
			ph.hosts.listFewParents()
		}
	}
	return s
}

func (t *looseHosts) listFewParents() {
	if t == nil || len(t.parents) > fewParents {
		return
	}
	for parent := range t.parents {
		t.fewParents = append(t.fewParents, parent)
	}
}

// looseHostsFor returns the table for scheme and port, creating it.
func (s *Set) looseHostsFor(scheme, port string) *looseHosts {
	sh := s.schemeHosts(scheme)
	if sh == nil {
		s.loose = append(s.loose, schemeHosts{scheme: scheme})
		sh = &s.loose[len(s.loose)-1]
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
	t := sh.portHosts(port)
	if t == nil {
		t = newTable()
		sh.byPort = append(sh.byPort, portHosts{port, t})
	}
	return t
}

func (s *Set) schemeHosts(scheme string) *schemeHosts {
	for i := range s.loose {
		if s.loose[i].scheme == scheme {
			return &s.loose[i]
		}
	}
	return nil
}

func (sh *schemeHosts) portHosts(port string) *looseHosts {
	for _, ph := range sh.byPort {
		if ph.port == port {
			return ph.hosts
		}
	}
	return nil
}

// Match reports whether the raw Origin header value origin matches any
// pattern. Only a well-formed origin matches, so a matching origin is
// exactly what Access-Control-Allow-Origin must echo. Match never allocates.
func (s *Set) Match(origin string) bool {
	if len(origin) <= s.maxExact {
		if _, ok := s.exact[origin]; ok {
			return true
		}
	}
	if len(s.loose) == 0 {
		return false
	}
	o, ok := Parse(origin)
	if !ok {
		return false
	}
	sh := s.schemeHosts(o.Scheme)
	if sh == nil {
		return false
	}
	return sh.portHosts(o.Port).match(o.Host) || sh.anyPort.match(o.Host)
}

// match looks host up, then walks it one label at a time from the left for
// wildcard parents, so "a.b.example.com" tries "b.example.com", then
// "example.com", then "com". A nil table matches nothing.
func (t *looseHosts) match(host string) bool {
	if t == nil {
		return false
	}
	if len(t.hosts) > 0 {
		if _, ok := t.hosts[host]; ok {
			return true
		}
	}
	if len(t.parents) == 0 || host[0] == '[' {
		return false
	}
	if t.fewParents != nil {
		for _, parent := range t.fewParents {
			// host is a subdomain of parent: it ends with "." + parent.
			if n := len(host) - len(parent); n > 1 && host[n-1] == '.' && host[n:] == parent {
				return true
			}
		}
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
