package cors

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"
)

// hostilePolicy allows any request header, so only the module's size limits
// stand between a huge Access-Control-Request-Headers and a grant.
const hostilePolicy = `
:{$SITE_PORT} {
	cors https://app.example.com {
		credentials
	}
	respond "ok" 200
}`

// A hostile request: raw header lines, sent as they are over TCP, because
// net/http's client refuses to send most of them.
type hostileRequest struct {
	name   string
	method string
	lines  []string // header lines without CRLF, after Host
	// big requests exceed Caddy's default header limit (16 KiB, plus 4 KiB
	// of slack in net/http) by far, so Caddy answers 431 before any handler
	// runs unless max_header_size is raised.
	big bool
	// What the cors handler answers when the request reaches it.
	status int
	cors   http.Header
}

func (h hostileRequest) raw() string {
	method := h.method
	if method == "" {
		method = "GET"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s / HTTP/1.1\r\nHost: %s\r\n", method, siteAddr)
	for _, line := range h.lines {
		b.WriteString(line + "\r\n")
	}
	b.WriteString("Connection: close\r\n\r\n")
	return b.String()
}

func repeatLines(line string, n int) []string {
	lines := make([]string, n)
	for i := range lines {
		lines[i] = line
	}
	return lines
}

func headerNames(n int) string {
	names := make([]string, n)
	for i := range names {
		names[i] = fmt.Sprintf("x-name-%d", i)
	}
	return strings.Join(names, ",")
}

func hostileRequests() []hostileRequest {
	const (
		origin = "Origin: " + appOrigin
		acrm   = "Access-Control-Request-Method: PUT"
	)
	longOrigin := "Origin: https://" + strings.Repeat("a", 64<<10-len("https://"))
	refusedPreflight := hdr("Vary", varyPreflight)
	refusedActual := hdr("Vary", "Origin")
	granted := hdr(
		"Access-Control-Allow-Origin", appOrigin,
		"Access-Control-Allow-Credentials", "true",
		"Vary", "Origin",
	)
	// net/http refuses header values with control characters other than
	// HTAB, and methods that are not tokens, with 400 before Caddy sees the
	// request.
	badRequest := http.Header{}
	return []hostileRequest{
		{name: "64 KiB Origin, preflight", method: "OPTIONS", lines: []string{longOrigin, acrm}, big: true, status: 403, cors: refusedPreflight},
		{name: "64 KiB Origin, actual request", lines: []string{longOrigin}, big: true, status: 200, cors: refusedActual},
		{name: "ACRH of 1 MiB of commas", method: "OPTIONS", lines: []string{origin, acrm, "Access-Control-Request-Headers: " + strings.Repeat(",", 1<<20)}, big: true, status: 403, cors: refusedPreflight},
		{name: "ACRH of 10,000 names", method: "OPTIONS", lines: []string{origin, acrm, "Access-Control-Request-Headers: " + headerNames(10000)}, big: true, status: 403, cors: refusedPreflight},
		{name: "1,000 ACRH header lines", method: "OPTIONS", lines: append([]string{origin, acrm}, repeatLines("Access-Control-Request-Headers: x-custom", 1000)...), big: true, status: 403, cors: refusedPreflight},
		{name: "ACRH of 65 names, one over the limit", method: "OPTIONS", lines: []string{origin, acrm, "Access-Control-Request-Headers: " + headerNames(65)}, status: 403, cors: refusedPreflight},
		{name: "control character in Origin", lines: []string{"Origin: " + appOrigin + "\x01"}, status: 400, cors: badRequest},
		{name: "NUL in Origin", method: "OPTIONS", lines: []string{"Origin: https://app.example.com\x00.evil.example", acrm}, status: 400, cors: badRequest},
		{name: "DEL in ACRH", method: "OPTIONS", lines: []string{origin, acrm, "Access-Control-Request-Headers: x-a\x7f"}, status: 400, cors: badRequest},
		{name: "HTAB inside Origin", method: "OPTIONS", lines: []string{"Origin: https://app\t.example.com", acrm}, status: 403, cors: refusedPreflight},
		{name: "HTAB inside an ACRH name", method: "OPTIONS", lines: []string{origin, acrm, "Access-Control-Request-Headers: x-\tcustom"}, status: 403, cors: refusedPreflight},
		{name: "UTF-8 host in Origin", method: "OPTIONS", lines: []string{"Origin: https://bücher.example", acrm}, status: 403, cors: refusedPreflight},
		{name: "invalid UTF-8 after an allowed Origin", lines: []string{"Origin: " + appOrigin + "\xff"}, status: 200, cors: refusedActual},
		{name: "Kelvin sign in ACRH", method: "OPTIONS", lines: []string{origin, acrm, "Access-Control-Request-Headers: \u212aey"}, status: 403, cors: refusedPreflight},
		{name: "repeated allowed Origin, preflight", method: "OPTIONS", lines: []string{origin, origin, acrm}, status: 403, cors: refusedPreflight},
		{name: "repeated allowed Origin, actual request", lines: []string{origin, origin}, status: 200, cors: refusedActual},
		{name: "Origin repeated 1,000 times", lines: repeatLines(origin, 1000), big: true, status: 200, cors: refusedActual},
		// Caddy refuses methods over 32 bytes with 405 before any handler.
		{name: "4 KiB method", method: strings.Repeat("M", 4<<10), lines: []string{origin}, status: 405, cors: http.Header{}},
		{name: "32-byte method from an allowed origin is an actual request", method: strings.Repeat("M", 32), lines: []string{origin}, status: 200, cors: granted},
		{name: "method of token punctuation from an allowed origin is an actual request", method: "!#$%&'*+-.^_`|~", lines: []string{origin}, status: 200, cors: granted},
		{name: "method that is not a token", method: "GE\xffT", lines: []string{origin}, status: 400, cors: badRequest},
		{name: "preflight for a 4 KiB method", method: "OPTIONS", lines: []string{origin, "Access-Control-Request-Method: " + strings.Repeat("M", 4<<10)}, status: 403, cors: refusedPreflight},
		{name: "preflight for a method with non-ASCII bytes", method: "OPTIONS", lines: []string{origin, "Access-Control-Request-Method: PÜT"}, status: 403, cors: refusedPreflight},
		{name: "preflight for two methods", method: "OPTIONS", lines: []string{origin, acrm, acrm}, status: 403, cors: refusedPreflight},
	}
}

// sendRaw writes a raw request and reads the response, all within a
// deadline: a server that stalls fails the test instead of hanging it.
func sendRaw(raw string) (status int, header http.Header, err error) {
	conn, err := net.DialTimeout("tcp", siteAddr, 5*time.Second)
	if err != nil {
		return 0, nil, err
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	// Write while reading: the server may answer (431) and stop reading
	// before the whole request is sent.
	go io.WriteString(conn, raw)
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return 0, nil, err
	}
	return resp.StatusCode, resp.Header, nil
}

// checkStillServing sends a browser's ordinary request and expects the grant.
func checkStillServing(t *testing.T) {
	t.Helper()
	exchange{
		name:   "ordinary request",
		header: hdr("Origin", appOrigin),
		status: 200,
		cors: hdr(
			"Access-Control-Allow-Origin", appOrigin,
			"Access-Control-Allow-Credentials", "true",
			"Vary", "Origin",
		),
		body: "ok",
	}.run(t)
}

// TestHostileInputs sends requests no browser sends, under Caddy's default
// header limit and under a raised one that lets them all reach the cors
// handler. Each gets the right refusal, and the server keeps serving.
func TestHostileInputs(t *testing.T) {
	for _, limit := range []struct {
		name   string
		global []string
	}{
		{"default max_header_size", nil},
		{"max_header_size 4MiB", []string{"servers {\n\t\tmax_header_size 4MiB\n\t}"}},
	} {
		t.Run(limit.name, func(t *testing.T) {
			startCaddy(t, hostilePolicy, limit.global...)
			for _, h := range hostileRequests() {
				t.Run(h.name, func(t *testing.T) {
					wantStatus, wantCORS := h.status, h.cors
					if h.big && limit.global == nil {
						// Caddy sets net/http's MaxHeaderBytes to 16 KiB
						// when max_header_size is not set, so these never
						// reach a handler: a refusal, with no CORS headers.
						wantStatus, wantCORS = http.StatusRequestHeaderFieldsTooLarge, http.Header{}
					}
					status, header, err := sendRaw(h.raw())
					if err != nil {
						t.Fatalf("no complete response: %v", err)
					}
					if status != wantStatus {
						t.Errorf("status = %d, want %d", status, wantStatus)
					}
					if got := corsHeaders(header); !equalHeaders(got, wantCORS) {
						t.Errorf("CORS headers:\n got %s\nwant %s", formatHeaders(got), formatHeaders(wantCORS))
					}
					checkStillServing(t)
				})
			}
		})
	}
}

// TestHostileInputsKeepMemoryFlat sends every hostile request over and over
// with the limit raised, so that all of them reach the cors handler, and
// checks that the heap of this process, where Caddy runs, does not grow.
func TestHostileInputsKeepMemoryFlat(t *testing.T) {
	startCaddy(t, hostilePolicy, "servers {\n\t\tmax_header_size 4MiB\n\t}")
	requests := hostileRequests()
	raws := make([]string, len(requests))
	for i, h := range requests {
		raws[i] = h.raw()
	}
	send := func(n int) {
		for i := range n {
			h := requests[i%len(requests)]
			status, _, err := sendRaw(raws[i%len(raws)])
			if err != nil || status != h.status {
				t.Fatalf("%s: status %d, %v; want %d", h.name, status, err, h.status)
			}
		}
	}
	send(len(requests)) // warm up: pools, buffers, lazily built tables

	heap := func() uint64 {
		runtime.GC()
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	const n = 2000
	before := heap()
	send(n)
	after := heap()
	growth := int64(after) - int64(before)
	t.Logf("heap in use before %d hostile requests: %.1f MiB, after: %.1f MiB, growth: %+.2f MiB",
		n, float64(before)/(1<<20), float64(after)/(1<<20), float64(growth)/(1<<20))
	if growth > 16<<20 {
		t.Errorf("heap grew by %.1f MiB over %d hostile requests", float64(growth)/(1<<20), n)
	}
	checkStillServing(t)
}
