package e2e

import (
	"fmt"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// TestDemoPage runs the demo of README.md, example.Caddyfile and
// demo/index.html, in the browser, on free ports instead of 8080, 8081 and
// 2019, which the root package's tests use at the same time. It saves a
// screenshot of the page as the test's artifact (go test -artifacts).
func TestDemoPage(t *testing.T) {
	needChromium(t)
	t.Parallel()
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
	config := rewrite(t, "../example.Caddyfile", map[string]string{
		"localhost:2019": fmt.Sprintf("127.0.0.1:%d", ports[2]),
		"localhost:8080": strings.TrimPrefix(siteA, "http://"), // site A, and the origin in site B's cors line
		"127.0.0.1:8081": strings.TrimPrefix(siteB, "http://"),
		"root * demo":    fmt.Sprintf("root * %q", demo),
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

	tb := openTab(t)
	tb.open(siteA + "/")
	if err := chromedp.Do(tb.ctx, chromedp.WaitReady(chromedp.CSS(`body[data-done="true"]`))); err != nil {
		t.Fatalf("the demo page did not finish its calls: %v", err)
	}
	screenshot, err := chromedp.Run(tb.ctx, chromedp.FullScreenshot(100)) // 100: PNG
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.ArtifactDir(), "demo.png")
	if err := os.WriteFile(file, screenshot, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot of the demo page: %s", file)

	outcomes, err := chromedp.Run(tb.ctx, chromedp.Evaluate[map[string]string](
		`Object.fromEntries([...document.querySelectorAll("#calls tr")].map(row => [row.id, row.dataset.outcome]))`))
	if err != nil {
		t.Fatal(err)
	}
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
	summary, err := chromedp.Run(tb.ctx, chromedp.Text(chromedp.ID("summary")))
	if err != nil {
		t.Fatal(err)
	}
	if summary != "6 of 6 calls behaved as expected." {
		t.Errorf("the demo's summary says %q", summary)
	}

	// The two blocked calls are blocked by CORS, each for its own reason.
	blocked := tb.waitCORSErrors(2)
	wantBlocked := []corsError{
		{"DELETE " + siteB + "/api/items/1", network.CorsErrorPreflightMissingAllowOriginHeader},
		{"GET " + siteB + "/internal/stats", network.CorsErrorMissingAllowOriginHeader},
	}
	if !reflect.DeepEqual(blocked, wantBlocked) {
		t.Errorf("the browser blocked %v, want %v", blocked, wantBlocked)
	}
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
