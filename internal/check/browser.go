package check

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"

	"github.com/seed-41134e10/caddy-cors/internal/headers"
	"github.com/seed-41134e10/caddy-cors/internal/methods"
	"github.com/seed-41134e10/caddy-cors/internal/origins"
)

// maxRedirects is how many redirects browsers follow.
const maxRedirects = 20

// browser is one call in progress: the client it sends with and the report
// it writes.
type browser struct {
	ctx         context.Context
	client      *http.Client
	credentials bool
	// cookies are sent with the request itself to cookieHost, the URL's host,
	// as the browser's cookies for it would be.
	cookies    []Cookie
	cookieHost string
	// site is the site of the last URL the site step was about.
	site string
	rep  *Report
}

// hop is the request at one step of a redirect chain.
type hop struct {
	n      int
	url    *url.URL
	origin string // Origin header: the page's origin, or "null" once tainted
	method string
	fields []Field
	body   []byte
	// hasBody is false after a redirect turns the request into a GET.
	hasBody bool
	// preflighted: an earlier hop of the call needed a preflight.
	preflighted bool
}

// Run makes the call as a browser would and returns the verdict. The error
// is for network failures and for ctx ending before the verdict (a deadline
// for the whole run); a blocked call is a report, not an error.
func Run(ctx context.Context, client *http.Client, r Request) (*Report, error) {
	b := &browser{ctx: ctx, client: client, credentials: r.Credentials, cookies: r.Cookies, cookieHost: strings.ToLower(r.URL.Hostname()),
		rep: &Report{URL: r.URL.String(), Origin: r.Origin, Method: methods.Normalize(r.Method), Credentials: r.Credentials, Readable: []string{}}}
	h := b.prepare(r)
	if strings.HasPrefix(r.Origin, "https://") && r.URL.Scheme == "http" && !origins.IsLoopbackHost(r.URL.Hostname()) {
		b.rep.add(Step{Hop: 1, Phase: PhaseRequest, Check: "mixed-content", Result: Fail, Seen: r.URL.Scheme + " from " + r.Origin,
			Detail: "an https:// page cannot fetch an http:// URL (mixed content); the browser blocks it before CORS",
			Fix:    "call the https:// URL"})
		b.rep.block()
		b.rep.collectWarnings()
		return b.rep, nil
	}
	// cors is the Fetch standard's response tainting "cors": it starts at the
	// first URL of another origin, redirected to or not, and stays.
	cors := false
	for {
		var done bool
		var err error
		if !cors && r.Origin != "null" && sameOrigin(r.Origin, h.url) {
			done, h, err = b.sameOriginHop(h)
		} else {
			done, h, err = b.corsHop(h, !cors)
			cors = true
		}
		if err == nil {
			// A probe cut short by the deadline must not pass for a verdict.
			err = ctx.Err()
		}
		if err != nil {
			return nil, err
		}
		if done {
			b.rep.collectWarnings()
			return b.rep, nil
		}
	}
}

// prepare does what fetch() does before sending anything: it normalizes the
// method, drops the headers scripts cannot set and adds a Content-Type for a
// body. It returns the first hop.
func (b *browser) prepare(r Request) hop {
	h := hop{n: 1, url: r.URL, origin: r.Origin, method: b.rep.Method, body: r.Body, hasBody: r.HasBody}
	if h.method != r.Method {
		b.rep.add(Step{Hop: 1, Phase: PhaseRequest, Check: "method", Result: Info, Seen: r.Method,
			Detail: fmt.Sprintf("fetch() uppercases %s, so the browser sends %s", r.Method, h.method)})
	}
	hasContentType := false
	for _, f := range r.Header {
		if headers.IsForbiddenRequestHeader(f.Name, f.Value) {
			detail := "browsers do not let scripts set " + f.Name + "; fetch() drops it, and it is not sent"
			if strings.EqualFold(f.Name, "Cookie") {
				detail += "; the browser sends its own cookies with credentials: 'include', which --credentials with --cookie NAME=VALUE imitates"
			}
			b.rep.add(Step{Hop: 1, Phase: PhaseRequest, Check: "forbidden-header", Result: Info, Seen: f.Name + ": " + f.Value, Detail: detail})
			continue
		}
		if headers.IsCORSResponseHeader(f.Name) {
			b.rep.add(responseHeaderStep(f))
		}
		if strings.EqualFold(f.Name, "Content-Type") {
			hasContentType = true
		}
		h.fields = append(h.fields, f)
	}
	if r.HasBody && !hasContentType {
		h.fields = append(h.fields, Field{Name: "Content-Type", Value: "text/plain;charset=UTF-8"})
		b.rep.add(Step{Hop: 1, Phase: PhaseRequest, Check: "content-type", Result: Info, Seen: "Content-Type: text/plain;charset=UTF-8",
			Detail: "fetch() adds this Content-Type for a string body when the script sets none"})
	}
	if r.Origin != "null" && sameOrigin(r.Origin, r.URL) {
		b.rep.add(Step{Hop: 1, Phase: PhaseRequest, Check: "same-origin", Result: Info, Seen: origins.OriginOf(r.URL),
			Detail: "the URL has the page's own origin, so CORS does not apply (unless a redirect leads to another origin): the browser sends the request and the script reads everything"})
	}
	return h
}

// corsHop sends the preflight (when needed) and the request for one URL that
// CORS applies to; first is the first such URL of the call. It returns done
// with the verdict set, or the next hop of a redirect.
func (b *browser) corsHop(h hop, first bool) (done bool, next hop, err error) {
	c := call{hop: h.n, origin: h.origin, method: h.method, credentials: b.credentials, unsafe: headers.UnsafeHeaders(h.fields), path: h.url.EscapedPath()}
	if c.path == "" {
		c.path = "/"
	}
	needs := !methods.IsSafelisted(h.method) || len(c.unsafe) > 0
	if first {
		b.rep.Preflight = needs
	}
	b.rep.add(preflightDecision(c, needs))
	if site := origins.SiteOf(h.url); b.credentials && site != b.site {
		b.site = site
		b.rep.add(siteStep(h.n, b.rep.Origin, h.url))
	}
	if needs {
		if done, err := b.preflight(c, h, first); done || err != nil {
			return done, hop{}, err
		}
		h.preflighted = true
	} else if h.preflighted {
		if err := b.preflightAfterRedirect(c, h); err != nil {
			return false, hop{}, err
		}
	}
	return b.actual(c, h)
}

// preflight sends the preflight for h and checks the answer as a browser
// does; done is set, with the verdict, when the answer fails.
func (b *browser) preflight(c call, h hop, first bool) (done bool, err error) {
	req := preflightRequest(b.ctx, h, h.method, headers.RequestHeadersValue(c.unsafe))
	status, header, err := b.send(req)
	if err != nil {
		return false, fmt.Errorf("preflight OPTIONS %s: %w", h.url, err)
	}
	c.fix = b.fixer(c, header)
	b.rep.add(Step{Hop: h.n, Phase: PhasePreflight, Check: "sent", Result: Info, Seen: "OPTIONS " + h.url.String(), Detail: describeSent(req.Header)})
	steps, maxAge := evaluatePreflight(c, status, header)
	if len(header.Values(headers.AllowOrigin)) == 0 && (200 <= status && status <= 299 || status == 403) {
		steps = b.diagnose(c, h, steps)
	}
	b.rep.Steps = append(b.rep.Steps, steps...)
	b.rep.Steps = append(b.rep.Steps, preflightCookieStep(h.n, header.Values("Set-Cookie"))...)
	if b.rep.failed(h.n) {
		b.rep.block()
		return true, nil
	}
	if first {
		b.rep.MaxAge = &maxAge
	}
	return false, nil
}

// preflightAfterRedirect sends the preflight that Firefox and WebKit send
// for a redirected request that needs none, because the call needed one
// before the redirect (measured by the browser tests,
// TestRedirectAfterPreflight; Chromium sends none, as the Fetch standard
// says). The verdict stays the standard's; a failing preflight is a warning
// that names the engines that block the call, also listed in BlockedIn.
func (b *browser) preflightAfterRedirect(c call, h hop) error {
	req := preflightRequest(b.ctx, h, h.method, "")
	status, header, err := b.send(req)
	if err != nil {
		return fmt.Errorf("preflight OPTIONS %s: %w", h.url, err)
	}
	steps, _ := evaluatePreflight(c, status, header)
	step := Step{Hop: h.n, Phase: PhasePreflight, Check: "preflight-after-redirect", Result: Info, Seen: "OPTIONS " + h.url.String() + ": " + statusText(status),
		Detail: fmt.Sprintf("%s needs no preflight, and Chromium sends none; Firefox and WebKit (Safari) send one anyway, because the call needed one before the redirect, and it passes, so every engine goes on", h.method)}
	for _, s := range steps {
		if s.Result == Fail {
			step.Result = Warn
			step.Detail = fmt.Sprintf("%s needs no preflight, and Chromium sends none and goes on; Firefox and WebKit (Safari) send one anyway, because the call needed one before the redirect, and it fails (%s: %s), so they block the call", h.method, s.Check, s.Detail)
			step.Fix = "answer preflights at " + origins.OriginOf(h.url) + " too (a cors line in its site), or answer the call without redirecting it to another origin"
			b.rep.BlockedIn = append(b.rep.BlockedIn, "Firefox", "WebKit (Safari)")
			break
		}
	}
	b.rep.add(step)
	return nil
}

// actual sends the request itself to a URL that CORS applies to and checks
// the answer.
func (b *browser) actual(c call, h hop) (done bool, next hop, err error) {
	req := h.request(b.ctx, true)
	cookies := b.cookiesFor(h.url)
	if len(cookies) > 0 {
		req.Header.Set("Cookie", cookieHeader(cookies))
	}
	status, header, err := b.send(req)
	if err != nil {
		return false, hop{}, fmt.Errorf("%s %s: %w", h.method, h.url, err)
	}
	c.fix = b.fixer(c, header)
	sent := "Origin: " + h.origin
	if h.hasBody {
		sent += fmt.Sprintf(", with a body of %d bytes", len(h.body))
	}
	switch {
	case len(cookies) > 0:
		sent += "; with credentials and the cookies of --cookie: Cookie: " + cookieNames(cookies)
	case b.credentials && len(b.cookies) > 0:
		sent += "; with credentials, without the cookies of --cookie, which belong to " + b.cookieHost
	case b.credentials:
		sent += "; with credentials, the browser would add its cookies for this URL, which cors-check sends only with --cookie NAME=VALUE"
	}
	b.rep.add(Step{Hop: h.n, Phase: PhaseActual, Check: "sent", Result: Info, Seen: h.method + " " + h.url.String(), Detail: sent})
	if status == http.StatusSwitchingProtocols {
		b.rep.add(switchingProtocolsStep(h.n, c.fix))
		return b.blocked()
	}
	b.rep.add(Step{Hop: h.n, Phase: PhaseActual, Check: "status", Result: Info, Seen: statusText(status),
		Detail: "CORS does not judge the status of the request itself; the script sees it when the checks below pass"})
	b.rep.Steps = append(b.rep.Steps, corsCheck(c, PhaseActual, header)...)
	// Browsers store cookies before the CORS check, blocked call or not.
	crossSite := siteOfOrigin(b.rep.Origin) != origins.SiteOf(h.url)
	b.rep.Steps = append(b.rep.Steps, cookieSteps(h.n, header.Values("Set-Cookie"), b.credentials, crossSite, h.url)...)
	if b.rep.failed(h.n) {
		return b.blocked()
	}
	if loc := header.Get("Location"); isRedirect(status) && loc != "" {
		return b.followRedirect(h, status, loc, true)
	}
	b.rep.add(exposeStep(c, header))
	canRead, _ := readable(header, b.credentials)
	return b.allowed(status, canRead)
}

// cookiesFor returns the --cookie cookies a browser sends to u: those of
// the first URL's host, as host-only cookies, only with credentials.
func (b *browser) cookiesFor(u *url.URL) []Cookie {
	if !b.credentials || !strings.EqualFold(u.Hostname(), b.cookieHost) {
		return nil
	}
	return b.cookies
}

// cookieNames shows cookies as a Cookie header with the values left out.
func cookieNames(cookies []Cookie) string {
	pairs := make([]string, len(cookies))
	for i, c := range cookies {
		pairs[i] = c.Name + "=…"
	}
	return strings.Join(pairs, "; ")
}

// responseHeaderStep explains a CORS response header that the script sets
// on its request.
func responseHeaderStep(f Field) Step {
	return Step{Hop: 1, Phase: PhaseRequest, Check: "response-header", Result: Warn, Seen: f.Name + ": " + f.Value,
		Detail: responseHeaderMistake(f.Name) + ": the server that answers sends it, and from a script it only makes the browser send a preflight asking the server to allow a request header of that name",
		Fix:    "remove " + canonical(f.Name) + " from the headers of the fetch() or axios call on the page; CORS is configured on the server that answers (in Caddy, the cors directive of the site that serves the URL)"}
}

// responseHeaderMistake says that name, a CORS response header, was sent
// as a request header, in the module's words.
func responseHeaderMistake(name string) string {
	return canonical(name) + " is " + headers.ResponseHeaderAsRequestHeader
}

// sameOriginHop sends a request CORS does not apply to: one to the page's
// own origin that has not left it. A redirect is followed like any other,
// and can lead to another origin, where CORS applies.
func (b *browser) sameOriginHop(h hop) (done bool, next hop, err error) {
	req := h.request(b.ctx, false)
	if cookies := b.cookiesFor(h.url); len(cookies) > 0 {
		req.Header.Set("Cookie", cookieHeader(cookies))
	}
	status, header, err := b.send(req)
	if err != nil {
		return false, hop{}, fmt.Errorf("%s %s: %w", h.method, h.url, err)
	}
	if status == http.StatusSwitchingProtocols {
		b.rep.add(switchingProtocolsStep(h.n, fixer{}))
		return b.blocked()
	}
	if loc := header.Get("Location"); isRedirect(status) && loc != "" {
		return b.followRedirect(h, status, loc, false)
	}
	var canRead []string
	for name := range header {
		if !headers.IsForbiddenResponseHeader(name) {
			canRead = append(canRead, name)
		}
	}
	sort.Strings(canRead)
	return b.allowed(status, canRead)
}

// allowed ends the report with the verdict "allowed".
func (b *browser) allowed(status int, canRead []string) (done bool, next hop, err error) {
	b.rep.Verdict = "allowed"
	b.rep.Status = status
	b.rep.Readable = canRead
	if b.rep.Readable == nil {
		b.rep.Readable = []string{}
	}
	return true, hop{}, nil
}

// blocked ends the report with the verdict "blocked".
func (b *browser) blocked() (done bool, next hop, err error) {
	b.rep.block()
	return true, hop{}, nil
}

// fixer writes fixes for c as answered with these response headers.
func (b *browser) fixer(c call, header http.Header) fixer {
	return fixer{caddy: header.Get("Server") == "Caddy", origin: c.origin, path: c.path, credentials: c.credentials,
		redirectedNull: c.origin == "null" && b.rep.Origin != "null"}
}

// followRedirect does what a browser does with a redirect answer that passed
// the CORS check, or that needed none (cors is false: the call has not left
// the page's origin): it follows it, with the Fetch standard's changes to
// method, body, headers and origin.
func (b *browser) followRedirect(h hop, status int, location string, cors bool) (bool, hop, error) {
	step := Step{Hop: h.n, Phase: PhaseRedirect, Check: "location", Result: Fail, Seen: fmt.Sprintf("%d, Location: %s", status, location)}
	target, err := h.url.Parse(location)
	if step.Detail = redirectRefusal(h, target, err, cors); step.Detail != "" {
		b.rep.add(step)
		return b.blocked()
	}
	target.Fragment = ""
	next, changes := redirected(h, status, target)
	step.Result = Info
	switch {
	case cors:
		step.Detail = "the redirect passed the CORS check, so the browser follows it and checks the next answer too"
	case sameOrigin(h.origin, target):
		step.Detail = "a same-origin answer needs no CORS check, so the browser follows the redirect"
	default:
		step.Detail = "a same-origin answer needs no CORS check, so the browser follows the redirect; the new URL has another origin, so CORS applies from here on: the browser sends Origin: " + h.origin + " and checks every answer"
	}
	if len(changes) > 0 {
		step.Detail += "; " + strings.Join(changes, "; ")
	}
	b.rep.add(step)
	return false, next, nil
}

// redirectRefusal says why a browser fails a redirect to target (parsed
// with err), or returns "" when it follows it.
func redirectRefusal(h hop, target *url.URL, err error, cors bool) string {
	switch {
	case err != nil:
		return "the Location is not a URL, so the browser fails the request"
	case target.Scheme != "http" && target.Scheme != "https":
		return "the Location is not an http(s) URL, so the browser fails the request"
	case target.User != nil && (cors || !sameOrigin(h.origin, target)):
		return "the Location has user info, which browsers refuse in a CORS redirect"
	case h.n > maxRedirects:
		return fmt.Sprintf("more than %d redirects; the browser gives up", maxRedirects)
	}
	return ""
}

// redirected returns the hop after a redirect of h to target, with the
// Fetch standard's changes to method, body, headers and origin, each said in
// changes.
func redirected(h hop, status int, target *url.URL) (next hop, changes []string) {
	next = hop{n: h.n + 1, url: target, origin: h.origin, method: h.method, fields: h.fields, body: h.body, hasBody: h.hasBody, preflighted: h.preflighted}
	if (status == 301 || status == 302) && h.method == "POST" || status == 303 && h.method != "GET" && h.method != "HEAD" {
		next.method, next.body, next.hasBody = "GET", nil, false
		next.fields = nil
		for _, f := range h.fields {
			switch strings.ToLower(f.Name) {
			case "content-encoding", "content-language", "content-location", "content-type":
				continue
			}
			next.fields = append(next.fields, f)
		}
		changes = append(changes, fmt.Sprintf("a %d turns %s into GET without a body", status, h.method))
	}
	if origins.OriginOf(target) == origins.OriginOf(h.url) {
		return next, changes
	}
	kept := next.fields[:0:0]
	for _, f := range next.fields {
		if strings.EqualFold(f.Name, "Authorization") {
			changes = append(changes, "Authorization is dropped on a redirect to another origin")
			continue
		}
		kept = append(kept, f)
	}
	next.fields = kept
	if h.origin != origins.OriginOf(h.url) && h.origin != "null" {
		next.origin = "null"
		changes = append(changes, "the request has now crossed origins twice, so the browser sends Origin: null from here on")
	}
	return next, changes
}

// switchingProtocolsStep fails a 101 answer to a request that asked for no
// protocol switch: the Fetch standard ignores a 101 outside WebSocket
// handshakes, like any interim answer, and no final answer follows it.
func switchingProtocolsStep(n int, fix fixer) Step {
	return Step{Hop: n, Phase: PhaseActual, Check: "status", Result: Fail, Seen: statusText(http.StatusSwitchingProtocols),
		Detail: "a 101 answers only a request to switch protocols (a WebSocket handshake), which fetch() never sends; the browser does not take it as the response, and the fetch fails with a network error",
		Fix:    fix.switchingProtocols()}
}

func preflightDecision(c call, needs bool) Step {
	s := Step{Hop: c.hop, Phase: PhaseRequest, Check: "preflight-needed", Result: Info, Seen: c.method}
	if !needs {
		s.Detail = "no: " + c.method + " is a CORS-safelisted method and every header is CORS-safelisted, so the browser sends the request directly"
		return s
	}
	var why []string
	if !methods.IsSafelisted(c.method) {
		why = append(why, c.method+" is not a CORS-safelisted method (GET, HEAD, POST)")
	}
	var plain []string // not safelisted by name, the common case
	for _, u := range c.unsafe {
		if u.Reason == headers.NotSafelistedName {
			plain = append(plain, u.Name)
			continue
		}
		why = append(why, u.Name+" "+u.Reason)
	}
	switch len(plain) {
	case 0:
	case 1:
		why = append(why, plain[0]+" is not a CORS-safelisted request header")
	default:
		why = append(why, strings.Join(plain, ", ")+" are not CORS-safelisted request headers")
	}
	s.Detail = "yes: " + strings.Join(why, "; ")
	return s
}

func describeSent(h http.Header) string {
	parts := []string{"Origin: " + h.Get("Origin"), headers.RequestMethod + ": " + h.Get(headers.RequestMethod)}
	if v := h.Get(headers.RequestHeaders); v != "" {
		parts = append(parts, headers.RequestHeaders+": "+v)
	}
	return strings.Join(parts, ", ") + "; no credentials, no body"
}

// sameOrigin reports whether origin is u's origin.
func sameOrigin(origin string, u *url.URL) bool {
	return origin == origins.OriginOf(u)
}

// request is h as the browser sends it. A request CORS applies to (cors)
// always carries Origin, and Accept: */* unless the script set one; a
// same-origin one carries Origin only when its method is not GET or HEAD,
// as the Fetch standard sends it.
func (h hop) request(ctx context.Context, cors bool) *http.Request {
	var body []byte
	if h.hasBody {
		body = h.body
	}
	req := newRequest(ctx, h.method, h.url, body)
	for _, f := range h.fields {
		req.Header.Add(f.Name, f.Value)
	}
	switch {
	case cors:
		req.Header.Set("Origin", h.origin)
		if req.Header.Get("Accept") == "" {
			req.Header.Set("Accept", "*/*")
		}
	case h.method != "GET" && h.method != "HEAD":
		req.Header.Set("Origin", h.origin)
	}
	return req
}

// preflightRequest is the preflight a browser sends before h, asking for
// method and the comma-joined requestHeaders ("" for none).
func preflightRequest(ctx context.Context, h hop, method, requestHeaders string) *http.Request {
	req := newRequest(ctx, http.MethodOptions, h.url, nil)
	req.Header.Set("Accept", "*/*")
	req.Header.Set("Origin", h.origin)
	req.Header.Set(headers.RequestMethod, method)
	if requestHeaders != "" {
		req.Header.Set(headers.RequestHeaders, requestHeaders)
	}
	return req
}

func newRequest(ctx context.Context, method string, u *url.URL, body []byte) *http.Request {
	var rd io.Reader
	if body != nil {
		rd = strings.NewReader(string(body))
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), rd)
	if err != nil {
		// The method and URL were validated; this cannot happen.
		panic(err)
	}
	req.Header.Set("Accept-Encoding", "gzip, deflate, br, zstd")
	req.Header.Set("User-Agent", "caddy-cors-check")
	return req
}

// send sends req and notes the Server header of the answer in the report,
// for the fixes.
func (b *browser) send(req *http.Request) (int, http.Header, error) {
	status, header, err := send(b.client, req)
	if err == nil {
		b.rep.Server = header.Get("Server")
	}
	return status, header, err
}

// maxBody bounds how much of a response body is read before it is dropped.
const maxBody = 1 << 20

// send sends one request without following redirects and returns its status
// and headers.
func send(client *http.Client, req *http.Request) (int, http.Header, error) {
	resp, err := client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusSwitchingProtocols { // its body is the switched connection
		io.Copy(io.Discard, io.LimitReader(resp.Body, maxBody))
	}
	return resp.StatusCode, resp.Header, nil
}

// NewClient returns an HTTP client that behaves like a browser's network
// layer for these checks: no cookies, no automatic redirects, no
// transparent decompression (which would hide Content-Encoding).
func NewClient() *http.Client {
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.DisableCompression = true
	return &http.Client{
		Transport: transport,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}
