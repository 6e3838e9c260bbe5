package cors

import (
	"errors"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"github.com/prometheus/client_golang/prometheus"
)

// A refusal says why a CORS request got no grant; allowed means it got one.
type refusal uint8

const (
	allowed refusal = iota
	malformedOrigin
	originNotAllowed
	malformedMethod
	methodNotAllowed
	malformedHeaders
	headersTooLarge
	headerNotAllowed
	numRefusals
)

// What the debug log says for each refusal.
var refusalText = [numRefusals]string{
	malformedOrigin:  "malformed origin",
	originNotAllowed: "origin not allowed",
	malformedMethod:  "malformed Access-Control-Request-Method",
	methodNotAllowed: "method not allowed",
	malformedHeaders: "malformed Access-Control-Request-Headers",
	headersTooLarge:  "Access-Control-Request-Headers too large",
	headerNotAllowed: "header not allowed",
}

// The reason label of the requests counter: a fixed set, whatever requests say.
var refusalLabel = [numRefusals]string{
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
type requestCounter [numKinds][numRefusals]prometheus.Counter

func (c *requestCounter) count(kind int, r refusal) {
	if c != nil {
		c[kind][r].Inc()
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
		for r := range numRefusals {
			if kind == kindActual && r > originNotAllowed {
				break // an actual request is refused for its origin only
			}
			result := "refused"
			if r == allowed {
				result = "allowed"
			}
			c[kind][r] = vec.WithLabelValues(kindLabel[kind], result, refusalLabel[r])
		}
	}
	return &c, nil
}
