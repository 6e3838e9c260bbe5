package cors

import (
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"

	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// set puts the grant's headers and vary (if not "") on h, all in one slice
// made for this response. Header value slices are writable by any handler
// (Caddy's `header` replace operations write into them in place), so a slice
// shared with another response could be rewritten under it. One small
// allocation per response is the price (BenchmarkServeHTTP).
func (g *grant) set(h http.Header, vary string) {
	n := 0
	for _, v := range g {
		if v != "" {
			n++
		}
	}
	if vary != "" {
		n++
	}
	if n == 0 {
		return
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
		addVary(h, values[i:i+1:i+1])
	}
}

// enforce makes h carry exactly the grant's CORS headers: those another
// handler set or changed are removed or replaced. It writes only what
// differs. (Go canonicalizes header names on Set and Add, and on responses
// read from a backend, so the canonical names are the ones to check.)
func (g *grant) enforce(h http.Header) {
	for i, key := range responseHeaders {
		v, ok := h[key]
		switch {
		case g[i] == "":
			if ok {
				delete(h, key)
			}
		case !ok || len(v) != 1 || v[0] != g[i]:
			h[key] = []string{g[i]}
		}
	}
}

// ServeHTTP answers preflights and adds CORS headers to every other response.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request, next caddyhttp.Handler) error {
	if h.followsCors && insideCorsWriter(w) {
		// A cors handler before this one (a sibling with a matcher) has
		// decided this request already.
		return next.ServeHTTP(w, r)
	}
	origin, hasOrigin := r.Header["Origin"]
	if r.Method == http.MethodOptions && hasOrigin {
		if _, ok := r.Header["Access-Control-Request-Method"]; ok {
			return h.preflight(w, r, next)
		}
	}
	return h.actual(w, r, next, origin)
}

// actual grants (or not) read access to the response of a non-preflight request.
func (h *Handler) actual(w http.ResponseWriter, r *http.Request, next caddyhttp.Handler, origin []string) error {
	g, out := h.policy.decideActual(origin, h.explainRefusals)
	if len(origin) > 0 {
		h.record(r, kindActual, out, "")
	}
	return h.serveNext(w, r, next, &g, h.policy.actualVary)
}

// preflight answers an OPTIONS request that asks whether the real request may be sent.
func (h *Handler) preflight(w http.ResponseWriter, r *http.Request, next caddyhttp.Handler) error {
	p := h.policy
	g, out, detail := p.decidePreflight(r.Header, h.explainRefusals)
	h.record(r, kindPreflight, out, detail)
	if p.passthrough {
		return h.serveNext(w, r, next, &g, p.preflightVary)
	}
	hdr := w.Header()
	g.set(hdr, p.preflightVary)
	g.enforce(hdr)
	if out != allowed {
		w.WriteHeader(http.StatusForbidden)
		return nil
	}
	w.WriteHeader(p.preflightStatus)
	return nil
}

// addVary adds a Vary value (a slice made for this response) to what is
// there, unless it is there already: a cors handler in handle_errors adds
// the same value as the one whose chain returned the error.
func addVary(h http.Header, value []string) {
	existing, ok := h["Vary"]
	switch {
	case !ok:
		h["Vary"] = value
	case slices.Contains(existing, value[0]):
	default:
		// Full slice expression: never write into another handler's array.
		h["Vary"] = append(existing[:len(existing):len(existing)], value...)
	}
}

// serveNext puts the grant on the response now, runs next, and enforces the
// grant when next writes its header, so anything the next handler set is
// replaced. When next returns an error without writing, Caddy writes the
// error response after this handler returns, so the grant is enforced then
// too: the error response carries this policy and nothing else.
func (h *Handler) serveNext(w http.ResponseWriter, r *http.Request, next caddyhttp.Handler, g *grant, vary string) error {
	cw := writerPool.Get().(*corsWriter)
	cw.ResponseWriter = w
	cw.grant = *g
	g.set(w.Header(), vary)
	err := next.ServeHTTP(cw, r)
	if err != nil && !cw.wroteHeader {
		g.enforce(w.Header())
		markDecided(r)
	}
	*cw = corsWriter{}
	writerPool.Put(cw)
	return err
}

// record counts a CORS request by its outcome, and logs why at debug level
// if it was refused. detail is the method or header name a refusal is
// about, if any.
func (h *Handler) record(r *http.Request, kind int, out outcome, detail string) {
	if !h.explainRefusals || h.decidedBefore(r) {
		return
	}
	h.requests.count(kind, out)
	if out == allowed {
		return
	}
	ce := h.logger.Check(zapcore.DebugLevel, "cors: request refused")
	if ce == nil {
		return
	}
	reason := refusalReason[out]
	switch out {
	case headerNotAllowed:
		reason = fmt.Sprintf("header %q not allowed", truncate(detail))
	case methodNotAllowed:
		reason = fmt.Sprintf("method %q not allowed", truncate(detail))
	}
	ce.Write(
		zap.String("reason", reason),
		zap.String("origin", truncate(strings.Join(r.Header["Origin"], ", "))),
		zap.String("method", truncate(r.Method)),
		zap.String("request_method", truncate(strings.Join(r.Header["Access-Control-Request-Method"], ", "))),
		zap.String("request_headers", truncate(strings.Join(r.Header["Access-Control-Request-Headers"], ", "))),
	)
}

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

// truncate bounds what a hostile request can put into one log line.
func truncate(s string) string {
	const max = 256
	if len(s) > max {
		return s[:max] + "...(truncated)"
	}
	return s
}

var writerPool = sync.Pool{New: func() any { return new(corsWriter) }}

// corsWriter applies the grant when the next handler writes its header, so
// that the response carries exactly this handler's CORS headers. Flushing,
// hijacking (connection upgrades) and io.ReaderFrom pass through.
type corsWriter struct {
	caddyhttp.ResponseWriterWrapper
	grant       grant
	wroteHeader bool
}

// insideCorsWriter reports whether w is, or wraps, the writer of a cors
// handler that runs before this one.
func insideCorsWriter(w http.ResponseWriter) bool {
	for {
		switch ww := w.(type) {
		case *corsWriter:
			return true
		case interface{ Unwrap() http.ResponseWriter }:
			w = ww.Unwrap()
		default:
			return false
		}
	}
}

func (cw *corsWriter) WriteHeader(status int) {
	if !cw.wroteHeader {
		cw.grant.enforce(cw.ResponseWriter.Header())
		// 1xx responses are informational; the final header comes later.
		if status >= 200 || status == http.StatusSwitchingProtocols {
			cw.wroteHeader = true
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
