package origins

import (
	"reflect"
	"testing"
)

func TestBranches(t *testing.T) {
	tests := []struct {
		name string
		expr string
		want []RegexpBranch
	}{
		{"subdomains of one domain", `https://[a-z0-9-]+\.example\.com`, []RegexpBranch{{Scheme: "https", HostTail: ".example.com"}}},
		{"an optional port stays out of the host", `https://[a-z]+\.example\.com(:[0-9]+)?`, []RegexpBranch{
			{Scheme: "https", HostTail: ".example.com"}, {Scheme: "https", HostTail: ".example.com"}}},
		{"a literal host is exact", `https://app\.example\.com`, []RegexpBranch{{Scheme: "https", HostTail: "app.example.com", Exact: true}}},
		{"an optional s gives two schemes", `https?://app\.example\.com`, []RegexpBranch{
			{Scheme: "https", HostTail: "app.example.com", Exact: true}, {Scheme: "http", HostTail: "app.example.com", Exact: true}}},
		{"alternatives are branches", `https://(app|www)\.example\.com`, []RegexpBranch{
			{Scheme: "https", HostTail: "app.example.com", Exact: true}, {Scheme: "https", HostTail: "www.example.com", Exact: true}}},
		{"alternatives of one character are a class", `https://(a|b)\.example\.com`, []RegexpBranch{{Scheme: "https", HostTail: ".example.com"}}},
		{"unescaped dots are loose, with an example", `https://app.example.com`, []RegexpBranch{
			{Scheme: "https", HostTail: "com", LooseDot: true, Example: "https://appxexample.com"}}},
		{"a class that is one dot is a dot", `https://[a-z]+[.]example[.]com`, []RegexpBranch{{Scheme: "https", HostTail: ".example.com"}}},
		{"a scheme that is not literal", `[a-z]+://app\.example\.com`, []RegexpBranch{{}}},
		{"anything at all", `.*`, []RegexpBranch{{}}},
		{"case folding lowers the host", `(?i)https://APP\.example\.com`, []RegexpBranch{{Scheme: "https", HostTail: "app.example.com", Exact: true}}},
		{"a repetition ends the fixed tail", `https://.*\.com`, []RegexpBranch{{Scheme: "https", HostTail: ".com"}}},
		{"a loopback port", `http://localhost:[0-9]+`, []RegexpBranch{{Scheme: "http", HostTail: "localhost", Exact: true}}},
		{"an optional dot in the host", `https://app\.?example\.com`, []RegexpBranch{
			{Scheme: "https", HostTail: "app.example.com", Exact: true}, {Scheme: "https", HostTail: "appexample.com", Exact: true, Optional: true}}},
		{"an optional subdomain leaves the parent domain", `https://(www\.)?example\.com`, []RegexpBranch{
			{Scheme: "https", HostTail: "www.example.com", Exact: true}, {Scheme: "https", HostTail: "example.com", Exact: true}}},
		{"an optional port written as an empty alternative", `https://app\.example\.com(?:|:[0-9]+)`, []RegexpBranch{
			{Scheme: "https", HostTail: "app.example.com", Exact: true}, {Scheme: "https", HostTail: "app.example.com", Exact: true}}},
		{"an empty alternative in the host", `https://app(-|)x\.com`, []RegexpBranch{
			{Scheme: "https", HostTail: "app-x.com", Exact: true}, {Scheme: "https", HostTail: "appx.com", Exact: true, Optional: true}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Branches(tt.expr)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Branches(%q) =\n%+v\nwant\n%+v", tt.expr, got, tt.want)
			}
		})
	}
}

func TestBranchesBounded(t *testing.T) {
	if _, err := Branches(`https://(aa|bb)(cc|dd)(ee|ff)(gg|hh)(ii|jj)(kk|ll)(mm|nn)(oo|pp)(qq|rr)\.example\.com`); err != ErrTooManyBranches {
		t.Errorf("512 branches: err = %v, want ErrTooManyBranches", err)
	}
	if _, err := Branches(`https://(`); err == nil {
		t.Error("a broken regexp gave no error")
	}
}
