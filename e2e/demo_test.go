package e2e

import (
	"fmt"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestDemoPage runs the demo of README.md, example.Caddyfile and
// demo/index.html, in each engine, with a Caddy of its own on free ports
// instead of 8080, 8081 and 2019, which the root package's tests use at the
// same time. It saves a screenshot of the page as the test's artifact
// (go test -artifacts).
func TestDemoPage(t *testing.T) {
	inEveryEngine(t, func(t *testing.T, e *engine, b browser) {
		notePassed(t, e)
		ports, err := freePorts(3)
		if err != nil {
			t.Fatal(err)
		}
		siteA := fmt.Sprintf("http://localhost:%d", ports[0])
		siteB := fmt.Sprintf("http://127.0.0.1:%d", ports[1])
		dir := t.TempDir()
		demo := filepath.Join(dir, "demo")
		if err := os.Mkdir(demo, 0o755); err != nil {
			t.Fatal(err)
		}
		page := rewrite(t, "../demo/index.html", map[string]string{
			`"http://127.0.0.1:8081"`: fmt.Sprintf("%q", siteB),
		})
		if err := os.WriteFile(filepath.Join(demo, "index.html"), []byte(page), 0o644); err != nil {
			t.Fatal(err)
		}
		accessLog := filepath.Join(dir, "site-b.log")
		config := rewrite(t, "../example.Caddyfile", map[string]string{
			"localhost:2019": fmt.Sprintf("127.0.0.1:%d", ports[2]),
			"localhost:8080": strings.TrimPrefix(siteA, "http://"), // site A, and the origin in site B's cors line
			"127.0.0.1:8081": strings.TrimPrefix(siteB, "http://"),
			"root * demo":    fmt.Sprintf("root * %q", demo),
			// Site B logs the requests that reach it.
			"\tbind 127.0.0.1\n\n\t# Only /api/*": fmt.Sprintf("\tbind 127.0.0.1\n\tlog {\n\t\toutput file %q\n\t\tformat json\n\t}\n\n\t# Only /api/*", accessLog),
		})
		for _, port := range []string{":8080", ":8081", ":2019"} {
			if strings.Contains(config, port) {
				t.Fatalf("the rewritten example.Caddyfile still binds %s:\n%s", port, config)
			}
		}

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

// rewrite returns the file with each old string replaced by its new one, and
// fails the test if an old string is not in the file: then the demo changed,
// and so must this test.
func rewrite(t *testing.T, file string, replacements map[string]string) string {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	for old, replacement := range replacements {
		if !strings.Contains(text, old) {
			t.Fatalf("%s has no %q any more; update this test", file, old)
		}
		text = strings.ReplaceAll(text, old, replacement)
	}
	return text
}
