package cors

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
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
				"Vary", "Accept",
				"Vary", "Origin",
			),
			body: "backend GET",
		},
		{
			name:   "refused origin: every backend grant is removed",
			header: hdr("Origin", evilOrigin),
			status: 200,
			cors:   hdr("Vary", "Accept", "Vary", "Origin"),
			body:   "backend GET",
		},
		{
			name:   "no Origin: every backend grant is removed",
			status: 200,
			cors:   hdr("Vary", "Accept", "Vary", "Origin"),
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

// TestHeadersSetBeforeCors: CORS headers that a handler before cors set
// (here a header snippet in the same route) are removed or replaced on
// every answer, the preflights that cors answers itself included.
func TestHeadersSetBeforeCors(t *testing.T) {
	startCaddy(t, `
:{$SITE_PORT} {
	route {
		header {
			Access-Control-Allow-Origin *
			Access-Control-Allow-Credentials true
			Access-Control-Allow-Methods DELETE
			Access-Control-Max-Age 86400
			Access-Control-Allow-Private-Network true
		}
		cors https://app.example.com
		respond "site {method}" 200
	}
}`)
	runExchanges(t, []exchange{
		{
			name:   "allowed preflight",
			method: "OPTIONS",
			header: preflightFrom(appOrigin, "PUT"),
			status: 204,
			cors: hdr(
				"Access-Control-Allow-Origin", appOrigin,
				"Access-Control-Allow-Methods", defaultACAM,
				"Vary", varyPreflight,
			),
		},
		{
			name:   "refused preflight",
			method: "OPTIONS",
			header: preflightFrom(evilOrigin, "PUT"),
			status: 403,
			cors:   hdr("Vary", varyPreflight),
		},
		{
			name:   "allowed actual request",
			header: hdr("Origin", appOrigin),
			status: 200,
			cors:   hdr("Access-Control-Allow-Origin", appOrigin, "Vary", "Origin"),
			body:   "site GET",
		},
		{
			name:   "refused actual request",
			header: hdr("Origin", evilOrigin),
			status: 200,
			cors:   hdr("Vary", "Origin"),
			body:   "site GET",
		},
	})
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

// TestNeighboursCannotGrant: whatever the other handlers of the site do to
// CORS headers and Vary, with `header` in every form or by writing no
// response at all, a refused origin gets no grant and an allowed one gets
// exactly this policy.
func TestNeighboursCannotGrant(t *testing.T) {
	const policy = `cors https://app.example.com {
		credentials
		expose_headers X-Mine
	}`
	grant := hdr("Access-Control-Allow-Origin", appOrigin, "Access-Control-Allow-Credentials", "true",
		"Access-Control-Expose-Headers", "X-Mine", "Vary", "Origin")
	refused := hdr("Vary", "Origin")
	echo := "{http.request.header.Origin}"
	tests := []struct {
		name      string
		neighbour string // the rest of the site
		path      string
		body      string
		vary      string // a Vary the neighbour keeps beside Origin
	}{
		{"a deferred header sets a default (?)", "header ?Access-Control-Allow-Origin " + echo + "\n\theader ?Access-Control-Allow-Credentials true\n\trespond \"ok\"", "/", "ok", ""},
		{"a header under a response matcher", "header {\n\t\tmatch {\n\t\t\tstatus 2xx\n\t\t}\n\t\tAccess-Control-Allow-Origin " + echo + "\n\t\tAccess-Control-Allow-Credentials true\n\t}\n\trespond \"ok\"", "/", "ok", ""},
		{"a deferred header (>)", "header >Access-Control-Allow-Origin " + echo + "\n\theader >Access-Control-Allow-Credentials true\n\theader >Access-Control-Expose-Headers X-Theirs\n\trespond \"ok\"", "/", "ok", ""},
		{"a header that deletes Vary", "header -Vary\n\trespond \"ok\"", "/", "ok", ""},
		{"a header that replaces Vary", "header Vary Accept-Encoding\n\trespond \"ok\"", "/", "ok", "Accept-Encoding"},
		{"a header that deletes every CORS header", "header -Access-Control-*\n\trespond \"ok\"", "/", "ok", ""},
		{"a header and no handler that writes (a path no handle matches)", "header Access-Control-Allow-Origin " + echo + "\n\theader Access-Control-Expose-Headers X-Snippet\n\thandle /other {\n\t\trespond \"other\"\n\t}", "/", "", ""},
		{"a header and a route that only rewrites", "header Access-Control-Allow-Origin " + echo + "\n\theader Access-Control-Allow-Credentials true\n\troute {\n\t\trewrite * /elsewhere\n\t}", "/", "", ""},
		{"a header and a route that only sets vars", "header Access-Control-Allow-Origin " + echo + "\n\troute {\n\t\tvars x 1\n\t}", "/", "", ""},
		{"a deferred header inside handle", "handle {\n\t\theader >Access-Control-Allow-Origin " + echo + "\n\t\trespond \"ok\"\n\t}", "/", "ok", ""},
		{"a header in reverse_proxy's handle_response", fmt.Sprintf("reverse_proxy 127.0.0.1:%d {\n\t\t@any status 2xx\n\t\thandle_response @any {\n\t\t\theader Access-Control-Allow-Origin %s\n\t\t\trespond \"handled\"\n\t\t}\n\t}", backendPort, echo), "/", "handled", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			startCaddy(t, fmt.Sprintf(`
:{$SITE_PORT} {
	%s
	%s
}
:%d {
	respond "backend"
}`, policy, tt.neighbour, backendPort))
			refused, grant := refused.Clone(), grant.Clone()
			if tt.vary != "" {
				refused["Vary"] = []string{tt.vary, "Origin"}
				grant["Vary"] = []string{tt.vary, "Origin"}
			}
			runExchanges(t, []exchange{
				{name: "refused origin", path: tt.path, header: hdr("Origin", evilOrigin, "Cookie", "session=1"), status: 200, cors: refused, body: tt.body},
				{name: "allowed origin", path: tt.path, header: hdr("Origin", appOrigin, "Cookie", "session=1"), status: 200, cors: grant, body: tt.body},
			})
		})
	}
}

// TestNoCORSTrailers: a backend's CORS headers sent as HTTP trailers,
// announced or not, do not get past cors; other trailers do.
func TestNoCORSTrailers(t *testing.T) {
	backend := listenLoopback(t)
	go http.Serve(backend, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Trailer", "Access-Control-Allow-Origin, X-Checksum")
		w.WriteHeader(http.StatusOK)
		io.WriteString(w, "body")
		w.Header().Set("Access-Control-Allow-Origin", "*")
		w.Header().Set("X-Checksum", "42")
		w.Header().Set(http.TrailerPrefix+"Access-Control-Allow-Credentials", "true")
	}))
	startCaddy(t, fmt.Sprintf(`
:{$SITE_PORT} {
	cors https://app.example.com
	reverse_proxy %s
}`, backend.Addr()))
	for _, origin := range []string{appOrigin, evilOrigin} {
		req, _ := http.NewRequest("GET", siteURL+"/", nil)
		req.Header.Set("Origin", origin)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.ReadAll(resp.Body)
		resp.Body.Close()
		if got := resp.Trailer.Get("X-Checksum"); got != "42" {
			t.Errorf("%s: trailer X-Checksum = %q, want 42 (trailers: %v)", origin, got, resp.Trailer)
		}
		for name := range resp.Trailer {
			if strings.HasPrefix(name, "Access-Control-") {
				t.Errorf("%s: trailer %s reached the client: %v", origin, name, resp.Trailer)
			}
		}
	}
}
