package headers

import (
	"reflect"
	"strings"
	"testing"
)

func TestUnsafeHeaders(t *testing.T) {
	long := strings.Repeat("a", 129)
	tests := []struct {
		name   string
		fields []Field
		want   []string // unsafe names, in order
		reason string   // part of the first reason
	}{
		{"no headers need no preflight", nil, []string{}, ""},
		{"Accept with any type is safelisted", []Field{{"Accept", "application/json, text/*;q=0.5"}}, []string{}, ""},
		{"Accept with a CORS-unsafe byte is not", []Field{{"Accept", "text/html (x)"}}, []string{"accept"}, `byte '('`},
		{"Accept-Language with letters, digits and *,-.;= is safelisted", []Field{{"Accept-Language", "en-US,en;q=0.9, *"}}, []string{}, ""},
		{"Content-Language with a slash is not", []Field{{"Content-Language", "en/us"}}, []string{"content-language"}, "safelisted language values"},
		{"Content-Type text/plain with charset is safelisted", []Field{{"Content-Type", "text/plain;charset=UTF-8"}}, []string{}, ""},
		{"Content-Type in uppercase is safelisted", []Field{{"Content-Type", "Multipart/Form-Data; boundary=x"}}, []string{}, ""},
		{"Content-Type form is safelisted", []Field{{"content-type", "application/x-www-form-urlencoded"}}, []string{}, ""},
		{"Content-Type JSON is not", []Field{{"Content-Type", "application/json"}}, []string{"content-type"}, `"application/json" is not application/x-www-form-urlencoded`},
		{"Content-Type with a quoted parameter has an unsafe byte", []Field{{"Content-Type", `text/plain; charset="utf-8"`}}, []string{"content-type"}, `byte '"'`},
		{"Content-Type that is not a MIME type is not", []Field{{"Content-Type", "text"}}, []string{"content-type"}, "not a MIME type"},
		{"Range bytes=0- is safelisted", []Field{{"Range", "bytes=0-"}}, []string{}, ""},
		{"Range bytes=5-10 is safelisted", []Field{{"Range", "bytes=5-10"}}, []string{}, ""},
		{"Range bytes=-500 is not", []Field{{"Range", "bytes=-500"}}, []string{"range"}, "single range"},
		{"Range with two ranges is not", []Field{{"Range", "bytes=0-1,5-6"}}, []string{"range"}, "single range"},
		{"Range with start after end is not", []Field{{"Range", "bytes=10-5"}}, []string{"range"}, "single range"},
		{"Range with white space is not", []Field{{"Range", "bytes= 0-5"}}, []string{"range"}, "single range"},
		{"a value over 128 bytes is not safelisted", []Field{{"Accept", long}}, []string{"accept"}, "129 bytes"},
		{"custom headers are not safelisted, sorted and lowercased", []Field{{"X-Zeta", "1"}, {"Authorization", "x"}, {"X-Alpha", "2"}}, []string{"authorization", "x-alpha", "x-zeta"}, "is not a CORS-safelisted request header"},
		{"a name given twice is listed once", []Field{{"X-Foo", "1"}, {"x-foo", "2"}}, []string{"x-foo"}, ""},
		{"safelisted values over 1024 bytes in total all become unsafe", []Field{
			{"Accept", strings.Repeat("a", 128)}, {"Accept", strings.Repeat("b", 128)}, {"Accept", strings.Repeat("c", 128)},
			{"Accept", strings.Repeat("d", 128)}, {"Accept", strings.Repeat("e", 128)}, {"Accept", strings.Repeat("f", 128)},
			{"Accept", strings.Repeat("g", 128)}, {"Accept", strings.Repeat("h", 128)}, {"Content-Language", "en"},
		}, []string{"accept", "content-language"}, "1026 bytes, over the 1024-byte limit"},
		{"safelisted values of exactly 1024 bytes stay safelisted", []Field{
			{"Accept", strings.Repeat("a", 128)}, {"Accept", strings.Repeat("b", 128)}, {"Accept", strings.Repeat("c", 128)},
			{"Accept", strings.Repeat("d", 128)}, {"Accept", strings.Repeat("e", 128)}, {"Accept", strings.Repeat("f", 128)},
			{"Accept", strings.Repeat("g", 128)}, {"Accept", strings.Repeat("h", 128)},
		}, []string{}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := UnsafeHeaders(tt.fields)
			names := UnsafeNames(got)
			if !reflect.DeepEqual(names, tt.want) {
				t.Fatalf("UnsafeHeaders = %q, want %q", names, tt.want)
			}
			if tt.reason != "" && !strings.Contains(got[0].Reason, tt.reason) {
				t.Errorf("reason %q does not say %q", got[0].Reason, tt.reason)
			}
		})
	}
}

func TestRequestHeadersValueIsCommaJoinedWithoutSpaces(t *testing.T) {
	got := RequestHeadersValue(UnsafeHeaders([]Field{{"X-B", "1"}, {"Content-Type", "application/json"}, {"X-A", "1"}}))
	if want := "content-type,x-a,x-b"; got != want {
		t.Errorf("Access-Control-Request-Headers = %q, want %q", got, want)
	}
}

func TestIsCORSRequestHeader(t *testing.T) {
	for name, want := range map[string]bool{
		"Access-Control-Request-Method":          true,
		"access-control-request-headers":         true,
		"Access-Control-Request-Private-Network": true,
		"Access-Control-Request-":                false,
		"Access-Control-Allow-Origin":            false,
		"Origin":                                 false,
	} {
		if got := IsCORSRequestHeader(name); got != want {
			t.Errorf("IsCORSRequestHeader(%q) = %v, want %v", name, got, want)
		}
	}
}
