package e2e

import (
	"bufio"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

const (
	webKitDriverPath   = "/usr/bin/WebKitWebDriver"
	miniBrowserPattern = "/usr/lib/*/webkit2gtk-4.1/MiniBrowser"
	xvfbPath           = "/usr/bin/Xvfb"
)

// webKit is WebKitGTK's MiniBrowser, driven through WebKitWebDriver. WebKitGTK
// has no headless mode, so it runs on an Xvfb display of its own.
type webKit struct {
	session string // the driver's URL for the session
	client  *http.Client
	release string
	home    string // the first window, which stays open: new windows open from it

	// The driver takes one session, with one current window: a command for a
	// page switches to the page's window first, both under mu.
	mu sync.Mutex
}

func startWebKit(dir string) (browser, error) {
	miniBrowser, err := filepath.Glob(miniBrowserPattern)
	if err != nil || len(miniBrowser) == 0 {
		return nil, fmt.Errorf("no %s", miniBrowserPattern)
	}
	display, err := startXvfb()
	if err != nil {
		return nil, err
	}
	ports, err := freePorts(1)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(webKitDriverPath, fmt.Sprintf("--port=%d", ports[0]), "--host=127.0.0.1")
	cmd.Env = append(isolatedEnv(dir), "DISPLAY="+display)
	driver, err := startChild(cmd)
	if err != nil {
		return nil, err
	}
	atExit(driver.stop)
	w := &webKit{client: &http.Client{Timeout: opLimit}}
	base := fmt.Sprintf("http://127.0.0.1:%d", ports[0])
	quick := &http.Client{Timeout: time.Second}
	if err := driver.waitServing(func() (*http.Client, error) { return quick, nil }, base+"/status"); err != nil {
		return nil, err
	}
	var session struct {
		SessionID    string
		Capabilities struct{ BrowserVersion string }
	}
	slow := &http.Client{Timeout: startLimit}
	err = webDriverCall(slow, http.MethodPost, base+"/session", map[string]any{
		"capabilities": map[string]any{"alwaysMatch": map[string]any{
			// Caddy's internal CA is not trusted.
			"acceptInsecureCerts": true,
			"webkitgtk:browserOptions": map[string]any{
				"binary": miniBrowser[0],
				"args":   []string{"--automation"},
			},
		}},
	}, &session)
	if err != nil {
		return nil, fmt.Errorf("%v\n%s", err, driver.logs)
	}
	w.session, w.release = base+"/session/"+session.SessionID, session.Capabilities.BrowserVersion
	// Ending the session closes MiniBrowser; the driver's group is killed next
	// in any case.
	atExit(func() { webDriverCall(quick, http.MethodDelete, w.session, nil, nil) })
	if err := webDriverCall(w.client, http.MethodGet, w.session+"/window", nil, &w.home); err != nil {
		return nil, err
	}
	return w, nil
}

// startXvfb starts an X server on a free display and returns the display.
func startXvfb() (string, error) {
	r, w, err := os.Pipe()
	if err != nil {
		return "", err
	}
	defer r.Close()
	// -displayfd: Xvfb picks a free display and writes its number there once
	// it accepts clients.
	cmd := exec.Command(xvfbPath, "-displayfd", "3", "-screen", "0", "1280x800x24", "-nolisten", "tcp")
	cmd.ExtraFiles = []*os.File{w}
	xvfb, err := startChild(cmd)
	w.Close()
	if err != nil {
		return "", err
	}
	atExit(xvfb.stop)
	number := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(r).ReadString('\n')
		number <- strings.TrimSpace(line)
	}()
	select {
	case n := <-number:
		if n == "" {
			return "", fmt.Errorf("Xvfb gave no display: %v\n%s", xvfb.cmd.ProcessState, xvfb.logs)
		}
		return ":" + n, nil
	case <-time.After(waitLimit):
		return "", fmt.Errorf("Xvfb gave no display in %v:\n%s", waitLimit, xvfb.logs)
	}
}

func (w *webKit) version() string { return w.release }

// newPage opens a window. The windows of a session share their cookies;
// only calls with credentials send them, and those scenarios all log in.
func (w *webKit) newPage() (page, error) {
	var window struct{ Handle string }
	home := &webKitPage{webKit: w, window: w.home}
	if err := home.call(http.MethodPost, "/window/new", map[string]any{"type": "window"}, &window); err != nil {
		return nil, err
	}
	return &webKitPage{webKit: w, window: window.Handle}, nil
}

type webKitPage struct {
	*webKit
	window string
}

// call switches to the page's window and sends the command there.
func (p *webKitPage) call(method, path string, params, value any) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := webDriverCall(p.client, http.MethodPost, p.session+"/window", map[string]any{"handle": p.window}, nil); err != nil {
		return err
	}
	return webDriverCall(p.client, method, p.session+path, params, value)
}

func (p *webKitPage) open(url string) error {
	return p.call(http.MethodPost, "/url", map[string]any{"url": url}, nil)
}

func (p *webKitPage) evalJSON(script string) ([]byte, error) {
	var got struct{ Text, Error *string }
	err := p.call(http.MethodPost, "/execute/async", map[string]any{
		"script": "const done = arguments[arguments.length - 1];\n" +
			jsonOf(script) + ".then(text => done({text}), err => done({error: String(err)}));",
		"args": []any{},
	}, &got)
	switch {
	case err != nil:
		return nil, err
	case got.Error != nil:
		return nil, errors.New(*got.Error)
	case got.Text == nil:
		return nil, errors.New("the script gave no value")
	}
	return []byte(*got.Text), nil
}

func (p *webKitPage) screenshot() ([]byte, error) {
	var shot string
	if err := p.call(http.MethodGet, "/screenshot", nil, &shot); err != nil {
		return nil, err
	}
	return base64.StdEncoding.DecodeString(shot)
}

func (p *webKitPage) close() { p.call(http.MethodDelete, "/window", nil, nil) }
