package check

import (
	"fmt"
	"slices"
	"strings"
)

// fixer writes the fix for each failure: what the server should send, or,
// when the server is Caddy, the cors directive line that sends it.
type fixer struct {
	caddy  bool   // the response said Server: Caddy
	origin string // the page's origin
	path   string // the URL path, for matcher hints
}

// block writes a subdirective for the cors block (one-line blocks are not
// Caddyfile syntax, so the line is named rather than shown in its block).
func (f fixer) block(sub string) string {
	return fmt.Sprintf("Caddyfile: %q in the block of the cors directive that allows %s", sub, f.origin)
}

func (f fixer) allowOrigin() string {
	if f.caddy {
		return fmt.Sprintf("Caddyfile: cors %s (or add %s to the origins of the existing cors directive), with a matcher that covers %s", f.origin, f.origin, f.path)
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

func (f fixer) credentials() string {
	if f.caddy {
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

func (f fixer) headers(listed, missing []string) string {
	names := make([]string, len(missing))
	for i, m := range missing {
		names[i] = canonical(m)
	}
	if f.caddy && listed == nil {
		return fmt.Sprintf("Caddyfile: add %s to the headers line in the block of the cors directive that allows %s, or remove the headers line to allow any header", strings.Join(names, " "), f.origin)
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
		if status == 403 && h.Get("Access-Control-Allow-Origin") == "" {
			return "" // the cors handler's refusal: the allow-origin step says why
		}
		return fmt.Sprintf("the cors handler answers an allowed preflight with 2xx itself, so this %d comes from a later handler: make the cors matcher cover %s, or remove preflight_passthrough", status, f.path)
	}
	return "answer OPTIONS requests that carry Origin and Access-Control-Request-Method with 200 or 204"
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
