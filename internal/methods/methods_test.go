package methods

import "testing"

func TestNormalize(t *testing.T) {
	tests := []struct{ in, want string }{
		{"get", "GET"}, {"Put", "PUT"}, {"delete", "DELETE"}, {"options", "OPTIONS"},
		{"head", "HEAD"}, {"post", "POST"},
		{"patch", "patch"}, {"Patch", "Patch"}, {"PATCH", "PATCH"}, {"propfind", "propfind"},
	}
	for _, tt := range tests {
		if got := Normalize(tt.in); got != tt.want {
			t.Errorf("Normalize(%q) = %q, want %q (fetch uppercases only DELETE GET HEAD OPTIONS POST PUT)", tt.in, got, tt.want)
		}
	}
}

func TestIsSafelistedIsCaseSensitive(t *testing.T) {
	for m, want := range map[string]bool{"GET": true, "HEAD": true, "POST": true, "get": false, "PUT": false, "PATCH": false} {
		if got := IsSafelisted(m); got != want {
			t.Errorf("IsSafelisted(%q) = %v, want %v", m, got, want)
		}
	}
}

func TestIsForbidden(t *testing.T) {
	for m, want := range map[string]bool{"CONNECT": true, "trace": true, "Track": true, "GET": false, "PATCH": false, "OPTIONS": false, "TRACES": false} {
		if got := IsForbidden(m); got != want {
			t.Errorf("IsForbidden(%q) = %v, want %v", m, got, want)
		}
	}
}
