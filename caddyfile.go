package cors

import (
	"fmt"
	"strconv"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"github.com/caddyserver/caddy/v2/caddyconfig/httpcaddyfile"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
)

func init() {
	httpcaddyfile.RegisterHandlerDirective("cors", parseCaddyfile)
	// Before header, and so before every directive that writes, wraps or
	// changes the response (header, request_body, timeouts, redir, rewrite,
	// basic_auth, forward_auth, encode, intercept, handle, route,
	// reverse_proxy, respond, file_server ...): preflights are answered
	// before anything can redirect, authenticate or proxy them, and every
	// response those handlers write, deferred `header` operations included,
	// passes through this handler's writer, which enforces the policy. Only
	// directives that set variables (map, vars, root, fs, log_*) run before.
	httpcaddyfile.RegisterDirectiveOrder("cors", httpcaddyfile.Before, "header")
}

func parseCaddyfile(h httpcaddyfile.Helper) (caddyhttp.MiddlewareHandler, error) {
	var handler Handler
	err := handler.UnmarshalCaddyfile(h.Dispenser)
	return &handler, err
}

// UnmarshalCaddyfile sets up the handler from Caddyfile tokens, and checks
// the result as Provision would, so that `caddy adapt` reports every mistake.
// Syntax:
//
//	cors [<matcher>] [<origin>...] {
//	    origins          <origin>...
//	    origin_regexps   <regexp>...
//	    methods          <method>... | *
//	    headers          <field>...  | *
//	    expose_headers   <field>...  | *
//	    credentials
//	    max_age          <duration>
//	    private_network
//	    preflight_status <2xx code>
//	    preflight_passthrough
//	    allow_insecure_origins
//	    allow_public_suffix_wildcards
//	    report_only
//	}
//
// Origins on the first line and in origins add up; with none, any origin is
// allowed without credentials, and Provision warns: an unset {$VARIABLE} in
// place of the origins looks the same, and `origins *` in the block says it
// on purpose. A warning, not an error: a bare cors is how public read-only
// APIs have been written, and with credentials or private_network, where
// any origin would open a hole, it is refused anyway.
func (h *Handler) UnmarshalCaddyfile(d *caddyfile.Dispenser) error {
	d.Next() // consume directive name
	file, line := d.File(), d.Line()
	h.Origins = append(h.Origins, d.RemainingArgs()...)

	seen := make(map[string]bool)
	for d.NextBlock(0) {
		var err error
		sub := d.Val()
		if seen[sub] && !repeatable[sub] {
			return d.Errf("cors: %s: given twice; write it once", sub)
		}
		seen[sub] = true

		switch sub {
		case "origins":
			err = appendArgs(d, &h.Origins)
		case "origin_regexps", "origin_regexp":
			// origin_regexps, plural like origins, methods and headers and
			// like its JSON field; origin_regexp is the name it had before
			// v1, still read so that no Caddyfile breaks.
			err = appendArgs(d, &h.OriginRegexps)
		case "methods":
			err = appendArgs(d, &h.Methods)
		case "headers":
			err = appendArgs(d, &h.Headers)
		case "expose_headers":
			err = appendArgs(d, &h.ExposeHeaders)

		case "credentials":
			err = setFlag(d, &h.Credentials)
		case "private_network":
			err = setFlag(d, &h.PrivateNetwork)
		case "preflight_passthrough":
			err = setFlag(d, &h.PreflightPassthrough)
		case "allow_insecure_origins":
			err = setFlag(d, &h.AllowInsecureOrigins)
		case "allow_public_suffix_wildcards":
			err = setFlag(d, &h.AllowPublicSuffixWildcards)
		case "report_only":
			err = setFlag(d, &h.ReportOnly)

		case "max_age":
			value, err := singleArg(d, sub, "a duration such as 10m")
			if err != nil {
				return err
			}
			dur, parseErr := caddy.ParseDuration(value)
			if parseErr != nil {
				return d.Errf("cors: max_age: %q is not a duration; write e.g. 10m or 1h", value)
			}
			maxAge := Duration(dur)
			h.MaxAge = &maxAge

		case "preflight_status":
			value, err := singleArg(d, sub, "a status code from 200 to 299")
			if err != nil {
				return err
			}
			code, parseErr := strconv.Atoi(value)
			if parseErr != nil {
				return d.Errf("cors: preflight_status: %q is not a status code; write e.g. 204", value)
			}
			h.PreflightStatus = code

		default:
			return d.Errf("cors: unknown subdirective %q; the subdirectives are origins, origin_regexps, methods, headers, expose_headers, credentials, max_age, private_network, preflight_status, preflight_passthrough, allow_insecure_origins, allow_public_suffix_wildcards and report_only", sub)
		}
		if err != nil {
			return err
		}
	}

	if _, _, err := compile(h); err != nil {
		// Point at the directive, not at the end of its block.
		return fmt.Errorf("%w, in the cors directive at %s:%d", err, file, line)
	}
	return nil
}

// repeatable subdirectives add to a list each time they appear.
var repeatable = map[string]bool{
	"origins":        true,
	"origin_regexps": true,
	"origin_regexp":  true,
	"methods":        true,
	"headers":        true,
	"expose_headers": true,
}

func appendArgs(d *caddyfile.Dispenser, list *stringList) error {
	args := d.RemainingArgs()
	if len(args) == 0 {
		return d.Errf("cors: %s: needs at least one value", d.Val())
	}
	*list = append(*list, args...)
	return nil
}

func setFlag(d *caddyfile.Dispenser, flag *bool) error {
	sub := d.Val()
	if args := d.RemainingArgs(); len(args) > 0 {
		return d.Errf("cors: %s: takes no value, got %q", sub, args)
	}
	*flag = true
	return nil
}

func singleArg(d *caddyfile.Dispenser, sub, want string) (string, error) {
	args := d.RemainingArgs()
	if len(args) != 1 {
		return "", d.Errf("cors: %s: needs exactly one value, %s; got %d", sub, want, len(args))
	}
	return args[0], nil
}

// Interface guard
var _ caddyfile.Unmarshaler = (*Handler)(nil)
