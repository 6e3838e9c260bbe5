package cors

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
)

// TestOtherHandlersCannotTaintOtherResponses runs two sites with one policy.
// The first rewrites every CORS header and Vary in place, as Caddy's
// deferred `header` replace operations do; the second must never see those
// rewrites, even under concurrent requests (-race reports shared writes).
// The handlers inside cors never see its values (they go on the response
// as it is written), so the rewrites run where the values are already
// there: in handle_errors, after the site's cors put them on the error
// response.
func TestOtherHandlersCannotTaintOtherResponses(t *testing.T) {
	policy := `cors https://app.example.com https://*.example.org {
		credentials
		expose_headers X-Request-Id
		headers X-Custom
		methods PUT
		max_age 10m
		private_network
	}`
	var replace []string
	for _, field := range []string{"Vary", "Access-Control-Allow-Origin", "Access-Control-Allow-Credentials",
		"Access-Control-Expose-Headers", "Access-Control-Allow-Methods", "Access-Control-Allow-Headers",
		"Access-Control-Max-Age", "Access-Control-Allow-Private-Network"} {
		// Every value contains one of these; the replacement marks it.
		for _, find := range []string{"Origin", "https", "true", "X-", "PUT", "600"} {
			replace = append(replace, fmt.Sprintf("header >%s %q %q", field, find, find+"-tainted"))
		}
	}
	startCaddy(t, fmt.Sprintf(`
:{$SITE_PORT} {
	%s
	error 500
	handle_errors {
		%s
		%s
		respond "tainting site"
	}
}
:%d {
	%s
	respond "clean site"
}`, policy, policy, strings.Join(replace, "\n\t\t"), backendPort, policy))

	requests := []http.Header{
		hdr("Origin", appOrigin),
		hdr("Origin", "https://a.example.org"),
		hdr("Origin", evilOrigin),
		{},
		preflightFrom(appOrigin, "PUT", "Access-Control-Request-Headers", "x-custom", "Access-Control-Request-Private-Network", "true"),
		preflightFrom("https://a.example.org", "PUT"),
	}
	send := func(port int, h http.Header) (http.Header, error) {
		method := http.MethodGet
		if _, ok := h["Access-Control-Request-Method"]; ok {
			method = http.MethodOptions
		}
		req, err := http.NewRequest(method, fmt.Sprintf("http://127.0.0.1:%d/", port), nil)
		if err != nil {
			return nil, err
		}
		req.Header = h
		resp, err := client.Do(req)
		if err != nil {
			return nil, err
		}
		resp.Body.Close()
		return corsHeaders(resp.Header), nil
	}

	// What the clean site sends before anything was tainted.
	want := make([]http.Header, len(requests))
	for i, h := range requests {
		got, err := send(backendPort, h)
		if err != nil {
			t.Fatal(err)
		}
		want[i] = got
	}

	var wg sync.WaitGroup
	errs := make(chan string, 100)
	for worker := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for round := range 25 {
				i := (worker + round) % len(requests)
				if worker%2 == 0 {
					got, err := send(sitePort, requests[i])
					if err == nil && strings.Count(formatHeaders(got), "-tainted") > len(got)*len(replace) {
						errs <- fmt.Sprintf("tainting site: a value was rewritten more than once: %s", formatHeaders(got))
					}
					continue
				}
				got, err := send(backendPort, requests[i])
				switch {
				case err != nil:
					errs <- err.Error()
				case !equalHeaders(got, want[i]):
					errs <- fmt.Sprintf("clean site, request %d:\n got %s\nwant %s", i, formatHeaders(got), formatHeaders(want[i]))
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	// And sequentially, after all of that: the tainting site's own values
	// are rewritten once per response, never compounded.
	for i, h := range requests {
		got, err := send(backendPort, h)
		if err != nil {
			t.Fatal(err)
		}
		if !equalHeaders(got, want[i]) {
			t.Errorf("clean site after the run, request %d:\n got %s\nwant %s", i, formatHeaders(got), formatHeaders(want[i]))
		}
	}
	got, err := send(sitePort, hdr("Origin", appOrigin))
	if err != nil {
		t.Fatal(err)
	}
	if v := got.Get("Vary"); v != "Origin-tainted" {
		t.Errorf("tainting site: Vary = %q, want one rewrite, %q", v, "Origin-tainted")
	}
}
