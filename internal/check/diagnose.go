package check

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/seed-41134e10/caddy-cors/internal/headers"
)

// maxHeaderProbes bounds the preflights sent to find refused headers.
const maxHeaderProbes = 8

// diagnose finds out what a preflight refused without any CORS header was
// about. Servers (the cors handler among them) refuse a disallowed origin,
// method or header alike, with no Access-Control-Allow-Origin, so the browser
// cannot tell which. Simpler preflights can: a GET one tests the origin, one
// with the method alone tests the method, one per header tests each header.
// The answer goes into the allow-origin step; the probes are listed after.
func diagnose(ctx context.Context, client *http.Client, c call, h hop, steps []Step) []Step {
	var probes []Step
	probe := func(method, requestHeaders string) (http.Header, bool, bool) {
		req := newRequest(ctx, http.MethodOptions, h.url, nil)
		req.Header.Set("Accept", "*/*")
		req.Header.Set("Origin", h.origin)
		req.Header.Set("Access-Control-Request-Method", method)
		sent := "Access-Control-Request-Method: " + method
		if requestHeaders != "" {
			req.Header.Set("Access-Control-Request-Headers", requestHeaders)
			sent += ", Access-Control-Request-Headers: " + requestHeaders
		}
		status, header, err := send(client, req)
		if err != nil {
			return nil, false, false
		}
		granted := 200 <= status && status <= 299 && corsPasses(c, header)
		verdict := "refused"
		if granted {
			verdict = "allowed"
		}
		probes = append(probes, Step{Hop: c.hop, Phase: PhaseProbe, Check: "preflight", Result: Info, Seen: sent,
			Detail: fmt.Sprintf("%s: %s, %s", verdict, statusText(status), seen("Access-Control-Allow-Origin", header.Values("Access-Control-Allow-Origin")))})
		return header, granted, true
	}

	var detail, fix string
	header, granted, ok := probe("GET", "")
	switch {
	case !ok:
		return steps
	case !granted:
		detail = "a preflight for a plain GET from " + h.origin + " is refused too, so the server does not allow this origin for " + c.path
		fix = c.fix.allowOrigin()
	default:
		methods, _ := tokenList(header.Values("Access-Control-Allow-Methods"))
		if !IsSafelistedMethod(c.method) && !slices.Contains(methods, c.method) && !(slices.Contains(methods, "*") && !c.credentials) {
			detail = fmt.Sprintf("a GET preflight from this origin is allowed (%s), so the method %s is what the server refuses",
				seen("Access-Control-Allow-Methods", header.Values("Access-Control-Allow-Methods")), c.method)
			fix = c.fix.methods(methods, c.method)
			if containsFold(methods, c.method) {
				fix = c.fix.methodCase(methods, c.method)
			}
			break
		}
		if len(c.unsafe) == 0 {
			break
		}
		if _, granted, ok := probe(c.method, ""); !ok || !granted {
			break
		}
		var refused, listed []string
		for i, u := range c.unsafe {
			if i == maxHeaderProbes {
				break
			}
			header, granted, ok := probe(c.method, u.Name)
			switch {
			case !ok:
				return append(steps, probes...)
			case granted && listed == nil:
				listed, _ = tokenList(header.Values("Access-Control-Allow-Headers"))
			case !granted:
				refused = append(refused, u.Name)
			}
		}
		requested := requestHeadersValue(c.unsafe)
		switch _, err := headers.CheckRequest([]string{requested}, nil); {
		case len(refused) > 0:
			detail = fmt.Sprintf("%s from this origin is allowed without request headers, so the server refuses the request header %s", c.method, strings.Join(refused, ", "))
			fix = c.fix.headers(listed, refused)
		case errors.Is(err, headers.ErrTooLarge):
			detail = fmt.Sprintf("the request headers are allowed one by one, but the preflight lists %d names (%d bytes) in Access-Control-Request-Headers", len(c.unsafe), len(requested))
			if c.fix.caddy {
				detail += fmt.Sprintf(", and the cors handler refuses a preflight that lists more than %d names or %d bytes there, whatever its config", headers.MaxRequestNames, headers.MaxRequestBytes)
			} else {
				detail += fmt.Sprintf(", which the server seems to refuse together (Caddy's cors handler refuses more than %d names or %d bytes)", headers.MaxRequestNames, headers.MaxRequestBytes)
			}
			fix = c.fix.tooManyHeaders(len(c.unsafe))
		}
	}
	if detail != "" {
		for i := range steps {
			if steps[i].Check == "allow-origin" {
				steps[i].Detail = "no Access-Control-Allow-Origin header: " + detail
				steps[i].Fix = fix
			}
		}
	}
	return append(steps, probes...)
}

// corsPasses reports whether a response passes the CORS check.
func corsPasses(c call, h http.Header) bool {
	for _, s := range corsCheck(c, PhaseProbe, h) {
		if s.Result == Fail {
			return false
		}
	}
	return true
}
