package cors

import (
	"fmt"
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
