package headers

import (
	"strings"
	"testing"

	"golang.org/x/net/http/httpguts"
)

// tchars lists every byte of an RFC 9110 token, written out independently
// of httpguts so the two check each other.
const tchars = "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"

func isTokenReference(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if strings.IndexByte(tchars, s[i]) < 0 {
			return false
		}
	}
	return true
}

// TestTokensAreHttpgutsTokens: the bytes TokenRule names are the ones
// httpguts accepts in a header name, so the messages say what is checked.
func TestTokensAreHttpgutsTokens(t *testing.T) {
	for c := 0; c < 256; c++ {
		s := string([]byte{byte(c)})
		if got, want := httpguts.ValidHeaderFieldName(s), strings.IndexByte(tchars, byte(c)) >= 0; got != want {
			t.Errorf("httpguts.ValidHeaderFieldName(%q) = %v, want %v", s, got, want)
		}
	}
}

func TestTokenRuleNamesEveryTokenByte(t *testing.T) {
	// The rule is quoted in error messages; its wording is part of them.
	if want := "letters, digits and !#$%&'*+-.^_`|~ only"; TokenRule != want {
		t.Errorf("TokenRule = %q, want %q", TokenRule, want)
	}
	for i := 0; i < len(tchars); i++ {
		c := tchars[i]
		alnum := '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
		if !alnum && strings.IndexByte(TokenRule, c) < 0 {
			t.Errorf("TokenRule does not name %q", c)
		}
	}
}

func TestIsForbiddenRequestHeader(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want bool
	}{
		{"Cookie is forbidden", "Cookie", true},
		{"forbidden names match in lowercase", "cookie", true},
		{"forbidden names match in uppercase", "ACCESS-CONTROL-REQUEST-HEADERS", true},
		{"forbidden names match in mixed case", "kEeP-aLiVe", true},
		{"Accept-Charset is forbidden", "Accept-Charset", true},
		{"Accept-Encoding is forbidden", "Accept-Encoding", true},
		{"Access-Control-Request-Method is forbidden", "Access-Control-Request-Method", true},
		{"Connection is forbidden", "Connection", true},
		{"Content-Length is forbidden", "Content-Length", true},
		{"Cookie2 is forbidden", "Cookie2", true},
		{"Date is forbidden", "Date", true},
		{"DNT is forbidden", "dnt", true},
		{"Expect is forbidden", "Expect", true},
		{"Host is forbidden", "Host", true},
		{"Origin is forbidden", "Origin", true},
		{"Referer is forbidden", "Referer", true},
		{"Set-Cookie is forbidden", "Set-Cookie", true},
		{"TE is forbidden", "te", true},
		{"Trailer is forbidden", "Trailer", true},
		{"Transfer-Encoding is forbidden", "Transfer-Encoding", true},
		{"Upgrade is forbidden", "Upgrade", true},
		{"Via is forbidden", "Via", true},
		{"Sec- prefix is forbidden", "Sec-Fetch-Mode", true},
		{"Sec- prefix matches in any case", "SEC-CH-UA", true},
		{"bare Sec- prefix is forbidden", "Sec-", true},
		{"Proxy- prefix is forbidden", "Proxy-Authorization", true},
		{"Proxy- prefix matches in any case", "pRoXy-Foo", true},
		{"Sec inside a name is not a prefix", "X-Sec-Foo", false},
		{"Sec without a hyphen is not the prefix", "Secret", false},
		{"Proxy without a hyphen is not the prefix", "Proxy", false},
		{"Authorization is not forbidden", "Authorization", false},
		{"Content-Type is not forbidden", "Content-Type", false},
		{"Cookie with a suffix is not forbidden", "Cookies", false},
		{"Kelvin sign does not fold to k in Keep-Alive", "\u212aeep-Alive", false},
		{"empty name is not forbidden", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := IsForbiddenRequestHeader(tt.in, ""); got != tt.want {
				t.Errorf("IsForbiddenRequestHeader(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

func TestIsForbiddenResponseHeader(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want bool
	}{
		{"Set-Cookie is forbidden", "Set-Cookie", true},
		{"Set-Cookie2 is forbidden", "Set-Cookie2", true},
		{"forbidden names match in mixed case", "sEt-CoOkIe", true},
		{"Cookie is readable when exposed", "Cookie", false},
		{"X-Request-Id is readable when exposed", "X-Request-Id", false},
		{"Set-Cookie3 is readable when exposed", "Set-Cookie3", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := IsForbiddenResponseHeader(tt.in); got != tt.want {
				t.Errorf("IsForbiddenResponseHeader(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

func TestIsSafelistedResponseHeader(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want bool
	}{
		{"Cache-Control is safelisted", "Cache-Control", true},
		{"Content-Language is safelisted", "Content-Language", true},
		{"Content-Length is safelisted", "Content-Length", true},
		{"Content-Type is safelisted", "Content-Type", true},
		{"Expires is safelisted", "Expires", true},
		{"Last-Modified is safelisted", "Last-Modified", true},
		{"Pragma is safelisted", "Pragma", true},
		{"safelisted names match in mixed case", "cOnTeNt-TyPe", true},
		{"ETag needs exposing", "ETag", false},
		{"Content-Encoding needs exposing", "Content-Encoding", false},
		{"X-Request-Id needs exposing", "X-Request-Id", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := IsSafelistedResponseHeader(tt.in); got != tt.want {
				t.Errorf("IsSafelistedResponseHeader(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

func TestIsForbiddenRequestHeaderValue(t *testing.T) {
	tests := []struct {
		name string
		f    Field
		want bool
	}{
		{"cookie is forbidden", Field{"Cookie", "a=b"}, true},
		{"sec- prefix is forbidden", Field{"Sec-Fetch-Mode", "cors"}, true},
		{"proxy- prefix is forbidden", Field{"Proxy-Authorization", "x"}, true},
		{"method override with TRACE is forbidden", Field{"X-HTTP-Method-Override", "GET, trace"}, true},
		{"method override with PATCH is allowed", Field{"X-HTTP-Method-Override", "PATCH"}, false},
		{"authorization is allowed", Field{"Authorization", "Bearer x"}, false},
		{"custom header is allowed", Field{"X-Foo", "1"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := IsForbiddenRequestHeader(tt.f.Name, tt.f.Value); got != tt.want {
				t.Errorf("IsForbiddenRequestHeader(%v) = %v, want %v", tt.f, got, tt.want)
			}
		})
	}
}
