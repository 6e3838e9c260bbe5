package cors

import (
	"bufio"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/net/websocket"
)

// passThroughBackend is the upstream of the pass-through tests. Every
// response carries CORS headers of its own, which cors must replace, even
// on streamed responses.
type passThroughBackend struct {
	mu       sync.Mutex
	releases map[string]chan struct{} // by ?id=: lets /events send its second event
}

// release returns the channel that lets the event stream with this id go on.
func (b *passThroughBackend) release(id string) chan struct{} {
	b.mu.Lock()
	defer b.mu.Unlock()
	c, ok := b.releases[id]
	if !ok {
		c = make(chan struct{})
		b.releases[id] = c
	}
	return c
}

const (
	bigBodySize = 100 << 20
	bigBodySeed = "caddy-cors pass-through body."
)

// bigBody is the deterministic content of /big: the backend streams it, and
// the test hashes it again to compare, so 100 MiB is never held in memory.
func bigBody() io.Reader {
	var seed [32]byte
	copy(seed[:], bigBodySeed)
	return io.LimitReader(rand.NewChaCha8(seed), bigBodySize)
}

func (b *passThroughBackend) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Access-Control-Allow-Origin", "*")
	h.Set("Access-Control-Allow-Credentials", "true")
	h.Set("Access-Control-Expose-Headers", "X-Theirs")
	h.Set("Access-Control-Allow-Methods", "DELETE")
	h.Set("Access-Control-Max-Age", "86400")
	switch r.URL.Path {
	case "/events":
		h.Set("Content-Type", "text/event-stream")
		fmt.Fprint(w, "data: first\n\n")
		http.NewResponseController(w).Flush()
		// No fallback timer: if flushing were broken, the client would get
		// nothing until its own timeout, and the test would fail.
		select {
		case <-b.release(r.URL.Query().Get("id")):
		case <-r.Context().Done():
			return
		}
		fmt.Fprint(w, "data: second\n\n")
	case "/big":
		h.Set("Content-Length", strconv.Itoa(bigBodySize))
		io.Copy(w, bigBody())
	case "/ws":
		websocket.Handler(func(ws *websocket.Conn) { io.Copy(ws, ws) }).ServeHTTP(w, r)
	default:
		fmt.Fprintf(w, "backend %s over HTTP/%d", r.Method, r.ProtoMajor)
	}
}

// startPassThrough runs the backend and a Caddy that serves HTTP/1.1 and
// HTTP/2 without TLS (h2c), with cors in front of reverse_proxy.
func startPassThrough(t *testing.T) *passThroughBackend {
	t.Helper()
	backend := &passThroughBackend{releases: make(map[string]chan struct{})}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	server := &http.Server{Handler: backend}
	go server.Serve(ln)
	t.Cleanup(func() { server.Close() })
	startCaddy(t, fmt.Sprintf(`
:{$SITE_PORT} {
	cors https://app.example.com {
		expose_headers X-Mine
	}
	reverse_proxy %s
}`, ln.Addr()), "servers {\n\t\tprotocols h1 h2c\n\t}")
	return backend
}

// The whole CORS header set of a response to appOrigin, and to a refused origin.
var (
	passThroughGrant   = hdr("Access-Control-Allow-Origin", appOrigin, "Access-Control-Expose-Headers", "X-Mine", "Vary", "Origin")
	passThroughRefusal = hdr("Vary", "Origin")
)

// h2cClient speaks HTTP/2 without TLS, with prior knowledge, as a proxy or
// another server in front of Caddy can.
func h2cClient() *http.Client {
	var protocols http.Protocols
	protocols.SetUnencryptedHTTP2(true)
	return &http.Client{Timeout: 20 * time.Second, Transport: &http.Transport{Protocols: &protocols}}
}

func checkCORS(t *testing.T, resp *http.Response, want http.Header) {
	t.Helper()
	if got := corsHeaders(resp.Header); !equalHeaders(got, want) {
		t.Errorf("CORS headers:\n got %s\nwant %s", formatHeaders(got), formatHeaders(want))
	}
}

// TestPassThroughEventStreams checks that server-sent events are flushed
// through cors one by one, over HTTP/1.1 and HTTP/2, and that the backend's
// CORS headers are replaced although the response is flushed before the
// backend's handler returns.
func TestPassThroughEventStreams(t *testing.T) {
	backend := startPassThrough(t)
	h1 := &http.Client{Timeout: 20 * time.Second}
	for _, c := range []struct {
		name   string
		client *http.Client
		proto  int
		origin string
		cors   http.Header
	}{
		{"HTTP/1.1, allowed origin", h1, 1, appOrigin, passThroughGrant},
		{"HTTP/2, allowed origin", h2cClient(), 2, appOrigin, passThroughGrant},
		{"HTTP/2, refused origin gets none of the backend's grants", h2cClient(), 2, evilOrigin, passThroughRefusal},
	} {
		t.Run(c.name, func(t *testing.T) {
			defer c.client.CloseIdleConnections()
			req, _ := http.NewRequest("GET", siteURL+"/events?id="+url.QueryEscape(c.name), nil)
			req.Header.Set("Origin", c.origin)
			resp, err := c.client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			if resp.ProtoMajor != c.proto {
				t.Fatalf("response over HTTP/%d, want HTTP/%d", resp.ProtoMajor, c.proto)
			}
			checkCORS(t, resp, c.cors)
			br := bufio.NewReader(resp.Body)
			first, err := br.ReadString('\n')
			if err != nil || first != "data: first\n" {
				t.Fatalf("first event = %q, %v; want it before the backend sends the second", first, err)
			}
			close(backend.release(c.name))
			rest, err := io.ReadAll(br)
			if err != nil || string(rest) != "\ndata: second\n\n" {
				t.Errorf("rest of the stream = %q, %v", rest, err)
			}
		})
	}
}

// TestPassThroughHTTP2 checks requests that cors answers itself and
// requests it passes on, over HTTP/2.
func TestPassThroughHTTP2(t *testing.T) {
	startPassThrough(t)
	client := h2cClient()
	defer client.CloseIdleConnections()
	for _, e := range []struct {
		name   string
		method string
		header http.Header
		status int
		cors   http.Header
		body   string
	}{
		{"actual request: the backend's CORS headers are replaced", "GET", hdr("Origin", appOrigin), 200, passThroughGrant, "backend GET over HTTP/1"},
		{"actual request from a refused origin", "POST", hdr("Origin", evilOrigin), 200, passThroughRefusal, "backend POST over HTTP/1"},
		{"preflight is answered by cors", "OPTIONS", preflightFrom(appOrigin, "PUT", "Access-Control-Request-Headers", "x-custom"), 204,
			hdr("Access-Control-Allow-Origin", appOrigin, "Access-Control-Allow-Methods", defaultACAM, "Access-Control-Allow-Headers", "x-custom", "Vary", varyPreflight), ""},
		{"refused preflight", "OPTIONS", preflightFrom(evilOrigin, "PUT"), 403, hdr("Vary", varyPreflight), ""},
	} {
		t.Run(e.name, func(t *testing.T) {
			req, _ := http.NewRequest(e.method, siteURL+"/", nil)
			req.Header = e.header.Clone()
			resp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, err := io.ReadAll(resp.Body)
			if err != nil {
				t.Fatal(err)
			}
			if resp.ProtoMajor != 2 {
				t.Errorf("response over HTTP/%d, want HTTP/2", resp.ProtoMajor)
			}
			if resp.StatusCode != e.status {
				t.Errorf("status = %d, want %d", resp.StatusCode, e.status)
			}
			checkCORS(t, resp, e.cors)
			if string(body) != e.body {
				t.Errorf("body = %q, want %q", body, e.body)
			}
		})
	}
}

// TestPassThroughWebSocket makes a real WebSocket handshake through cors to
// a standard WebSocket server, then has it echo a frame.
func TestPassThroughWebSocket(t *testing.T) {
	startPassThrough(t)
	conn, err := net.Dial("tcp", siteAddr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))

	key := base64.StdEncoding.EncodeToString([]byte("sixteen byte key"))
	fmt.Fprintf(conn, "GET /ws HTTP/1.1\r\nHost: %s\r\nOrigin: %s\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"+
		"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: %s\r\n\r\n", siteAddr, appOrigin, key)
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("status = %d, want 101", resp.StatusCode)
	}
	sum := sha1.Sum([]byte(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")) // RFC 6455 section 4.2.2
	if got, want := resp.Header.Get("Sec-WebSocket-Accept"), base64.StdEncoding.EncodeToString(sum[:]); got != want {
		t.Errorf("Sec-WebSocket-Accept = %q, want %q", got, want)
	}
	if !strings.EqualFold(resp.Header.Get("Upgrade"), "websocket") {
		t.Errorf("Upgrade = %q, want websocket", resp.Header.Get("Upgrade"))
	}
	checkCORS(t, resp, passThroughGrant)

	// One masked text frame from the client (RFC 6455 section 5.2), then the
	// server's unmasked echo.
	payload := []byte("hello through cors")
	mask := [4]byte{1, 2, 3, 4}
	frame := append([]byte{0x81, 0x80 | byte(len(payload))}, mask[:]...)
	for i, c := range payload {
		frame = append(frame, c^mask[i%4])
	}
	if _, err := conn.Write(frame); err != nil {
		t.Fatal(err)
	}
	head := make([]byte, 2)
	if _, err := io.ReadFull(br, head); err != nil {
		t.Fatalf("reading the echo: %v", err)
	}
	if head[0] != 0x81 || head[1] != byte(len(payload)) {
		t.Fatalf("echo frame starts % x, want an unmasked final text frame of %d bytes", head, len(payload))
	}
	echo := make([]byte, len(payload))
	if _, err := io.ReadFull(br, echo); err != nil || string(echo) != string(payload) {
		t.Errorf("echo = %q, %v; want %q", echo, err, payload)
	}
}

// TestPassThroughLargeBody streams 100 MiB through cors and compares its
// SHA-256 with the backend's, without holding the body in memory.
func TestPassThroughLargeBody(t *testing.T) {
	startPassThrough(t)
	client := &http.Client{Timeout: 5 * time.Minute}
	defer client.CloseIdleConnections()
	req, _ := http.NewRequest("GET", siteURL+"/big", nil)
	req.Header.Set("Origin", appOrigin)
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	checkCORS(t, resp, passThroughGrant)
	if resp.ContentLength != bigBodySize {
		t.Errorf("Content-Length = %d, want %d", resp.ContentLength, bigBodySize)
	}
	got := sha256.New()
	n, err := io.Copy(got, resp.Body)
	if err != nil {
		t.Fatalf("after %d bytes: %v", n, err)
	}
	want := sha256.New()
	io.Copy(want, bigBody())
	if n != bigBodySize || string(got.Sum(nil)) != string(want.Sum(nil)) {
		t.Errorf("received %d bytes with SHA-256 %x; the backend sent %d bytes with SHA-256 %x", n, got.Sum(nil), bigBodySize, want.Sum(nil))
	}
}
