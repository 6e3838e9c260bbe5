package check

import (
	"fmt"
	"slices"
	"strings"

	"github.com/seed-41134e10/caddy-cors/internal/headers"
	"github.com/seed-41134e10/caddy-cors/internal/origins"
)

// fixer writes the fix for each failure: what the server should send, or,
// when the server is Caddy, the cors directive line that sends it. Every
// Caddyfile text it writes has one of two shapes, which a test feeds to the
// module's Caddyfile parser: `Caddyfile: cors <origin> (…` for a directive,
// and `Caddyfile: "<line>" [and "<line>"] in the block of the cors directive
// that allows <origin>` (or `without origins`) for lines of a block.
type fixer struct {
	caddy       bool   // the response said Server: Caddy
	origin      string // the Origin the browser sent: the page's, or "null"
	path        string // the URL path, for matcher hints
	credentials bool   // the call carries credentials
	// redirectedNull is set when the origin is null because the request was
	// redirected across origins twice, not because the page's origin is.
	redirectedNull bool
}

// block writes lines for the cors block (one-line blocks are not Caddyfile
// syntax, so the lines are named rather than shown in their block).
func (f fixer) block(lines ...string) string {
	quoted := make([]string, len(lines))
	for i, line := range lines {
		quoted[i] = fmt.Sprintf("%q", line)
	}
	directive := "the cors directive that allows " + f.origin
	if f.origin == "null" {
		directive = "the cors directive without origins, the only one that allows the origin null"
	}
	return fmt.Sprintf("Caddyfile: %s in the block of %s", strings.Join(quoted, " and "), directive)
}

// instead says how to call with a real origin rather than null.
func (f fixer) instead() string {
	if f.redirectedNull {
		return "call the last URL of the redirects from the script, so that the browser sends the page's origin instead of null"
	}
	return "serve the page from an http(s) origin and allow that origin"
}

// nullWithCredentials is the fix for a credentialed call from the origin null
// to Caddy: the cors handler refuses to list null, and credentials cannot go
// with any origin.
func (f fixer) nullWithCredentials() string {
	return "no cors line can allow the origin null with credentials: sandboxed iframes, file:// pages and twice-redirected requests all send Origin: null, so any site can claim it, and the cors handler refuses to list it; " + f.instead()
}

func (f fixer) allowOrigin() string {
	switch {
	case f.caddy && f.origin == "null" && f.credentials:
		return f.nullWithCredentials()
	case f.caddy && f.origin == "null":
		return fmt.Sprintf("Caddyfile: cors (with no origins it allows any origin, null included, without credentials; the cors handler refuses to list null, which any site can send from a sandboxed iframe), with a matcher that covers %s; better, %s", f.path, f.instead())
	case f.caddy:
		return fmt.Sprintf("Caddyfile: cors %s (or add %s to the origins of the existing cors directive), with a matcher that covers %s", f.origin, f.origin, f.path)
	case f.origin == "null":
		return "answer with Access-Control-Allow-Origin: null, knowing that any site can send Origin: null from a sandboxed iframe; better, " + f.instead()
	}
	return "answer with Access-Control-Allow-Origin: " + f.origin
}

func (f fixer) oneOrigin() string {
	if f.caddy {
		return "the cors handler sends one value and replaces others, so the second comes from a deferred header directive (header >Access-Control-Allow-Origin) or from a proxy in front of Caddy: remove it"
	}
	return "send Access-Control-Allow-Origin once: when both the application and a proxy add it, remove one"
}

func (f fixer) originMismatch() string {
	if f.caddy {
		return "the cors handler sends only the request's own origin or *, so this value comes from a cache that ignores Vary: Origin or from a deferred header directive: fix that, no cors line can"
	}
	return "answer with the request's Origin exactly: Access-Control-Allow-Origin: " + f.origin
}

func (f fixer) allowCredentials() string {
	switch {
	case f.caddy && f.origin == "null":
		return f.nullWithCredentials()
	case f.caddy && isInsecure(f.origin):
		return f.block("credentials", "allow_insecure_origins") + ", with the origin listed: credentials cannot go with any origin, and the cors handler refuses them for a plain-http origin without allow_insecure_origins, since anyone on the network path can impersonate it; better, serve the page over https"
	case f.caddy:
		return f.block("credentials") + ", with the origin listed: credentials cannot go with any origin"
	}
	return fmt.Sprintf("answer with Access-Control-Allow-Origin: %s (not *) and Access-Control-Allow-Credentials: true, or call fetch() without credentials", f.origin)
}

func (f fixer) credentialsCase() string {
	if f.caddy {
		return "the cors handler sends a lowercase true (add credentials to its block), so this value comes from a deferred header directive or a proxy in front of Caddy: remove it"
	}
	return "send Access-Control-Allow-Credentials: true, in lowercase"
}

func (f fixer) methods(listed []string, method string) string {
	if f.caddy {
		return f.block("methods " + strings.Join(withAdded(listed, method), " "))
	}
	return "add " + method + " to Access-Control-Allow-Methods"
}

func (f fixer) methodCase(listed []string, method string) string {
	upper := strings.ToUpper(method)
	if f.caddy {
		return fmt.Sprintf("write method: '%s' in the script, or %s", upper, f.block("methods "+strings.Join(withAdded(listed, method), " ")))
	}
	return fmt.Sprintf("write method: '%s' in the script, or add %s to Access-Control-Allow-Methods", upper, method)
}

// headers is the fix for request headers the server does not allow. A CORS
// response header among them is a mistake of the script, not of the server,
// so the fix for it is to remove it from the request.
func (f fixer) headers(listed, missing []string) string {
	var mistakes, names []string
	for _, m := range missing {
		if headers.IsCORSResponseHeader(m) {
			mistakes = append(mistakes, responseHeaderMistake(m))
			continue
		}
		names = append(names, canonical(m))
	}
	if len(mistakes) == 0 {
		return f.allowHeaders(listed, names)
	}
	fix := strings.Join(mistakes, "; ") + " (in the fetch() or axios call on the page; CORS is configured on the server that answers)"
	if len(names) > 0 {
		fix += "; and for the others: " + f.allowHeaders(listed, names)
	}
	return fix
}

// allowHeaders is the fix that allows the request headers names.
func (f fixer) allowHeaders(listed, names []string) string {
	if f.caddy && listed == nil {
		return f.block("headers "+strings.Join(names, " ")) + ", keeping the names already on its headers line; or remove the headers line to allow any header"
	}
	if f.caddy {
		return f.block("headers "+strings.Join(withAdded(listed, names...), " ")) + ", or remove the headers line to allow any header"
	}
	return "add " + strings.Join(names, ", ") + " to Access-Control-Allow-Headers"
}

func (f fixer) expose(listed, names []string) string {
	if f.caddy {
		return "to let scripts read them: " + f.block("expose_headers "+strings.Join(withAdded(listed, names...), " "))
	}
	return "to let scripts read them, list them in Access-Control-Expose-Headers"
}

func (f fixer) redirectedPreflight(location string) string {
	fix := "call the final URL (" + location + ") from the script, or answer OPTIONS at this URL without redirecting"
	if f.caddy {
		fix += "; in Caddy, the cors directive must be in the site block that serves this URL, with a matcher that covers " + f.path + " (cors runs before redir, so the redirect comes from another site block, such as the automatic http-to-https redirect)"
	}
	return fix
}

func (f fixer) authenticatedPreflight() string {
	if f.caddy {
		return "cors runs before basic_auth and forward_auth, so the preflight did not reach it: make the cors matcher cover " + f.path + ", or remove preflight_passthrough"
	}
	return "answer OPTIONS requests that carry Origin and Access-Control-Request-Method without asking for authentication"
}

func (f fixer) preflightStatus(status int, h interface{ Get(string) string }) string {
	if f.caddy {
		if status == 403 && h.Get(headers.AllowOrigin) == "" {
			return "" // the cors handler's refusal: the allow-origin step says why
		}
		return fmt.Sprintf("the cors handler answers an allowed preflight with 2xx itself, so this %d comes from a later handler: make the cors matcher cover %s, or remove preflight_passthrough", status, f.path)
	}
	return "answer OPTIONS requests that carry Origin and Access-Control-Request-Method with 200 or 204"
}

// tooManyHeaders is the fix when a preflight lists more request-header names
// (n), or more bytes of them, than the cors handler accepts.
func (f fixer) tooManyHeaders(n int) string {
	fix := fmt.Sprintf("have the script send at most %d request headers that are not CORS-safelisted (it sends %d), in at most %d bytes of names", headers.MaxRequestNames, n, headers.MaxRequestBytes)
	if f.caddy {
		return fix + "; no cors line raises this limit"
	}
	return fix + ", or raise the server's limit"
}

func (f fixer) switchingProtocols() string {
	return "answer with a final status (200-599): a 101 belongs only to a WebSocket handshake; if the URL is a WebSocket endpoint, open it with new WebSocket() instead of fetch()"
}

// isInsecure reports whether origin is plain http and not loopback, which
// the cors handler refuses with credentials unless allow_insecure_origins.
func isInsecure(origin string) bool {
	p, err := origins.ParsePattern(origin)
	return err == nil && p.IsInsecure()
}

// withAdded returns list without "*", followed by the names it lacks.
func withAdded(list []string, names ...string) []string {
	var out []string
	for _, e := range list {
		if e != "*" {
			out = append(out, e)
		}
	}
	for _, n := range names {
		if !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return out
}
