package cors

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

func TestOneExactOrigin(t *testing.T) {
	startCaddy(t, `
:{$SITE_PORT} {
	cors https://app.example.com
	respond "next" 200
}`)
	runExchanges(t, []exchange{
		{
			name:   "allowed preflight is answered 204 with an empty body and the next handler is not called",
			method: "OPTIONS",
			header: preflightFrom(appOrigin, "PUT", "Access-Control-Request-Headers", "content-type,x-custom"),
			status: 204,
			cors: hdr(
				"Access-Control-Allow-Origin", appOrigin,
				"Access-Control-Allow-Methods", defaultACAM,
				"Access-Control-Allow-Headers", "content-type,x-custom",
				"Vary", varyPreflight,
			),
		},
		{
			name:   "preflight for a default method without requested headers gets no Allow-Headers",
			method: "OPTIONS",
			header: preflightFrom(appOrigin, "DELETE"),
			status: 204,
			cors: hdr(
				"Access-Control-Allow-Origin", appOrigin,
				"Access-Control-Allow-Methods", defaultACAM,
				"Vary", varyPreflight,
			),
		},
		{
			name:   "preflight from a disallowed origin gets 403 and no CORS headers",
			method: "OPTIONS",
			header: preflightFrom(evilOrigin, "PUT"),
			status: 403,
			cors:   hdr("Vary", varyPreflight),
		},
		{
			name:   "preflight for a method outside the defaults gets 403",
			method: "OPTIONS",
			header: preflightFrom(appOrigin, "PROPFIND"),
			status: 403,
			cors:   hdr("Vary", varyPreflight),
		},
		{
			name:   "preflight method is case-sensitive: patch is not PATCH",
			method: "OPTIONS",
			header: preflightFrom(appOrigin, "patch"),
			status: 403,
			cors:   hdr("Vary", varyPreflight),
		},
		{
			name:   "OPTIONS with Origin but no Access-Control-Request-Method is an actual request",
			method: "OPTIONS",
			header: hdr("Origin", appOrigin),
			status: 200,
			cors:   hdr("Access-Control-Allow-Origin", appOrigin, "Vary", "Origin"),
			body:   "next",
		},
		{
			name:   "OPTIONS without Origin goes to the next handler",
			method: "OPTIONS",
			header: hdr("Access-Control-Request-Method", "PUT"),
			status: 200,
			cors:   hdr("Vary", "Origin"),
			body:   "next",
		},
		{
			name:   "actual request from the allowed origin gets ACAO and Vary",
			header: hdr("Origin", appOrigin),
			status: 200,
			cors:   hdr("Access-Control-Allow-Origin", appOrigin, "Vary", "Origin"),
			body:   "next",
		},
		{
			name:   "actual request from a disallowed origin gets no CORS headers but Vary",
			header: hdr("Origin", evilOrigin),
			status: 200,
			cors:   hdr("Vary", "Origin"),
			body:   "next",
		},
		{
			name:   "request without Origin gets Vary only",
			status: 200,
			cors:   hdr("Vary", "Origin"),
			body:   "next",
		},
		{
			name:   "origin differing only by a trailing slash is refused",
			header: hdr("Origin", appOrigin+"/"),
			status: 200,
			cors:   hdr("Vary", "Origin"),
			body:   "next",
		},
		{
			name:   "origin with a different scheme is refused",
			header: hdr("Origin", "http://app.example.com"),
			status: 200,
			cors:   hdr("Vary", "Origin"),
			body:   "next",
		},
		{
			name:   "origin in upper case is refused (browsers never send it)",
			header: hdr("Origin", "https://APP.example.com"),
			status: 200,
			cors:   hdr("Vary", "Origin"),
			body:   "next",
		},
		{
			name:   "two Origin headers are refused",
			header: hdr("Origin", appOrigin, "Origin", appOrigin),
			status: 200,
			cors:   hdr("Vary", "Origin"),
			body:   "next",
		},
		{
			name:   "null origin is refused",
			header: hdr("Origin", "null"),
			status: 200,
			cors:   hdr("Vary", "Origin"),
			body:   "next",
		},
		{
			name:   "preflight with two Access-Control-Request-Method headers is refused",
			method: "OPTIONS",
			header: hdr("Origin", appOrigin, "Access-Control-Request-Method", "PUT", "Access-Control-Request-Method", "GET"),
			status: 403,
			cors:   hdr("Vary", varyPreflight),
		},
		{
			name:   "preflight with an empty Access-Control-Request-Method is refused",
			method: "OPTIONS",
			header: hdr("Origin", appOrigin, "Access-Control-Request-Method", ""),
			status: 403,
			cors:   hdr("Vary", varyPreflight),
		},
		{
			name:   "oversized Origin is refused",
			method: "OPTIONS",
			header: preflightFrom("https://"+strings.Repeat("a", 8<<10)+".example.com", "PUT"),
			status: 403,
			cors:   hdr("Vary", varyPreflight),
		},
	})
}

func TestFullPolicy(t *testing.T) {
	startCaddy(t, `
:{$SITE_PORT} {
	cors https://app.example.com https://*.example.org {
		origins http://localhost:*
		methods GET POST PUT
		headers Content-Type X-Custom
		expose_headers X-Request-Id X-Total-Count
		credentials
		max_age 10m
		private_network
		preflight_status 200
	}
	respond "next" 200
}`)
	const (
		acam = "GET, POST, PUT"
		acah = "Content-Type, X-Custom"
	)
	allowedPreflight := func(origin string) http.Header {
		return hdr(
			"Access-Control-Allow-Origin", origin,
			"Access-Control-Allow-Credentials", "true",
			"Access-Control-Allow-Methods", acam,
			"Access-Control-Allow-Headers", acah,
			"Access-Control-Max-Age", "600",
			"Vary", varyPreflight+", Access-Control-Request-Private-Network",
		)
	}
	refused := hdr("Vary", varyPreflight+", Access-Control-Request-Private-Network")
	runExchanges(t, []exchange{
		{
			name:   "allowed preflight gets every header and the configured status",
			method: "OPTIONS",
			header: preflightFrom(appOrigin, "PUT", "Access-Control-Request-Headers", "content-type,x-custom"),
			status: 200,
			cors:   allowedPreflight(appOrigin),
		},
		{
			name:   "request header names are compared case-insensitively, with whitespace, over several lines",
			method: "OPTIONS",
			header: preflightFrom(appOrigin, "PUT", "Access-Control-Request-Headers", " Content-Type ,\tX-CUSTOM", "Access-Control-Request-Headers", "x-custom"),
			status: 200,
			cors:   allowedPreflight(appOrigin),
		},
		{
			name:   "one requested header not allowed refuses the preflight",
			method: "OPTIONS",
			header: preflightFrom(appOrigin, "PUT", "Access-Control-Request-Headers", "content-type,x-other"),
			status: 403,
			cors:   refused,
		},
		{
			name:   "Authorization is not allowed unless listed",
			method: "OPTIONS",
			header: preflightFrom(appOrigin, "GET", "Access-Control-Request-Headers", "authorization"),
			status: 403,
			cors:   refused,
		},
		{
			name:   "malformed requested header list refuses the preflight",
			method: "OPTIONS",
			header: preflightFrom(appOrigin, "PUT", "Access-Control-Request-Headers", "content type"),
			status: 403,
			cors:   refused,
		},
		{
			name:   "oversized requested header list is refused",
			method: "OPTIONS",
			header: preflightFrom(appOrigin, "PUT", "Access-Control-Request-Headers", strings.Repeat(",", 8<<10)),
			status: 403,
			cors:   refused,
		},
		{
			name:   "method not listed is refused",
			method: "OPTIONS",
			header: preflightFrom(appOrigin, "DELETE"),
			status: 403,
			cors:   refused,
		},
		{
			name:   "GET is allowed by browsers whatever methods lists, so its preflight is too",
			method: "OPTIONS",
			header: preflightFrom(appOrigin, "GET", "Access-Control-Request-Headers", "x-custom"),
			status: 200,
			cors:   allowedPreflight(appOrigin),
		},
		{
			name:   "private network preflight gets Allow-Private-Network when it asks",
			method: "OPTIONS",
			header: preflightFrom(appOrigin, "GET", "Access-Control-Request-Private-Network", "true"),
			status: 200,
			cors: func() http.Header {
				h := allowedPreflight(appOrigin)
				h.Del("Access-Control-Allow-Headers")
				h.Set("Access-Control-Allow-Private-Network", "true")
				return h
			}(),
		},
		{
			name:   "subdomain wildcard allows a subdomain and echoes it",
			method: "OPTIONS",
			header: preflightFrom("https://a.b.example.org", "POST", "Access-Control-Request-Headers", "content-type"),
			status: 200,
			cors:   allowedPreflight("https://a.b.example.org"),
		},
		{
			name:   "subdomain wildcard does not allow the apex",
			method: "OPTIONS",
			header: preflightFrom("https://example.org", "POST"),
			status: 403,
			cors:   refused,
		},
		{
			name:   "subdomain wildcard does not allow another port",
			method: "OPTIONS",
			header: preflightFrom("https://a.example.org:8443", "POST"),
			status: 403,
			cors:   refused,
		},
		{
			name:   "subdomain wildcard does not allow a look-alike domain",
			method: "OPTIONS",
			header: preflightFrom("https://evilexample.org", "POST"),
			status: 403,
			cors:   refused,
		},
		{
			name:   "any-port origin allows any port",
			method: "OPTIONS",
			header: preflightFrom("http://localhost:5173", "PUT", "Access-Control-Request-Headers", "x-custom"),
			status: 200,
			cors:   allowedPreflight("http://localhost:5173"),
		},
		{
			name:   "actual request from an allowed origin gets credentials and exposed headers",
			header: hdr("Origin", appOrigin),
			status: 200,
			cors: hdr(
				"Access-Control-Allow-Origin", appOrigin,
				"Access-Control-Allow-Credentials", "true",
				"Access-Control-Expose-Headers", "X-Request-Id, X-Total-Count",
				"Vary", "Origin",
			),
			body: "next",
		},
		{
			name:   "actual request from a wildcard-matched origin echoes it",
			header: hdr("Origin", "https://api.example.org"),
			status: 200,
			cors: hdr(
				"Access-Control-Allow-Origin", "https://api.example.org",
				"Access-Control-Allow-Credentials", "true",
				"Access-Control-Expose-Headers", "X-Request-Id, X-Total-Count",
				"Vary", "Origin",
			),
			body: "next",
		},
		{
			name:   "actual request from a disallowed origin gets nothing but Vary",
			header: hdr("Origin", "https://example.org.evil.com"),
			status: 200,
			cors:   hdr("Vary", "Origin"),
			body:   "next",
		},
	})
}

func TestAnyOrigin(t *testing.T) {
	startCaddy(t, `
:{$SITE_PORT} {
	cors {
		methods *
		expose_headers *
		max_age 0
	}
	respond "next" 200
}`)
	runExchanges(t, []exchange{
		{
			name:   "preflight gets ACAO star, method star and the requested headers echoed, Authorization included",
			method: "OPTIONS",
			header: preflightFrom(evilOrigin, "PURGE", "Access-Control-Request-Headers", "authorization,x-anything"),
			status: 204,
			cors: hdr(
				"Access-Control-Allow-Origin", "*",
				"Access-Control-Allow-Methods", "*",
				"Access-Control-Allow-Headers", "authorization,x-anything",
				"Access-Control-Max-Age", "0",
				"Vary", varyPreflight,
			),
		},
		{
			name:   "actual request with an Origin gets ACAO star and no Vary",
			header: hdr("Origin", evilOrigin),
			status: 200,
			cors:   hdr("Access-Control-Allow-Origin", "*", "Access-Control-Expose-Headers", "*"),
			body:   "next",
		},
		{
			name:   "request without Origin gets ACAO star too",
			status: 200,
			cors:   hdr("Access-Control-Allow-Origin", "*", "Access-Control-Expose-Headers", "*"),
			body:   "next",
		},
		{
			name:   "null origin gets ACAO star",
			header: hdr("Origin", "null"),
			status: 200,
			cors:   hdr("Access-Control-Allow-Origin", "*", "Access-Control-Expose-Headers", "*"),
			body:   "next",
		},
		{
			name:   "preflight with malformed requested headers is refused even for any origin",
			method: "OPTIONS",
			header: preflightFrom(evilOrigin, "PUT", "Access-Control-Request-Headers", "x;y"),
			status: 403,
			cors:   hdr("Vary", varyPreflight),
		},
	})
}

func TestBareCorsDefaults(t *testing.T) {
	startCaddy(t, `
:{$SITE_PORT} {
	cors
	respond "next" 200
}`)
	runExchanges(t, []exchange{
		{
			name:   "bare cors allows any origin with the default methods and any header",
			method: "OPTIONS",
			header: preflightFrom(appOrigin, "PATCH", "Access-Control-Request-Headers", "content-type,authorization"),
			status: 204,
			cors: hdr(
				"Access-Control-Allow-Origin", "*",
				"Access-Control-Allow-Methods", defaultACAM,
				"Access-Control-Allow-Headers", "content-type,authorization",
				"Vary", varyPreflight,
			),
		},
		{
			name:   "bare cors refuses a method outside the defaults",
			method: "OPTIONS",
			header: preflightFrom(appOrigin, "PROPFIND"),
			status: 403,
			cors:   hdr("Vary", varyPreflight),
		},
		{
			name:   "bare cors puts ACAO star on every response",
			status: 200,
			cors:   hdr("Access-Control-Allow-Origin", "*"),
			body:   "next",
		},
	})
}

func TestStarWithCredentialsEchoes(t *testing.T) {
	startCaddy(t, `
:{$SITE_PORT} {
	cors https://app.example.com {
		methods *
		headers *
		credentials
	}
	respond "next" 200
}`)
	runExchanges(t, []exchange{
		{
			name:   "with credentials, any method and any header are echoed, since browsers ignore a literal star",
			method: "OPTIONS",
			header: preflightFrom(appOrigin, "PURGE", "Access-Control-Request-Headers", "authorization,x-custom"),
			status: 204,
			cors: hdr(
				"Access-Control-Allow-Origin", appOrigin,
				"Access-Control-Allow-Credentials", "true",
				"Access-Control-Allow-Methods", "PURGE",
				"Access-Control-Allow-Headers", "authorization,x-custom",
				"Vary", varyPreflight,
			),
		},
		{
			name:   "a malformed method is refused, not echoed",
			method: "OPTIONS",
			header: preflightFrom(appOrigin, "PU T"),
			status: 403,
			cors:   hdr("Vary", varyPreflight),
		},
	})
}

func TestPrivateNetworkOnlyWhenAsked(t *testing.T) {
	startCaddy(t, `
:{$SITE_PORT} {
	cors https://app.example.com {
		private_network
	}
	respond "next" 200
}`)
	vary := varyPreflight + ", Access-Control-Request-Private-Network"
	allowed := hdr(
		"Access-Control-Allow-Origin", appOrigin,
		"Access-Control-Allow-Methods", defaultACAM,
		"Vary", vary,
	)
	runExchanges(t, []exchange{
		{
			name:   "without Access-Control-Request-Private-Network there is no Allow-Private-Network",
			method: "OPTIONS",
			header: preflightFrom(appOrigin, "GET"),
			status: 204,
			cors:   allowed,
		},
		{
			name:   "Access-Control-Request-Private-Network other than true gets none",
			method: "OPTIONS",
			header: preflightFrom(appOrigin, "GET", "Access-Control-Request-Private-Network", "false"),
			status: 204,
			cors:   allowed,
		},
	})

	startCaddy(t, `
:{$SITE_PORT} {
	cors https://app.example.com
	respond "next" 200
}`)
	runExchanges(t, []exchange{{
		name:   "without private_network a private network preflight gets no Allow-Private-Network",
		method: "OPTIONS",
		header: preflightFrom(appOrigin, "GET", "Access-Control-Request-Private-Network", "true"),
		status: 204,
		cors: hdr(
			"Access-Control-Allow-Origin", appOrigin,
			"Access-Control-Allow-Methods", defaultACAM,
			"Vary", varyPreflight,
		),
	}})
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
	startCaddy(t, `
:{$SITE_PORT} {
	header Vary Accept-Encoding
	cors https://app.example.com
	respond "next" 200
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
