package cors

import (
	"fmt"
	"net/http"
	"strings"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/seed-41134e10/caddy-cors/internal/headers"
)

// record counts a CORS request by its outcome, and logs why at debug level
// if it was refused. detail is the method or header name a refusal is
// about, if any.
func (h *Handler) record(r *http.Request, kind requestKind, out outcome, detail string) {
	if !h.observed || h.decidedBefore(r) {
		return
	}
	h.metrics.countRequest(kind, out)
	if out == allowed {
		return
	}
	if ce := h.logger.Check(zapcore.DebugLevel, "cors: request refused"); ce != nil {
		ce.Write(requestFields(r, out, detail)...)
	}
}

// report counts a CORS request that a report-only handler decided, and
// logs at INFO what the policy would refuse, with what the response the
// browser gets (hdr, with status, 0 for an error response still to be
// written) grants today: so "would break a caller that works today" is
// the one field granted_today.
func (h *Handler) report(r *http.Request, kind requestKind, out outcome, detail string, hdr http.Header, status int) {
	if h.decidedBefore(r) || out == allowed && h.metrics == nil {
		return // nothing to count or log
	}
	origin := r.Header.Get("Origin")
	allowOrigin := hdr[headers.AllowOrigin]
	grantedToday := len(allowOrigin) == 1 && (allowOrigin[0] == "*" || allowOrigin[0] == origin)
	if _, cookie := r.Header["Cookie"]; cookie || r.Header["Authorization"] != nil {
		// A credentialed request: browsers want the origin itself, not
		// "*", and Access-Control-Allow-Credentials: true.
		credentials := hdr[headers.AllowCredentials]
		grantedToday = grantedToday && allowOrigin[0] != "*" && len(credentials) == 1 && credentials[0] == "true"
	}
	if kind == kindPreflight && (status < 200 || status > 299) {
		grantedToday = false // browsers fail a preflight answered with any other status
	}
	h.metrics.countReportOnly(kind, out, grantedToday)
	if out == allowed {
		return
	}
	if ce := h.logger.Check(zapcore.InfoLevel, "cors: report-only: would refuse"); ce != nil {
		ce.Write(append(requestFields(r, out, detail),
			zap.String("response_allow_origin", truncate(strings.Join(allowOrigin, ", "))),
			zap.String("response_allow_credentials", truncate(strings.Join(hdr[headers.AllowCredentials], ", "))),
			zap.Bool("granted_today", grantedToday),
		)...)
	}
}

// requestFields are the log fields that say why a request is refused and
// what it asked for; values are escaped by zap's encoder and bounded.
func requestFields(r *http.Request, out outcome, detail string) []zap.Field {
	reason := refusalReason[out]
	switch out {
	case headerNotAllowed:
		reason = fmt.Sprintf("header %q not allowed", truncate(detail))
	case methodNotAllowed:
		reason = fmt.Sprintf("method %q not allowed", truncate(detail))
	case responseHeaderRequested:
		reason = fmt.Sprintf("header %q is %s", truncate(detail), headers.ResponseHeaderAsRequestHeader)
	}
	return []zap.Field{
		zap.String("reason", reason),
		zap.String("origin", truncate(strings.Join(r.Header["Origin"], ", "))),
		zap.String("method", truncate(r.Method)),
		zap.String("request_method", truncate(strings.Join(r.Header[headers.RequestMethod], ", "))),
		zap.String("request_headers", truncate(strings.Join(r.Header[headers.RequestHeaders], ", "))),
	}
}

// replaced counts and logs at debug level the CORS headers of another
// handler that this one removed or replaced, so that operators can find
// backends and header snippets that still send their own.
func (h *Handler) replaced(r *http.Request, dropped []droppedHeader) {
	if len(dropped) == 0 {
		return
	}
	h.metrics.countReplaced(dropped)
	ce := h.logger.Check(zapcore.DebugLevel, "cors: replaced CORS headers set by another handler")
	if ce == nil {
		return
	}
	names := make([]string, len(dropped))
	values := make([]string, len(dropped))
	for i, d := range dropped {
		names[i] = responseHeaders[d.header]
		values[i] = truncate(names[i] + ": " + strings.Join(d.values, ", "))
	}
	ce.Write(
		zap.Strings("headers", names),
		zap.Strings("dropped", values),
		zap.String("origin", truncate(strings.Join(r.Header["Origin"], ", "))),
		zap.String("uri", truncate(r.RequestURI)),
	)
}

// A droppedHeader is a CORS response header that another handler set and
// this one removed or replaced, with the values it had.
type droppedHeader struct {
	header int // index in responseHeaders
	values []string
}

// truncate bounds what a hostile request can put into one log line.
func truncate(s string) string {
	const max = 256
	if len(s) > max {
		return s[:max] + "...(truncated)"
	}
	return s
}
