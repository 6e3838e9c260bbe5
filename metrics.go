package cors

import (
	"errors"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"github.com/prometheus/client_golang/prometheus"
)

// The reason label of the requests counter: a fixed set, whatever requests say.
var reasonLabel = [numOutcomes]string{
	allowed:          "",
	malformedOrigin:  "malformed_origin",
	originNotAllowed: "origin_not_allowed",
	malformedMethod:  "malformed_method",
	methodNotAllowed: "method_not_allowed",
	malformedHeaders: "malformed_headers",
	headersTooLarge:  "headers_too_large",
	headerNotAllowed: "header_not_allowed",
}

// Kinds of CORS request, the kind label of the requests counter.
const (
	kindActual = iota
	kindPreflight
	numKinds
)

var kindLabel = [numKinds]string{kindActual: "actual", kindPreflight: "preflight"}

// requestCounter counts CORS requests (those with an Origin header) by kind
// and outcome. Its counters are resolved at Provision, so counting costs one
// atomic add.
type requestCounter [numKinds][numOutcomes]prometheus.Counter

func (c *requestCounter) count(kind int, out outcome) {
	if c != nil {
		c[kind][out].Inc()
	}
}

// newRequestCounter returns the counter in Caddy's metrics registry, or nil
// when metrics are not enabled in the http app (the `metrics` global option).
func newRequestCounter(ctx caddy.Context) (*requestCounter, error) {
	app, err := ctx.AppIfConfigured("http")
	if err != nil {
		return nil, nil // not running inside Caddy's http app: no metrics
	}
	if httpApp, ok := app.(*caddyhttp.App); !ok || httpApp.Metrics == nil {
		return nil, nil
	}
	vec := prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: "caddy",
		Subsystem: "http",
		Name:      "cors_requests_total",
		Help:      "CORS requests (requests with an Origin header) by kind (actual, preflight), result (allowed, refused) and reason for refusal.",
	}, []string{"kind", "result", "reason"})
	registry := ctx.GetMetricsRegistry()
	if err := registry.Register(vec); err != nil {
		// Several cors handlers in one config share one counter.
		var already prometheus.AlreadyRegisteredError
		if !errors.As(err, &already) {
			return nil, err
		}
		vec = already.ExistingCollector.(*prometheus.CounterVec)
	}
	var c requestCounter
	for kind := range numKinds {
		for out := range numOutcomes {
			if kind == kindActual && out > originNotAllowed {
				break // an actual request is refused for its origin only
			}
			result := "refused"
			if out == allowed {
				result = "allowed"
			}
			c[kind][out] = vec.WithLabelValues(kindLabel[kind], result, reasonLabel[out])
		}
	}
	return &c, nil
}
