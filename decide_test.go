package cors

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// A decisionCase is a cors directive and exchanges with it. TestDecision
// runs every case through the decision alone, without Caddy; handler_test.go
// runs the same cases through a real Caddy, where the status and the body
// (the next handler's "next", or nothing for a preflight answered here)
// count too.
type decisionCase struct {
	directive string
	exchanges []exchange
}

func decisionCases() [][]decisionCase {
	return [][]decisionCase{
		oneExactOriginCases(),
		fullPolicyCases(),
		anyOriginCases(),
		bareCorsDefaultsCases(),
		starWithCredentialsEchoesCases(),
		privateNetworkOnlyWhenAskedCases(),
	}
}

// compileDirective compiles one cors directive as Caddy would.
func compileDirective(t *testing.T, directive string) *policy {
	t.Helper()
	raw, err := adaptHandler(t, directive)
	if err != nil {
		t.Fatal(err)
	}
	var h Handler
	if err := json.Unmarshal([]byte(raw), &h); err != nil {
		t.Fatal(err)
	}
	p, _, err := compile(&h)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestDecision checks the whole set of CORS response headers and the
// outcome of the decision for every request of every case.
func TestDecision(t *testing.T) {
	for _, group := range decisionCases() {
		for _, c := range group {
			p := compileDirective(t, c.directive)
			for _, e := range c.exchanges {
				t.Run(e.name, func(t *testing.T) {
					got := http.Header{}
					_, isPreflight := e.header["Access-Control-Request-Method"]
					isPreflight = isPreflight && e.method == http.MethodOptions && e.header["Origin"] != nil
					if isPreflight {
						var g grant
						out, _ := p.decidePreflight(&g, e.header["Origin"], e.header["Access-Control-Request-Method"], e.header, true)
						g.apply(got, p.preflightVary, true)
						if refused := e.status == http.StatusForbidden; refused != (out != allowed) {
							t.Errorf("outcome %d for a preflight answered %d", out, e.status)
						}
					} else {
						var g grant
						out := p.decideActual(&g, e.header["Origin"], true)
						g.apply(got, p.actualVary, true)
						if _, granted := e.cors["Access-Control-Allow-Origin"]; e.header["Origin"] != nil && granted != (out == allowed) {
							t.Errorf("outcome %d, but the expected headers say granted = %v", out, granted)
						}
					}
					if !equalHeaders(corsHeaders(got), e.cors) {
						t.Errorf("CORS headers:\n got %s\nwant %s", formatHeaders(got), formatHeaders(e.cors))
					}
				})
			}
		}
	}
}

func oneExactOriginCases() []decisionCase {
	return []decisionCase{
		{
			directive: `cors https://app.example.com`,
			exchanges: []exchange{
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
			},
		},
	}
}

func fullPolicyCases() []decisionCase {
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
	return []decisionCase{
		{
			directive: `cors https://app.example.com https://*.example.org {
	origins http://localhost:*
	methods GET POST PUT
	headers Content-Type X-Custom
	expose_headers X-Request-Id X-Total-Count
	credentials
	max_age 10m
	private_network
	preflight_status 200
}`,
			exchanges: []exchange{
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
			},
		},
	}
}

func anyOriginCases() []decisionCase {
	return []decisionCase{
		{
			directive: `cors {
	methods *
	expose_headers *
	max_age 0
}`,
			exchanges: []exchange{
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
			},
		},
	}
}

func bareCorsDefaultsCases() []decisionCase {
	return []decisionCase{
		{
			directive: `cors`,
			exchanges: []exchange{
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
			},
		},
	}
}

func starWithCredentialsEchoesCases() []decisionCase {
	return []decisionCase{
		{
			directive: `cors https://app.example.com {
	methods *
	headers *
	credentials
}`,
			exchanges: []exchange{
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
			},
		},
	}
}

func privateNetworkOnlyWhenAskedCases() []decisionCase {
	vary := varyPreflight + ", Access-Control-Request-Private-Network"
	allowed := hdr(
		"Access-Control-Allow-Origin", appOrigin,
		"Access-Control-Allow-Methods", defaultACAM,
		"Vary", vary,
	)
	return []decisionCase{
		{
			directive: `cors https://app.example.com {
	private_network
}`,
			exchanges: []exchange{
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
			},
		},
		{
			directive: `cors https://app.example.com`,
			exchanges: []exchange{{
				name:   "without private_network a private network preflight gets no Allow-Private-Network",
				method: "OPTIONS",
				header: preflightFrom(appOrigin, "GET", "Access-Control-Request-Private-Network", "true"),
				status: 204,
				cors: hdr(
					"Access-Control-Allow-Origin", appOrigin,
					"Access-Control-Allow-Methods", defaultACAM,
					"Vary", varyPreflight,
				),
			}},
		},
	}
}

// TestResponseHeaderRequested: a preflight that asks to send a CORS response
// header is refused, where the policy lists its headers, for that mistake by
// name; where any header is allowed, it is echoed like any other.
func TestResponseHeaderRequested(t *testing.T) {
	req := preflightFrom(appOrigin, "PUT", "Access-Control-Request-Headers", "content-type,access-control-allow-origin")
	listed := compileDirective(t, "cors https://app.example.com {\n headers Content-Type\n}")
	if out, detail := listed.decidePreflight(new(grant), req["Origin"], req["Access-Control-Request-Method"], req, true); out != responseHeaderRequested || detail != "access-control-allow-origin" {
		t.Errorf("listed headers: outcome %d, detail %q; want responseHeaderRequested for access-control-allow-origin", out, detail)
	}
	anyHeader := compileDirective(t, "cors https://app.example.com")
	var g grant
	if out, _ := anyHeader.decidePreflight(&g, req["Origin"], req["Access-Control-Request-Method"], req, true); out != allowed || g[acAllowHeaders] != "content-type,access-control-allow-origin" {
		t.Errorf("any header: outcome %d, Allow-Headers %q; want it allowed and echoed", out, g[acAllowHeaders])
	}
}
