package e2e

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// backend is the application behind the API's reverse_proxy. It answers with
// what it received, and remembers the method of every request by path, so
// that tests can tell which requests the browser really sent.
type backend struct {
	server *httptest.Server
	host   string // host:port, on loopback

	mu       sync.Mutex
	received map[string][]string // path -> methods, in order
}

// echoedHeaders are the request headers that the backend's answer repeats.
var echoedHeaders = []string{"Authorization", "Content-Type", "Cookie", "X-Allowed", "X-Other"}

func startBackend() *backend {
	b := &backend{received: map[string][]string{}}
	b.server = httptest.NewServer(b) // listens on 127.0.0.1:0
	b.host = strings.TrimPrefix(b.server.URL, "http://")
	return b
}

func (b *backend) close() { b.server.Close() }

// methodsReceived returns the methods of the requests for path, in order.
func (b *backend) methodsReceived(path string) []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.received[path])
}

func (b *backend) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b.mu.Lock()
	b.received[r.URL.Path] = append(b.received[r.URL.Path], r.Method)
	b.mu.Unlock()

	h := w.Header()
	// Every answer carries two headers that scripts may read only if exposed.
	h.Set("X-Exposed", "exposed")
	h.Set("X-Hidden", "hidden")
	switch {
	case r.URL.Path == "/login":
		// What a login page on the API's site does: set a session cookie.
		http.SetCookie(w, &http.Cookie{Name: "session", Value: "s3cret", Path: "/",
			Secure: true, HttpOnly: true, SameSite: http.SameSiteLaxMode})
		h.Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, "<!doctype html><title>logged in</title>")
		return
	case r.URL.Path == "/login-none":
		// A cookie meant for calls from other sites. Its path keeps it off
		// every other scenario: WebKit's windows share their cookies.
		http.SetCookie(w, &http.Cookie{Name: thirdPartyCookieName, Value: thirdPartyCookieValue, Path: "/third-party/",
			Secure: true, HttpOnly: true, SameSite: http.SameSiteNoneMode})
		h.Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, "<!doctype html><title>logged in</title>")
		return
	case strings.HasPrefix(r.URL.Path, "/proxied/"):
		// An application that does its own CORS, badly, behind Caddy.
		h.Set("Access-Control-Allow-Origin", "*")
	case strings.HasPrefix(r.URL.Path, "/redirect/") && r.Method != http.MethodOptions:
		// "See other": a PUT that answers with a GET elsewhere.
		http.Redirect(w, r, r.URL.Query().Get("to"), http.StatusSeeOther)
		return
	}
	if r.Method == http.MethodOptions {
		// Only preflights that cors passes through (preflight_passthrough) get here.
		w.WriteHeader(http.StatusNoContent)
		return
	}
	status := http.StatusOK
	if s := r.URL.Query().Get("status"); s != "" {
		status, _ = strconv.Atoi(s)
	}
	h.Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(status)
	fmt.Fprintf(w, "%s %s\n", r.Method, r.URL.Path)
	for _, name := range echoedHeaders {
		if v := r.Header.Get(name); v != "" {
			fmt.Fprintf(w, "%s: %s\n", name, v)
		}
	}
}
