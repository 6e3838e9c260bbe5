package origins

import (
	"testing"

	"github.com/weppos/publicsuffix-go/publicsuffix"
)

func TestPublicSuffixUnder(t *testing.T) {
	tests := []struct {
		name   string
		in     string
		suffix string // "" = none found
	}{
		{"parent is a public suffix: github.io", "https://*.github.io", "github.io"},
		{"parent is a public suffix: co.uk", "https://*.co.uk", "co.uk"},
		{"parent is a public suffix on any port", "https://*.co.uk:*", "co.uk"},
		{"parent is a public suffix over plain http", "http://*.co.uk", "co.uk"},
		{"parent is a TLD", "https://*.com", "com"},
		{"parent is a punycode TLD", "https://*.xn--p1ai", "xn--p1ai"},
		{"parent is an unlisted TLD, a suffix by the default rule", "https://*.internal", "internal"},
		{"parent is another unlisted TLD", "https://*.corp", "corp"},
		{"a name under an unlisted TLD is registrable", "https://*.app.internal", ""},
		{"a wildcard rule on the parent: r.appspot.com", "https://*.r.appspot.com", "*.r.appspot.com"},
		{"a wildcard rule on the parent's parent makes the parent a suffix", "https://*.x.r.appspot.com", "x.r.appspot.com"},
		{"parent is a private-section suffix: appspot.com", "https://*.appspot.com", "appspot.com"},
		{"a wildcard rule on the parent: kobe.jp", "https://*.kobe.jp", "*.kobe.jp"},
		{"an exception rule makes city.kobe.jp registrable", "https://*.city.kobe.jp", ""},
		{"a name under city.kobe.jp is registrable too", "https://*.www.city.kobe.jp", ""},
		{"a wildcard rule on the parent: platformsh.site", "https://*.platformsh.site", "*.platformsh.site"},
		{"a wildcard rule on the parent: compute.amazonaws.com", "https://*.compute.amazonaws.com", "*.compute.amazonaws.com"},
		{"normal and wildcard rules below the parent: amazonaws.com", "https://*.amazonaws.com", "s3.amazonaws.com"},
		{"a wildcard rule on the parent: customer-oci.com", "https://*.customer-oci.com", "*.customer-oci.com"},
		{"the wildcard rule on customer-oci.com makes the parent a suffix", "https://*.oci.customer-oci.com", "oci.customer-oci.com"},
		{"a name under github.io is registrable", "https://*.me.github.io", ""},
		{"example.com has no rule", "https://*.example.com", ""},
		{"app.example.com has no rule", "https://*.app.example.com", ""},
		{"localhost is loopback, not a suffix", "http://*.localhost:*", ""},
		{"not a wildcard: a public suffix as a host", "https://github.io", ""},
		{"not a wildcard: a name under a wildcard rule", "https://x.r.appspot.com", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := ParsePattern(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			suffix, ok := p.PublicSuffixUnder()
			if suffix != tt.suffix || ok != (tt.suffix != "") {
				t.Errorf("PublicSuffixUnder() = %q, %v; want %q, %v", suffix, ok, tt.suffix, tt.suffix != "")
			}
		})
	}
}

// TestPublicSuffixMatchesLibrary checks the index against the library's own
// lookup, below every rule of the list.
func TestPublicSuffixMatchesLibrary(t *testing.T) {
	list := publicSuffixList()
	for _, r := range publicsuffix.DefaultRules() {
		// Two labels no rule names, so the suffix is never the whole name,
		// which Decompose needs.
		name := "a1b2.c3d4." + r.Value
		want := publicsuffix.DefaultList.Find(name, nil).Decompose(name)[1]
		if got, _ := list.publicSuffix(name); got != want {
			t.Errorf("publicSuffix(%q) = %q; the library says %q", name, got, want)
		}
	}
}

// TestPublicSuffixAlgorithm pins the list's algorithm on a small list,
// including cases the real list does not have today.
func TestPublicSuffixAlgorithm(t *testing.T) {
	var rules []publicsuffix.Rule
	for _, s := range []string{"ex", "*.wild.ex", "!ok.wild.ex", "deep.ok.wild.ex", "both.ex", "*.both.ex", "*.x.deep.ex", "*.w.ex", "!a.w.ex", "!x.w.ex", "!www.w.ex"} {
		rules = append(rules, *publicsuffix.MustNewRule(s))
	}
	list := newSuffixList(rules)
	tests := []struct {
		name, host, suffix, rule string
	}{
		{"normal rule", "a.ex", "ex", "ex"},
		{"the name itself is a normal rule", "ex", "ex", "ex"},
		{"wildcard rule", "b.a.wild.ex", "a.wild.ex", "*.wild.ex"},
		{"exception rule", "a.ok.wild.ex", "wild.ex", "!ok.wild.ex"},
		{"an exception prevails over a longer rule", "a.deep.ok.wild.ex", "wild.ex", "!ok.wild.ex"},
		{"the longer of a normal and a wildcard rule on one domain", "b.a.both.ex", "a.both.ex", "*.both.ex"},
		{"the default rule", "a.b.unlisted", "unlisted", "*"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			suffix, rule := list.publicSuffix(tt.host)
			if suffix != tt.suffix || rule != tt.rule {
				t.Errorf("publicSuffix(%q) = %q, %q; want %q, %q", tt.host, suffix, rule, tt.suffix, tt.rule)
			}
		})
	}
	t.Run("a rule hidden by an exception is not below", func(t *testing.T) {
		if rule, ok := list.suffixBelow("ok.wild.ex"); ok {
			t.Errorf("suffixBelow(%q) = %q, true; want none: !ok.wild.ex prevails over deep.ok.wild.ex", "ok.wild.ex", rule)
		}
	})
	t.Run("a wildcard rule two labels below", func(t *testing.T) {
		if rule, ok := list.suffixBelow("deep.ex"); rule != "*.x.deep.ex" || !ok {
			t.Errorf("suffixBelow(%q) = %q, %v; want %q, true", "deep.ex", rule, ok, "*.x.deep.ex")
		}
	})
	t.Run("exceptions do not hide a wildcard rule", func(t *testing.T) {
		if rule, ok := list.suffixBelow("w.ex"); rule != "*.w.ex" || !ok {
			t.Errorf("suffixBelow(%q) = %q, %v; want %q, true", "w.ex", rule, ok, "*.w.ex")
		}
	})
	t.Run("both rules of one domain are seen below", func(t *testing.T) {
		if rule, ok := list.suffixBelow("both.ex"); rule != "*.both.ex" || !ok {
			t.Errorf("suffixBelow(%q) = %q, %v; want %q, true", "both.ex", rule, ok, "*.both.ex")
		}
	})
}
