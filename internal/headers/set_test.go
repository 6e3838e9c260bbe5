package headers

import (
	"fmt"
	"strings"
	"testing"
)

func TestSetContains(t *testing.T) {
	long := "X-" + strings.Repeat("Long", 20) // longer than the stack buffer
	members := []string{"Content-Type", "x-custom", "X-REQUESTED-WITH", "X-Key", long, "x-CUSTOM"}
	tests := []struct {
		name string
		in   string
		want bool
	}{
		{"member as written", "Content-Type", true},
		{"member in lowercase", "content-type", true},
		{"member in uppercase", "CONTENT-TYPE", true},
		{"member in mixed case", "cOnTeNt-tYpE", true},
		{"member added lowercase, asked uppercase", "X-CUSTOM", true},
		{"member added uppercase, asked lowercase", "x-requested-with", true},
		{"member longer than the stack buffer as written", long, true},
		{"member longer than the stack buffer in another case", strings.ToLower(long), true},
		{"prefix of a member is not a member", "Content", false},
		{"member with a suffix is not a member", "Content-Types", false},
		{"name longer than any member is not a member", long + "X", false},
		{"long name of the same length as a long member but different", strings.ToLower(long[:len(long)-1]) + "x", false},
		{"non-ASCII name is not a member", "Contént-Type", false},
		{"Kelvin sign does not fold to k", "x-\u212aey", false},
		{"non-ASCII byte in place of a letter is not a member", "x-custo\xcd", false},
		{"empty name is not a member", "", false},
	}
	// A small set is scanned, a larger one hashed: both must agree.
	var filler []string
	for i := range 2 * smallSet {
		filler = append(filler, fmt.Sprintf("X-Filler-%d", i))
	}
	for size, set := range map[string]*Set{
		"small set": NewSet(members),
		"large set": NewSet(append(filler, members...)),
	} {
		for _, tt := range tests {
			t.Run(size+"/"+tt.name, func(t *testing.T) {
				if got := set.Contains(tt.in); got != tt.want {
					t.Errorf("Contains(%q) = %v, want %v", tt.in, got, tt.want)
				}
			})
		}
	}
}

func TestEmptySetContainsNothing(t *testing.T) {
	for _, set := range []*Set{NewSet(nil), {}, nil} {
		for _, name := range []string{"", "a", "Content-Type"} {
			if set.Contains(name) {
				t.Errorf("empty set contains %q", name)
			}
		}
	}
}

func TestSetContainsDoesNotAllocate(t *testing.T) {
	long := "X-" + strings.Repeat("Long", 20)
	set := NewSet([]string{"Content-Type", "X-Custom", long})
	for _, name := range []string{"Content-Type", "content-type", "X-CUSTOM", "x-other", strings.ToUpper(long), long + "x"} {
		if n := testing.AllocsPerRun(100, func() { set.Contains(name) }); n != 0 {
			t.Errorf("Contains(%q) allocates %v times per call, want 0", name, n)
		}
	}
}

func BenchmarkSetContains(b *testing.B) {
	set := NewSet([]string{"Content-Type", "X-Custom", "Authorization", "X-Requested-With", "If-Match"})
	for _, bb := range []struct{ name, in string }{
		{"lowercase member", "x-requested-with"},
		{"mixed-case member", "X-Requested-With"},
		{"mixed-case non-member", "X-Not-Allowed"},
		{"longer than any member", "X-Much-Longer-Than-Any-Member"},
	} {
		b.Run(bb.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				set.Contains(bb.in)
			}
		})
	}
}
