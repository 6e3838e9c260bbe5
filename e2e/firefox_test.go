package e2e

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sync"
)

const firefoxPath = "/usr/bin/firefox-esr"

// firefoxUserJS is the profile's user.js: the prefs the tests set.
const firefoxUserJS = `// The Fetch standard: a literal * in Access-Control-Allow-Headers does not
// cover Authorization. Firefox still lets it unless told not to, and a test
// that cannot see the difference proves nothing.
user_pref("network.cors_preflight.authorization_covered_by_wildcard", false);
`

// firefox is Debian's Firefox ESR, headless, driven through the WebDriver
// BiDi server that Firefox has built in.
type firefox struct {
	bidi    *bidi
	release string

	// Firefox once failed to create a tab while others opened and closed
	// ("DiscardedBrowsingContextError"), so pages open and close one at a time.
	tabs sync.Mutex
}

func startFirefox(dir string) (browser, error) {
	profile := filepath.Join(dir, "profile")
	if err := os.Mkdir(profile, 0o755); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(profile, "user.js"), []byte(firefoxUserJS), 0o644); err != nil {
		return nil, err
	}
	cmd := exec.Command(firefoxPath, "--headless", "--no-remote", "--remote-debugging-port=0", "--profile", profile)
	cmd.Env = append(isolatedEnv(dir), "MOZ_CRASHREPORTER_DISABLE=1")
	proc, err := startChild(cmd)
	if err != nil {
		return nil, err
	}
	atExit(proc.stop)
	url, err := proc.waitOutput(regexp.MustCompile(`WebDriver BiDi listening on (ws://\S+)`))
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), startLimit)
	defer cancel()
	conn, err := dialBiDi(ctx, url+"/session")
	if err != nil {
		return nil, err
	}
	atExit(conn.close)
	var session struct {
		Capabilities struct{ BrowserVersion string }
	}
	// Caddy's internal CA is not trusted; Firefox takes this capability for
	// every connection of the session, fetch() included.
	err = conn.call(ctx, "session.new", map[string]any{
		"capabilities": map[string]any{"alwaysMatch": map[string]any{"acceptInsecureCerts": true}},
	}, &session)
	if err != nil {
		return nil, err
	}
	return &firefox{bidi: conn, release: session.Capabilities.BrowserVersion}, nil
}

func (f *firefox) version() string { return f.release }

// newPage opens a tab in a new user context, which has its own cookies.
func (f *firefox) newPage() (page, error) {
	f.tabs.Lock()
	defer f.tabs.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), opLimit)
	defer cancel()
	p := &firefoxPage{firefox: f}
	var user struct{ UserContext string }
	if err := f.bidi.call(ctx, "browser.createUserContext", map[string]any{}, &user); err != nil {
		return nil, err
	}
	p.userContext = user.UserContext
	var tab struct{ Context string }
	err := f.bidi.call(ctx, "browsingContext.create", map[string]any{"type": "tab", "userContext": p.userContext}, &tab)
	if err != nil {
		f.bidi.call(ctx, "browser.removeUserContext", map[string]any{"userContext": p.userContext}, nil)
		return nil, err
	}
	p.context = tab.Context
	return p, nil
}

type firefoxPage struct {
	*firefox
	userContext string
	context     string
}

func (p *firefoxPage) call(method string, params map[string]any, result any) error {
	ctx, cancel := context.WithTimeout(context.Background(), opLimit)
	defer cancel()
	params["context"] = p.context
	return p.bidi.call(ctx, method, params, result)
}

func (p *firefoxPage) open(url string) error {
	return p.call("browsingContext.navigate", map[string]any{"url": url, "wait": "complete"}, nil)
}

func (p *firefoxPage) evalJSON(script string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), opLimit)
	defer cancel()
	var got struct {
		Type   string // success or exception
		Result struct {
			Type  string
			Value string
		}
		ExceptionDetails struct{ Text string }
	}
	err := p.bidi.call(ctx, "script.evaluate", map[string]any{
		"expression":   jsonOf(script),
		"target":       map[string]any{"context": p.context},
		"awaitPromise": true,
	}, &got)
	switch {
	case err != nil:
		return nil, err
	case got.Type == "exception":
		return nil, errors.New(got.ExceptionDetails.Text)
	case got.Result.Type != "string":
		return nil, fmt.Errorf("the script gave a %s, not JSON text", got.Result.Type)
	}
	return []byte(got.Result.Value), nil
}

func (p *firefoxPage) screenshot() ([]byte, error) {
	var shot struct{ Data string }
	if err := p.call("browsingContext.captureScreenshot", map[string]any{"origin": "document"}, &shot); err != nil {
		return nil, err
	}
	return base64.StdEncoding.DecodeString(shot.Data)
}

func (p *firefoxPage) close() {
	p.tabs.Lock()
	defer p.tabs.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), opLimit)
	defer cancel()
	if p.context != "" {
		p.bidi.call(ctx, "browsingContext.close", map[string]any{"context": p.context}, nil)
	}
	p.bidi.call(ctx, "browser.removeUserContext", map[string]any{"userContext": p.userContext}, nil)
}
