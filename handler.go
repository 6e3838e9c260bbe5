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

	"github.com/seed-41134e10/caddy-cors/internal/headers"
	"github.com/seed-41134e10/caddy-cors/internal/origins"
)

// The CORS response headers, in canonical form; a grant holds one value per key.
const (
	acao  = iota // Access-Control-Allow-Origin
	acac         // Access-Control-Allow-Credentials
	aceh         // Access-Control-Expose-Headers
	acam         // Access-Control-Allow-Methods
	acah         // Access-Control-Allow-Headers
	acma         // Access-Control-Max-Age
	acapn        // Access-Control-Allow-Private-Network
	numKeys
)

var responseKeys = [numKeys]string{
	"Access-Control-Allow-Origin",
	"Access-Control-Allow-Credentials",
	"Access-Control-Expose-Headers",
	"Access-Control-Allow-Methods",
	"Access-Control-Allow-Headers",
	"Access-Control-Max-Age",
	"Access-Control-Allow-Private-Network",
}

// A grant is this handler's whole decision for one response: the value of
// every CORS response header, "" where the header must be absent. Its
// strings are shared between requests (strings are immutable); the slices
// that carry them in a response are not: see set.
type grant [numKeys]string

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
			h[responseKeys[key]] = values[i : i+1 : i+1]
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
	for i, key := range responseKeys {
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
		if method, ok := r.Header["Access-Control-Request-Method"]; ok {
			return h.preflight(w, r, next, origin, method)
		}
	}
	return h.actual(w, r, next, origin)
}

// actual grants (or not) read access to the response of a non-preflight request.
func (h *Handler) actual(w http.ResponseWriter, r *http.Request, next caddyhttp.Handler, origin []string) error {
	p := h.policy
	if p.anyOrigin {
		if len(origin) > 0 {
			h.count(r, kindActual, allowed)
		}
		return h.serveNext(w, r, next, &p.anyOriginGrant, "")
	}
	if len(origin) == 0 {
		return h.serveNext(w, r, next, &noGrant, "Origin")
	}
	allowOrigin, reason := p.matchOrigin(origin, h.explainRefusals)
	if reason != allowed {
		h.refuse(r, kindActual, reason, "")
		return h.serveNext(w, r, next, &noGrant, "Origin")
	}
	h.count(r, kindActual, allowed)
	g := p.actualGrant(allowOrigin)
	return h.serveNext(w, r, next, &g, "Origin")
}

// noGrant grants nothing: every CORS response header must be absent.
var noGrant grant

// actualGrant is the grant of an actual request from an allowed origin,
// given its Access-Control-Allow-Origin value.
func (p *policy) actualGrant(allowOrigin string) (g grant) {
	g[acao] = allowOrigin
	g[acac] = p.acac
	g[aceh] = p.aceh
	return g
}

// preflight answers an OPTIONS request that asks whether the real request may be sent.
func (h *Handler) preflight(w http.ResponseWriter, r *http.Request, next caddyhttp.Handler, origin, method []string) error {
	p := h.policy
	g, reason, detail := p.preflightGrant(r, origin, method, h.explainRefusals)
	if reason != allowed {
		h.refuse(r, kindPreflight, reason, detail)
	} else {
		h.count(r, kindPreflight, allowed)
	}
	if p.passthrough {
		return h.serveNext(w, r, next, &g, p.preflightVary)
	}
	hdr := w.Header()
	g.set(hdr, p.preflightVary)
	g.enforce(hdr)
	if reason != allowed {
		w.WriteHeader(http.StatusForbidden)
		return nil
	}
	w.WriteHeader(p.preflightStatus)
	return nil
}

// matchOrigin decides whether a request with these Origin header values is
// allowed, and returns the Access-Control-Allow-Origin value for it. A
// refusal says why not; explain asks to tell a malformed origin from one
// that is not allowed, which costs a parse. No allocation.
func (p *policy) matchOrigin(origin []string, explain bool) (allowOrigin string, reason refusal) {
	if len(origin) != 1 {
		return "", malformedOrigin
	}
	o := origin[0]
	if id, ok := p.origins.Match(o); ok {
		if id >= 0 {
			return p.exactACAO[id], allowed
		}
		return o, allowed // a wildcard matched: echo the origin
	}
	if len(p.regexps) == 0 && !explain {
		return "", originNotAllowed
	}
	if _, wellFormed := origins.Parse(o); !wellFormed {
		return "", malformedOrigin
	}
	for _, re := range p.regexps {
		if re.MatchString(o) {
			return o, allowed
		}
	}
	return "", originNotAllowed
}

// preflightGrant decides a preflight. A refused preflight gets an empty grant
// and a reason; detail names the offending method or header when there is one.
func (p *policy) preflightGrant(r *http.Request, origin, method []string, explain bool) (g grant, reason refusal, detail string) {
	if p.anyOrigin {
		if len(origin) != 1 {
			return grant{}, malformedOrigin, ""
		}
		g[acao] = "*"
	} else {
		allowOrigin, reason := p.matchOrigin(origin, explain)
		if reason != allowed {
			return grant{}, reason, ""
		}
		g[acao] = allowOrigin
		g[acac] = p.acac
	}

	if len(method) != 1 || !headers.IsToken(method[0]) {
		return grant{}, malformedMethod, ""
	}
	m := method[0]
	switch {
	case p.acam == "": // any method, echoed because credentials rule out "*"
		g[acam] = m
	case p.anyMethod || isSafelistedMethod(m):
		g[acam] = p.acam
	default:
		if _, ok := p.methods[m]; !ok {
			return grant{}, methodNotAllowed, m
		}
		g[acam] = p.acam
	}

	if requested := r.Header["Access-Control-Request-Headers"]; len(requested) > 0 {
		notAllowed, err := headers.CheckRequest(requested, p.allowedHeaders)
		switch {
		case err == headers.ErrTooLarge:
			return grant{}, headersTooLarge, ""
		case err != nil:
			return grant{}, malformedHeaders, ""
		case notAllowed != "":
			return grant{}, headerNotAllowed, notAllowed
		case p.acah != "":
			g[acah] = p.acah
		default:
			// Any header: echo the (now validated) request, because a literal
			// "*" covers neither Authorization nor credentialed requests.
			g[acah] = requestedHeaders(requested)
		}
	}

	g[acma] = p.acma
	if p.privateNetwork {
		if v := r.Header["Access-Control-Request-Private-Network"]; len(v) == 1 && v[0] == "true" {
			g[acapn] = "true"
		}
	}
	return g, allowed, ""
}

// requestedHeaders returns the requested header list as one value, or ""
// when it names no header at all.
func requestedHeaders(requested []string) string {
	value := requested[0]
	if len(requested) > 1 {
		value = strings.Join(requested, ",")
	}
	if strings.Trim(value, ", \t") == "" {
		return ""
	}
	return value
}

func isSafelistedMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodPost
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

// count counts an allowed CORS request.
func (h *Handler) count(r *http.Request, kind int, reason refusal) {
	if h.requests != nil && !h.decidedBefore(r) {
		h.requests.count(kind, reason)
	}
}

// refuse counts a refused CORS request and logs why at debug level. detail
// is the method or header name the refusal is about, if any.
func (h *Handler) refuse(r *http.Request, kind int, reason refusal, detail string) {
	if !h.explainRefusals || h.decidedBefore(r) {
		return
	}
	h.requests.count(kind, reason)
	ce := h.logger.Check(zapcore.DebugLevel, "cors: request refused")
	if ce == nil {
		return
	}
	text := refusalText[reason]
	switch reason {
	case headerNotAllowed:
		text = fmt.Sprintf("header %q not allowed", truncate(detail))
	case methodNotAllowed:
		text = fmt.Sprintf("method %q not allowed", truncate(detail))
	}
	ce.Write(
		zap.String("reason", text),
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
