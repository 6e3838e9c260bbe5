package headers

import (
	"errors"
	"strconv"
	"strings"
	"testing"
)

var allowedFive = []string{"Content-Type", "X-Custom", "Authorization", "X-Requested-With", "If-Match"}

// names returns n distinct header names of the form "x-0", "x-1", ...
func names(n int) []string {
	list := make([]string, n)
	for i := range list {
		list[i] = "x-" + strconv.Itoa(i)
	}
	return list
}

func TestCheckRequest(t *testing.T) {
	five := NewSet(allowedFive)
	tests := []struct {
		name           string
		values         []string
		allowed        *Set
		wantNotAllowed string
		wantErr        error
	}{
		{"browser form, all allowed", []string{"content-type,x-custom"}, five, "", nil},
		{"spaced form, all allowed", []string{"Content-Type, X-Custom"}, five, "", nil},
		{"several header lines, all allowed", []string{"content-type", "x-custom, authorization"}, five, "", nil},
		{"OWS with tabs and spaces around elements", []string{"\tcontent-type \t,\t x-custom\t"}, five, "", nil},
		{"empty elements are skipped", []string{",content-type,, ,x-custom,"}, five, "", nil},
		{"all-empty elements are allowed", []string{" , ,\t,"}, five, "", nil},
		{"empty value is allowed", []string{""}, five, "", nil},
		{"no values are allowed", nil, five, "", nil},
		{"empty set allows no name", []string{"x-custom"}, NewSet(nil), "x-custom", nil},
		{"empty set allows an empty value", []string{""}, NewSet(nil), "", nil},
		{"one name not allowed is returned as written", []string{"Content-Type, X-Not-Allowed , X-Custom"}, five, "X-Not-Allowed", nil},
		{"first of several names not allowed is returned", []string{"x-one,x-two"}, five, "x-one", nil},
		{"name not allowed on a later line is returned", []string{"content-type", "x-custom,\tX-Late"}, five, "X-Late", nil},
		{"nil set allows any valid name", []string{"X-Anything, x-else"}, nil, "", nil},
		{"forbidden names are just names here", []string{"Cookie"}, nil, "", nil},
		{"space inside an element is malformed", []string{"x foo"}, five, "", ErrMalformed},
		{"NUL in an element is malformed", []string{"x\x00"}, nil, "", ErrMalformed},
		{"non-ASCII element is malformed", []string{"é"}, nil, "", ErrMalformed},
		{"semicolon separator is malformed", []string{"content-type;x-custom"}, five, "", ErrMalformed},
		{"CR LF inside a value is malformed", []string{"content-type\r\nx-custom"}, five, "", ErrMalformed},
		{"malformed element after a name not allowed wins", []string{"x-not-allowed, x y"}, five, "", ErrMalformed},
		{"malformed element on a later line wins", []string{"x-not-allowed", "x:y"}, five, "", ErrMalformed},
		{"exactly MaxRequestBytes is accepted", []string{strings.Repeat("a", MaxRequestBytes)}, nil, "", nil},
		{"exactly MaxRequestBytes across lines is accepted", []string{strings.Repeat("a", MaxRequestBytes/2), strings.Repeat("b", MaxRequestBytes/2)}, nil, "", nil},
		{"one byte over MaxRequestBytes is too large", []string{strings.Repeat("a", MaxRequestBytes+1)}, nil, "", ErrTooLarge},
		{"one byte over MaxRequestBytes across lines is too large", []string{strings.Repeat("a", MaxRequestBytes/2), strings.Repeat("b", MaxRequestBytes/2+1)}, nil, "", ErrTooLarge},
		{"size is checked before syntax", []string{strings.Repeat(" ", MaxRequestBytes) + "x y"}, nil, "", ErrTooLarge},
		{"exactly MaxRequestNames is accepted", []string{strings.Join(names(MaxRequestNames), ",")}, nil, "", nil},
		{"exactly MaxRequestNames duplicates is accepted", []string{strings.Repeat("a,", MaxRequestNames)}, nil, "", nil},
		{"one name over MaxRequestNames is too large", []string{strings.Join(names(MaxRequestNames+1), ",")}, nil, "", ErrTooLarge},
		{"duplicates count towards MaxRequestNames", []string{strings.Repeat("a,", MaxRequestNames+1)}, nil, "", ErrTooLarge},
		{"names count across lines", []string{strings.Join(names(MaxRequestNames), ","), "x-last"}, nil, "", ErrTooLarge},
		{"empty elements do not count towards MaxRequestNames", []string{strings.Repeat(",", 1000) + strings.Join(names(MaxRequestNames), ",,")}, nil, "", nil},
		{"1 MiB of commas is too large", []string{strings.Repeat(",", 1<<20)}, five, "", ErrTooLarge},
		{"10,000 names are too large", []string{strings.Join(names(10000), ",")}, five, "", ErrTooLarge},
		{"10,000 header lines are too large", strings.Split(strings.Repeat("a\n", 9999)+"a", "\n"), nil, "", ErrTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			notAllowed, err := CheckRequest(tt.values, tt.allowed)
			if notAllowed != tt.wantNotAllowed || !errors.Is(err, tt.wantErr) {
				t.Errorf("CheckRequest = (%q, %v), want (%q, %v)", notAllowed, err, tt.wantNotAllowed, tt.wantErr)
			}
		})
	}
}

func TestCheckRequestDoesNotAllocate(t *testing.T) {
	five := NewSet(allowedFive)
	tests := []struct {
		name    string
		values  []string
		allowed *Set
	}{
		{"browser form, all allowed", []string{"content-type,x-custom,authorization"}, five},
		{"mixed case, one not allowed", []string{"Content-Type, X-Not-Allowed"}, five},
		{"any name allowed", []string{"Content-Type, X-Custom"}, nil},
		{"oversized", []string{strings.Repeat(",", 1<<20)}, five},
		{"too many names", []string{strings.Join(names(10000), ",")}, five},
		{"malformed", []string{"content-type, x foo"}, five},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if n := testing.AllocsPerRun(100, func() { CheckRequest(tt.values, tt.allowed) }); n != 0 {
				t.Errorf("CheckRequest allocates %v times per call, want 0", n)
			}
		})
	}
}

// checkRequestReference is CheckRequest written as plainly as possible, with
// none of its care for speed or allocation. Errors are reported in the order
// the elements are met, as CheckRequest does.
func checkRequestReference(values, allowed []string) (string, error) {
	total := 0
	for _, v := range values {
		total += len(v)
	}
	if total > MaxRequestBytes {
		return "", ErrTooLarge
	}
	var set map[string]bool
	if allowed != nil {
		set = make(map[string]bool)
		for _, name := range allowed {
			set[strings.ToLower(name)] = true
		}
	}
	count := 0
	notAllowed := ""
	for _, v := range values {
		for _, elem := range strings.Split(v, ",") {
			elem = strings.Trim(elem, " \t")
			if elem == "" {
				continue
			}
			if !isTokenReference(elem) {
				return "", ErrMalformed
			}
			count++
			if count > MaxRequestNames {
				return "", ErrTooLarge
			}
			if notAllowed == "" && set != nil && !set[strings.ToLower(elem)] {
				notAllowed = elem
			}
		}
	}
	return notAllowed, nil
}

func FuzzCheckRequest(f *testing.F) {
	f.Add("content-type,x-custom", "Content-Type,X-Custom", false, false)
	f.Add("Content-Type, X-Custom", "content-type,x-custom,authorization", false, false)
	f.Add("content-type\nx-custom, X-Other", "Content-Type,X-Custom", true, false)
	f.Add("\tcontent-type \t,\t x-custom\t", "content-type", false, false)
	f.Add(",a,, ,b,", "A", false, false)
	f.Add("", "", false, false)
	f.Add("x foo", "", false, true)
	f.Add("x\x00", "x", false, false)
	f.Add("é,\u212aey", "key", false, false)
	f.Add(strings.Repeat("a,", MaxRequestNames+1), "a", false, false)
	f.Add(strings.Join(names(MaxRequestNames), ","), "", false, true)
	f.Add(strings.Repeat("a", MaxRequestBytes+1), "", false, true)
	f.Add(strings.Repeat("ab\n", MaxRequestBytes/3), "AB", true, false)
	f.Add("X-"+strings.Repeat("LONG", 20)+", x-y", "x-"+strings.Repeat("long", 20), false, false)
	f.Fuzz(func(t *testing.T, value, allowedList string, splitLines, anyName bool) {
		values := []string{value}
		if splitLines {
			values = strings.Split(value, "\n")
		}
		var allowed []string
		var set *Set
		if !anyName {
			allowed = []string{}
			for _, name := range strings.Split(allowedList, ",") {
				if isTokenReference(name) { // NewSet takes valid names only
					allowed = append(allowed, name)
				}
			}
			set = NewSet(allowed)
		}

		notAllowed, err := CheckRequest(values, set)
		wantNotAllowed, wantErr := checkRequestReference(values, allowed)
		if notAllowed != wantNotAllowed || err != wantErr {
			t.Fatalf("CheckRequest(%q, %q) = (%q, %v), reference says (%q, %v)",
				values, allowed, notAllowed, err, wantNotAllowed, wantErr)
		}
		if notAllowed != "" && !strings.Contains(value, notAllowed) {
			t.Fatalf("not-allowed name %q is not part of the request %q", notAllowed, value)
		}

		// Contains must agree with a plain lowercase lookup for any string,
		// tokens or not.
		if set != nil {
			want := false
			if isTokenReference(value) {
				for _, name := range allowed {
					//lint:ignore SA6005 the reference must not share EqualFold with the code it checks
					want = want || strings.ToLower(name) == strings.ToLower(value)
				}
			}
			if got := set.Contains(value); got != want {
				t.Fatalf("NewSet(%q).Contains(%q) = %v, want %v", allowed, value, got, want)
			}
		}
	})
}

func BenchmarkCheckRequest(b *testing.B) {
	five := NewSet(allowedFive)
	for _, bb := range []struct {
		name    string
		values  []string
		allowed *Set
	}{
		{"browser value, set of 5", []string{"content-type,x-custom,authorization"}, five},
		{"browser value, any name", []string{"content-type,x-custom,authorization"}, nil},
		{"1 MiB of commas", []string{strings.Repeat(",", 1<<20)}, five},
		{"10,000 names", []string{strings.Join(names(10000), ",")}, five},
	} {
		b.Run(bb.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				CheckRequest(bb.values, bb.allowed)
			}
		})
	}
}
