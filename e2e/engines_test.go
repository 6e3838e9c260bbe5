package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// opLimit bounds one thing a test asks of a page: open a URL, run a script.
const opLimit = 40 * time.Second

// engine is a browser engine the tests run in. Every browser scenario runs in
// each, as a subtest named by the engine.
type engine struct {
	name         string // in test names
	title        string // in README
	drivenBy     string // in README
	versionParts int    // how much of the version README shows: 156, 2.50
	needs        []need
	start        func(dir string) (browser, error)

	// Where the engines differ. The tests check each fact in each engine, and
	// README's table of engine differences is made from these fields.

	// wildcardCoversAuthorization: a literal * in Access-Control-Allow-Headers
	// lets a request send Authorization, which the Fetch standard forbids.
	// TestCrossOriginCalls checks it with hand-written CORS headers.
	wildcardCoversAuthorization bool
	// maxAgeCap is the longest Access-Control-Max-Age that the engine honours,
	// as it documents it. TestMaxAgeCaps (opt-in) checks on which side of
	// 610 seconds it lies.
	maxAgeCap time.Duration
	// sendsThirdPartyCookies: a credentialed call from another site carries
	// the SameSite=None cookie that the API set when the user visited it
	// directly. TestThirdPartyCookie checks it. Headless Chromium blocks
	// third-party cookies, in a new browser context and in its default one
	// alike; Firefox keeps the cookie for the API's own site (Total Cookie
	// Protection).
	sendsThirdPartyCookies bool
	// preflightsAfterRedirect: a preflighted call that a 303 turns into a GET
	// to another origin gets a preflight for that GET too, although a GET
	// without unsafe headers needs none (the Fetch standard sends none).
	// TestRedirectAfterPreflight checks it.
	preflightsAfterRedirect bool

	once    sync.Once
	browser browser
	err     error
}

// need is a file that an engine needs, and the Debian package that has it.
type need struct {
	pattern       string // for filepath.Glob
	debianPackage string
}

var engines = []*engine{
	{
		name: "chromium", title: "Chromium", drivenBy: "DevTools protocol (chromedp)", versionParts: 1,
		needs: []need{{chromiumPath, "chromium"}},
		start: startChromium,

		maxAgeCap: 2 * time.Hour,
	},
	{
		name: "firefox", title: "Firefox ESR", drivenBy: "WebDriver BiDi, built into Firefox", versionParts: 1,
		needs: []need{{firefoxPath, "firefox-esr"}},
		start: startFirefox,

		maxAgeCap:               24 * time.Hour,
		preflightsAfterRedirect: true,
	},
	{
		name: "webkit", title: "WebKitGTK (MiniBrowser)", drivenBy: "WebDriver (WebKitWebDriver), under Xvfb", versionParts: 2,
		needs: []need{{webKitDriverPath, "webkit2gtk-driver"}, {miniBrowserPattern, "libwebkit2gtk-4.1-0"}, {xvfbPath, "xvfb"}},
		start: startWebKit,

		wildcardCoversAuthorization: true,
		maxAgeCap:                   10 * time.Minute,
		// MiniBrowser leaves Intelligent Tracking Prevention off, as
		// WebKitGTK does by default; with --enable-itp it sends no
		// third-party cookie, like Safari, which has ITP on.
		sendsThirdPartyCookies:  true,
		preflightsAfterRedirect: true,
	},
}

// browser is an engine's browser, started once for the package.
type browser interface {
	version() string // as the browser reports it
	newPage() (page, error)
}

// page is one tab, in a browsing context of its own where the engine has them,
// so that pages share no cookies.
type page interface {
	open(url string) error                  // navigate and wait for the load event
	evalJSON(script string) ([]byte, error) // JSON.stringify of the value of the script, a promise awaited
	screenshot() ([]byte, error)            // PNG
	close()
}

// jsonOf is an expression whose value is the JSON text of script's value, once
// the promise it may give has settled. script is an expression.
func jsonOf(script string) string {
	return "(async () => JSON.stringify(await (" + script + ")))()"
}

// inEveryEngine runs test as a subtest for each engine, in parallel.
func inEveryEngine(t *testing.T, test func(t *testing.T, e *engine, b browser)) {
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) {
			t.Parallel()
			b := needBrowser(t, e)
			start := time.Now()
			t.Cleanup(func() { t.Logf("%s: %v", e.name, time.Since(start).Round(time.Millisecond)) })
			test(t, e, b)
		})
	}
}

// needBrowser returns the engine's browser, started on first use. It skips
// the test when the engine is not installed, except in CI, where a missing
// engine is a failure: CI must never skip one quietly.
func needBrowser(t *testing.T, e *engine) browser {
	t.Helper()
	if testing.Short() {
		t.Skip("starts Caddy and browsers")
	}
	var missing, packages []string
	for _, n := range e.needs {
		if found, _ := filepath.Glob(n.pattern); len(found) == 0 {
			missing = append(missing, n.pattern)
			packages = append(packages, n.debianPackage)
		}
	}
	if len(missing) > 0 {
		msg := fmt.Sprintf("%s cannot run here: no %s; install it with apt-get install -y %s",
			e.title, strings.Join(missing, ", "), strings.Join(packages, " "))
		if ci, _ := strconv.ParseBool(os.Getenv("CI")); ci {
			t.Fatal("CI=true but " + msg)
		}
		t.Skip(msg + " (with CI=true this is a failure)")
	}
	e.once.Do(func() {
		dir, err := packageDir()
		if err != nil {
			e.err = err
			return
		}
		dir = filepath.Join(dir, e.name)
		if err := os.Mkdir(dir, 0o755); err != nil {
			e.err = err
			return
		}
		e.browser, e.err = e.start(dir)
		if e.err == nil {
			t.Logf("%s %s started", e.title, e.browser.version())
		}
	})
	if e.err != nil {
		t.Fatalf("starting %s: %v", e.title, e.err)
	}
	return e.browser
}

// tab is a page that a test opened; it fails the test when the page fails.
type tab struct {
	t    *testing.T
	page page
}

// openTab opens a page in b, closed when the test ends.
func openTab(t *testing.T, b browser) *tab {
	t.Helper()
	p, err := b.newPage()
	if err != nil {
		t.Fatalf("opening a page: %v", err)
	}
	t.Cleanup(p.close)
	return &tab{t, p}
}

func (tb *tab) open(url string) {
	tb.t.Helper()
	if err := tb.page.open(url); err != nil {
		tb.t.Fatalf("opening %s: %v", url, err)
	}
}

// eval runs script, an expression, in the page and decodes its value into v.
func (tb *tab) eval(script string, v any) {
	tb.t.Helper()
	text, err := tb.page.evalJSON(script)
	if err != nil {
		tb.t.Fatalf("running %s: %v", script, err)
	}
	if err := json.Unmarshal(text, v); err != nil {
		tb.t.Fatalf("running %s: %v in %s", script, err, text)
	}
}

// waitUntil waits a bounded time for script, an expression, to be true.
func (tb *tab) waitUntil(script string) {
	tb.t.Helper()
	deadline := time.Now().Add(waitLimit)
	for {
		var done bool
		tb.eval(script, &done)
		if done {
			return
		}
		if time.Now().After(deadline) {
			tb.t.Fatalf("%s is still false after %v", script, waitLimit)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// passedMu guards passed.
var passedMu sync.Mutex

// passed has the names of the tests that passed in each engine, for README's
// table: engine name -> test name -> true.
var passed = map[string]map[string]bool{}

// notePassed records, when the test ends, whether it passed in e.
func notePassed(t *testing.T, e *engine) {
	t.Cleanup(func() {
		if t.Failed() || t.Skipped() {
			return
		}
		passedMu.Lock()
		defer passedMu.Unlock()
		if passed[e.name] == nil {
			passed[e.name] = map[string]bool{}
		}
		passed[e.name][t.Name()] = true
	})
}
