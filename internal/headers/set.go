package headers

import "strings"

// stackName is the longest name Contains lowercases into a stack buffer;
// longer members (rare in practice) are compared one by one instead.
const stackName = 64

// Set is an immutable set of header names, matched case-insensitively
// (ASCII only, as header names are tokens). The zero Set and a nil *Set
// contain nothing.
type Set struct {
	lower  map[string]struct{} // every member, lowercased
	long   []string            // members longer than stackName, lowercased
	small  []string            // every member, lowercased, if there are at most smallSet
	maxLen int                 // longest member; longer names are not members
}

// smallSet is the most members that Contains compares one by one: comparing
// lengths, then bytes, beats hashing the name for a map lookup.
const smallSet = 8

// NewSet builds a Set from valid token names in any case. Duplicates that
// differ only in case are one member.
func NewSet(names []string) *Set {
	s := &Set{lower: make(map[string]struct{}, len(names))}
	for _, name := range names {
		lower := lowerASCII(name)
		if _, dup := s.lower[lower]; dup {
			continue
		}
		s.lower[lower] = struct{}{}
		if len(lower) > stackName {
			s.long = append(s.long, lower)
		}
		s.maxLen = max(s.maxLen, len(lower))
	}
	if len(s.lower) <= smallSet {
		for lower := range s.lower {
			s.small = append(s.small, lower)
		}
	}
	return s
}

// Contains reports whether name, in any case, is in the set. It never
// allocates, so it is safe on the request path.
func (s *Set) Contains(name string) bool {
	if s == nil || len(name) > s.maxLen {
		return false
	}
	if s.small != nil {
		for _, member := range s.small {
			if equalFoldASCII(name, member) {
				return true
			}
		}
		return false
	}
	if len(name) > stackName {
		for _, member := range s.long {
			if equalFoldASCII(name, member) {
				return true
			}
		}
		return false
	}
	if !hasUpperASCII(name) {
		_, ok := s.lower[name]
		return ok
	}
	var buf [stackName]byte
	for i := 0; i < len(name); i++ {
		buf[i] = toLowerASCII(name[i])
	}
	_, ok := s.lower[string(buf[:len(name)])] // the compiler does not allocate for this conversion
	return ok
}

func hasUpperASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if 'A' <= s[i] && s[i] <= 'Z' {
			return true
		}
	}
	return false
}

// lowerASCII lowercases ASCII letters only; strings.ToLower would also map
// the Kelvin sign to "k" and so let a non-token name match a token.
func lowerASCII(s string) string {
	if !hasUpperASCII(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		b.WriteByte(toLowerASCII(s[i]))
	}
	return b.String()
}
