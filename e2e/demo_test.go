package e2e

import (
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/seed-41134e10/caddy-cors/internal/testenv"
)

// TestDemoPage runs the demo of README.md, example.Caddyfile and
// demo/index.html, in each engine, with a Caddy of its own on free ports
// instead of 8080, 8081 and 2019, which the root package's tests use at the
// same time. It saves a screenshot of the page as the test's artifact
// (go test -artifacts).
func TestDemoPage(t *testing.T) {
	inEveryEngine(t, func(t *testing.T, e *engine, b browser) {
		notePassed(t, e)
		dir := t.TempDir()
		pageDir := filepath.Join(dir, "demo")
		if err := os.Mkdir(pageDir, 0o755); err != nil {
			t.Fatal(err)
		}
		accessLog := filepath.Join(dir, "site-b.log")
		demo, err := testenv.NewDemo("..", pageDir, accessLog)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(pageDir, "index.html"), []byte(demo.Page), 0o644); err != nil {
			t.Fatal(err)
		}
		siteA, config := demo.SiteA, demo.Caddyfile

		caddy, err := startCaddy(dir, config)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(caddy.stop)
		plain := func() (*http.Client, error) { return &http.Client{Timeout: waitLimit}, nil }
		if err := caddy.waitServing(plain, siteA+"/"); err != nil {
			t.Fatal(err)
		}

		tb := openTab(t, b)
		tb.open(siteA + "/")
		tb.waitUntil(`document.body.dataset.done === "true"`)
		// WebKit's screenshot shows only what it has painted.
		var painted bool
		tb.eval(`new Promise(paint => requestAnimationFrame(() => requestAnimationFrame(() => paint(true))))`, &painted)
		screenshot, err := tb.page.screenshot()
		if err != nil {
			t.Fatal(err)
		}
		file := filepath.Join(t.ArtifactDir(), "demo-"+e.name+".png")
		if err := os.WriteFile(file, screenshot, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("screenshot of the demo page: %s", file)

		var outcomes map[string]string
		tb.eval(`Object.fromEntries([...document.querySelectorAll("#calls tr")].map(row => [row.id, row.dataset.outcome]))`, &outcomes)
		want := map[string]string{
			"simple-get":         "allowed",
			"json-post":          "allowed",
			"put-custom-header":  "allowed",
			"credentials":        "allowed",
			"method-not-allowed": "blocked",
			"route-not-allowed":  "blocked",
		}
		if !maps.Equal(outcomes, want) {
			t.Errorf("the demo's calls came out as\n%v\nwant\n%v", outcomes, want)
		}
		var summary string
		tb.eval(`document.getElementById("summary").textContent`, &summary)
		if summary != "6 of 6 calls behaved as expected." {
			t.Errorf("the demo's summary says %q", summary)
		}

		// The blocked calls were blocked by CORS, not by the network: the
		// DELETE's preflight was refused and the DELETE never sent; the GET
		// of /internal/stats was answered, without CORS headers.
		requests, err := readAccessLog(accessLog)
		if err != nil {
			t.Fatal(err)
		}
		got := make([]string, len(requests))
		for i, r := range requests {
			got[i] = r.String()
		}
		wantRequests := []string{
			"GET /api/hello 200",
			"OPTIONS /api/items 204",
			"POST /api/items 201",
			"OPTIONS /api/items/1 204",
			"PUT /api/items/1 200",
			"GET /api/me 200",
			"OPTIONS /api/items/1 403",
			"GET /internal/stats 200",
		}
		if !slices.Equal(got, wantRequests) {
			t.Errorf("site B received\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(wantRequests, "\n"))
		}
	})
}
