package origins

import (
	"errors"
	"regexp/syntax"
	"strings"
	"unicode"
)

// A RegexpBranch is one way an origin regexp can match, read from its
// parsed form: what it fixes of the scheme and the host. A regexp has one
// branch per alternative, optional part and so on ("https?://" has two).
type RegexpBranch struct {
	// Scheme is the literal scheme the branch begins with, "" if it does
	// not begin with a literal scheme and "://".
	Scheme string
	// HostTail is the literal end of the host: ".example.com" for
	// `https://[a-z]+\.example\.com`, the whole host when Exact.
	HostTail string
	// Exact: the host is all literal.
	Exact bool
	// LooseDot: the host has an unescaped ".", which matches any character.
	LooseDot bool
	// Optional: this branch leaves out an optional part of the host ("?",
	// or an empty alternative), so it matches a host that may be another
	// site's: `app\.?example\.com` matches https://appexample.com.
	Optional bool
	// Example is an origin the branch matches that shows a LooseDot, when
	// the branch is literal but for its loose dots.
	Example string
}

// maxBranches bounds how many branches a regexp may have to be checked.
const maxBranches = 256

// ErrTooManyBranches is returned for a regexp with more than maxBranches branches.
var ErrTooManyBranches = errors.New("has too many alternatives to check; split it into several origin_regexps values")

// Branches returns the branches of an origin regexp (RE2 syntax, anchored
// by the caller).
func Branches(expr string) ([]RegexpBranch, error) {
	re, err := syntax.Parse(expr, syntax.Perl)
	if err != nil {
		return nil, err
	}
	seqs, ok := expand(re)
	if !ok {
		return nil, ErrTooManyBranches
	}
	branches := make([]RegexpBranch, 0, len(seqs))
	for _, seq := range seqs {
		branches = append(branches, branchOf(seq))
	}
	return branches, nil
}

// An atom is one step of a branch: a literal rune, any one character (an
// unescaped "."), or anything else (a class, a repetition).
type atom struct {
	r       rune
	literal bool
	anyChar bool
	// skipped marks where an optional part was left out; r is its first
	// rune and last its last, when literal (":" first for an optional
	// port, "." last for an optional subdomain label).
	skipped bool
	last    rune
}

// expand returns every sequence of atoms re can match, or false if there
// are more than maxBranches.
func expand(re *syntax.Regexp) ([][]atom, bool) {
	switch re.Op {
	case syntax.OpLiteral:
		seq := make([]atom, len(re.Rune))
		for i, r := range re.Rune {
			if re.Flags&syntax.FoldCase != 0 {
				r = unicode.ToLower(r)
			}
			seq[i] = atom{r: r, literal: true}
		}
		return [][]atom{seq}, true
	case syntax.OpCharClass:
		if len(re.Rune) == 2 && re.Rune[0] == re.Rune[1] {
			return [][]atom{{{r: re.Rune[0], literal: true}}}, true // [.]
		}
		return [][]atom{{{}}}, true
	case syntax.OpAnyChar, syntax.OpAnyCharNotNL:
		return [][]atom{{{anyChar: true}}}, true
	case syntax.OpEmptyMatch, syntax.OpBeginLine, syntax.OpEndLine, syntax.OpBeginText,
		syntax.OpEndText, syntax.OpWordBoundary, syntax.OpNoWordBoundary:
		return [][]atom{nil}, true
	case syntax.OpCapture:
		return expand(re.Sub[0])
	case syntax.OpQuest:
		seqs, ok := expand(re.Sub[0])
		return append(seqs, []atom{skippedMark(seqs)}), ok && len(seqs) < maxBranches
	case syntax.OpAlternate:
		var all [][]atom
		for _, sub := range re.Sub {
			seqs, ok := expand(sub)
			if !ok || len(all)+len(seqs) > maxBranches {
				return nil, false
			}
			all = append(all, seqs...)
		}
		var filled [][]atom
		for _, seq := range all {
			if len(seq) > 0 {
				filled = append(filled, seq)
			}
		}
		for i, seq := range all {
			if len(seq) == 0 {
				all[i] = []atom{skippedMark(filled)} // (a|)
			}
		}
		return all, true
	case syntax.OpConcat:
		all := [][]atom{nil}
		for _, sub := range re.Sub {
			seqs, ok := expand(sub)
			if !ok || len(all)*len(seqs) > maxBranches {
				return nil, false
			}
			var next [][]atom
			for _, head := range all {
				for _, tail := range seqs {
					next = append(next, append(head[:len(head):len(head)], tail...))
				}
			}
			all = next
		}
		return all, true
	}
	return [][]atom{{{}}}, true // repetitions and the rest: anything
}

// skippedMark is the mark of an optional part left out, whose branches are seqs.
func skippedMark(seqs [][]atom) atom {
	mark := atom{skipped: true}
	if len(seqs) > 0 && len(seqs[0]) > 0 {
		if first := seqs[0][0]; first.literal {
			mark.r = first.r
		}
		if last := seqs[0][len(seqs[0])-1]; last.literal {
			mark.last = last.r
		}
	}
	return mark
}

func branchOf(marked []atom) RegexpBranch {
	var seq []atom
	var skips []int      // where in seq optional parts were left out
	var subdomains []int // where optional leading labels ("www\.") were
	for _, a := range marked {
		switch {
		case !a.skipped:
			seq = append(seq, a)
		case a.r == ':' || a.r == '/': // a port or a path: not the host
		case a.last == '.':
			subdomains = append(subdomains, len(seq))
		default:
			skips = append(skips, len(seq))
		}
	}
	var b RegexpBranch
	var lead strings.Builder
	i := 0
	for ; i < len(seq) && seq[i].literal; i++ {
		lead.WriteRune(seq[i].r)
		if strings.HasSuffix(lead.String(), "://") {
			i++
			break
		}
	}
	scheme, found := strings.CutSuffix(lead.String(), "://")
	if !found || !validScheme(scheme) {
		return b
	}
	b.Scheme = scheme
	host := seq[i:]
	for j, a := range host {
		if a.literal && (a.r == ':' || a.r == '/') {
			host = host[:j]
			break
		}
	}
	for _, at := range skips {
		b.Optional = b.Optional || i <= at && at <= i+len(host)
	}
	for _, at := range subdomains {
		// Left out at the start of the host, an optional label leaves the
		// parent domain, the site's own: `https://(www\.)?example\.com`.
		b.Optional = b.Optional || i < at && at <= i+len(host)
	}
	b.Exact = true
	tail := len(host)
	for j, a := range host {
		if !a.literal {
			b.Exact = false
			tail = j + 1
		}
		b.LooseDot = b.LooseDot || a.anyChar
	}
	var s strings.Builder
	for _, a := range host[tail:] {
		s.WriteRune(a.r)
	}
	if b.Exact {
		s.Reset()
		for _, a := range host {
			s.WriteRune(a.r)
		}
	}
	b.HostTail = s.String()
	if b.LooseDot {
		b.Example = looseDotExample(scheme, seq[i:])
	}
	return b
}

// looseDotExample writes the origin that seq matches with "x" for its
// first loose dot and "." for the others, if seq is literal but for them.
func looseDotExample(scheme string, seq []atom) string {
	var s strings.Builder
	s.WriteString(scheme + "://")
	x := byte('x')
	for _, a := range seq {
		switch {
		case a.literal:
			s.WriteRune(a.r)
		case a.anyChar:
			s.WriteByte(x)
			x = '.'
		default:
			return ""
		}
	}
	return s.String()
}
