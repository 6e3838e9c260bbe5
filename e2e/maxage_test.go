package e2e

import (
	"os"
	"slices"
	"testing"
	"time"
)

// TestMaxAgeCaps checks on which side of 610 seconds each engine caps
// Access-Control-Max-Age (engine.maxAgeCap): with max_age 2h, a page makes
// the same preflighted call twice, 610 seconds apart, and an engine whose cap
// is shorter preflights again. It takes over 10 minutes, so it runs only with
// CORS_E2E_MAX_AGE=1, and needs -timeout over 10m; each engine waits in a
// parallel subtest of its own, so -parallel 3 lets them wait together.
func TestMaxAgeCaps(t *testing.T) {
	if os.Getenv("CORS_E2E_MAX_AGE") != "1" {
		t.Skip("waits 610 seconds; run with CORS_E2E_MAX_AGE=1, -parallel 3 and -timeout 20m")
	}
	const pause = 610 * time.Second
	s := needStack(t)
	app, api := s.origin(appHost), s.origin(apiHost)
	inEveryEngine(t, func(t *testing.T, e *engine, b browser) {
		tb := openTab(t, b)
		tb.open(app + "/")
		path := uniquePath("/max-age-2h/item", e)
		for round := range 2 {
			if round > 0 {
				time.Sleep(pause)
			}
			if got := tb.fetch(api, "API + "+jsString(path)+`, {method: "PUT"}`); !got.Allowed || got.Status != 200 {
				t.Fatalf("call %d: %v", round+1, got)
			}
		}
		want := []int{204}
		if e.maxAgeCap < pause {
			want = []int{204, 204}
		}
		got, err := s.preflights(path)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, want) {
			t.Errorf("preflights answered %v, want %v: %s's cap on Access-Control-Max-Age is not on the side of %v that engine.maxAgeCap (%v) says",
				got, want, e.title, pause, e.maxAgeCap)
		}
	})
}
