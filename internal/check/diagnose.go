package check

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/seed-41134e10/caddy-cors/internal/headers"
	"github.com/seed-41134e10/caddy-cors/internal/methods"
)

// maxHeaderProbes bounds the preflights sent to find refused headers.
const maxHeaderProbes = 8

// diagnose finds out what a preflight refused without any CORS header was
// about. Servers (the cors handler among them) refuse a disallowed origin,
// method or header alike, with no Access-Control-Allow-Origin, so the browser
// cannot tell which. Simpler preflights can: a GET one tests the origin, one
// with the method alone tests the method, one per header tests each header.
// The answer goes into the allow-origin step; the probes are listed after.
func (b *browser) diagnose(c call, h hop, steps []Step) []Step {
	p := prober{b: b, c: c, h: h}
	if detail, fix := p.refused(); detail != "" {
		for i := range steps {
			if steps[i].Check == "allow-origin" {
				steps[i].Detail = "no Access-Control-Allow-Origin header: " + detail
				steps[i].Fix = fix
			}
		}
	}
	return append(steps, p.probes...)
}

// prober sends the simpler preflights of diagnose and lists them as steps.
type prober struct {
	b      *browser
	c      call
	h      hop
	probes []Step
}

// refused says what the server refuses, and the fix; detail is "" when the
// probes cannot tell.
func (p *prober) refused() (detail, fix string) {
	header, granted, ok := p.probe("GET", "")
	switch {
	case !ok:
		return "", ""
	case !granted:
		return "a preflight for a plain GET from " + p.h.origin + " is refused too, so the server does not allow this origin for " + p.c.path, p.c.fix.allowOrigin()
	}
	c := p.c
	listed, _ := tokenList(header.Values(headers.AllowMethods))
	if !methods.IsSafelisted(c.method) && !slices.Contains(listed, c.method) && !(slices.Contains(listed, "*") && !c.credentials) {
		detail = fmt.Sprintf("a GET preflight from this origin is allowed (%s), so the method %s is what the server refuses",
			seen(headers.AllowMethods, header.Values(headers.AllowMethods)), c.method)
		if containsFold(listed, c.method) {
			return detail, c.fix.methodCase(listed, c.method)
		}
		return detail, c.fix.methods(listed, c.method)
	}
	if len(c.unsafe) == 0 {
		return "", ""
	}
	if c.method != "GET" { // the first probe asked for GET alone
		if _, granted, ok := p.probe(c.method, ""); !ok || !granted {
			return "", ""
		}
	}
	return p.refusedHeaders()
}

// refusedHeaders probes the request headers one by one, once the method
// alone is allowed.
func (p *prober) refusedHeaders() (detail, fix string) {
	c := p.c
	var refused, listed []string
	for _, u := range c.unsafe[:min(len(c.unsafe), maxHeaderProbes)] {
		header, granted, ok := p.probe(c.method, u.Name)
		switch {
		case !ok:
			return "", ""
		case granted && listed == nil:
			listed, _ = tokenList(header.Values(headers.AllowHeaders))
		case !granted:
			refused = append(refused, u.Name)
		}
	}
	requested := headers.RequestHeadersValue(c.unsafe)
	switch _, err := headers.CheckRequest([]string{requested}, nil); {
	case len(refused) > 0:
		detail = fmt.Sprintf("%s from this origin is allowed without request headers, so the server refuses the request header %s", c.method, strings.Join(refused, ", "))
		return detail, c.fix.headers(listed, refused)
	case errors.Is(err, headers.ErrTooLarge):
		detail = fmt.Sprintf("the request headers are allowed one by one, but the preflight lists %d names (%d bytes) in Access-Control-Request-Headers", len(c.unsafe), len(requested))
		if c.fix.caddy {
			detail += fmt.Sprintf(", and the cors handler refuses a preflight that lists more than %d names or %d bytes there, whatever its config", headers.MaxRequestNames, headers.MaxRequestBytes)
		} else {
			detail += fmt.Sprintf(", which the server seems to refuse together (Caddy's cors handler refuses more than %d names or %d bytes)", headers.MaxRequestNames, headers.MaxRequestBytes)
		}
		return detail, c.fix.tooManyHeaders(len(c.unsafe))
	}
	return "", ""
}

// probe sends a preflight for method and requestHeaders, lists it, and
// reports whether the server grants it; ok is false when it could not be
// sent.
func (p *prober) probe(method, requestHeaders string) (header http.Header, granted, ok bool) {
	req := preflightRequest(p.b.ctx, p.h, method, requestHeaders)
	status, header, err := send(p.b.client, req)
	if err != nil {
		return nil, false, false
	}
	granted = 200 <= status && status <= 299 && corsPasses(p.c, header)
	verdict := "refused"
	if granted {
		verdict = "allowed"
	}
	sent := headers.RequestMethod + ": " + method
	if requestHeaders != "" {
		sent += ", Access-Control-Request-Headers: " + requestHeaders
	}
	p.probes = append(p.probes, Step{Hop: p.c.hop, Phase: PhaseProbe, Check: "preflight", Result: Info, Seen: sent,
		Detail: fmt.Sprintf("%s: %s, %s", verdict, statusText(status), seen(headers.AllowOrigin, header.Values(headers.AllowOrigin)))})
	return header, granted, true
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
