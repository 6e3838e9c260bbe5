package cors

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Two policies that answer every request of reloadRequests differently, so
// a response tells which one made it, or that it is a mix of both.
var reloadPolicies = [2]string{
	`cors https://a.example {
		credentials
		methods GET PUT
		expose_headers X-A
	}`,
	`cors https://b.example {
		methods GET DELETE
		headers X-B
		max_age 1m
	}`,
}

// reloadConfig is a whole Caddyfile for the in-process Caddy with one of the
// policies. The grace period lets requests in flight finish on the old
// config's server; the load never comes near it. (With the 1ns grace period
// that startCaddy uses, Caddy also cuts requests in flight on reused
// connections.)
//
// Even so, on Linux a few new connections in a few thousand are closed or
// reset at a reload before any response, with or without cors in the
// config: Caddy binds a new SO_REUSEPORT socket for each config and closes
// the old one, and connections the kernel queued on the old socket but
// Caddy had not accepted yet are dropped. A browser does not retry those.
// TestReloadUnderLoad counts requests that got no response at all apart;
// a partial response, or a response that is not wholly one policy's, fails it.
func reloadConfig(policy string) string {
	return fmt.Sprintf(`{
	admin localhost:%d
	http_port %d
	https_port %d
	default_bind 127.0.0.1
	grace_period 10s
	skip_install_trust
}
:{$SITE_PORT} {
	%s
	respond "ok" 200
}`, adminPort, sitePort, httpsPort, policy)
}

// A reloadRequest and the whole response each policy gives it.
type reloadRequest struct {
	method string
	header http.Header
	want   [2]reloadResponse
}

type reloadResponse struct {
	status int
	cors   http.Header
	body   string
}

var reloadRequests = []reloadRequest{
	{
		method: "GET",
		header: hdr("Origin", "https://a.example"),
		want: [2]reloadResponse{
			{200, hdr("Access-Control-Allow-Origin", "https://a.example", "Access-Control-Allow-Credentials", "true", "Access-Control-Expose-Headers", "X-A", "Vary", "Origin"), "ok"},
			{200, hdr("Vary", "Origin"), "ok"},
		},
	},
	{
		method: "GET",
		header: hdr("Origin", "https://b.example"),
		want: [2]reloadResponse{
			{200, hdr("Vary", "Origin"), "ok"},
			{200, hdr("Access-Control-Allow-Origin", "https://b.example", "Vary", "Origin"), "ok"},
		},
	},
	{
		method: "OPTIONS",
		header: preflightFrom("https://a.example", "PUT", "Access-Control-Request-Headers", "x-a"),
		want: [2]reloadResponse{
			{204, hdr("Access-Control-Allow-Origin", "https://a.example", "Access-Control-Allow-Credentials", "true", "Access-Control-Allow-Methods", "GET, PUT", "Access-Control-Allow-Headers", "x-a", "Vary", varyPreflight), ""},
			{403, hdr("Vary", varyPreflight), ""},
		},
	},
	{
		method: "OPTIONS",
		header: preflightFrom("https://b.example", "DELETE", "Access-Control-Request-Headers", "x-b"),
		want: [2]reloadResponse{
			{403, hdr("Vary", varyPreflight), ""},
			{204, hdr("Access-Control-Allow-Origin", "https://b.example", "Access-Control-Allow-Methods", "GET, DELETE", "Access-Control-Allow-Headers", "X-B", "Access-Control-Max-Age", "60", "Vary", varyPreflight), ""},
		},
	},
}

// whichPolicy returns the index of the policy whose answer this is, or -1.
func (rr reloadRequest) whichPolicy(status int, header http.Header, body string) int {
	for i, want := range rr.want {
		if status == want.status && equalHeaders(corsHeaders(header), want.cors) && body == want.body {
			return i
		}
	}
	return -1
}

func loadConfig(t *testing.T, admin *http.Client, config string) {
	t.Helper()
	resp, err := admin.Post(fmt.Sprintf("http://localhost:%d/load", adminPort), "text/caddyfile", strings.NewReader(config))
	if err != nil {
		t.Fatalf("POST /load: %v", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("POST /load: %d %s", resp.StatusCode, body)
	}
}

// TestReloadUnderLoad replaces the config through the admin API, switching
// between two policies, while clients send requests on keep-alive
// connections. Every request that reaches Caddy must get a complete
// response, made wholly by one policy or the other.
func TestReloadUnderLoad(t *testing.T) {
	const (
		reloads = 40
		workers = 4
	)
	startCaddy(t, `:{$SITE_PORT} {
	respond "ok" 200
}`)
	admin := &http.Client{Timeout: 30 * time.Second}
	loadConfig(t, admin, reloadConfig(reloadPolicies[0]))

	// One keep-alive client, as a browser has: connections are reused
	// across reloads, and the old server closes them when it shuts down.
	loadClient := &http.Client{
		Timeout:   10 * time.Second,
		Transport: &http.Transport{MaxIdleConnsPerHost: workers},
	}
	t.Cleanup(loadClient.CloseIdleConnections)

	var (
		stop     = make(chan struct{})
		wg       sync.WaitGroup
		requests atomic.Int64
		failures atomic.Int64
		dropped  atomic.Int64
		mixes    atomic.Int64
		byPolicy [2]atomic.Int64
		errMu    sync.Mutex
		firstErr []string
	)
	report := func(format string, args ...any) {
		errMu.Lock()
		defer errMu.Unlock()
		if len(firstErr) < 10 {
			firstErr = append(firstErr, fmt.Sprintf(format, args...))
		}
	}
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			deadline := time.Now().Add(time.Minute) // stops by itself whatever happens
			for i := w; time.Now().Before(deadline); i++ {
				select {
				case <-stop:
					return
				default:
				}
				rr := reloadRequests[i%len(reloadRequests)]
				req, _ := http.NewRequest(rr.method, siteURL+"/", nil)
				for k, v := range rr.header {
					req.Header[k] = v
				}
				var answered atomic.Bool
				req = req.WithContext(httptrace.WithClientTrace(req.Context(), &httptrace.ClientTrace{
					GotFirstResponseByte: func() { answered.Store(true) },
				}))
				requests.Add(1)
				resp, err := loadClient.Do(req)
				if err != nil && !answered.Load() {
					// See reloadConfig: Caddy's listener handoff, not cors.
					// (The transport already retried it if the connection
					// was a reused one.)
					dropped.Add(1)
					t.Logf("dropped unanswered: %s %v: %v", rr.method, rr.header, err)
					continue
				}
				if err != nil {
					failures.Add(1)
					report("%s %v: %v", rr.method, rr.header, err)
					continue
				}
				body, err := io.ReadAll(resp.Body)
				resp.Body.Close()
				if err != nil {
					failures.Add(1)
					report("%s %v: reading body: %v", rr.method, rr.header, err)
					continue
				}
				p := rr.whichPolicy(resp.StatusCode, resp.Header, string(body))
				if p < 0 {
					mixes.Add(1)
					report("%s %v: %d %s %q is neither policy's answer", rr.method, rr.header, resp.StatusCode, formatHeaders(corsHeaders(resp.Header)), body)
					continue
				}
				byPolicy[p].Add(1)
			}
		}()
	}

	stopLoad := sync.OnceFunc(func() {
		close(stop)
		wg.Wait()
	})
	defer stopLoad() // also when loadConfig fails the test
	start := time.Now()
	for i := 1; i <= reloads; i++ {
		loadConfig(t, admin, reloadConfig(reloadPolicies[i%2]))
		time.Sleep(30 * time.Millisecond) // let some requests see this config
	}
	stopLoad()
	elapsed := time.Since(start)

	t.Logf("%d reloads in %v; %d requests: %d answered by policy A, %d by policy B, %d failed, %d mixed; %d dropped unanswered",
		reloads, elapsed.Round(time.Millisecond), requests.Load(), byPolicy[0].Load(), byPolicy[1].Load(), failures.Load(), mixes.Load(), dropped.Load())
	for _, e := range firstErr {
		t.Error(e)
	}
	if failures.Load() != 0 || mixes.Load() != 0 {
		t.Errorf("%d requests failed and %d got a mix of both policies; want none", failures.Load(), mixes.Load())
	}
	// A handful is the listener handoff; more is something else.
	if dropped.Load()*100 > requests.Load() {
		t.Errorf("%d of %d requests got no response at all; want under 1%%", dropped.Load(), requests.Load())
	}
	// Both policies must have answered, or the reloads did not take effect.
	if byPolicy[0].Load() == 0 || byPolicy[1].Load() == 0 {
		t.Errorf("policy A answered %d requests and policy B %d; want both to answer some", byPolicy[0].Load(), byPolicy[1].Load())
	}
}
