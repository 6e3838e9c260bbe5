// Package bench compares the cors Caddy handler with github.com/rs/cors and
// github.com/go-chi/cors. It is its own Go module, so that builds of the
// handler never download the libraries it is compared with.
//
// Every library is configured to one policy (see Policy); TestSamePolicy
// checks that they reach the same decisions on every benchmarked request.
package bench

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sync"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	chicors "github.com/go-chi/cors"
	rscors "github.com/rs/cors"

	// Registers http.handlers.cors.
	_ "github.com/seed-41134e10/caddy-cors"
)

// Policy is what every library is configured to allow: these origins (nil
// for any origin), the methods a typical API uses, two request headers, one
// exposed response header, credentials (with listed origins only, as CORS
// requires) and a 10-minute preflight cache.
type Policy struct {
	Origins    []string // nil: any origin
	AnyHeaders bool     // any request header instead of the two listed
}

var (
	methods       = []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"}
	listedHeaders = []string{"Content-Type", "X-Custom"}
	exposed       = []string{"X-Request-Id"}
)

const maxAgeSeconds = 600

// A Library builds an http.Handler that applies a policy before calling next.
type Library struct {
	Name string
	New  func(p Policy, next http.Handler) (http.Handler, error)
}

// Libraries are the middlewares compared, ours first.
var Libraries = []Library{
	{"caddy-cors", newCaddyCors},
	{"rs-cors", newRSCors},
	{"go-chi-cors", newChiCors},
}

// CaddyCorsJSON is the handler's JSON config for p, as Caddy would load it.
func CaddyCorsJSON(p Policy) []byte {
	cfg := map[string]any{
		"methods":        methods,
		"expose_headers": exposed,
		"max_age":        fmt.Sprintf("%ds", maxAgeSeconds),
	}
	if p.Origins != nil {
		cfg["origins"] = p.Origins
		cfg["credentials"] = true
	}
	if !p.AnyHeaders {
		cfg["headers"] = listedHeaders
	}
	b, err := json.Marshal(cfg)
	if err != nil {
		panic(err)
	}
	return b
}

// newCaddyCors loads the handler the way Caddy loads it from a config:
// decoded from JSON, provisioned and validated, with Caddy's logging at its
// default level (INFO), so requests refused at DEBUG are not logged.
func newCaddyCors(p Policy, next http.Handler) (http.Handler, error) {
	ctx, err := caddyContext()
	if err != nil {
		return nil, err
	}
	m, err := ctx.LoadModuleByID("http.handlers.cors", CaddyCorsJSON(p))
	if err != nil {
		return nil, err
	}
	h := m.(caddyhttp.MiddlewareHandler)
	caddyNext := caddyhttp.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		next.ServeHTTP(w, r)
		return nil
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := h.ServeHTTP(w, r, caddyNext); err != nil {
			panic(err)
		}
	}), nil
}

func newRSCors(p Policy, next http.Handler) (http.Handler, error) {
	opts := rscors.Options{
		AllowedOrigins: p.Origins,
		AllowedMethods: methods,
		AllowedHeaders: listedHeaders,
		ExposedHeaders: exposed,
		MaxAge:         maxAgeSeconds,
	}
	if p.Origins != nil {
		opts.AllowCredentials = true
	}
	if p.AnyHeaders {
		opts.AllowedHeaders = []string{"*"}
	}
	return rscors.New(opts).Handler(next), nil
}

func newChiCors(p Policy, next http.Handler) (http.Handler, error) {
	opts := chicors.Options{
		AllowedOrigins: p.Origins,
		AllowedMethods: methods,
		AllowedHeaders: listedHeaders,
		ExposedHeaders: exposed,
		MaxAge:         maxAgeSeconds,
	}
	if p.Origins != nil {
		opts.AllowCredentials = true
	}
	if p.AnyHeaders {
		opts.AllowedHeaders = []string{"*"}
	}
	return chicors.Handler(opts)(next), nil
}

var (
	caddyOnce sync.Once
	caddyErr  error
)

// caddyContext returns the context of a running, empty Caddy config whose
// logs go nowhere; modules loaded in it get Caddy's own module loggers.
func caddyContext() (caddy.Context, error) {
	caddyOnce.Do(func() {
		caddyErr = caddy.Load([]byte(`{
			"admin": {"disabled": true, "config": {"persist": false}},
			"logging": {"logs": {"default": {"level": "INFO", "writer": {"output": "discard"}}}}
		}`), true)
	})
	return caddy.ActiveContext(), caddyErr
}
