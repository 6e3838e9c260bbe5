package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// tabLimit bounds everything one test does in its tab.
const tabLimit = 40 * time.Second

// browser starts Debian's Chromium once for the package. Tests open tabs in
// it with openTab.
var browser = sync.OnceValues(func() (context.Context, error) {
	dir, err := packageDir()
	if err != nil {
		return nil, err
	}
	profile := filepath.Join(dir, "chromium")
	if err := os.Mkdir(profile, 0o755); err != nil {
		return nil, err
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(chromiumPath),
		chromedp.UserDataDir(profile),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		// Caddy's internal CA is not in the system trust store, on purpose.
		chromedp.Flag("ignore-certificate-errors", true),
		// Production-like names for the origins, all served on loopback.
		chromedp.Flag("host-resolver-rules", "MAP *.test 127.0.0.1"),
		// The Fetch standard: a literal * in Access-Control-Allow-Headers does
		// not cover Authorization. Chromium only warns about it unless told to
		// enforce it, and a test that cannot see the difference proves nothing.
		chromedp.Flag("enable-features", "CorsNonWildcardRequestHeadersSupport"),
		chromedp.WindowSize(1200, 800),
	)
	ctx, cancel := chromedp.NewContext(allocCtx)
	atExit(func() {
		cancel()
		cancelAlloc()
	})
	// The first Do starts the browser for as long as ctx lives, so it takes
	// no timeout; the wait for it is bounded here instead.
	started := make(chan error, 1)
	go func() { started <- chromedp.Do(ctx) }()
	select {
	case err := <-started:
		if err != nil {
			return nil, fmt.Errorf("starting %s: %w", chromiumPath, err)
		}
	case <-time.After(waitLimit):
		return nil, fmt.Errorf("%s did not start in %v", chromiumPath, waitLimit)
	}
	return ctx, nil
})

// tab is a browser tab in a browser context of its own, so that no cookie,
// cache or preflight cache is shared between tests. It records what DevTools
// reports about the tab's requests.
type tab struct {
	t   *testing.T
	ctx context.Context

	mu         sync.Mutex
	requests   map[network.RequestID]string // "METHOD URL"
	preflights int                          // preflight requests sent
	corsErrors []corsError                  // in order
}

type corsError struct {
	request string // "METHOD URL"
	reason  network.CorsError
}

func openTab(t *testing.T) *tab {
	t.Helper()
	browserCtx, err := browser()
	if err != nil {
		t.Fatal(err)
	}
	limited, cancelLimit := context.WithTimeout(browserCtx, tabLimit)
	ctx, cancel := chromedp.NewContext(limited, chromedp.WithNewBrowserContext())
	t.Cleanup(func() {
		cancel()
		cancelLimit()
	})
	tb := &tab{t: t, ctx: ctx, requests: map[network.RequestID]string{}}
	if err := chromedp.Listen(ctx, tb.record); err != nil {
		t.Fatalf("opening a tab: %v", err)
	}
	return tb
}

// record runs in the tab's event loop, so it only takes notes.
func (tb *tab) record(ev any) {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	switch ev := ev.(type) {
	case *network.EventRequestWillBeSent:
		tb.requests[ev.RequestID] = ev.Request.Method + " " + ev.Request.URL
		if ev.Initiator != nil && ev.Initiator.Type == network.InitiatorTypePreflight {
			tb.preflights++
		}
	case *network.EventLoadingFailed:
		if ev.CorsErrorStatus != nil {
			tb.corsErrors = append(tb.corsErrors, corsError{tb.requests[ev.RequestID], ev.CorsErrorStatus.CorsError})
		}
	}
}

// open navigates the tab to url and waits for the page to load.
func (tb *tab) open(url string) {
	tb.t.Helper()
	if err := chromedp.Do(tb.ctx, chromedp.Navigate(url)); err != nil {
		tb.t.Fatalf("opening %s: %v", url, err)
	}
}

// seen is what the page's script could do with one fetch(), as the browser
// decided, and which requests reached the backend.
type seen struct {
	Allowed     bool              // the browser handed the response to the script
	Status      int               // response.status
	Body        string            // response.text(): what the backend received
	Readable    []string          // the response headers the script can read
	Preflighted bool              // the browser sent a preflight first
	CORSError   network.CorsError // why the browser refused, as DevTools reports it
	Received    []string          // methods that reached the backend for the path
}

func (s seen) String() string {
	if !s.Allowed {
		return fmt.Sprintf("blocked (%s), preflighted %v, backend received %q", s.CORSError, s.Preflighted, s.Received)
	}
	return fmt.Sprintf("allowed: status %d, body %q, readable headers %q, preflighted %v, backend received %q",
		s.Status, s.Body, s.Readable, s.Preflighted, s.Received)
}

// fetchJS calls fetch() in the page, as the page's own script would, and
// reports what the script got. API is the API's origin.
const fetchJS = `(async () => {
	const API = %q;
	try {
		const response = await fetch(%s);
		return {
			allowed: true,
			status: response.status,
			body: await response.text(),
			readable: [...response.headers.keys()],
		};
	} catch (err) {
		return {allowed: false, error: err.message};
	}
})()`

// fetch runs fetch(args) in the page; args may use API, the API's origin.
func (tb *tab) fetch(api, args string) seen {
	tb.t.Helper()
	tb.mu.Lock()
	preflightsBefore, errorsBefore := tb.preflights, len(tb.corsErrors)
	tb.mu.Unlock()

	got, err := chromedp.Run(tb.ctx, chromedp.Evaluate[struct {
		Allowed  bool
		Status   int
		Body     string
		Readable []string
		Error    string
	}](fmt.Sprintf(fetchJS, api, args), chromedp.EvalAwaitPromise))
	if err != nil {
		tb.t.Fatalf("fetch(%s): %v", args, err)
	}
	s := seen{Allowed: got.Allowed, Status: got.Status, Body: got.Body, Readable: got.Readable}
	if !s.Allowed {
		// DevTools may report the failure a moment after the script saw it.
		errs := tb.waitCORSErrors(errorsBefore + 1)
		if len(errs) <= errorsBefore {
			// Blocked always means blocked by CORS, not by the network or TLS.
			tb.t.Fatalf("fetch(%s) failed (%s), but the browser reported no CORS error", args, got.Error)
		}
		s.CORSError = errs[len(errs)-1].reason
	}
	tb.mu.Lock()
	s.Preflighted = tb.preflights > preflightsBefore
	tb.mu.Unlock()
	return s
}

// waitCORSErrors waits a bounded time for DevTools to report n CORS errors
// in the tab, and returns those it reported.
func (tb *tab) waitCORSErrors(n int) []corsError {
	deadline := time.Now().Add(waitLimit)
	for {
		tb.mu.Lock()
		errs := slices.Clone(tb.corsErrors)
		tb.mu.Unlock()
		if len(errs) >= n || time.Now().After(deadline) || tb.ctx.Err() != nil {
			return errs
		}
		time.Sleep(20 * time.Millisecond)
	}
}
