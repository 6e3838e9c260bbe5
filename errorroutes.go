package cors

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp/headers"
)

// Error routes (handle_errors) run after the cors handlers of the primary
// routes have returned, with Caddy's own response writer, so no cors
// handler there enforces its policy on them: they must leave CORS headers
// alone, or have a cors handler of their own.

// checkErrorRoutes refuses error routes that could put CORS headers on a
// response without a cors handler of their own, in a server whose primary
// routes have an enforcing cors handler: the error routes run after that
// handler has returned, so nothing would enforce its policy there.
func checkErrorRoutes(ctx caddy.Context, app *caddyhttp.App) error {
	for _, srv := range app.Servers {
		if srv.Errors == nil || len(srv.Errors.Routes) == 0 {
			continue
		}
		// Once per server and config load: a site with a thousand cors
		// handlers reads its routes once, not a thousand times.
		if _, done := checkedServers.Load(srv); done || !hasRaw(srv.Routes) {
			continue // checked, or its error routes are loading: checked when its first cors loaded
		}
		if _, done := checkedServers.LoadOrStore(srv, true); done {
			continue
		}
		ctx.OnCancel(func() { checkedServers.Delete(srv) })
		// The error routes are read first: they are usually harmless, and
		// then the primary routes need not be read at all.
		type offender struct {
			route  routeView
			what   string
			before []routeView // the error routes before it
		}
		var offenders []offender
		guarded := false
		errorRoutes := viewRoutes(srv.Errors.Routes)
		for i, r := range errorRoutes {
			var what string
			if what, guarded = unguarded([]routeView{r}, guarded); what != "" {
				offenders = append(offenders, offender{r, what, errorRoutes[:i]})
			}
		}
		if len(offenders) == 0 {
			continue
		}
		// Sites on one port share the server's error routes, each site's
		// scoped to its hosts: an offending error route matters only where
		// it shares a host with a site that has cors.
		for _, r := range viewRoutes(srv.Routes) {
			primary := enforcingCors([]routeView{r})
			if primary == nil {
				continue
			}
			for _, o := range offenders {
				if hostsOverlap(hostsOf(r), hostsOf(o.route)) && !shadowed(hostsOf(r), o.before) {
					return errorRoutesError("handle_errors", o.what, primary)
				}
			}
		}
	}
	return nil
}

func errorRoutesError(where, what string, primary *Handler) error {
	return fmt.Errorf("cors: %s %s but no cors of its own runs before that for every error: error pages are written after the cors handler for %s has finished, so nothing would keep their CORS headers to that policy; "+
		"add the same cors there, before the rest, without a matcher (a snippet imported in both places does it)", where, what, quoteOrigins(primary))
}

// checkedServers are the servers whose error routes checkErrorRoutes has
// checked, until their config is unloaded.
var checkedServers sync.Map

// unguarded returns what in routes could set CORS headers outside any cors
// handler in them, and whether a cors handler wraps whatever runs after them.
func unguarded(routes []routeView, guarded bool) (string, bool) {
	for _, r := range routes {
		g := guarded
		for _, hv := range r.handlers {
			if g {
				break
			}
			switch hv.name {
			case "cors":
				g = !hv.config().ReportOnly
			case "reverse_proxy":
				return "proxies to a backend (whose CORS headers would reach the browser)", false
			case "headers":
				if name := touchedCORSHeader(responseOps(hv.response)); name != "" {
					return fmt.Sprintf("changes %s with header", name), false
				}
			case "static_response":
				if name := touchedCORSHeader(&headers.HeaderOps{Set: hv.staticHeaders}); name != "" {
					return fmt.Sprintf("responds with a %s header", name), false
				}
			case "error", "file_server", "acme_server", "metrics":
			case "subroute":
				what, inner := unguarded(hv.subroutes(), false)
				if what == "" {
					// Its own error routes run when its routes return an
					// error, outside any cors in them.
					what, _ = unguarded(hv.subrouteErrors(), false)
				}
				if what != "" {
					return what, false
				}
				g = inner
			default:
				if !passive[hv.name] {
					return fmt.Sprintf("runs %s, which may set CORS headers of its own,", hv.name), false
				}
			}
		}
		if g && len(r.matchers) == 0 && r.group == "" {
			// It runs for every request, and so wraps every route after
			// it; in a group, another route of the group may run instead.
			guarded = true
		}
	}
	return "", guarded
}

// hostsOf returns the host patterns a route is limited to, or nil when it
// may match any host.
func hostsOf(r routeView) []string {
	var hosts []string
	for _, s := range r.matchers {
		if s.hosts == nil {
			return nil
		}
		hosts = append(hosts, s.hosts...)
	}
	return hosts
}

// shadowed reports whether the errors of requests to hosts never reach
// the error routes after before: a terminal route there, matching on hosts
// alone, takes them all (the error routes of that site, in a Caddyfile).
func shadowed(hosts []string, before []routeView) bool {
	if hosts == nil {
		return false
	}
	for _, e := range before {
		if !e.terminal || len(e.matchers) == 0 {
			continue
		}
		hostsOnly := true
		for _, s := range e.matchers {
			hostsOnly = hostsOnly && s.hosts != nil && s.paths == nil && !s.unknown
		}
		if hostsOnly && !slices.ContainsFunc(hosts, func(h string) bool {
			return !slices.ContainsFunc(hostsOf(e), func(x string) bool { return strings.EqualFold(x, h) })
		}) {
			return true
		}
	}
	return false
}

// hostsOverlap reports whether two host lists (nil: any host) may share a
// request; a pattern with a placeholder or wildcard is taken to overlap.
func hostsOverlap(a, b []string) bool {
	if a == nil || b == nil {
		return true
	}
	for _, x := range a {
		for _, y := range b {
			if strings.EqualFold(x, y) || strings.ContainsAny(x, "*{") || strings.ContainsAny(y, "*{") {
				return true
			}
		}
	}
	return false
}

func responseOps(ops *headers.RespHeaderOps) *headers.HeaderOps {
	if ops == nil {
		return nil
	}
	return ops.HeaderOps
}

// enforcingCors returns the first cors handler in routes that is not report-only, or nil.
func enforcingCors(routes []routeView) *Handler {
	for hv := range corsIn(routes) {
		if c := hv.config(); !c.ReportOnly {
			return c
		}
	}
	return nil
}

// differentPolicy warns, once per server and load, when the cors handlers
// of its error routes are configured unlike those of its primary routes:
// error responses then follow another policy than the rest of the site,
// as when a site has a cors policy per path and handle_errors imports only
// one of them.
func differentPolicy(ctx caddy.Context, srv *caddyhttp.Server) []string {
	if _, done := primaryPolicies.LoadOrStore(srv, true); done {
		return nil
	}
	ctx.OnCancel(func() { primaryPolicies.Delete(srv) })
	primary := configsOf(allCors(viewRoutes(srv.Routes)))
	errorPolicies := configsOf(allCors(viewRoutes(srv.Errors.Routes)))
	if len(primary) == 0 {
		return nil
	}
	var warnings []string
	for _, config := range slices.Sorted(maps.Keys(errorPolicies)) {
		if _, ok := primary[config]; !ok {
			warnings = append(warnings, fmt.Sprintf("cors: the cors handler for %s in handle_errors is configured unlike every cors handler of the site's routes (for %s), so error responses follow another policy than the others; "+
				"import the same snippet in both places if that is not what you meant", errorPolicies[config], strings.Join(slices.Sorted(maps.Values(primary)), "; ")))
		}
	}
	for _, config := range slices.Sorted(maps.Keys(primary)) {
		if _, ok := errorPolicies[config]; !ok {
			warnings = append(warnings, fmt.Sprintf("cors: handle_errors has no cors handler configured like the one for %s in the site's routes, so the error responses of its requests follow another policy; "+
				"import each of the site's cors lines, with their matchers, in handle_errors too", primary[config]))
		}
	}
	return warnings
}

// configsOf maps the JSON of each configuration of handlers to its origins.
func configsOf(handlers []*Handler) map[string]string {
	configs := map[string]string{}
	for _, c := range handlers {
		b, _ := json.Marshal(c)
		configs[string(b)] = quoteOrigins(c)
	}
	return configs
}

// primaryPolicies holds the servers whose error routes differentPolicy has
// compared, until their config is unloaded.
var primaryPolicies sync.Map

// allCors returns the enforcing cors handlers in routes.
func allCors(routes []routeView) []*Handler {
	var found []*Handler
	for hv := range corsIn(routes) {
		if c := hv.config(); !c.ReportOnly {
			found = append(found, c)
		}
	}
	return found
}
