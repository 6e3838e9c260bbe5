package cors

import (
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"

	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
)

// ServeHTTP answers preflights and adds CORS headers to every other response.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request, next caddyhttp.Handler) error {
	if h.followsCors && insideCorsWriter(w) {
		// A cors handler before this one (a sibling with a matcher) has
		// decided this request already.
		return next.ServeHTTP(w, r)
	}
	origin, hasOrigin := r.Header["Origin"]
	isPreflight := false
	if r.Method == http.MethodOptions && hasOrigin {
		_, isPreflight = r.Header["Access-Control-Request-Method"]
	}
	switch {
	case h.policy.reportOnly:
		return h.reportOnly(w, r, next, hasOrigin, isPreflight)
	case isPreflight:
		return h.preflight(w, r, next)
	}
	return h.actual(w, r, next, origin)
}

// actual grants (or not) read access to the response of a non-preflight request.
func (h *Handler) actual(w http.ResponseWriter, r *http.Request, next caddyhttp.Handler, origin []string) error {
	g, out := h.policy.decideActual(origin, h.explain)
	if len(origin) > 0 {
		h.record(r, kindActual, out, "")
	}
	return h.serveNext(w, r, next, &g, h.policy.actualVary)
}

// preflight answers an OPTIONS request that asks whether the real request may be sent.
func (h *Handler) preflight(w http.ResponseWriter, r *http.Request, next caddyhttp.Handler) error {
	p := h.policy
	g, out, detail := p.decidePreflight(r.Header, h.explain)
	h.record(r, kindPreflight, out, detail)
	if p.passthrough {
		return h.serveNext(w, r, next, &g, p.preflightVary)
	}
	hdr := w.Header()
	h.replaced(r, g.removeOthers(hdr))
	h.replaced(r, g.set(hdr, p.preflightVary, h.explain))
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
func (h *Handler) reportOnly(w http.ResponseWriter, r *http.Request, next caddyhttp.Handler, hasOrigin, isPreflight bool) error {
	if !hasOrigin {
		return next.ServeHTTP(w, r) // not a CORS request
	}
	cw := writerPool.Get().(*corsWriter)
	cw.ResponseWriter, cw.handler, cw.request, cw.reportOnly = w, h, r, true
	if isPreflight {
		cw.kind = kindPreflight
		_, cw.outcome, cw.detail = h.policy.decidePreflight(r.Header, true)
	} else {
		cw.kind = kindActual
		_, cw.outcome = h.policy.decideActual(r.Header["Origin"], true)
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

// serveNext puts the grant on the response now, runs next, and enforces the
// grant on every way out of next: when next writes its header (see
// corsWriter), and when next returns without writing, with an error or
// without (then Caddy writes the response after this handler returns: an
// error page, or an empty 200), so the response carries this policy and
// nothing else. Vary is enforced too: a handler that removed or replaced it
// gets this handler's value back.
func (h *Handler) serveNext(w http.ResponseWriter, r *http.Request, next caddyhttp.Handler, g *grant, vary string) error {
	cw := writerPool.Get().(*corsWriter)
	cw.ResponseWriter, cw.handler, cw.request, cw.grant, cw.vary = w, h, r, *g, vary
	hdr := w.Header()
	h.replaced(r, g.set(hdr, vary, h.explain))
	err := next.ServeHTTP(cw, r)
	switch {
	case !cw.wroteHeader:
		h.replaced(r, g.enforce(hdr, vary))
		if err != nil {
			markDecided(r)
		}
	case len(hdr) != cw.headerCount:
		removeTrailers(hdr)
	}
	// A handler must not use the writer after it returns: it goes back to
	// the pool (one allocation fewer per request, BenchmarkServeHTTP).
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
// Of those, net/http sends the announced names, from which enforce took the
// CORS ones, and the "Trailer:"-prefixed names, which go here; the map keeps
// this handler's own headers for whatever logs them.
func removeTrailers(h http.Header) {
	for _, name := range corsTrailers {
		delete(h, name)
	}
}

// set puts the grant's headers and vary (if not "" and not there already)
// on h. The values go in one slice made for this response: header value
// slices are writable by any handler (Caddy's `header` replace operations
// write into them in place), so a slice shared with another response could
// be rewritten under it. That one small allocation per response is the
// price (BenchmarkServeHTTP); a Vary that another handler set already gets a
// new array instead, its values and ours. When explain is set, set returns
// the CORS headers of another handler that it replaced, if any; finding them
// costs a lookup per header (BenchmarkServeHTTP), which is skipped when
// nothing would log or count them.
func (g *grant) set(h http.Header, vary string, explain bool) (dropped []droppedHeader) {
	n := 0
	for key, v := range g {
		if v == "" {
			continue
		}
		n++
		if !explain {
			continue
		}
		if old, ok := h[responseHeaders[key]]; ok && (len(old) != 1 || old[0] != v) {
			dropped = append(dropped, droppedHeader{key, old})
		}
	}
	existingVary := h["Vary"]
	switch {
	case vary == "", slices.Contains(existingVary, vary):
		// A cors handler in handle_errors adds what the first one added.
		vary = ""
	case existingVary != nil:
		// Full slice expression: never write into another handler's array.
		h["Vary"] = append(existingVary[:len(existingVary):len(existingVary)], vary)
		vary = ""
	default:
		n++
	}
	if n == 0 {
		return dropped
	}
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
	return dropped
}

// enforce makes h carry exactly the grant's CORS headers and vary: those
// another handler set or changed are removed or replaced, and returned, and
// vary is added back if another handler removed it. CORS names announced as
// trailers are taken out of the announcement. It writes only what differs.
// (Go canonicalizes header names on Set and Add, and on responses read
// from a backend, so the canonical names are the ones to check.) A walk of
// the map instead of the lookups was slower, even on maps of three entries
// (BenchmarkServeHTTP, actual requests): Go's small-map lookups are cheap.
func (g *grant) enforce(h http.Header, vary string) (dropped []droppedHeader) {
	for i, name := range responseHeaders {
		v, ok := h[name]
		switch {
		case g[i] == "":
			if ok {
				dropped = append(dropped, droppedHeader{i, v})
				delete(h, name)
			}
		case !ok:
			h[name] = []string{g[i]}
		case len(v) != 1 || v[0] != g[i]:
			// A proxied backend's values come after this handler's own.
			others := slices.DeleteFunc(slices.Clone(v), func(s string) bool { return s == g[i] })
			dropped = append(dropped, droppedHeader{i, others})
			h[name] = []string{g[i]}
		}
	}
	if vary != "" {
		if existing := h["Vary"]; !varyHas(existing, vary) {
			h["Vary"] = append(existing[:len(existing):len(existing)], vary)
		}
	}
	if t, ok := h["Trailer"]; ok {
		removeAnnouncedTrailers(h, t)
	}
	return dropped
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

// removeOthers removes from h the CORS headers the grant does not have,
// and returns them. Followed by set, it leaves h as set and then enforce
// would, looking each header up at most once instead of up to twice
// (BenchmarkServeHTTP, preflights).
func (g *grant) removeOthers(h http.Header) (dropped []droppedHeader) {
	for i, name := range responseHeaders {
		if g[i] != "" {
			continue
		}
		if v, ok := h[name]; ok {
			dropped = append(dropped, droppedHeader{i, v})
			delete(h, name)
		}
	}
	return dropped
}

// A droppedHeader is a CORS response header that another handler set and
// this one removed or replaced, with the values it had.
type droppedHeader struct {
	header int // index in responseHeaders
	values []string
}

var writerPool = sync.Pool{New: func() any { return new(corsWriter) }}

// corsWriter acts when the next handler writes its header: it applies the
// grant, so that the response carries exactly this handler's CORS headers,
// or in report-only mode it reports what the response grants. Flushing,
// hijacking (connection upgrades) and io.ReaderFrom pass through.
type corsWriter struct {
	caddyhttp.ResponseWriterWrapper
	handler *Handler
	request *http.Request
	grant   grant
	vary    string

	reportOnly bool
	kind       int
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
			cw.handler.replaced(cw.request, cw.grant.enforce(hdr, cw.vary))
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
