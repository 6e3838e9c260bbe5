// Package cors is a Caddy HTTP handler that answers CORS requests: it tells
// browsers which other sites' scripts may read this site's responses.
//
// Which file owns what, in the order a config and then a request go through
// them:
//
//   - module.go: the Handler, its JSON fields, provisioning.
//   - caddyfile.go: the cors directive and where it goes among the others.
//   - policy.go: a Handler's fields checked and compiled into an immutable policy.
//   - routes.go, routeview.go, errorroutes.go: the site checked as a whole at
//     load, so that exactly one policy decides each response.
//   - decide.go: the decision for one request, from policy and request
//     headers to a grant and an outcome; nothing in it knows Caddy.
//   - handler.go: ServeHTTP, the writer that puts the grant on every
//     response, and the request state a handle_errors cors reads.
//   - logs.go, metrics.go: what is logged and counted about a decision.
//
// The caddy cors-check command is a product of its own, in package
// corscheck (its work in internal/check), imported here for its
// registration. The facts of the Fetch standard both rely on (header names
// and classes, methods, origins) are in internal/headers, internal/methods
// and internal/origins.
package cors

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	// The caddy cors-check command, a product of its own, built in with the
	// handler: one xcaddy build --with gives both.
	_ "github.com/seed-41134e10/caddy-cors/corscheck"
)

func init() {
	caddy.RegisterModule(Handler{})
}

// Handler implements Cross-Origin Resource Sharing (CORS) for the site it
// is placed in. A page served from another origin (say https://app.example.com)
// can read this site's responses only if this site answers with
// Access-Control-Allow-Origin; for requests that are not "simple" (a JSON body,
// a custom header, PUT or DELETE, ...) the browser first sends an OPTIONS
// "preflight" request, which this handler answers without bothering the
// handlers after it.
//
// The handler is the single source of CORS response headers: any
// Access-Control-* response header set by a later handler (for example a
// proxied backend) is replaced by this handler's decision, or removed where
// this handler grants nothing, so a response never carries two policies.
//
// With no origins and no origin_regexps, every origin is allowed without
// credentials ("Access-Control-Allow-Origin: *"), and a warning is logged
// at load; `"origins": ["*"]` says so on purpose.
type Handler struct {
	// The origins whose scripts may read responses, exactly as browsers send
	// them in the Origin header: scheme, host and optional port, lowercase,
	// no path and no trailing slash. Forms:
	//
	// - `https://app.example.com` and `https://app.example.com:8443`: one origin.
	// - `https://*.example.com`: every subdomain of example.com, at any depth,
	//   but not example.com itself; the default port only, unless a port or
	//   `:*` (any port) follows.
	// - `http://localhost:*`: any port on that host.
	// - other schemes, such as `capacitor://localhost` or
	//   `chrome-extension://<id>`.
	// - `*`: any origin, without credentials. Must be the only entry.
	//
	// Leave origins and origin_regexps out to allow any origin (as `*` does,
	// with a warning at load). An empty list, [] or null, is an error.
	Origins stringList `json:"origins,omitempty"`

	// Regular expressions (RE2 syntax) matched against the whole Origin
	// header value; they are anchored at both ends, so `https://[a-z]+\.example\.com`
	// cannot match `https://app.example.com.evil.com`. Only well-formed
	// origins are tested. Prefer origins patterns where one fits: they are
	// faster and cannot be written too broadly.
	OriginRegexps stringList `json:"origin_regexps,omitempty"`

	// The methods allowed in cross-origin requests, case-sensitive, or `*`
	// for any method. Default: GET, HEAD, POST, PUT, PATCH, DELETE.
	// GET, HEAD and POST are always allowed by browsers whatever this says.
	Methods stringList `json:"methods,omitempty"`

	// The request headers that cross-origin scripts may send, matched
	// case-insensitively, or `*` for any header (Authorization included).
	// Default: any header. Content-Type with a JSON value is not a "simple"
	// header, so list Content-Type if scripts send JSON.
	Headers stringList `json:"headers,omitempty"`

	// Response headers, beyond the always-readable Cache-Control,
	// Content-Language, Content-Length, Content-Type, Expires, Last-Modified
	// and Pragma, that scripts may read; `*` for all (not allowed with
	// credentials, where browsers do not honour it). Default: none.
	ExposeHeaders stringList `json:"expose_headers,omitempty"`

	// Allow requests made with credentials (cookies, HTTP authentication,
	// client certificates): sends `Access-Control-Allow-Credentials: true`.
	// Requires an explicit list of origins. Default: false.
	Credentials bool `json:"credentials,omitempty"`

	// How long browsers may cache a preflight answer, as a duration such as
	// "10m" (whole seconds, at most 24h). Unset sends no
	// Access-Control-Max-Age, and browsers use their default (5 seconds);
	// 0 sends "0", which disables caching. Chromium caps the value at 2h.
	MaxAge *Duration `json:"max_age,omitempty"`

	// Answer Private Network Access preflights (a public page calling a
	// server on a private network or localhost) with
	// `Access-Control-Allow-Private-Network: true` when the browser asks for
	// it. Default: false.
	PrivateNetwork bool `json:"private_network,omitempty"`

	// The status code of an allowed preflight response, 200 to 299.
	// Default: 204.
	PreflightStatus int `json:"preflight_status,omitempty"`

	// Pass preflight requests on to the next handler (with the CORS headers
	// already decided) instead of answering them here. Default: false.
	PreflightPassthrough bool `json:"preflight_passthrough,omitempty"`

	// Try the policy without enforcing it: decide every CORS request as
	// the policy would, and change nothing: add, remove and replace no
	// header, answer no preflight (preflights go on to the next handler).
	// Each request the policy would refuse is logged at INFO as
	// "cors: report-only: would refuse", with the reason and what the
	// response actually granted (granted_today), and every CORS request is
	// counted in caddy_http_cors_report_only_requests_total when metrics
	// are on. Use it to tighten a site that sends its own CORS headers today
	// without breaking the pages that call it. The policy must be valid, as
	// when enforced. Default: false.
	ReportOnly bool `json:"report_only,omitempty"`

	// Allow plain-http origins other than loopback ones (localhost,
	// 127.0.0.0/8, [::1]) together with credentials. Anyone on the network
	// path can impersonate such an origin. Default: false.
	AllowInsecureOrigins bool `json:"allow_insecure_origins,omitempty"`

	// Allow subdomain wildcards over a public suffix, such as
	// `https://*.github.io` or `https://*.co.uk`, together with credentials.
	// Anyone can register a site under a public suffix. Default: false.
	AllowPublicSuffixWildcards bool `json:"allow_public_suffix_wildcards,omitempty"`

	policy  *policy
	logger  *zap.Logger
	metrics *metrics // nil unless Caddy's metrics are enabled

	// observed: refusals and replaced CORS headers are logged or counted,
	// so the handler works out the exact reason of each refusal and which
	// headers of other handlers it replaces; otherwise it skips that work.
	observed bool
	placement
}

// CaddyModule returns the Caddy module information.
func (Handler) CaddyModule() caddy.ModuleInfo {
	return caddy.ModuleInfo{
		ID:  "http.handlers.cors",
		New: func() caddy.Module { return new(Handler) },
	}
}

// Provision compiles the configuration into the policy used for every request.
func (h *Handler) Provision(ctx caddy.Context) error {
	h.logger = ctx.Logger()
	p, warnings, err := compile(h)
	if err != nil {
		return err
	}
	for _, w := range warnings {
		h.logger.Warn(w)
	}
	var placeWarnings []string
	if h.placement, placeWarnings, err = place(ctx, h); err != nil {
		return err
	}
	for _, w := range placeWarnings {
		h.logger.Warn(w)
	}
	h.policy = p
	h.metrics, err = newMetrics(ctx)
	h.observed = h.metrics != nil || h.logger.Core().Enabled(zapcore.DebugLevel)
	return err
}

// A stringList is a JSON list of strings in which null counts as given and
// empty, as [] does, not as left out: Go writes a nil slice as null, so a
// config generator whose origins are unset writes "origins": null, which
// must not pass for the default (any origin).
type stringList []string

// UnmarshalJSON reads a list, and null as an empty one.
func (l *stringList) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*l = stringList{}
		return nil
	}
	return json.Unmarshal(b, (*[]string)(l))
}

// Duration is a length of time. In JSON it reads what caddy.Duration reads
// (a string such as "10m" or "1h30m", or an integer number of nanoseconds),
// but unlike caddy.Duration it also writes a string: `caddy adapt` then
// shows "max_age": "10m" rather than 600000000000, which users read and
// compare with their Caddyfile.
type Duration time.Duration

// UnmarshalJSON accepts the same forms as Caddy's own durations.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var cd caddy.Duration
	if err := cd.UnmarshalJSON(b); err != nil {
		return err
	}
	*d = Duration(cd)
	return nil
}

// MarshalJSON writes the duration in its shortest readable form: "10m", "2h", "90s".
func (d Duration) MarshalJSON() ([]byte, error) {
	return json.Marshal(d.String())
}

func (d Duration) String() string {
	td := time.Duration(d)
	switch {
	case td == 0:
		return "0s"
	case td%time.Hour == 0:
		return fmt.Sprintf("%dh", td/time.Hour)
	case td%time.Minute == 0:
		return fmt.Sprintf("%dm", td/time.Minute)
	case td%time.Second == 0:
		return fmt.Sprintf("%ds", td/time.Second)
	}
	return td.String()
}

// Interface guards
var (
	_ caddy.Provisioner           = (*Handler)(nil)
	_ caddyhttp.MiddlewareHandler = (*Handler)(nil)
	_ json.Unmarshaler            = (*stringList)(nil)
	_ json.Marshaler              = Duration(0)
	_ json.Unmarshaler            = (*Duration)(nil)
)
