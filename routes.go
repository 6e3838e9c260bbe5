package cors

import (
	"fmt"
	"strings"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
)

// Where this handler sits among the http app's routes matters in two ways:
//
//   - Another cors handler that runs before it for the same requests decides
//     those requests: it answers their preflights and wins on their actual
//     responses. A cors handler nested in a route that an outer cors handler
//     covers would be silently overridden, so such configs are refused. Site-
//     level siblings with matchers are the supported way to have per-path
//     policies: the first one whose matcher matches decides, and the others
//     step aside (followsCors).
//   - A cors handler in an error route (handle_errors) sees requests that a
//     cors handler in the primary routes decided already (inErrorRoutes).
//
// Caddy provisions routes in order, depth first, and drops each route's raw
// JSON once its handlers are loaded. So while this handler is provisioned,
// in every route list on its path from the app (the ancestors in
// ctx.Modules()), the first route still holding raw JSON is the one it is
// in, and the routes before it are loaded: those are the ones whose handlers
// run before this one.
type placement struct {
	followsCors   bool
	inErrorRoutes bool
}

func place(ctx caddy.Context, h *Handler) (placement, error) {
	var pl placement
	lineage := ctx.Modules()
	if len(lineage) < 2 {
		return pl, nil // not provisioned by Caddy's http app (tests, benchmarks)
	}
	parent := lineage[len(lineage)-2]
	var where []string // path matchers of the routes this handler is in, outermost first
	for depth := len(lineage) - 2; depth >= 0; depth-- {
		var lists []caddyhttp.RouteList
		switch m := lineage[depth].(type) {
		case *caddyhttp.Subroute:
			lists = append(lists, m.Routes)
			if m.Errors != nil {
				lists = append(lists, m.Errors.Routes)
			}
		case *caddyhttp.App:
			for _, srv := range m.Servers {
				lists = append(lists, srv.Routes)
				if srv.Errors != nil {
					lists = append(lists, srv.Errors.Routes)
					if !hasRaw(srv.Routes) && hasRaw(srv.Errors.Routes) {
						pl.inErrorRoutes = true
					}
				}
			}
		default:
			continue // another module that holds routes, such as reverse_proxy's handle_response
		}
		sameLevel := lineage[depth] == parent
		_, isSubroute := lineage[depth].(*caddyhttp.Subroute)
		for _, routes := range lists {
			current := firstRaw(routes)
			// In a subroute, the first route still raw is this handler's
			// even at index 0; among the app's servers, a server not yet
			// provisioned looks the same, so only a later index tells.
			if current < 0 || (current == 0 && !isSubroute) {
				continue
			}
			where = append(pathsOf(routes[current]), where...)
			for _, route := range routes[:current] {
				if route.Terminal || (route.Group != "" && route.Group == routes[current].Group) {
					continue // never runs before a later route that runs
				}
				for _, other := range corsHandlers(route.Handlers) {
					direct := sameLevel && other.direct
					if direct && len(route.MatcherSets) > 0 {
						pl.followsCors = true // a sibling with a matcher: first match decides
						continue
					}
					return pl, nestedError(h, other.handler, where)
				}
			}
		}
	}
	return pl, nil
}

// firstRaw returns the index of the first route whose handlers Caddy has not
// loaded yet, or -1.
func firstRaw(routes caddyhttp.RouteList) int {
	for i, route := range routes {
		if route.HandlersRaw != nil {
			return i
		}
	}
	return -1
}

func hasRaw(routes caddyhttp.RouteList) bool { return firstRaw(routes) >= 0 }

type foundCors struct {
	handler *Handler
	direct  bool // a handler of the route itself, not of a subroute in it
}

// corsHandlers returns the cors handlers among handlers and in their subroutes.
func corsHandlers(handlers []caddyhttp.MiddlewareHandler) []foundCors {
	var found []foundCors
	for _, handler := range handlers {
		switch handler := handler.(type) {
		case *Handler:
			found = append(found, foundCors{handler, true})
		case *caddyhttp.Subroute:
			for _, route := range handler.Routes {
				for _, f := range corsHandlers(route.Handlers) {
					found = append(found, foundCors{f.handler, false})
				}
			}
		}
	}
	return found
}

// pathsOf returns the path patterns a route matches, if it matches on paths.
func pathsOf(route caddyhttp.Route) []string {
	var paths []string
	for _, set := range route.MatcherSets {
		for _, m := range set {
			switch p := m.(type) {
			case *caddyhttp.MatchPath:
				paths = append(paths, *p...)
			case caddyhttp.MatchPath:
				paths = append(paths, p...)
			}
		}
	}
	return paths
}

func nestedError(inner, outer *Handler, paths []string) error {
	matcher := "<matcher>"
	if len(paths) > 0 {
		matcher = paths[len(paths)-1]
	}
	return fmt.Errorf("cors: the cors handler for %s would never decide: the cors handler for %s runs before it for the same requests, answers their preflights and sets their CORS headers; "+
		"write both at the site level and give the more specific one a matcher, e.g. `cors %s %s` beside `cors %s` (Caddy puts the most specific first, and the first that matches decides)",
		quoteOrigins(inner), quoteOrigins(outer), matcher, strings.Join(allowedOrigins(inner), " "), strings.Join(allowedOrigins(outer), " "))
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
