package cors

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestHeadersSurviveEveryResponse checks that the CORS headers of an allowed
// origin are on the response whatever the handlers after cors do, so that a
// page's script can read the real status instead of a CORS error.
func TestHeadersSurviveEveryResponse(t *testing.T) {
	policy := `cors https://app.example.com {
		credentials
		expose_headers X-Request-Id
	}`
	startCaddy(t, fmt.Sprintf(`
:{$SITE_PORT} {
	%s
	handle /moved {
		redir * /new 301
	}
	handle /private/* {
		basic_auth {
			Bob $2a$14$Zkx19XLiW6VYouLHR5NmfOFU0z2GTNmpkT/5qqR7hx4IjWJPDhjvG
		}
		respond "secret"
	}
	handle /teapot {
		error "short and stout" 418
	}
	handle /boom {
		respond "backend broke" 500
	}
	handle /down/* {
		reverse_proxy 127.0.0.1:1
	}
	handle {
		respond "ok" 200
	}
}
:%d {
	%s
	error "no such thing" 404
	handle_errors {
		respond "error page for {err.status_code}" {err.status_code}
	}
}`, policy, backendPort, policy))
	grant := hdr(
		"Access-Control-Allow-Origin", appOrigin,
		"Access-Control-Allow-Credentials", "true",
		"Access-Control-Expose-Headers", "X-Request-Id",
		"Vary", "Origin",
	)
	from := hdr("Origin", appOrigin)
	runExchanges(t, []exchange{
		{name: "2xx", path: "/", header: from, status: 200, cors: grant, body: "ok"},
		{name: "3xx from redir", path: "/moved", header: from, status: 301, cors: grant},
		{name: "401 from basic_auth", path: "/private/x", header: from, status: 401, cors: grant},
		{name: "error directive without handle_errors", path: "/teapot", header: from, status: 418, cors: grant},
		{name: "respond with 500", path: "/boom", header: from, status: 500, cors: grant, body: "backend broke"},
		{name: "reverse_proxy with its upstream down gives 502", path: "/down/x", header: from, status: 502, cors: grant},
		{name: "response written by a handle_errors route", path: fmt.Sprintf("http://127.0.0.1:%d/x", backendPort), header: from, status: 404, cors: grant, body: "error page for 404"},
		{name: "refused origin on an error response gets no grant", path: "/down/x", header: hdr("Origin", evilOrigin), status: 502, cors: hdr("Vary", "Origin")},
	})
}

// TestOnePolicyPerResponse puts cors in front of a backend that sends its
// own CORS headers: the response must carry this handler's policy only.
func TestOnePolicyPerResponse(t *testing.T) {
	startCaddy(t, fmt.Sprintf(`
:{$SITE_PORT} {
	cors https://app.example.com {
		expose_headers X-Mine
	}
	reverse_proxy 127.0.0.1:%d
}
:%d {
	header {
		Access-Control-Allow-Origin *
		Access-Control-Allow-Credentials true
		Access-Control-Expose-Headers X-Theirs
		Access-Control-Allow-Methods DELETE
		Access-Control-Allow-Headers *
		Access-Control-Max-Age 86400
		Access-Control-Allow-Private-Network true
		Vary Accept
	}
	respond "backend {method}" 200
}`, backendPort, backendPort))
	runExchanges(t, []exchange{
		{
			name:   "allowed origin: the backend's ACAO is replaced and its other grants are removed",
			header: hdr("Origin", appOrigin),
			status: 200,
			cors: hdr(
				"Access-Control-Allow-Origin", appOrigin,
				"Access-Control-Expose-Headers", "X-Mine",
				"Vary", "Origin",
				"Vary", "Accept",
			),
			body: "backend GET",
		},
		{
			name:   "refused origin: every backend grant is removed",
			header: hdr("Origin", evilOrigin),
			status: 200,
			cors:   hdr("Vary", "Origin", "Vary", "Accept"),
			body:   "backend GET",
		},
		{
			name:   "no Origin: every backend grant is removed",
			status: 200,
			cors:   hdr("Vary", "Origin", "Vary", "Accept"),
			body:   "backend GET",
		},
		{
			name:   "preflight is answered here; the backend never sees it",
			method: "OPTIONS",
			header: preflightFrom(appOrigin, "PUT"),
			status: 204,
			cors: hdr(
				"Access-Control-Allow-Origin", appOrigin,
				"Access-Control-Allow-Methods", defaultACAM,
				"Vary", varyPreflight,
			),
		},
	})
}

// TestStreamingAndUpgradesPassThrough runs cors in front of a Go backend
// that streams and that upgrades connections, through reverse_proxy.
func TestStreamingAndUpgradesPassThrough(t *testing.T) {
	release := make(chan struct{})
	backend := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Access-Control-Allow-Origin", "*")
		switch r.URL.Path {
		case "/events":
			w.Header().Set("Content-Type", "text/event-stream")
			fmt.Fprint(w, "data: first\n\n")
			http.NewResponseController(w).Flush()
			select {
			case <-release:
			case <-time.After(10 * time.Second):
			}
			fmt.Fprint(w, "data: second\n\n")
		case "/ws":
			if r.Header.Get("Upgrade") != "echo" {
				http.Error(w, "want upgrade", 400)
				return
			}
			w.Header().Set("Connection", "Upgrade")
			w.Header().Set("Upgrade", "echo")
			w.WriteHeader(http.StatusSwitchingProtocols)
			conn, rw, err := http.NewResponseController(w).Hijack()
			if err != nil {
				return
			}
			defer conn.Close()
			rw.Flush()
			line, _ := rw.ReadString('\n')
			rw.WriteString("echo: " + line)
			rw.Flush()
		}
	})}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go backend.Serve(ln)
	t.Cleanup(func() { backend.Close() })

	startCaddy(t, fmt.Sprintf(`
:{$SITE_PORT} {
	cors https://app.example.com
	reverse_proxy %s
}`, ln.Addr()))

	t.Run("server-sent events arrive one by one, with this handler's headers", func(t *testing.T) {
		req, _ := http.NewRequest("GET", siteURL+"/events", nil)
		req.Header.Set("Origin", appOrigin)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if got := resp.Header.Values("Access-Control-Allow-Origin"); len(got) != 1 || got[0] != appOrigin {
			t.Errorf("ACAO = %q, want exactly [%q]", got, appOrigin)
		}
		br := bufio.NewReader(resp.Body)
		first, err := br.ReadString('\n')
		if err != nil || first != "data: first\n" {
			t.Fatalf("first event = %q, %v; want it before the backend sends the second", first, err)
		}
		close(release)
		rest, _ := io.ReadAll(br)
		if !strings.Contains(string(rest), "data: second") {
			t.Errorf("second event missing: %q", rest)
		}
	})

	t.Run("connection upgrade works and the 101 carries this handler's headers", func(t *testing.T) {
		conn, err := net.Dial("tcp", siteAddr)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		conn.SetDeadline(time.Now().Add(10 * time.Second))
		fmt.Fprintf(conn, "GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nOrigin: %s\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n", appOrigin)
		br := bufio.NewReader(conn)
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != 101 {
			t.Fatalf("status = %d, want 101", resp.StatusCode)
		}
		if got := resp.Header.Values("Access-Control-Allow-Origin"); len(got) != 1 || got[0] != appOrigin {
			t.Errorf("ACAO = %q, want exactly [%q]", got, appOrigin)
		}
		fmt.Fprint(conn, "hello\n")
		line, err := br.ReadString('\n')
		if err != nil || line != "echo: hello\n" {
			t.Errorf("echo = %q, %v", line, err)
		}
	})
}

// TestRefusalsAreLoggedAtDebug reads Caddy's log to check that each refused
// request says why.
func TestRefusalsAreLoggedAtDebug(t *testing.T) {
	logFile := filepath.Join(t.TempDir(), "caddy.log")
	startCaddy(t, `
:{$SITE_PORT} {
	cors https://app.example.com {
		methods GET PUT
		headers X-Custom
	}
	respond "next" 200
}`, fmt.Sprintf("log {\n\t\toutput file %s\n\t\tlevel DEBUG\n\t}", logFile))

	cases := []struct {
		header http.Header
		reason string
	}{
		{preflightFrom(evilOrigin, "PUT"), `"reason":"origin not allowed"`},
		{preflightFrom(appOrigin, "DELETE"), `"reason":"method \"DELETE\" not allowed"`},
		{preflightFrom(appOrigin, "PUT", "Access-Control-Request-Headers", "x-custom,X-Foo"), `"reason":"header \"X-Foo\" not allowed"`},
		{preflightFrom("https://app.example.com/path", "PUT"), `"reason":"malformed origin"`},
		{preflightFrom(appOrigin, "PUT", "Access-Control-Request-Headers", "a b"), `"reason":"malformed Access-Control-Request-Headers"`},
		{preflightFrom(`https://x".example`, "PUT"), `"origin":"https://x\".example"`},
		{preflightFrom(`https://evil.example","reason":"origin allowed`, "PUT"), `"origin":"https://evil.example\",\"reason\":\"origin allowed"`},
	}
	for _, c := range cases {
		exchange{name: c.reason, method: "OPTIONS", header: c.header, status: 403, cors: hdr("Vary", varyPreflight)}.run(t)
	}
	exchange{name: "actual", header: hdr("Origin", evilOrigin), status: 200, cors: hdr("Vary", "Origin"), body: "next"}.run(t)

	var log string
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		b, _ := os.ReadFile(logFile)
		log = string(b)
		if strings.Count(log, "cors: request refused") >= len(cases)+1 {
			break
		}
	}
	for _, c := range cases {
		if !strings.Contains(log, c.reason) {
			t.Errorf("log has no line with %s", c.reason)
		}
	}
	if n := strings.Count(log, "cors: request refused"); n != len(cases)+1 {
		t.Errorf("%d refusals logged, want %d", n, len(cases)+1)
	}
	if strings.Contains(log, `"reason":"origin allowed"`) {
		t.Errorf("a hostile origin forged a log field:\n%s", log)
	}
}

// TestLongMaxAgeWarns checks the warning for a max_age that Chromium cuts
// short: the config loads, and the log says what will happen.
func TestLongMaxAgeWarns(t *testing.T) {
	logFile := filepath.Join(t.TempDir(), "caddy.log")
	startCaddy(t, `
:{$SITE_PORT} {
	cors https://app.example.com {
		max_age 3h
	}
	respond "next" 200
}`, fmt.Sprintf("log {\n\t\toutput file %s\n\t}", logFile))
	exchange{
		name:   "preflight gets the configured max age",
		method: "OPTIONS",
		header: preflightFrom(appOrigin, "PUT"),
		status: 204,
		cors: hdr(
			"Access-Control-Allow-Origin", appOrigin,
			"Access-Control-Allow-Methods", defaultACAM,
			"Access-Control-Max-Age", "10800",
			"Vary", varyPreflight,
		),
	}.run(t)
	b, _ := os.ReadFile(logFile)
	if want := `"level":"warn"`; !strings.Contains(string(b), want) || !strings.Contains(string(b), "cors: max_age: 3h is more than 2h") {
		t.Errorf("log has no warning about max_age 3h:\n%s", b)
	}
}

// TestErrorResponsesCarryOnlyThisPolicy keeps a leftover `header` snippet
// from before the site adopted cors: on error responses, which Caddy writes
// after cors has returned, the snippet's grant must not reach the browser
// any more than on normal responses.
func TestErrorResponsesCarryOnlyThisPolicy(t *testing.T) {
	startCaddy(t, fmt.Sprintf(`
:{$SITE_PORT} {
	header Access-Control-Allow-Origin *
	header Access-Control-Expose-Headers X-Stray
	cors https://app.example.com {
		credentials
	}
	handle /private/* {
		basic_auth {
			Bob $2a$14$Zkx19XLiW6VYouLHR5NmfOFU0z2GTNmpkT/5qqR7hx4IjWJPDhjvG
		}
		respond "secret"
	}
	handle /missing/* {
		root * %q
		file_server
	}
	handle /boom {
		error "boom" 500
	}
}`, t.TempDir()))
	grant := hdr(
		"Access-Control-Allow-Origin", appOrigin,
		"Access-Control-Allow-Credentials", "true",
		"Vary", "Origin",
	)
	var exchanges []exchange
	for _, e := range []struct {
		path   string
		status int
	}{{"/private/x", 401}, {"/missing/x", 404}, {"/boom", 500}} {
		exchanges = append(exchanges,
			exchange{name: fmt.Sprintf("%d for an allowed origin carries the grant only", e.status), path: e.path, header: hdr("Origin", appOrigin), status: e.status, cors: grant},
			exchange{name: fmt.Sprintf("%d for a refused origin carries no grant", e.status), path: e.path, header: hdr("Origin", evilOrigin), status: e.status, cors: hdr("Vary", "Origin")},
			exchange{name: fmt.Sprintf("%d without Origin carries no grant", e.status), path: e.path, status: e.status, cors: hdr("Vary", "Origin")},
		)
	}
	runExchanges(t, exchanges)
}

// TestHandleErrorsWithTheSamePolicy covers error pages from a handle_errors
// route that proxies to a backend sending CORS headers of its own (it echoes
// any Origin, with credentials): the README's way, the same policy imported
// into handle_errors from a snippet, must give error responses this
// policy's decision and nothing else.
func TestHandleErrorsWithTheSamePolicy(t *testing.T) {
	startCaddy(t, fmt.Sprintf(`
(api-cors) {
	cors https://app.example.com {
		credentials
	}
}
:{$SITE_PORT} {
	import api-cors
	error "nope" 404
	handle_errors {
		import api-cors
		reverse_proxy 127.0.0.1:%d
	}
}
:%d {
	header Access-Control-Allow-Origin {header.Origin}
	header Access-Control-Allow-Credentials true
	respond "error page" 404
}`, backendPort, backendPort))
	runExchanges(t, []exchange{
		{
			name:   "allowed origin gets one grant, from the policy",
			header: hdr("Origin", appOrigin),
			status: 404,
			cors: hdr(
				"Access-Control-Allow-Origin", appOrigin,
				"Access-Control-Allow-Credentials", "true",
				"Vary", "Origin",
			),
			body: "error page",
		},
		{name: "refused origin gets no grant from the backend", header: hdr("Origin", evilOrigin), status: 404, cors: hdr("Vary", "Origin"), body: "error page"},
		{name: "no Origin gets no grant from the backend", status: 404, cors: hdr("Vary", "Origin"), body: "error page"},
	})
}
