package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/chromedp"
)

const chromiumPath = "/usr/bin/chromium"

// chromium is Debian's Chromium, headless, driven through the DevTools
// protocol. chromedp starts it with a death signal and kills it by its ID.
type chromium struct {
	ctx     context.Context // the browser's
	release string
}

func startChromium(dir string) (browser, error) {
	profile := filepath.Join(dir, "profile")
	if err := os.Mkdir(profile, 0o755); err != nil {
		return nil, err
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(chromiumPath),
		chromedp.UserDataDir(profile),
		chromedp.Env(isolatedEnv(dir)...),
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
	if err := withinLimit(func() error { return chromedp.Do(ctx) }); err != nil {
		return nil, err
	}
	versionCtx, cancelVersion := context.WithTimeout(ctx, opLimit)
	defer cancelVersion()
	v, err := cdp.Call(versionCtx, chromedp.FromContext(ctx).Browser, cdpbrowser.GetVersion, cdp.Empty{})
	if err != nil {
		return nil, err
	}
	_, release, _ := strings.Cut(v.Product, "/") // HeadlessChrome/156.0.8078.114
	return &chromium{ctx: ctx, release: release}, nil
}

// withinLimit runs start, which must not be bounded by a context, and gives up
// waiting for it after startLimit.
func withinLimit(start func() error) error {
	done := make(chan error, 1)
	go func() { done <- start() }()
	select {
	case err := <-done:
		return err
	case <-time.After(startLimit):
		return fmt.Errorf("no answer in %v", startLimit)
	}
}

func (c *chromium) version() string { return c.release }

// newPage opens a tab in a new browser context: no cookie or cache is shared.
func (c *chromium) newPage() (page, error) {
	ctx, cancel := chromedp.NewContext(c.ctx, chromedp.WithNewBrowserContext())
	// The first Do ties the tab to ctx, so it takes no timeout either.
	if err := withinLimit(func() error { return chromedp.Do(ctx) }); err != nil {
		cancel()
		return nil, err
	}
	return &chromiumPage{ctx: ctx, cancel: cancel}, nil
}

type chromiumPage struct {
	ctx    context.Context
	cancel context.CancelFunc
}

func (p *chromiumPage) open(url string) error {
	ctx, cancel := context.WithTimeout(p.ctx, opLimit)
	defer cancel()
	return chromedp.Do(ctx, chromedp.Navigate(url))
}

func (p *chromiumPage) evalJSON(script string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(p.ctx, opLimit)
	defer cancel()
	text, err := chromedp.Run(ctx, chromedp.Evaluate[string](jsonOf(script), chromedp.EvalAwaitPromise))
	return []byte(text), err
}

func (p *chromiumPage) screenshot() ([]byte, error) {
	ctx, cancel := context.WithTimeout(p.ctx, opLimit)
	defer cancel()
	return chromedp.Run(ctx, chromedp.FullScreenshot(100)) // 100: PNG
}

func (p *chromiumPage) close() { p.cancel() }
