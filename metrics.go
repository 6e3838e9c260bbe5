package cors

import (
	"errors"
	"strconv"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"github.com/prometheus/client_golang/prometheus"
)

// The reason label of the counters: a fixed set, whatever requests say.
var reasonLabel = [numOutcomes]string{
	allowed:                 "",
	malformedOrigin:         "malformed_origin",
	originNotAllowed:        "origin_not_allowed",
	malformedMethod:         "malformed_method",
	methodNotAllowed:        "method_not_allowed",
	malformedHeaders:        "malformed_headers",
	headersTooLarge:         "headers_too_large",
	headerNotAllowed:        "header_not_allowed",
	responseHeaderRequested: "response_header_requested",
}

// A requestKind is a kind of CORS request, the kind label of the counters.
type requestKind uint8

// The kinds of CORS request.
const (
	kindActual requestKind = iota
	kindPreflight
	numKinds
)

var kindLabel = [numKinds]string{kindActual: "actual", kindPreflight: "preflight"}

// metrics are the counters of a cors handler in Caddy's metrics registry,
// resolved at Provision so that counting costs one atomic add. A nil
// *metrics counts nothing (Caddy's metrics are off).
type metrics struct {
	// requests: CORS requests (with an Origin header) by kind and outcome.
	requests [numKinds][numOutcomes]prometheus.Counter
	// reportOnly: the same for report-only handlers, and whether the
	// response the browser got granted the origin (granted_today).
	reportOnly [numKinds][numOutcomes][2]prometheus.Counter
	// replaced: CORS response headers that another handler set and a cors
	// handler removed or replaced, by header.
	replaced [numResponseHeaders]prometheus.Counter
}

func (m *metrics) countRequest(kind requestKind, out outcome) {
	if m != nil {
		m.requests[kind][out].Inc()
	}
}

func (m *metrics) countReportOnly(kind requestKind, out outcome, grantedToday bool) {
	if m != nil {
		g := 0
		if grantedToday {
			g = 1
		}
		m.reportOnly[kind][out][g].Inc()
	}
}

func (m *metrics) countReplaced(dropped []droppedHeader) {
	if m != nil {
		for _, d := range dropped {
			m.replaced[d.header].Inc()
		}
	}
}

// newMetrics returns the counters in Caddy's metrics registry, or nil when
// metrics are not enabled in the http app (the `metrics` global option).
func newMetrics(ctx caddy.Context) (*metrics, error) {
	app, err := ctx.AppIfConfigured("http")
	if err != nil {
		return nil, nil // not running inside Caddy's http app: no metrics
	}
	if httpApp, ok := app.(*caddyhttp.App); !ok || httpApp.Metrics == nil {
		return nil, nil
	}
	registry := ctx.GetMetricsRegistry()
	requests, err := counterVec(registry, "cors_requests_total",
		"CORS requests (requests with an Origin header) by kind (actual, preflight), result (allowed, refused) and reason for refusal.",
		"kind", "result", "reason")
	if err != nil {
		return nil, err
	}
	reportOnly, err := counterVec(registry, "cors_report_only_requests_total",
		"CORS requests seen by report-only cors handlers, by kind, the result the policy would give (allowed, refused), reason, and whether the response sent granted the origin (granted_today).",
		"kind", "result", "reason", "granted_today")
	if err != nil {
		return nil, err
	}
	replaced, err := counterVec(registry, "cors_replaced_headers_total",
		"CORS response headers that another handler (a proxied backend, a header directive) set and a cors handler removed or replaced, by header.",
		"header")
	if err != nil {
		return nil, err
	}
	var m metrics
	for kind := range numKinds {
		for out := range numOutcomes {
			if kind == kindActual && out > originNotAllowed {
				break // an actual request is refused for its origin only
			}
			result := "refused"
			if out == allowed {
				result = "allowed"
			}
			m.requests[kind][out] = requests.WithLabelValues(kindLabel[kind], result, reasonLabel[out])
			for g, granted := range []bool{false, true} {
				m.reportOnly[kind][out][g] = reportOnly.WithLabelValues(kindLabel[kind], result, reasonLabel[out], strconv.FormatBool(granted))
			}
		}
	}
	for i, name := range responseHeaders {
		m.replaced[i] = replaced.WithLabelValues(name)
	}
	return &m, nil
}

// counterVec registers a counter vector, or returns the one registered
// already: several cors handlers in one config share each counter.
func counterVec(registry *prometheus.Registry, name, help string, labels ...string) (*prometheus.CounterVec, error) {
	vec := prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "caddy", Subsystem: "http", Name: name, Help: help}, labels)
	if err := registry.Register(vec); err != nil {
		var already prometheus.AlreadyRegisteredError
		if !errors.As(err, &already) {
			return nil, err
		}
		vec = already.ExistingCollector.(*prometheus.CounterVec)
	}
	return vec, nil
}
