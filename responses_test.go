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
