package check

import (
	"strings"
	"testing"
)

func TestParseHeader(t *testing.T) {
	tests := []struct {
		in      string
		want    Field
		wantErr string
	}{
		{"X-Foo: bar", Field{Name: "X-Foo", Value: "bar"}, ""},
		{"X-Foo:bar baz  ", Field{Name: "X-Foo", Value: "bar baz"}, ""},
		{"X-Empty:", Field{Name: "X-Empty", Value: ""}, ""},
		{"X-Foo", Field{}, "has no colon"},
		{"X Foo: bar", Field{}, `"X Foo" is not a valid header name`},
		{": bar", Field{}, `"" is not a valid header name`},
		{"X-Foo: a\x00b", Field{}, "NUL, CR or LF"},
		{"X-Foo: a\x01b", Field{}, `the value has the control byte 0x01`},
		{"X-Foo: a\x7fb", Field{}, `the value has the control byte 0x7f`},
		{"X-Foo: a\tb", Field{Name: "X-Foo", Value: "a\tb"}, ""},
		{"X-Foo: caf\xc3\xa9", Field{Name: "X-Foo", Value: "caf\xc3\xa9"}, ""},
	}
	for _, tt := range tests {
		got, err := ParseHeader(tt.in)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ParseHeader(%q) error = %v, want one saying %q", tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParseHeader(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
}

func TestParseInput(t *testing.T) {
	tests := []struct {
		name    string
		err     error
		wantErr string
	}{
		{"origin with trailing slash", second(ParseOrigin("https://app.example.com/")), `has a trailing slash; write "https://app.example.com"`},
		{"origin in uppercase", second(ParseOrigin("HTTPS://App.example.com")), `write "https://app.example.com"`},
		{"origin with a wildcard", second(ParseOrigin("https://*.example.com")), "is not an origin as browsers send it"},
		{"origin null is what sandboxed pages send", second(ParseOrigin("null")), ""},
		{"origin without scheme", second(ParseOrigin("app.example.com")), "has no scheme"},
		{"URL without scheme", second(ParseURL("api.example.com/x")), "is not an http:// or https:// URL"},
		{"URL with another scheme", second(ParseURL("ftp://api.example.com/")), "is not an http:// or https:// URL"},
		{"URL that does not parse", second(ParseURL("http://[::1")), "is not a URL"},
		{"URL with user info", second(ParseURL("https://me:pw@api.example.com/")), "has user info"},
		{"forbidden method", ParseMethod("TRACE"), "fetch() refuses to send TRACE"},
		{"method that is not a token", ParseMethod("GE T"), "is not a method name"},
		{"data from a missing file", second(ReadData("@/nonexistent/body.json")), "--data: open /nonexistent/body.json"},
		{"data @ without a file", second(ReadData("@")), "needs a file name"},
		{"GET with a body", (&Request{Method: "get", HasBody: true}).Validate(), "fetch() refuses a body with GET"},
		{"cookie", second(ParseCookie("session=abc123")), ""},
		{"cookie with an empty value", second(ParseCookie("session=")), ""},
		{"cookie with a quoted value", second(ParseCookie(`session="abc"`)), ""},
		{"cookie without =", second(ParseCookie("session")), `--cookie "session" has no "="; write it as NAME=VALUE`},
		{"cookie without a name", second(ParseCookie("=abc")), `"" is not a cookie name`},
		{"cookie name with a space", second(ParseCookie("my session=abc")), `"my session" is not a cookie name`},
		{"cookie value with a semicolon", second(ParseCookie("a=b; c=d")), `the value has the byte ';'`},
		{"cookie value with a space", second(ParseCookie("a=b c")), `the value has the byte ' '`},
		{"cookie without credentials", (&Request{Method: "GET", Cookies: []Cookie{{Name: "a", Value: "b"}}}).Validate(), "--cookie needs --credentials"},
		{"cookie with credentials", (&Request{Method: "GET", Credentials: true, Cookies: []Cookie{{Name: "a", Value: "b"}}}).Validate(), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			switch {
			case tt.wantErr == "" && tt.err != nil:
				t.Errorf("unexpected error %v", tt.err)
			case tt.wantErr != "" && (tt.err == nil || !strings.Contains(tt.err.Error(), tt.wantErr)):
				t.Errorf("error = %v, want one saying %q", tt.err, tt.wantErr)
			}
		})
	}
}

func second[T any](_ T, err error) error { return err }
