package cors

import (
	"encoding/json"
	"net/http"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp/fileserver"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp/headers"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp/reverseproxy"
)

// The routes as the placement check (routes.go) reads them: a route whose
// handlers Caddy has loaded is read from the loaded modules, one still raw
// from its JSON, so that the check sees the whole site while it loads.

func serverRoutes(srv *caddyhttp.Server) []caddyhttp.RouteList {
	lists := []caddyhttp.RouteList{srv.Routes}
	if srv.Errors != nil {
		lists = append(lists, srv.Errors.Routes)
	}
	return lists
}

// firstRaw returns the index of the first route whose handlers Caddy has not
// loaded yet, or -1. (A binary search would do, but for routes without
// handlers, which look loaded whether they are or not.)
func firstRaw(routes caddyhttp.RouteList) int {
	for i, route := range routes {
		if route.HandlersRaw != nil {
			return i
		}
	}
	return -1
}

func hasRaw(routes caddyhttp.RouteList) bool { return firstRaw(routes) >= 0 }

// A routeView is a route as the placement check reads it, whether Caddy
// has loaded its handlers yet or they are still raw JSON.
type routeView struct {
	matchers []matcherSet // none: every request
	terminal bool
	group    string // of the routes only the first that matches runs
	handlers []handlerView
}

// A matcherSet is one of a route's matcher sets (a request must pass all
// matchers of one set): its path patterns (nil without a path matcher),
// and whether it has other matchers too.
type matcherSet struct {
	paths []string
	hosts []string // host patterns; nil without a host matcher
	other bool     // a matcher other than path (host included)
	// unknown: a matcher other than path and host
	unknown bool
}

// A handlerView is what the check needs of a handler: its module name and,
// for some, their configuration.
type handlerView struct {
	name     string
	cors     *corsConfig            // cors
	sub      *subroutes             // subroute
	response *headers.RespHeaderOps // headers
	passThru bool                   // file_server
	// reverse_proxy with handle_response routes (forward_auth): it may go
	// on to the next handler.
	handlesResponse bool
	staticHeaders   http.Header // static_response
}

// subroutes are a subroute handler's routes, read when first asked for:
// most checks stop before they need them, and reading the JSON of every
// route of a large site again for each of its cors handlers would make
// loading it quadratic.
type subroutes struct {
	raw    json.RawMessage     // a subroute not loaded yet
	loaded caddyhttp.RouteList // a subroute loaded, or in part
	errors caddyhttp.RouteList // its own error routes (JSON "errors")
	views  []routeView
	read   bool
}

// A corsConfig is a cors handler's configuration, read from its JSON when
// first asked for: most routes hold one cors handler, found by its name.
type corsConfig struct {
	raw     json.RawMessage
	handler *Handler
}

// config returns the configuration of a cors handler.
func (hv handlerView) config() *Handler {
	c := hv.cors
	if c.handler == nil {
		c.handler = new(Handler)
		_ = json.Unmarshal(c.raw, c.handler)
	}
	return c.handler
}

// subroutes returns the routes of a subroute handler, nil for another.
func (hv handlerView) subroutes() []routeView {
	s := hv.sub
	if s == nil {
		return nil
	}
	s.load()
	return s.views
}

// subrouteErrors returns the views of a subroute handler's own error
// routes, nil for another handler.
func (hv handlerView) subrouteErrors() []routeView {
	if hv.sub == nil {
		return nil
	}
	hv.sub.load()
	return viewRoutes(hv.sub.errors)
}

func (s *subroutes) load() {
	if s.read {
		return
	}
	s.read = true
	if s.raw != nil {
		var sr caddyhttp.Subroute
		if json.Unmarshal(s.raw, &sr) == nil {
			s.loaded = sr.Routes
			if sr.Errors != nil {
				s.errors = sr.Errors.Routes
			}
		}
	}
	s.views = viewRoutes(s.loaded)
}

func viewRoutes(routes caddyhttp.RouteList) []routeView {
	views := make([]routeView, len(routes))
	for i, r := range routes {
		views[i] = viewRoute(r)
	}
	return views
}

func viewRoute(r caddyhttp.Route) routeView {
	v := routeView{terminal: r.Terminal, group: r.Group, matchers: viewMatchers(r)}
	for _, handler := range r.Handlers {
		v.handlers = append(v.handlers, viewHandler(handler))
	}
	for _, raw := range r.HandlersRaw {
		v.handlers = append(v.handlers, viewRawHandler(raw))
	}
	return v
}

// viewMatchers returns the matcher sets of r, loaded or raw.
func viewMatchers(r caddyhttp.Route) []matcherSet {
	var sets []matcherSet
	for _, set := range r.MatcherSets {
		var ms matcherSet
		for _, m := range set {
			switch p := m.(type) {
			case *caddyhttp.MatchPath:
				ms.paths = append(ms.paths, *p...)
			case caddyhttp.MatchPath:
				ms.paths = append(ms.paths, p...)
			case *caddyhttp.MatchHost:
				ms.hosts = append(ms.hosts, *p...)
				ms.other = true
			case caddyhttp.MatchHost:
				ms.hosts = append(ms.hosts, p...)
				ms.other = true
			default:
				ms.other, ms.unknown = true, true
			}
		}
		sets = append(sets, ms)
	}
	for _, set := range r.MatcherSetsRaw {
		var ms matcherSet
		for name, raw := range set {
			var list []string
			switch {
			case name == "path" && json.Unmarshal(raw, &list) == nil:
				ms.paths = append(ms.paths, list...)
			case name == "host" && json.Unmarshal(raw, &list) == nil:
				ms.hosts = append(ms.hosts, list...)
				ms.other = true
			default:
				ms.other, ms.unknown = true, true
			}
		}
		sets = append(sets, ms)
	}
	return sets
}

func viewHandler(handler caddyhttp.MiddlewareHandler) handlerView {
	hv := handlerView{name: caddy.GetModuleName(handler)}
	switch handler := handler.(type) {
	case *Handler:
		hv.cors = &corsConfig{handler: handler}
	case *caddyhttp.Subroute:
		hv.sub = &subroutes{loaded: handler.Routes}
		if handler.Errors != nil {
			hv.sub.errors = handler.Errors.Routes
		}
	case *headers.Handler:
		hv.response = handler.Response
	case *fileserver.FileServer:
		hv.passThru = handler.PassThru
	case *reverseproxy.Handler:
		hv.handlesResponse = len(handler.HandleResponse) > 0
	case caddyhttp.StaticResponse:
		hv.staticHeaders = handler.Headers
	case *caddyhttp.StaticResponse:
		hv.staticHeaders = handler.Headers
	}
	return hv
}

func viewRawHandler(raw json.RawMessage) handlerView {
	var named struct {
		Handler string `json:"handler"`
	}
	if json.Unmarshal(raw, &named) != nil {
		return handlerView{}
	}
	hv := handlerView{name: named.Handler}
	switch hv.name {
	case "cors":
		hv.cors = &corsConfig{raw: raw}
	case "subroute":
		hv.sub = &subroutes{raw: raw}
	case "headers":
		var hh headers.Handler
		if json.Unmarshal(raw, &hh) == nil {
			hv.response = hh.Response
		}
	case "file_server":
		var fields struct {
			PassThru bool `json:"pass_thru"`
		}
		_ = json.Unmarshal(raw, &fields)
		hv.passThru = fields.PassThru
	case "reverse_proxy":
		var fields struct {
			HandleResponse []json.RawMessage `json:"handle_response"`
		}
		_ = json.Unmarshal(raw, &fields)
		hv.handlesResponse = len(fields.HandleResponse) > 0
	case "static_response":
		var fields struct {
			Headers http.Header `json:"headers"`
		}
		_ = json.Unmarshal(raw, &fields)
		hv.staticHeaders = fields.Headers
	}
	return hv
}
