package cors

import (
	"fmt"
	"strings"
	"testing"
)

// TestDecisionsThroughCaddy runs decide_test.go's cases through a real
// Caddy, where the next handler answers "next".
func TestDecisionsThroughCaddy(t *testing.T) {
	for _, group := range decisionCases() {
		for _, c := range group {
			startCaddy(t, ":{$SITE_PORT} {\n\t"+strings.ReplaceAll(c.directive, "\n", "\n\t")+"\n\trespond \"next\" 200\n}")
			runExchanges(t, c.exchanges)
		}
	}
}

func TestPreflightPassthrough(t *testing.T) {
	startCaddy(t, `
:{$SITE_PORT} {
	cors https://app.example.com {
		preflight_passthrough
	}
	respond "next saw {method}" 200
}`)
	runExchanges(t, []exchange{
		{
			name:   "allowed preflight reaches the next handler with the CORS headers in place",
			method: "OPTIONS",
			header: preflightFrom(appOrigin, "PUT"),
			status: 200,
			cors: hdr(
				"Access-Control-Allow-Origin", appOrigin,
				"Access-Control-Allow-Methods", defaultACAM,
				"Vary", varyPreflight,
			),
			body: "next saw OPTIONS",
		},
		{
			name:   "refused preflight reaches the next handler without CORS headers",
			method: "OPTIONS",
			header: preflightFrom(evilOrigin, "PUT"),
			status: 200,
			cors:   hdr("Vary", varyPreflight),
			body:   "next saw OPTIONS",
		},
	})
}

func TestVaryIsAppended(t *testing.T) {
	// In a route block, handlers run as written: the Vary is there before
	// cors runs, for preflights too. (At the site level, cors runs before
	// header; see TestVaryIsEnforced.)
	startCaddy(t, `
:{$SITE_PORT} {
	route {
		header Vary Accept-Encoding
		cors https://app.example.com
		respond "next" 200
	}
}`)
	runExchanges(t, []exchange{
		{
			name:   "actual request keeps the existing Vary and adds Origin",
			header: hdr("Origin", appOrigin),
			status: 200,
			cors:   hdr("Access-Control-Allow-Origin", appOrigin, "Vary", "Accept-Encoding", "Vary", "Origin"),
			body:   "next",
		},
		{
			name:   "refused actual request keeps the existing Vary and adds Origin",
			header: hdr("Origin", evilOrigin),
			status: 200,
			cors:   hdr("Vary", "Accept-Encoding", "Vary", "Origin"),
			body:   "next",
		},
		{
			name:   "refused preflight keeps the existing Vary and adds its own",
			method: "OPTIONS",
			header: preflightFrom(evilOrigin, "GET"),
			status: 403,
			cors:   hdr("Vary", "Accept-Encoding", "Vary", varyPreflight),
		},
		{
			name:   "preflight keeps the existing Vary and adds its own",
			method: "OPTIONS",
			header: preflightFrom(appOrigin, "GET"),
			status: 204,
			cors: hdr(
				"Access-Control-Allow-Origin", appOrigin,
				"Access-Control-Allow-Methods", defaultACAM,
				"Vary", "Accept-Encoding",
				"Vary", varyPreflight,
			),
		},
	})
}

func TestMatcher(t *testing.T) {
	startCaddy(t, `
:{$SITE_PORT} {
	cors /api/* https://app.example.com
	respond "next" 200
}`)
	runExchanges(t, []exchange{
		{
			name:   "a path the matcher selects gets CORS",
			path:   "/api/items",
			header: hdr("Origin", appOrigin),
			status: 200,
			cors:   hdr("Access-Control-Allow-Origin", appOrigin, "Vary", "Origin"),
			body:   "next",
		},
		{
			name:   "a path outside the matcher gets none",
			path:   "/other",
			header: hdr("Origin", appOrigin),
			status: 200,
			cors:   hdr(),
			body:   "next",
		},
		{
			name:   "a preflight outside the matcher is not answered",
			method: "OPTIONS",
			path:   "/other",
			header: preflightFrom(appOrigin, "PUT"),
			status: 200,
			cors:   hdr(),
			body:   "next",
		},
	})
}

// TestPreflightAnsweredBeforeOtherDirectives puts cors in a site with every
// directive a preflight must not reach; Caddy orders them by directive order,
// not by their place in the file.
func TestPreflightAnsweredBeforeOtherDirectives(t *testing.T) {
	startCaddy(t, fmt.Sprintf(`
:{$SITE_PORT} {
	redir /old /new
	rewrite * /rewritten
	basic_auth {
		user $2a$14$xJMrmXRXc7CcCMO2X2vIsuLkRX1mcXHxyOHfJvxH5DuNV42gIrx/C
	}
	forward_auth 127.0.0.1:1 {
		uri /auth
	}
	file_server
	reverse_proxy 127.0.0.1:1
	respond "next" 200
	cors https://app.example.com
}
:%d {
	respond "unused"
}`, backendPort))
	allowed := hdr(
		"Access-Control-Allow-Origin", appOrigin,
		"Access-Control-Allow-Methods", defaultACAM,
		"Vary", varyPreflight,
	)
	runExchanges(t, []exchange{
		{
			name:   "preflight to a redirected path is answered, not redirected",
			method: "OPTIONS",
			path:   "/old",
			header: preflightFrom(appOrigin, "PUT"),
			status: 204,
			cors:   allowed,
		},
		{
			name:   "preflight behind basic_auth and forward_auth is answered without credentials",
			method: "OPTIONS",
			path:   "/private",
			header: preflightFrom(appOrigin, "DELETE"),
			status: 204,
			cors:   allowed,
		},
		{
			name:   "the actual request still meets basic_auth, and its 401 carries the CORS headers",
			path:   "/private",
			header: hdr("Origin", appOrigin),
			status: 401,
			cors:   hdr("Access-Control-Allow-Origin", appOrigin, "Vary", "Origin"),
		},
	})
}
