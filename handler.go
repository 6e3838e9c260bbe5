package cors

import (
	"fmt"
	"io"
	"net/http"
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

// Shared header values; each has len == cap.
var (
	valueStar  = []string{"*"}
	valueTrue  = []string{"true"}
	varyOrigin = []string{"Origin"}
)

// A grant is this handler's whole decision for one response: the value of
// every CORS response header, nil where the header must be absent.
type grant [numKeys][]string

// set puts the grant's headers on h.
func (g *grant) set(h http.Header) {
	for i, v := range g {
		if v != nil {
			h[responseKeys[i]] = v
		}
	}
}

// enforce makes h carry exactly the grant's CORS headers: those another
// handler set are removed or replaced with the grant's values. It writes
// only what differs. (Go canonicalizes header names on Set and Add, and on
// responses read from a backend, so the canonical names are the ones to check.)
func (g *grant) enforce(h http.Header) {
	// A map of up to 8 entries is one group of slots: walking it costs less
	// than hashing the seven long key names to look each up.
	if len(h) > 8 {
		g.enforceByLookup(h)
		return
	}
	var seen [numKeys]bool
	for key, v := range h {
		i := responseKeyIndex(key)
		if i < 0 {
			continue
		}
		seen[i] = true
		switch {
		case g[i] == nil:
			delete(h, key)
		case len(v) != 1 || &v[0] != &g[i][0]:
			h[key] = g[i]
		}
	}
	for i, v := range g {
		if v != nil && !seen[i] {
			h[responseKeys[i]] = v
		}
	}
}

func (g *grant) enforceByLookup(h http.Header) {
	for i, key := range responseKeys {
		v, ok := h[key]
		switch {
		case g[i] == nil:
			if ok {
				delete(h, key)
			}
		case !ok || len(v) != 1 || &v[0] != &g[i][0]:
			h[key] = g[i]
		}
	}
}

// responseKeyIndex returns the index of a canonical CORS response header
// name in responseKeys, or -1.
func responseKeyIndex(key string) int {
	const prefix = "Access-Control-"
	if len(key) <= len(prefix) || key[0] != 'A' || key[:len(prefix)] != prefix {
		return -1
	}
	switch key[len(prefix):] {
	case "Allow-Origin":
		return acao
	case "Allow-Credentials":
		return acac
	case "Expose-Headers":
		return aceh
	case "Allow-Methods":
		return acam
	case "Allow-Headers":
		return acah
	case "Max-Age":
		return acma
	case "Allow-Private-Network":
		return acapn
	}
	return -1
}

// ServeHTTP answers preflights and adds CORS headers to every other response.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request, next caddyhttp.Handler) error {
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
			h.requests.count(kindActual, allowed)
		}
		return h.serveNext(w, r, next, &p.anyOriginGrant)
	}
	addVary(w.Header(), varyOrigin)
	if len(origin) == 0 {
		return h.serveNext(w, r, next, &noGrant)
	}
	id, reason := p.matchOrigin(origin)
	switch {
	case reason != allowed:
		h.refuse(r, kindActual, reason, "")
		return h.serveNext(w, r, next, &noGrant)
	case id >= 0:
		h.requests.count(kindActual, allowed)
		return h.serveNext(w, r, next, &p.exactGrants[id])
	default:
		h.requests.count(kindActual, allowed)
		cw := getWriter(w)
		cw.reflected = p.actualGrant([]string{origin[0]})
		cw.grant = &cw.reflected
		return cw.serve(next, r)
	}
}

// noGrant grants nothing: every CORS response header must be absent.
var noGrant grant

// actualGrant is the grant of an actual request from an allowed origin,
// given its Access-Control-Allow-Origin value.
func (p *policy) actualGrant(allowOrigin []string) (g grant) {
	g[acao] = allowOrigin
	g[acac] = p.acac
	g[aceh] = p.aceh
	return g
}

// preflight answers an OPTIONS request that asks whether the real request may be sent.
func (h *Handler) preflight(w http.ResponseWriter, r *http.Request, next caddyhttp.Handler, origin, method []string) error {
	p := h.policy
	hdr := w.Header()
	addVary(hdr, p.preflightVary)

	g, reason, detail := p.preflightGrant(r, origin, method)
	if reason != allowed {
		h.refuse(r, kindPreflight, reason, detail)
	} else {
		h.requests.count(kindPreflight, allowed)
	}
	if p.passthrough {
		return h.serveNext(w, r, next, new(g))
	}
	g.enforce(hdr)
	if reason != allowed {
		w.WriteHeader(http.StatusForbidden)
		return nil
	}
	w.WriteHeader(p.preflightStatus)
	return nil
}

// matchOrigin decides whether a request with these Origin header values is
// allowed: id is the index of the exact configured origin that matched, or
// reflected when a wildcard or regexp matched, so the request's origin is
// the Access-Control-Allow-Origin value. A refusal says why not. No allocation.
func (p *policy) matchOrigin(origin []string) (id int, reason refusal) {
	if len(origin) != 1 {
		return 0, malformedOrigin
	}
	o := origin[0]
	if id, ok := p.origins.Match(o); ok {
		if id >= 0 {
			return id, allowed
		}
		return reflected, allowed
	}
	// Telling a malformed origin from one not allowed costs a parse, worth
	// it only when someone reads the reason, or when regexps need it.
	if len(p.regexps) == 0 && !p.explainRefusals {
		return 0, originNotAllowed
	}
	if _, wellFormed := origins.Parse(o); !wellFormed {
		return 0, malformedOrigin
	}
	for _, re := range p.regexps {
		if re.MatchString(o) {
			return reflected, allowed
		}
	}
	return 0, originNotAllowed
}

// reflected is the id matchOrigin returns for origins that match a pattern
// other than an exact origin.
const reflected = -1

// preflightGrant decides a preflight. A refused preflight gets an empty grant
// and a reason; detail names the offending method or header when there is one.
// Values echoed from the request share one allocation.
func (p *policy) preflightGrant(r *http.Request, origin, method []string) (g grant, reason refusal, detail string) {
	var echoes [3]struct {
		key   int
		value string
	}
	n := 0
	echo := func(key int, value string) {
		echoes[n].key, echoes[n].value = key, value
		n++
	}

	if p.anyOrigin {
		if len(origin) != 1 {
			return grant{}, malformedOrigin, ""
		}
		g[acao] = valueStar
	} else {
		id, reason := p.matchOrigin(origin)
		switch {
		case reason != allowed:
			return grant{}, reason, ""
		case id >= 0:
			g[acao] = p.exactACAO[id]
		default:
			echo(acao, origin[0])
		}
		g[acac] = p.acac
	}

	if len(method) != 1 || !headers.IsToken(method[0]) {
		return grant{}, malformedMethod, ""
	}
	m := method[0]
	switch {
	case p.acam == nil: // any method, echoed because credentials rule out "*"
		echo(acam, m)
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
		case p.acah != nil:
			g[acah] = p.acah
		default:
			// Any header: echo the (now validated) request, because a literal
			// "*" covers neither Authorization nor credentialed requests.
			if value := requestedHeaders(requested); value != "" {
				echo(acah, value)
			}
		}
	}

	g[acma] = p.acma
	if p.privateNetwork {
		if v := r.Header["Access-Control-Request-Private-Network"]; len(v) == 1 && v[0] == "true" {
			g[acapn] = valueTrue
		}
	}

	if n > 0 {
		values := make([]string, n)
		for i := range n {
			values[i] = echoes[i].value
			g[echoes[i].key] = values[i : i+1 : i+1]
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

// addVary appends values to the Vary header without clobbering what is there.
func addVary(h http.Header, values []string) {
	existing, ok := h["Vary"]
	if !ok {
		h["Vary"] = values
		return
	}
	h["Vary"] = append(existing, values...)
}

// serveNext puts the grant on the response now, so it survives error
// responses that Caddy writes after the chain returns, and enforces it when
// the next handler writes its header, so anything the next handler set is
// replaced. The grant must not change while the response is written.
func (h *Handler) serveNext(w http.ResponseWriter, r *http.Request, next caddyhttp.Handler, g *grant) error {
	cw := getWriter(w)
	cw.grant = g
	return cw.serve(next, r)
}

// refuse counts a refused CORS request and logs why at debug level. detail
// is the method or header name the refusal is about, if any.
func (h *Handler) refuse(r *http.Request, kind int, reason refusal, detail string) {
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
	grant       *grant
	reflected   grant // the grant, for an origin echoed back (it is not shared)
	wroteHeader bool
}

func getWriter(w http.ResponseWriter) *corsWriter {
	cw := writerPool.Get().(*corsWriter)
	cw.ResponseWriter = w
	return cw
}

// serve puts the grant on the response, runs next, and recycles cw.
func (cw *corsWriter) serve(next caddyhttp.Handler, r *http.Request) error {
	cw.grant.set(cw.ResponseWriter.Header())
	err := next.ServeHTTP(cw, r)
	*cw = corsWriter{}
	writerPool.Put(cw)
	return err
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
