package headers

import "testing"

func TestIsCORSResponseHeader(t *testing.T) {
	for name, want := range map[string]bool{
		"Access-Control-Allow-Origin":          true,
		"access-control-allow-origin":          true,
		"ACCESS-CONTROL-ALLOW-CREDENTIALS":     true,
		"Access-Control-Allow-Methods":         true,
		"Access-Control-Allow-Headers":         true,
		"Access-Control-Allow-Private-Network": true,
		"Access-Control-Expose-Headers":        true,
		"Access-Control-Max-Age":               true,
		"Access-Control-Allow-":                false,
		"Access-Control-Request-Method":        false,
		"Access-Control-Request-Headers":       false,
		"Origin":                               false,
		"X-Access-Control-Allow-Origin":        false,
		"Authorization":                        false,
	} {
		if got := IsCORSResponseHeader(name); got != want {
			t.Errorf("IsCORSResponseHeader(%q) = %v, want %v", name, got, want)
		}
	}
}
