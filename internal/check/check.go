// Package check does what a browser does for a cross-origin fetch() and
// explains each step: it decides whether a preflight is needed, sends the
// preflight and the request as a browser would, and checks the answers as
// the WHATWG Fetch standard says. It knows nothing of Caddy beyond writing
// fixes as cors directive lines when the server says it is Caddy.
package check

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strings"

	"golang.org/x/net/http/httpguts"

	"github.com/seed-41134e10/caddy-cors/internal/headers"
	"github.com/seed-41134e10/caddy-cors/internal/origins"
)

// Request is one call as a script would make it with fetch().
type Request struct {
	URL         *url.URL
	Origin      string // the page's origin
	Method      string // as the script wrote it
	Header      []Field
	Body        []byte
	HasBody     bool
	Credentials bool // credentials: 'include'
}

// maxRedirects is how many redirects browsers follow.
const maxRedirects = 20

// ParseURL checks a URL a script could fetch cross-origin.
func ParseURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("%q is not a URL: %v", raw, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("%q is not an http:// or https:// URL", raw)
	}
	if u.Host == "" {
		return nil, fmt.Errorf("%q has no host", raw)
	}
	if u.User != nil {
		return nil, fmt.Errorf("%q has user info (%q), which fetch() refuses; send an Authorization header instead", raw, u.User.String()+"@")
	}
	u.Fragment = ""
	return u, nil
}

// ParseOrigin checks an origin as browsers send it in the Origin header;
// "null" is what sandboxed and file:// pages send.
func ParseOrigin(s string) (string, error) {
	if s == "null" {
		return s, nil
	}
	if _, ok := origins.Parse(s); ok {
		return s, nil
	}
	if _, err := origins.ParsePattern(s); err != nil {
		return "", fmt.Errorf("--origin %v", err)
	}
	return "", fmt.Errorf("--origin %q is not an origin as browsers send it: scheme://host[:port], lowercase, without the default port", s)
}

// ParseHeader reads "Name: value" as a script would pass it to fetch().
func ParseHeader(line string) (Field, error) {
	name, value, ok := strings.Cut(line, ":")
	if !ok {
		return Field{}, fmt.Errorf("--header %q has no colon; write it as \"Name: value\"", line)
	}
	if !headers.IsToken(name) {
		return Field{}, fmt.Errorf("--header %q: %q is not a valid header name (letters, digits and !#$%%&'*+-.^_`|~ only)", line, name)
	}
	value = strings.Trim(value, " \t\r\n") // fetch() normalizes values this way
	if strings.ContainsAny(value, "\x00\r\n") {
		return Field{}, fmt.Errorf("--header %q: the value has a NUL, CR or LF byte, which fetch() refuses", line)
	}
	if !httpguts.ValidHeaderFieldValue(value) {
		// fetch() sends other control bytes; Go's HTTP client refuses them.
		i := strings.IndexFunc(value, func(r rune) bool { return r < ' ' && r != '\t' || r == 0x7f })
		return Field{}, fmt.Errorf("--header %q: the value has the control byte %#02x, which cors-check cannot send (fetch() would); leave it out", line, value[i])
	}
	return Field{Name: name, Value: value}, nil
}

// ParseMethod checks a method as fetch() would.
func ParseMethod(method string) error {
	if !headers.IsToken(method) {
		return fmt.Errorf("--method %q is not a method name (letters, digits and !#$%%&'*+-.^_`|~ only)", method)
	}
	if IsForbiddenMethod(method) {
		return fmt.Errorf("--method %q: fetch() refuses to send %s", method, strings.ToUpper(method))
	}
	return nil
}

// ReadData reads --data: "@file" reads the file, anything else is the body.
func ReadData(data string) ([]byte, error) {
	name, ok := strings.CutPrefix(data, "@")
	if !ok {
		return []byte(data), nil
	}
	if name == "" {
		return nil, errors.New("--data @ needs a file name after @")
	}
	body, err := os.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("--data: %v", err)
	}
	return body, nil
}

// Validate checks what fetch() itself would refuse.
func (r *Request) Validate() error {
	m := NormalizeMethod(r.Method)
	if r.HasBody && (m == "GET" || m == "HEAD") {
		return fmt.Errorf("fetch() refuses a body with %s; use --method POST or another method", m)
	}
	return nil
}

// sameOrigin reports whether origin is u's origin.
func sameOrigin(origin string, u *url.URL) bool {
	return origin == originOf(u)
}

// originOf serializes u's origin as browsers do.
func originOf(u *url.URL) string {
	host, port := u.Hostname(), u.Port()
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	host = strings.ToLower(host)
	if port == "" || (u.Scheme == "http" && port == "80") || (u.Scheme == "https" && port == "443") {
		return u.Scheme + "://" + host
	}
	return u.Scheme + "://" + host + ":" + port
}

// isLoopback reports whether u's host is localhost or a loopback address,
// which browsers trust like https.
func isLoopback(u *url.URL) bool {
	host := strings.ToLower(u.Hostname())
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
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
}

// Run makes the call as a browser would and returns the verdict. The error
// is for network failures and for ctx ending before the verdict (a deadline
// for the whole run); a blocked call is a report, not an error.
func Run(ctx context.Context, client *http.Client, r Request) (*Report, error) {
	rep := &Report{URL: r.URL.String(), Origin: r.Origin, Method: NormalizeMethod(r.Method), Credentials: r.Credentials, Readable: []string{}}
	h := hop{n: 1, url: r.URL, origin: r.Origin, method: rep.Method, body: r.Body, hasBody: r.HasBody}

	if h.method != r.Method {
		rep.add(Step{Hop: 1, Phase: PhaseRequest, Check: "method", Result: Info, Seen: r.Method,
			Detail: fmt.Sprintf("fetch() uppercases %s, so the browser sends %s", r.Method, h.method)})
	}
	hasContentType := false
	for _, f := range r.Header {
		if IsForbiddenRequestHeader(f) {
			rep.add(Step{Hop: 1, Phase: PhaseRequest, Check: "forbidden-header", Result: Info, Seen: f.Name + ": " + f.Value,
				Detail: "browsers do not let scripts set " + f.Name + "; fetch() drops it, and it is not sent"})
			continue
		}
		if strings.EqualFold(f.Name, "Content-Type") {
			hasContentType = true
		}
		h.fields = append(h.fields, f)
	}
	if r.HasBody && !hasContentType {
		h.fields = append(h.fields, Field{"Content-Type", "text/plain;charset=UTF-8"})
		rep.add(Step{Hop: 1, Phase: PhaseRequest, Check: "content-type", Result: Info, Seen: "Content-Type: text/plain;charset=UTF-8",
			Detail: "fetch() adds this Content-Type for a string body when the script sets none"})
	}

	if r.Origin != "null" && sameOrigin(r.Origin, r.URL) {
		rep.add(Step{Hop: 1, Phase: PhaseRequest, Check: "same-origin", Result: Info, Seen: originOf(r.URL),
			Detail: "the URL has the page's own origin, so CORS does not apply (unless a redirect leads to another origin): the browser sends the request and the script reads everything"})
	}
	if strings.HasPrefix(r.Origin, "https://") && r.URL.Scheme == "http" && !isLoopback(r.URL) {
		rep.add(Step{Hop: 1, Phase: PhaseRequest, Check: "mixed-content", Result: Fail, Seen: r.URL.Scheme + " from " + r.Origin,
			Detail: "an https:// page cannot fetch an http:// URL (mixed content); the browser blocks it before CORS",
			Fix:    "call the https:// URL"})
		rep.block()
		return rep, nil
	}
	// cors is the Fetch standard's response tainting "cors": it starts at the
	// first URL of another origin, redirected to or not, and stays.
	cors := false
	for {
		var done bool
		var next hop
		var err error
		if !cors && r.Origin != "null" && sameOrigin(r.Origin, h.url) {
			done, next, err = sameOriginHop(ctx, client, rep, h)
		} else {
			done, next, err = runHop(ctx, client, rep, r.Credentials, h, !cors)
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
			return rep, nil
		}
		h = next
	}
}

// runHop sends the preflight (when needed) and the request for one URL that
// CORS applies to; first is the first such URL of the call. It returns done
// with the verdict set, or the next hop of a redirect.
func runHop(ctx context.Context, client *http.Client, rep *Report, credentials bool, h hop, first bool) (done bool, next hop, err error) {
	unsafe := UnsafeHeaders(h.fields)
	needs := !IsSafelistedMethod(h.method) || len(unsafe) > 0
	c := call{hop: h.n, origin: h.origin, method: h.method, credentials: credentials, unsafe: unsafe, path: h.url.EscapedPath()}
	if c.path == "" {
		c.path = "/"
	}
	newFixer := func(header http.Header) fixer {
		return fixer{caddy: header.Get("Server") == "Caddy", origin: h.origin, path: c.path, credentials: credentials,
			redirectedNull: h.origin == "null" && rep.Origin != "null"}
	}
	if first {
		rep.Preflight = needs
	}
	rep.add(preflightDecision(c, needs))

	if needs {
		pre := newRequest(ctx, http.MethodOptions, h.url, nil)
		pre.Header.Set("Accept", "*/*")
		pre.Header.Set("Origin", h.origin)
		pre.Header.Set("Access-Control-Request-Method", h.method)
		if len(unsafe) > 0 {
			pre.Header.Set("Access-Control-Request-Headers", requestHeadersValue(unsafe))
		}
		status, header, err := send(client, pre)
		if err != nil {
			return false, hop{}, fmt.Errorf("preflight OPTIONS %s: %w", h.url, err)
		}
		rep.Server = header.Get("Server")
		c.fix = newFixer(header)
		rep.add(Step{Hop: h.n, Phase: PhasePreflight, Check: "sent", Result: Info, Seen: "OPTIONS " + h.url.String(), Detail: describeSent(pre.Header)})
		steps, maxAge := evaluatePreflight(c, status, header)
		if len(header.Values("Access-Control-Allow-Origin")) == 0 && (200 <= status && status <= 299 || status == 403) {
			steps = diagnose(ctx, client, c, h, steps)
		}
		rep.Steps = append(rep.Steps, steps...)
		if rep.failed(h.n) {
			rep.block()
			return true, hop{}, nil
		}
		if first {
			rep.MaxAge = &maxAge
		}
	}

	actual := newRequest(ctx, h.method, h.url, h.body)
	if !h.hasBody {
		actual = newRequest(ctx, h.method, h.url, nil)
	}
	for _, f := range h.fields {
		actual.Header.Add(f.Name, f.Value)
	}
	actual.Header.Set("Origin", h.origin)
	if actual.Header.Get("Accept") == "" {
		actual.Header.Set("Accept", "*/*")
	}
	status, header, err := send(client, actual)
	if err != nil {
		return false, hop{}, fmt.Errorf("%s %s: %w", h.method, h.url, err)
	}
	rep.Server = header.Get("Server")
	c.fix = newFixer(header)
	sent := "Origin: " + h.origin
	if h.hasBody {
		sent += fmt.Sprintf(", with a body of %d bytes", len(h.body))
	}
	if credentials {
		sent += "; with credentials, the browser would add its cookies for this site"
	}
	rep.add(Step{Hop: h.n, Phase: PhaseActual, Check: "sent", Result: Info, Seen: h.method + " " + h.url.String(), Detail: sent})
	if status == http.StatusSwitchingProtocols {
		rep.add(switchingProtocolsStep(h.n, c.fix))
		rep.block()
		return true, hop{}, nil
	}
	rep.add(Step{Hop: h.n, Phase: PhaseActual, Check: "status", Result: Info, Seen: statusText(status),
		Detail: "CORS does not judge the status of the request itself; the script sees it when the checks below pass"})
	rep.Steps = append(rep.Steps, corsCheck(c, PhaseActual, header)...)
	if rep.failed(h.n) {
		rep.block()
		return true, hop{}, nil
	}

	if loc := header.Get("Location"); isRedirect(status) && loc != "" {
		return followRedirect(rep, h, status, loc, true)
	}

	rep.add(exposeStep(c, header))
	rep.Verdict = "allowed"
	rep.Status = status
	rep.Readable, _ = readable(header, credentials)
	if rep.Readable == nil {
		rep.Readable = []string{}
	}
	return true, hop{}, nil
}

// followRedirect does what a browser does with a redirect answer that passed
// the CORS check, or that needed none (cors is false: the call has not left
// the page's origin): it follows it, with the Fetch standard's changes to
// method, body, headers and origin.
func followRedirect(rep *Report, h hop, status int, location string, cors bool) (bool, hop, error) {
	step := Step{Hop: h.n, Phase: PhaseRedirect, Check: "location", Result: Fail, Seen: fmt.Sprintf("%d, Location: %s", status, location)}
	target, err := h.url.Parse(location)
	switch {
	case err != nil:
		step.Detail = "the Location is not a URL, so the browser fails the request"
	case target.Scheme != "http" && target.Scheme != "https":
		step.Detail = "the Location is not an http(s) URL, so the browser fails the request"
	case target.User != nil && (cors || !sameOrigin(h.origin, target)):
		step.Detail = "the Location has user info, which browsers refuse in a CORS redirect"
	case h.n > maxRedirects:
		step.Detail = fmt.Sprintf("more than %d redirects; the browser gives up", maxRedirects)
	}
	if step.Detail != "" {
		rep.add(step)
		rep.block()
		return true, hop{}, nil
	}
	target.Fragment = ""
	next := hop{n: h.n + 1, url: target, origin: h.origin, method: h.method, fields: h.fields, body: h.body, hasBody: h.hasBody}
	var changes []string
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
	if originOf(target) != originOf(h.url) {
		kept := next.fields[:0:0]
		for _, f := range next.fields {
			if strings.EqualFold(f.Name, "Authorization") {
				changes = append(changes, "Authorization is dropped on a redirect to another origin")
				continue
			}
			kept = append(kept, f)
		}
		next.fields = kept
		if h.origin != originOf(h.url) && h.origin != "null" {
			next.origin = "null"
			changes = append(changes, "the request has now crossed origins twice, so the browser sends Origin: null from here on")
		}
	}
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
	rep.add(step)
	return false, next, nil
}

// sameOriginHop sends a request CORS does not apply to: one to the page's
// own origin that has not left it. A redirect is followed like any other,
// and can lead to another origin, where CORS applies.
func sameOriginHop(ctx context.Context, client *http.Client, rep *Report, h hop) (done bool, next hop, err error) {
	req := newRequest(ctx, h.method, h.url, nil)
	if h.hasBody {
		req = newRequest(ctx, h.method, h.url, h.body)
	}
	for _, f := range h.fields {
		req.Header.Add(f.Name, f.Value)
	}
	if h.method != "GET" && h.method != "HEAD" {
		req.Header.Set("Origin", h.origin) // as the Fetch standard sends it
	}
	status, header, err := send(client, req)
	if err != nil {
		return false, hop{}, fmt.Errorf("%s %s: %w", h.method, h.url, err)
	}
	rep.Server = header.Get("Server")
	if status == http.StatusSwitchingProtocols {
		rep.add(switchingProtocolsStep(h.n, fixer{}))
		rep.block()
		return true, hop{}, nil
	}
	if loc := header.Get("Location"); isRedirect(status) && loc != "" {
		return followRedirect(rep, h, status, loc, false)
	}
	rep.Verdict = "allowed"
	rep.Status = status
	for name := range header {
		if !headers.IsForbiddenResponseHeader(name) {
			rep.Readable = append(rep.Readable, name)
		}
	}
	sort.Strings(rep.Readable)
	return true, hop{}, nil
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
	if !IsSafelistedMethod(c.method) {
		why = append(why, c.method+" is not a CORS-safelisted method (GET, HEAD, POST)")
	}
	var plain []string // not safelisted by name, the common case
	for _, u := range c.unsafe {
		if u.Reason == notSafelistedName {
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
	parts := []string{"Origin: " + h.Get("Origin"), "Access-Control-Request-Method: " + h.Get("Access-Control-Request-Method")}
	if v := h.Get("Access-Control-Request-Headers"); v != "" {
		parts = append(parts, "Access-Control-Request-Headers: "+v)
	}
	return strings.Join(parts, ", ") + "; no credentials, no body"
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
