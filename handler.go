package cors

import (
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"

	"github.com/caddyserver/caddy/v2/modules/caddyhttp"

	"github.com/seed-41134e10/caddy-cors/internal/headers"
)

// ServeHTTP answers preflights and adds CORS headers to every other response.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request, next caddyhttp.Handler) error {
	if h.followsCors && insideCorsWriter(w) {
		// A cors handler before this one (a sibling with a matcher) has
		// decided this request already.
		return next.ServeHTTP(w, r)
	}
	origin, hasOrigin := r.Header["Origin"]
	var method []string
	isPreflight := false
	if r.Method == http.MethodOptions && hasOrigin {
		method, isPreflight = r.Header[headers.RequestMethod]
	}
	switch {
	case h.policy.reportOnly:
		return h.reportOnly(w, r, next, origin, method, isPreflight)
	case isPreflight:
		return h.preflight(w, r, next, origin, method)
	}
	return h.actual(w, r, next, origin)
}

// actual grants (or not) read access to the response of a non-preflight request.
func (h *Handler) actual(w http.ResponseWriter, r *http.Request, next caddyhttp.Handler, origin []string) error {
	cw := writerPool.Get().(*corsWriter)
	out := h.policy.decideActual(&cw.grant, origin, h.observed)
	if len(origin) > 0 {
		h.record(r, kindActual, out, "")
	}
	cw.vary = h.policy.actualVary
	return h.serveNext(cw, w, r, next)
}

// preflight answers an OPTIONS request that asks whether the real request may be sent.
func (h *Handler) preflight(w http.ResponseWriter, r *http.Request, next caddyhttp.Handler, origin, method []string) error {
	p := h.policy
	if p.passthrough {
		cw := writerPool.Get().(*corsWriter)
		out, detail := p.decidePreflight(&cw.grant, origin, method, r.Header, h.observed)
		h.record(r, kindPreflight, out, detail)
		cw.vary = p.preflightVary
		return h.serveNext(cw, w, r, next)
	}
	var g grant
	out, detail := p.decidePreflight(&g, origin, method, r.Header, h.observed)
	h.record(r, kindPreflight, out, detail)
	h.replaced(r, g.apply(w.Header(), p.preflightVary, h.observed))
	if out != allowed {
		w.WriteHeader(http.StatusForbidden)
		return nil
	}
	w.WriteHeader(p.preflightStatus)
	return nil
}

// reportOnly decides a CORS request as the policy would and changes nothing:
// preflights go on to the next handler, no header is touched, and what the
// policy would refuse is logged and counted with what the response granted.
func (h *Handler) reportOnly(w http.ResponseWriter, r *http.Request, next caddyhttp.Handler, origin, method []string, isPreflight bool) error {
	if origin == nil {
		return next.ServeHTTP(w, r) // not a CORS request
	}
	cw := writerPool.Get().(*corsWriter)
	cw.ResponseWriter, cw.handler, cw.request, cw.reportOnly = w, h, r, true
	var g grant // what the policy would grant; only the outcome is used
	if isPreflight {
		cw.kind = kindPreflight
		cw.outcome, cw.detail = h.policy.decidePreflight(&g, origin, method, r.Header, true)
	} else {
		cw.kind = kindActual
		cw.outcome = h.policy.decideActual(&g, origin, true)
	}
	err := next.ServeHTTP(cw, r)
	if !cw.wroteHeader {
		// An error response, written by Caddy after this returns: report
		// what it will carry as far as can be known now.
		h.report(r, cw.kind, cw.outcome, cw.detail, w.Header(), 0)
		if err != nil {
			markDecided(r)
		}
	}
	*cw = corsWriter{}
	writerPool.Put(cw)
	return err
}

// serveNext runs next with cw, which holds this request's grant and puts
// it on the response when next writes the header, and puts it there itself
// when next returns without writing, with an error or without (then Caddy
// writes the response after this handler returns: an error page, or an
// empty 200). Applied at the last moment, once, the grant overrides
// whatever any other handler did to the CORS headers or to Vary.
func (h *Handler) serveNext(cw *corsWriter, w http.ResponseWriter, r *http.Request, next caddyhttp.Handler) error {
	cw.ResponseWriter, cw.handler, cw.request = w, h, r
	err := next.ServeHTTP(cw, r)
	hdr := w.Header()
	switch {
	case !cw.wroteHeader:
		h.replaced(r, cw.grant.apply(hdr, cw.vary, h.observed))
		if err != nil {
			markDecided(r)
		}
	case len(hdr) != cw.headerCount:
		removeTrailers(hdr)
	}
	// A handler must not use the writer after it returns (nor keep it, or
	// a writer that wraps it): it goes back to the pool. The pool pays:
	// allocating a writer (224 B) for each request made the actual
	// requests of BenchmarkServeHTTP 1.6-2.7 times slower. Cleared, the
	// writer lets the collector free what it pointed to, and holds the
	// empty grant that decideActual and decidePreflight expect.
	*cw = corsWriter{}
	writerPool.Put(cw)
	return err
}

// corsTrailers are the CORS response headers as trailers that a handler
// sets after writing the header without announcing them (net/http sends
// keys with this prefix as trailers).
var corsTrailers = func() (names [numResponseHeaders]string) {
	for i, name := range responseHeaders {
		names[i] = http.TrailerPrefix + name
	}
	return names
}()

// removeTrailers removes CORS headers sent as trailers. Browsers ignore
// trailers, but the response carries no other handler's CORS header of any
// kind. Trailers arrive as keys added to the header map after the header
// is written (reverse_proxy copies a backend's so), which is when this runs.
// Of those, net/http sends the announced names, from which apply took the
// CORS ones, and the "Trailer:"-prefixed names, which go here; the map keeps
// this handler's own headers for whatever logs them.
func removeTrailers(h http.Header) {
	for _, name := range corsTrailers {
		delete(h, name)
	}
}

// apply makes h carry exactly the grant's CORS headers and vary, whatever
// other handlers set, changed or removed: CORS headers the grant lacks are
// removed, the grant's replace any other values, vary is added to Vary if
// it is not there, and CORS names announced as trailers are taken out of
// the announcement. It runs once per response, when its header is written,
// and returns the CORS headers of other handlers that it removed or
// replaced, with their values. When observed is not set, nothing would log
// or count what it replaced, so it does not look up the headers it sets
// anyway. (Go canonicalizes header names on Set and Add, and on responses
// read from a backend, so the canonical names are the ones to look up. One
// walk of the map instead was 22-26% slower on six entries and at most 13%
// faster on one, mostly within noise: BenchmarkServeHTTP, "Caddy response"
// and "busy response" rows.)
//
// The values go in one slice made for this response: header value slices
// are writable by any handler (Caddy's `header` replace operations write
// into them in place), so a slice shared with another response could be
// rewritten under it. That one small allocation per response is the price
// (BenchmarkServeHTTP); a Vary that another handler set already gets a new
// array instead, its values and ours.
func (g *grant) apply(h http.Header, vary string, observed bool) (dropped []droppedHeader) {
	var existingVary, trailer []string
	hasVary := false
	if len(h) > 0 { // else nothing to find (but Caddy sets Server first)
		for i, name := range responseHeaders {
			if g[i] != "" && !observed {
				continue // overwritten below: nothing to remove or report
			}
			if v, ok := h[name]; ok {
				dropped = g.clean(h, i, v, dropped)
			}
		}
		existingVary, hasVary = h["Vary"]
		trailer = h["Trailer"]
	}

	n := 0
	for _, v := range g {
		if v != "" {
			n++
		}
	}
	switch {
	case vary == "" || hasVary && varyHas(existingVary, vary):
		vary = ""
	case hasVary:
		// Full slice expression: never write into another handler's array.
		h["Vary"] = append(existingVary[:len(existingVary):len(existingVary)], vary)
		vary = ""
	default:
		n++
	}
	if n > 0 {
		values := make([]string, n)
		i := 0
		for key, v := range g {
			if v != "" {
				values[i] = v
				h[responseHeaders[key]] = values[i : i+1 : i+1]
				i++
			}
		}
		if vary != "" {
			values[i] = vary
			h["Vary"] = values[i : i+1 : i+1]
		}
	}
	if trailer != nil {
		removeAnnouncedTrailers(h, trailer)
	}
	return dropped
}

// clean handles the CORS header i, found in h with values v, before the
// grant is applied: it is removed if the grant lacks it, and either way
// added to dropped if its values are not the grant's.
func (g *grant) clean(h http.Header, i int, v []string, dropped []droppedHeader) []droppedHeader {
	switch {
	case g[i] == "":
		delete(h, responseHeaders[i])
	case len(v) == 1 && v[0] == g[i]:
		return dropped // another cors handler's, of the same policy
	}
	return append(dropped, droppedHeader{i, v})
}

// varyHas reports whether the Vary values have every field name of vary
// (or "*").
func varyHas(values []string, vary string) bool {
	if slices.Contains(values, vary) {
		return true // as set: the common case, without splitting
	}
	for field := range strings.SplitSeq(vary, ",") {
		field = strings.TrimSpace(field)
		if !slices.ContainsFunc(values, func(v string) bool {
			for f := range strings.SplitSeq(v, ",") {
				if f = strings.TrimSpace(f); f == "*" || strings.EqualFold(f, field) {
					return true
				}
			}
			return false
		}) {
			return false
		}
	}
	return true
}

var writerPool = sync.Pool{New: func() any { return new(corsWriter) }}

// corsWriter acts when the next handler writes its header: it applies the
// grant, so that the response carries exactly this handler's CORS headers,
// or in report-only mode it reports what the response grants. Flushing,
// hijacking (connection upgrades) and io.ReaderFrom pass through. A handler
// that unwraps it and writes on the writer below would go around it; none
// of Caddy's does.
type corsWriter struct {
	caddyhttp.ResponseWriterWrapper
	handler *Handler
	request *http.Request
	grant   grant
	vary    string

	reportOnly bool
	kind       requestKind
	outcome    outcome
	detail     string

	wroteHeader bool
	headerCount int // entries in the header map when it was written
}

// removeAnnouncedTrailers removes CORS header names from the Trailer
// announcement, so that net/http does not send them as trailers.
func removeAnnouncedTrailers(h http.Header, announced []string) {
	var kept []string
	found := false
	for _, v := range announced {
		for name := range strings.SplitSeq(v, ",") {
			name = strings.TrimSpace(name)
			switch {
			case name == "":
			case slices.Contains(responseHeaders[:], http.CanonicalHeaderKey(name)):
				found = true
			default:
				kept = append(kept, name)
			}
		}
	}
	switch {
	case !found:
	case len(kept) == 0:
		delete(h, "Trailer")
	default:
		h["Trailer"] = []string{strings.Join(kept, ", ")}
	}
}

// insideCorsWriter reports whether w is, or wraps, the writer of an
// enforcing cors handler that runs before this one. (A report-only one
// decides nothing, so the handlers after it still do.)
func insideCorsWriter(w http.ResponseWriter) bool {
	for {
		switch ww := w.(type) {
		case *corsWriter:
			if !ww.reportOnly {
				return true
			}
			w = ww.ResponseWriter
		case interface{ Unwrap() http.ResponseWriter }:
			w = ww.Unwrap()
		default:
			return false
		}
	}
}

func (cw *corsWriter) WriteHeader(status int) {
	if !cw.wroteHeader {
		hdr := cw.ResponseWriter.Header()
		if cw.reportOnly {
			cw.handler.report(cw.request, cw.kind, cw.outcome, cw.detail, hdr, status)
		} else {
			cw.handler.replaced(cw.request, cw.grant.apply(hdr, cw.vary, cw.handler.observed))
		}
		// 1xx responses are informational; the final header comes later.
		if status >= 200 || status == http.StatusSwitchingProtocols {
			cw.wroteHeader = true
			cw.headerCount = len(hdr)
		}
	}
	cw.ResponseWriter.WriteHeader(status)
}

func (cw *corsWriter) Write(b []byte) (int, error) {
	if !cw.wroteHeader {
		cw.WriteHeader(http.StatusOK)
	}
	return cw.ResponseWriter.Write(b)
}

func (cw *corsWriter) ReadFrom(r io.Reader) (int64, error) {
	if !cw.wroteHeader {
		cw.WriteHeader(http.StatusOK)
	}
	return cw.ResponseWriterWrapper.ReadFrom(r)
}

// FlushError flushes what was written so far, headers first.
func (cw *corsWriter) FlushError() error {
	if !cw.wroteHeader {
		cw.WriteHeader(http.StatusOK)
	}
	return http.NewResponseController(cw.ResponseWriter).Flush()
}

// Flush implements http.Flusher for handlers that use it directly.
func (cw *corsWriter) Flush() {
	_ = cw.FlushError()
}

// Interface guards
var (
	_ http.ResponseWriter = (*corsWriter)(nil)
	_ http.Flusher        = (*corsWriter)(nil)
	_ io.ReaderFrom       = (*corsWriter)(nil)
)

// decidedVar marks, in the request's Caddy vars, a request that a cors
// handler decided and whose chain returned an error: the same request then
// runs through the cors handler in handle_errors, which must not count or
// log it a second time.
const decidedVar = "cors.decided"

func markDecided(r *http.Request) {
	caddyhttp.SetVar(r.Context(), decidedVar, true)
}

// decidedBefore reports whether this handler, in handle_errors, sees a
// request that a cors handler decided already.
func (h *Handler) decidedBefore(r *http.Request) bool {
	return h.inErrorRoutes && caddyhttp.GetVar(r.Context(), decidedVar) != nil
}
