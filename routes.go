package cors

import (
	"encoding/json"
	"fmt"
	"iter"
	"net/http"
	"slices"
	"strings"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp/headers"
)

// Where this handler sits among the http app's routes decides whether its
// policy is the one that decides, so the site is checked at load:
//
//   - Another cors handler that runs before it for a request decides that
//     request (the first cors to run decides; later ones step aside, see
//     followsCors). If that other handler runs before it for every request it
//     could see (no matcher of its own, or a path matcher that covers this
//     one's paths), this policy would never decide anything: refused.
//   - A handler before cors that may change the response after cors has
//     enforced its policy (a deferred `header` on CORS headers or Vary,
//     templates, intercept, invoke, anything not known to be passive) is
//     refused. At the site level Caddy orders `cors` before `header`, so
//     only a `route` block or JSON can do this.
//   - A handler that answers every request before cors (reverse_proxy,
//     respond, ...) means this cors never runs: refused.
//   - Error routes (handle_errors, a subroute's "errors") run after this
//     handler has returned, with Caddy's own response writer, so nothing
//     enforces this policy there: unless a cors of their own runs first,
//     they may hold only passive handlers (errorroutes.go).
//   - A cors in a named route is refused: what runs before each invoke that
//     reaches it cannot be seen from there.
//
// Caddy provisions routes in order, depth first, primary routes before error
// routes (pinned by TestCaddyProvisionsRoutesInOrder), and LoadModule clears
// each route's raw handler JSON once it has loaded them (documented on
// caddy.Context.LoadModule). So while this handler is provisioned, in every
// route list on its path from the app (the ancestors in ctx.Modules()), the
// first route still holding raw JSON is the one it is in: the routes before
// it are loaded, and the handlers of its own route, this one among them, are
// still raw JSON, which the check reads itself.
type placement struct {
	followsCors   bool // a cors handler may run before this one for some requests
	inErrorRoutes bool // in handle_errors, after a cors handler in the primary routes
}

// A level is one route list on the path from the app to this handler.
type level struct {
	routes  caddyhttp.RouteList
	current int // the route this handler is in
}

func place(ctx caddy.Context, h *Handler) (placement, []string, error) {
	var pl placement
	var app *caddyhttp.App
	var levels []level // outermost first
	var first []caddyhttp.RouteList
	var warnings []string
	lineage := ctx.Modules()
	for _, m := range lineage {
		switch m := m.(type) {
		case *caddyhttp.App:
			app = m
			for _, srv := range m.Servers {
				if inNamedRoute(srv, h) {
					return pl, nil, fmt.Errorf("cors: the cors handler for %s is in a named route (invoke), where it cannot be checked against what runs before each invoke that reaches it: a deferred header, templates or intercept there would change the response after cors decided; "+
						"put cors in the site's routes, before invoke", quoteOrigins(h))
				}
				if srv.Errors != nil && !hasRaw(srv.Routes) && hasRaw(srv.Errors.Routes) {
					pl.inErrorRoutes = true
					if !h.ReportOnly {
						warnings = differentPolicy(ctx, srv)
					}
				}
				for _, routes := range serverRoutes(srv) {
					if current := firstRaw(routes); current > 0 {
						levels = append(levels, level{routes, current})
					} else if current == 0 {
						first = append(first, routes)
					}
				}
			}
			// A server not provisioned yet is raw from its first route
			// too; when this handler is in a first route, the one that
			// holds this handler's configuration is ours.
			if len(levels) == 0 {
				var ours []caddyhttp.RouteList
				for _, routes := range first {
					if holds(viewRoute(routes[0]).handlers, h) {
						ours = append(ours, routes)
					}
				}
				if len(ours) == 1 {
					levels = append(levels, level{ours[0], 0})
				}
			}
		case *caddyhttp.Subroute:
			lists := []caddyhttp.RouteList{m.Routes}
			if m.Errors != nil {
				lists = append(lists, m.Errors.Routes)
				if hasRaw(m.Routes) && !h.ReportOnly {
					// A subroute's own error routes (JSON "errors") run
					// after this handler has returned, as handle_errors do.
					if what, _ := unguarded(viewRoutes(m.Errors.Routes), false); what != "" {
						return pl, nil, errorRoutesError(`the subroute around it, in its "errors" routes,`, what, h)
					}
				}
			}
			for _, routes := range lists {
				if current := firstRaw(routes); current >= 0 {
					levels = append(levels, level{routes, current})
					break
				}
			}
		}
	}
	if app == nil {
		return pl, nil, nil // not provisioned by Caddy's http app (tests, benchmarks)
	}
	if err := checkErrorRoutes(ctx, app); err != nil {
		return pl, nil, err
	}
	return pl, warnings, placeAmong(levels, h, &pl)
}

// inNamedRoute reports whether h is being provisioned in one of srv's named
// routes: Caddy loads them after the server's primary and error routes.
func inNamedRoute(srv *caddyhttp.Server, h *Handler) bool {
	if len(srv.NamedRoutes) == 0 || hasRaw(srv.Routes) || srv.Errors != nil && hasRaw(srv.Errors.Routes) {
		return false
	}
	for _, route := range srv.NamedRoutes {
		if route.HandlersRaw != nil && holds(viewRoute(*route).handlers, h) {
			return true
		}
	}
	return false
}

// placeAmong checks this handler against what runs before it on its levels.
func placeAmong(levels []level, h *Handler, pl *placement) error {
	var (
		mine      []pathLevel // the path matchers this handler's requests pass
		before    []corsBefore
		rewritten bool // a handler before this one may change the path
	)
	for k, lv := range levels {
		innermost := k == len(levels)-1
		var route routeView
		if current := lv.routes[lv.current]; !innermost && len(current.HandlersRaw) == 1 {
			// Only the subroute that leads here: nothing runs before it
			// in this route, so its JSON, the whole site's at the top
			// level, need not be read (BenchmarkProvisionManySites).
			route = routeView{matchers: viewMatchers(current)}
		} else {
			route = viewRoute(current)
		}
		for _, earlier := range lv.routes[:lv.current] {
			if earlier.Terminal || (earlier.Group != "" && earlier.Group == lv.routes[lv.current].Group) {
				continue // never runs before a later route that runs
			}
			e := viewRoute(earlier)
			sets := e.matchers
			if e.group != "" {
				// Another route of its group may run instead of it.
				sets = []matcherSet{{other: true}}
			}
			if err := scanBefore(e.handlers, sets, pathLevelOf(e.matchers, false).paths, k, "it has no matcher", h, &before, &rewritten); err != nil {
				return err
			}
			if len(sets) == 0 {
				if name := responder(e.handlers); name != "" {
					return neverRuns(h, name)
				}
			}
		}
		mine = append(mine, pathLevelOf(route.matchers, rewritten))

		// This route's own handlers that run before this one (or before
		// the subroute that leads to it).
		at := len(route.handlers)
		count := map[string]int{}
		for _, hv := range route.handlers {
			count[hv.name]++
		}
		for i, hv := range route.handlers {
			// A route with one cors handler, or one subroute, holds this
			// handler there: no need to read its JSON to find out
			// (BenchmarkProvisionManySites).
			if (innermost && hv.name == "cors" && (count["cors"] == 1 || sameConfig(hv.config(), h))) ||
				(!innermost && hv.name == "subroute" && (count["subroute"] == 1 || containsCors(hv.subroutes()))) {
				at = i
				break
			}
		}
		if innermost && at < len(route.handlers) && !h.ReportOnly {
			for _, later := range route.handlers[at+1:] {
				if later.name == "cors" {
					return deadCors(later.config(), corsBefore{handler: h}, "it comes right before it in the same route", "", true)
				}
			}
		}
		if name := responder(route.handlers[:at]); name != "" {
			return neverRuns(h, name)
		}
		same := "it comes first in the same route"
		var shared []string
		if l := pathLevelOf(route.matchers, false); l.known && !l.all {
			// Caddy merges site-level directives with equal matchers into one route.
			same += " (for " + strings.Join(l.paths, " ") + ")"
			shared = l.paths
		}
		if err := scanBefore(route.handlers[:at], nil, shared, k, same, h, &before, &rewritten); err != nil {
			return err
		}
	}

	for _, other := range before {
		if rewritten && !other.coversAll() {
			pl.followsCors = true // paths may be rewritten in between: no proof either way
			continue
		}
		if reason, ok := other.covers(mine); ok {
			where := ""
			if paths := innermostPaths(mine); len(paths) > 0 {
				where = paths[0]
			}
			return deadCors(h, other, reason, where, other.sibling && other.level == len(levels)-1)
		}
		pl.followsCors = true
	}
	return nil
}

// A corsBefore is a cors handler that may run before this one, with the
// path matchers it needs to run (those this handler does not share).
type corsBefore struct {
	handler *Handler
	cover   []pathLevel
	level   int
	paths   []string // the path matcher of its route, if any, for the fix
	sibling bool     // a direct handler of an earlier route of the same list
	why     string   // why it runs for every request this one sees, when no matcher of its own stops it
}

// A pathLevel is what one route's matchers let through, by path: the
// union of its path patterns. all: the route has no matcher. known: every
// matcher set is a path matcher alone, or (for the routes this handler is
// in) has a path matcher, so the union bounds the requests.
type pathLevel struct {
	all   bool
	known bool
	paths []string
}

func (c corsBefore) coversAll() bool {
	for _, l := range c.cover {
		if !l.all {
			return false
		}
	}
	return true
}

// covers reports whether the other handler runs for every request that
// reaches this one (its matchers let through all that this one's let
// through), and why.
func (c corsBefore) covers(mine []pathLevel) (string, bool) {
	var reasons []string
	for _, l := range c.cover {
		if l.all {
			continue
		}
		if !l.known {
			return "", false
		}
		ok := false
		for _, m := range mine {
			if m.known && !m.all && pathsWithin(m.paths, l.paths) {
				ok = true
				reasons = append(reasons, fmt.Sprintf("its matcher %s covers %s", strings.Join(l.paths, " "), strings.Join(m.paths, " ")))
				break
			}
		}
		if !ok {
			return "", false
		}
	}
	if len(reasons) == 0 {
		return c.why, true
	}
	return strings.Join(reasons, "; "), true
}

// innermostPaths returns the paths of the innermost route with a path
// matcher, or nil if that route's matcher is not only paths, or comes after
// a path rewrite (handle_path strips a prefix): then no path is suggested.
func innermostPaths(levels []pathLevel) []string {
	for i := len(levels) - 1; i >= 0; i-- {
		if !levels[i].all {
			if !levels[i].known {
				return nil
			}
			return levels[i].paths
		}
	}
	return nil
}

// pathsWithin reports whether every path pattern in inner matches only
// paths that some pattern in outer matches. Caddy's path patterns: exact,
// a prefix ending in *, or *suffix; anything else is compared exactly.
func pathsWithin(inner, outer []string) bool {
	for _, p := range inner {
		if !pathWithin(p, outer) {
			return false
		}
	}
	return true
}

func pathWithin(p string, outer []string) bool {
	literal, _, _ := strings.Cut(p, "*")
	for _, q := range outer {
		switch {
		case q == "*" || strings.EqualFold(q, p):
			return true
		case strings.Count(q, "*") == 1 && strings.HasSuffix(q, "*") &&
			strings.HasPrefix(strings.ToLower(literal), strings.ToLower(strings.TrimSuffix(q, "*"))):
			return true
		}
	}
	return false
}

func pathLevelOf(sets []matcherSet, rewritten bool) pathLevel {
	if len(sets) == 0 {
		return pathLevel{all: true, known: true}
	}
	l := pathLevel{known: !rewritten}
	for _, s := range sets {
		if s.paths == nil {
			l.known = false
		}
		l.paths = append(l.paths, s.paths...)
	}
	return l
}

// coverLevelOf is pathLevelOf for another handler's routes: there a
// matcher other than path may keep it from running, so the union is known
// only when every set is paths alone.
func coverLevelOf(sets []matcherSet, rewritten bool) pathLevel {
	l := pathLevelOf(sets, rewritten)
	for _, s := range sets {
		if s.other {
			l.known = false
		}
	}
	return l
}

// scanBefore looks at handlers that may run before this one: cors handlers
// among them are recorded, deferred header operations on CORS headers or
// Vary are refused, and path rewrites noted. cover is the path matchers
// the handlers need to run, beyond those this handler shares.
func scanBefore(handlers []handlerView, sets []matcherSet, paths []string, level int, why string, h *Handler, before *[]corsBefore, rewritten *bool) error {
	cover := []pathLevel{coverLevelOf(sets, *rewritten)}
	n := len(*before)
	err := scanHandlers(handlers, cover, true, level, why, h, before, rewritten)
	for i := n; i < len(*before); i++ {
		if (*before)[i].sibling {
			(*before)[i].paths = paths
		}
	}
	return err
}

func scanHandlers(handlers []handlerView, cover []pathLevel, direct bool, level int, why string, h *Handler, before *[]corsBefore, rewritten *bool) error {
	for _, hv := range handlers {
		switch hv.name {
		case "cors":
			if !hv.config().ReportOnly {
				*before = append(*before, corsBefore{handler: hv.config(), cover: cover, level: level, sibling: direct, why: why})
			}
		case "headers":
			if name := wrapsCORSHeader(hv.response); name != "" {
				return fmt.Errorf("cors: a header handler that changes %s when the response is written runs before the cors handler for %s, so it would change the response after cors decided; "+
					"put cors before it (Caddy does so at the site level; in a route block, write cors first)", name, quoteOrigins(h))
			}
		case "rewrite":
			*rewritten = true
		case "reverse_proxy":
			if hv.handlesResponse {
				return runsBefore(h, "reverse_proxy with handle_response (forward_auth is one)")
			}
		case "static_response", "error", "file_server", "acme_server", "metrics":
			// Responders: they answer the requests they match without
			// going on to cors (see responder), and change no response.
		case "subroute":
			for _, r := range hv.subroutes() {
				// Even a terminal route goes on to what follows the subroute.
				inner := append(cover[:len(cover):len(cover)], coverLevelOf(r.matchers, *rewritten))
				if err := scanHandlers(r.handlers, inner, false, level, why, h, before, rewritten); err != nil {
					return err
				}
			}
		default:
			if !passive[hv.name] {
				return runsBefore(h, hv.name)
			}
		}
	}
	return nil
}

// passive are the handlers that change no response header after the next
// handler has written it, and set no CORS header: they may run before cors,
// and in handle_errors without one. (encode adds Vary: Accept-Encoding
// beside the others; authentication answers 401 with WWW-Authenticate.)
// Any other handler, third-party ones included, may wrap the response and
// change it after cors decided (templates, intercept, invoke of a named
// route, reverse_proxy's handle_response ...), so cors must run before it.
var passive = map[string]bool{
	"vars": true, "map": true, "rewrite": true, "request_body": true, "log_append": true,
	"tracing": true, "encode": true, "authentication": true, "push": true, "timeouts": true,
}

func runsBefore(h *Handler, name string) error {
	return fmt.Errorf("cors: the %s handler runs before the cors handler for %s and may answer requests, or change responses after cors decided, with CORS headers of its own; "+
		"run cors first: in a route block, write cors before it; for a directive that Caddy orders before cors, add a global option `order <directive> after cors`", name, quoteOrigins(h))
}

// wrapsCORSHeader returns the first CORS header or Vary that response
// operations applied when the response is written (deferred, or under a
// response matcher) change, or "".
func wrapsCORSHeader(ops *headers.RespHeaderOps) string {
	if ops == nil || !(ops.Deferred || ops.Require != nil) {
		return ""
	}
	return touchedCORSHeader(ops.HeaderOps)
}

// touchedCORSHeader returns the first CORS response header or Vary that
// ops add, set, delete or replace, or "".
func touchedCORSHeader(ops *headers.HeaderOps) string {
	if ops == nil {
		return ""
	}
	var names []string
	for name := range ops.Add {
		names = append(names, name)
	}
	for name := range ops.Set {
		names = append(names, name)
	}
	for name := range ops.Replace {
		names = append(names, name)
	}
	names = append(names, ops.Delete...)
	for _, pattern := range names {
		// net/http sends a "Trailer:"-prefixed name as a trailer.
		pattern = strings.TrimPrefix(pattern, http.TrailerPrefix)
		if strings.ContainsAny(pattern, "{*") {
			// A placeholder may name any header; a wildcard is named as
			// written, if it matches a CORS header or Vary.
			if strings.Contains(pattern, "{") || slices.ContainsFunc(append(responseHeaders[:], "Vary"), func(name string) bool { return headerPatternMatches(pattern, name) }) {
				return pattern
			}
			continue
		}
		for _, name := range append(responseHeaders[:], "Vary") {
			if headerPatternMatches(pattern, name) {
				return name
			}
		}
	}
	return ""
}

// headerPatternMatches matches a header name against a name pattern of
// Caddy's header handler: `*` alone, `*suffix`, `prefix*`, `*substring*`.
func headerPatternMatches(pattern, name string) bool {
	p, n := strings.ToLower(pattern), strings.ToLower(name)
	switch {
	case p == "*":
		return true
	case len(p) > 1 && strings.HasPrefix(p, "*") && strings.HasSuffix(p, "*"):
		return strings.Contains(n, p[1:len(p)-1])
	case strings.HasPrefix(p, "*"):
		return strings.HasSuffix(n, p[1:])
	case strings.HasSuffix(p, "*"):
		return strings.HasPrefix(n, p[:len(p)-1])
	}
	return p == n
}

// responder returns the name of the first handler that answers every
// request it gets without calling the next one, or "".
func responder(handlers []handlerView) string {
	for _, hv := range handlers {
		switch hv.name {
		case "static_response", "error", "acme_server":
			return hv.name
		case "reverse_proxy":
			if !hv.handlesResponse {
				return hv.name
			}
		case "file_server":
			if !hv.passThru {
				return hv.name
			}
		}
	}
	return ""
}

// sameConfig reports whether two cors handlers have the same configuration.
func sameConfig(a, b *Handler) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return string(ja) == string(jb)
}

// corsIn yields the cors handlers of routes, their subroutes' included
// (not their error routes), in the order they run.
func corsIn(routes []routeView) iter.Seq[handlerView] {
	return func(yield func(handlerView) bool) { walkCors(routes, yield) }
}

func walkCors(routes []routeView, yield func(handlerView) bool) bool {
	for _, r := range routes {
		for _, hv := range r.handlers {
			switch {
			case hv.name == "cors" && !yield(hv):
				return false
			case hv.name == "subroute" && !walkCors(hv.subroutes(), yield):
				return false
			}
		}
	}
	return true
}

// holds reports whether handlers, or their subroutes, have a cors handler
// configured exactly as h.
func holds(handlers []handlerView, h *Handler) bool {
	for hv := range corsIn([]routeView{{handlers: handlers}}) {
		if sameConfig(hv.config(), h) {
			return true
		}
	}
	return false
}

func containsCors(routes []routeView) bool {
	for range corsIn(routes) {
		return true
	}
	return false
}

func deadCors(inner *Handler, other corsBefore, reason, path string, siblings bool) error {
	outer := other.handler
	if siblings {
		return fmt.Errorf("cors: the cors handler for %s would never decide: the cors handler for %s runs before it for every request it would see (%s); "+
			"merge them into one cors, or give the first a matcher that leaves the other requests to the second",
			quoteOrigins(inner), quoteOrigins(outer), reason)
	}
	matcher := "<matcher>"
	if path != "" {
		matcher = path
	}
	return fmt.Errorf("cors: the cors handler for %s would never decide: the cors handler for %s runs before it for every request it would see (%s), answers their preflights and sets their CORS headers; "+
		"write both at the site level and give the more specific one a matcher, e.g. `cors %s %s` beside `cors %s` (Caddy puts the most specific first, and the first that matches decides)",
		quoteOrigins(inner), quoteOrigins(outer), reason, matcher, strings.Join(allowedOrigins(inner), " "), strings.Join(append(other.paths, allowedOrigins(outer)...), " "))
}

func neverRuns(h *Handler, name string) error {
	return fmt.Errorf("cors: the cors handler for %s never runs: the %s handler before it answers every request it would see; put cors before %s", quoteOrigins(h), name, name)
}

func allowedOrigins(h *Handler) []string {
	list := append(append([]string(nil), h.Origins...), h.OriginRegexps...)
	if len(list) == 0 {
		list = []string{"*"}
	}
	return list
}

func quoteOrigins(h *Handler) string {
	var quoted []string
	for _, o := range allowedOrigins(h) {
		quoted = append(quoted, fmt.Sprintf("%q", o))
	}
	return strings.Join(quoted, ", ")
}
