package cors

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/caddyserver/caddy/v2/caddytest"
)

// A cors handler that runs inside a route an outer cors handler already
// covers would be silently overridden: the outer one answers the preflights
// and wins on actual responses. Such configs must not load.
func TestNestedCorsIsRefused(t *testing.T) {
	inner := `cors https://admin.example.com {
			credentials
		}
		respond "admin"`
	for _, block := range []string{"handle /admin/*", "route /admin/*", "handle_path /admin/*"} {
		t.Run(block, func(t *testing.T) {
			caddytest.AssertLoadError(t, fmt.Sprintf(`{
	admin localhost:%d
	http_port %d
	default_bind 127.0.0.1
}
:{$SITE_PORT} {
	cors https://*.example.com
	%s {
		%s
	}
	respond "ok"
}`, adminPort, sitePort, block, inner), "caddyfile",
				`the cors handler for \"https://admin.example.com\" would never decide: the cors handler for \"https://*.example.com\" runs before it`)
		})
	}
	t.Run("JSON, general cors before a matched one in the same routes", func(t *testing.T) {
		caddytest.AssertLoadError(t, fmt.Sprintf(`{
	"admin": {"listen": "localhost:%d"},
	"apps": {"http": {"http_port": %d, "servers": {"srv0": {
		"listen": [%q],
		"routes": [
			{"handle": [{"handler": "cors", "origins": ["https://*.example.com"]}]},
			{"match": [{"path": ["/admin/*"]}], "handle": [{"handler": "cors", "origins": ["https://admin.example.com"]}]},
			{"handle": [{"handler": "static_response", "body": "ok"}]}
		]
	}}}}
}`, adminPort, sitePort, siteAddr), "json", `the cors handler for \"https://admin.example.com\" would never decide`)
	})
	t.Run("the fix names the innermost path", func(t *testing.T) {
		caddytest.AssertLoadError(t, fmt.Sprintf(`{
	admin localhost:%d
	http_port %d
	default_bind 127.0.0.1
}
:{$SITE_PORT} {
	cors https://*.example.com
	route /api/* {
		handle /api/admin/* {
			%s
		}
	}
}`, adminPort, sitePort, inner), "caddyfile", `cors /api/admin/* https://admin.example.com`)
	})
	t.Run("the error names the fix", func(t *testing.T) {
		caddytest.AssertLoadError(t, fmt.Sprintf(`{
	admin localhost:%d
	http_port %d
	default_bind 127.0.0.1
}
:{$SITE_PORT} {
	cors https://*.example.com
	handle /admin/* {
		%s
	}
}`, adminPort, sitePort, inner), "caddyfile", `cors /admin/* https://admin.example.com`)
	})
}

// TestPerPathPolicies is the documented way to have a stricter policy on
// some paths: site-level cors directives with matchers, which Caddy sorts
// most specific first. The matched one governs its paths, preflights
// included; the other one governs the rest.
func TestPerPathPolicies(t *testing.T) {
	startCaddy(t, `
:{$SITE_PORT} {
	cors /admin/* https://admin.example.com {
		credentials
		methods DELETE
	}
	cors https://*.example.com
	handle /admin/* {
		respond "admin"
	}
	respond "public"
}`)
	admin := "https://admin.example.com"
	sub := "https://app.example.com"
	runExchanges(t, []exchange{
		{name: "admin origin on /admin gets the admin grant", path: "/admin/x", header: hdr("Origin", admin), status: 200,
			cors: hdr("Access-Control-Allow-Origin", admin, "Access-Control-Allow-Credentials", "true", "Vary", "Origin"), body: "admin"},
		{name: "another subdomain on /admin gets nothing", path: "/admin/x", header: hdr("Origin", sub), status: 200,
			cors: hdr("Vary", "Origin"), body: "admin"},
		{name: "another subdomain elsewhere gets the site grant", path: "/", header: hdr("Origin", sub), status: 200,
			cors: hdr("Access-Control-Allow-Origin", sub, "Vary", "Origin"), body: "public"},
		{name: "admin preflight on /admin is answered by the admin policy", method: "OPTIONS", path: "/admin/x", header: preflightFrom(admin, "DELETE"), status: 204,
			cors: hdr("Access-Control-Allow-Origin", admin, "Access-Control-Allow-Credentials", "true", "Access-Control-Allow-Methods", "DELETE", "Vary", varyPreflight)},
		{name: "subdomain preflight on /admin is refused", method: "OPTIONS", path: "/admin/x", header: preflightFrom(sub, "DELETE"), status: 403,
			cors: hdr("Vary", varyPreflight)},
		{name: "subdomain preflight elsewhere is answered by the site policy", method: "OPTIONS", path: "/", header: preflightFrom(sub, "DELETE"), status: 204,
			cors: hdr("Access-Control-Allow-Origin", sub, "Access-Control-Allow-Methods", defaultACAM, "Vary", varyPreflight)},
	})
}

// TestSeparateCorsHandlersLoad: cors handlers that never run for the same
// request are not nested: sites on one port, and handle blocks (which
// exclude each other).
func TestSeparateCorsHandlersLoad(t *testing.T) {
	startCaddy(t, `
http://a.localhost:{$SITE_PORT} {
	cors https://a.example.com
	respond "a"
}
http://b.localhost:{$SITE_PORT} {
	handle /one/* {
		cors https://one.example.com
		respond "one"
	}
	handle {
		cors https://other.example.com
		respond "other"
	}
}`)
	for host, want := range map[string]string{"a.localhost": "https://a.example.com", "b.localhost": "https://other.example.com"} {
		req, _ := http.NewRequest("GET", siteURL+"/", nil)
		req.Host = host
		req.Header.Set("Origin", want)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if got := resp.Header.Get("Access-Control-Allow-Origin"); got != want {
			t.Errorf("%s: Access-Control-Allow-Origin = %q, want %q", host, got, want)
		}
	}
}
