package check

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

// credentialedActual answers a credentialed call from origin as a correct
// CORS server does.
func credentialedActual(origin string, extra ...string) []string {
	return append([]string{"Access-Control-Allow-Origin", origin, "Access-Control-Allow-Credentials", "true"}, extra...)
}

// stepsOf returns the steps of rep with this check.
func stepsOf(rep *Report, check string) []Step {
	var steps []Step
	for _, s := range rep.Steps {
		if s.Check == check {
			steps = append(steps, s)
		}
	}
	return steps
}

func TestSiteOfACredentialedCall(t *testing.T) {
	tests := []struct {
		name       string
		origin     string // the test server is http://127.0.0.1:<port>
		wantResult Result // of the site step
		wantDetail string
	}{
		{"a page on another domain is cross-site: cookies are third-party", "https://app.example.com", Warn, "the page and the URL are different sites, so the cookies of this call are third-party cookies"},
		{"localhost calling 127.0.0.1 is cross-site", "http://localhost:8080", Warn, "Safari (WebKit) blocks them all by default"},
		{"another port of 127.0.0.1 is the same site", "http://127.0.0.1:1", Info, "the same site (scheme and registrable domain; ports do not count)"},
		{"https and http of one host are two sites (schemeful same-site)", "https://127.0.0.1:1", Warn, "differ in scheme"},
		{"the origin null has no site", "null", Warn, "which has no site"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep := run(t, &standIn{actual: credentialedActual(tt.origin)}, "/api", script{origin: tt.origin, credentials: true})
			if !rep.Allowed() {
				t.Fatalf("verdict %q, want allowed: the site does not change the CORS verdict\n%s", rep.Verdict, dump(rep))
			}
			site := stepsOf(rep, "site")
			if len(site) != 1 || site[0].Result != tt.wantResult || !strings.Contains(site[0].Detail, tt.wantDetail) {
				t.Fatalf("site steps %+v, want one %s saying %q\n%s", site, tt.wantResult, tt.wantDetail, dump(rep))
			}
			if got := len(rep.Warnings); (tt.wantResult == Warn) != (got == 1) {
				t.Errorf("%d warnings for a %s site step: %+v", got, tt.wantResult, rep.Warnings)
			}
			if tt.wantResult == Warn && !strings.Contains(site[0].Fix, "https://app.example.com calling https://api.example.com") ||
				tt.wantResult == Warn && !strings.Contains(site[0].Fix, "a token in an Authorization header") {
				t.Errorf("fix %q names neither one site nor token auth", site[0].Fix)
			}
		})
	}

	t.Run("a call without credentials has no site step", func(t *testing.T) {
		rep := run(t, &standIn{actual: okActual}, "/api", script{})
		if site := stepsOf(rep, "site"); len(site) != 0 || len(rep.Warnings) != 0 {
			t.Errorf("site steps %+v, warnings %+v", site, rep.Warnings)
		}
	})
	t.Run("a blocked cross-site call keeps its failure and gets the warning too", func(t *testing.T) {
		rep := run(t, &standIn{actual: okActual}, "/api", script{credentials: true})
		if rep.Allowed() || rep.Failure == nil || rep.Failure.Check != "allow-credentials" || len(rep.Warnings) != 1 || rep.Warnings[0].Check != "site" {
			t.Errorf("verdict %q, failure %+v, warnings %+v", rep.Verdict, rep.Failure, rep.Warnings)
		}
		text := dump(rep)
		if !strings.Contains(text, "\nBLOCKED: ") || !strings.Contains(text, "\nWARNING: request site: the page and the URL are different sites") {
			t.Errorf("text output lacks the BLOCKED or WARNING line:\n%s", text)
		}
	})
	t.Run("a redirect to another host of the same site adds no second site step", func(t *testing.T) {
		srv := &standIn{actual: credentialedActual(page), redirects: map[string]string{"/old": "/new"}}
		rep := run(t, srv, "/old", script{credentials: true})
		if site := stepsOf(rep, "site"); len(site) != 1 {
			t.Errorf("%d site steps, want 1:\n%s", len(site), dump(rep))
		}
	})
}

func TestSetCookieAttributes(t *testing.T) {
	const samePage = "http://127.0.0.1:1" // the test server's site, another port
	tests := []struct {
		name        string
		setCookie   string
		origin      string // page when empty: another site
		credentials bool
		wantResult  Result
		wantDetail  string
		wantFix     string
	}{
		{"SameSite missing, cross-site: Chromium takes it as Lax", "session=s3cret; Path=/; HttpOnly", "", true, Warn,
			"Chromium takes the cookie as SameSite=Lax", "Set-Cookie: session=…; SameSite=None; Secure"},
		{"SameSite=Lax, cross-site: neither stored nor sent", "session=s3cret; SameSite=Lax", "", true, Warn,
			"browsers ignore a SameSite=Lax or Strict cookie set by a cross-site answer", "SameSite=None; Secure"},
		{"SameSite=Strict in any case, cross-site", "session=s3cret; samesite=STRICT", "", true, Warn,
			"SameSite=STRICT, and the page is on another site", "or serve the page and the API from one site"},
		{"SameSite=None without Secure is rejected", "session=s3cret; SameSite=None", "", true, Warn,
			"Chromium rejects the cookie", "add Secure: Set-Cookie: session=…; SameSite=None; Secure"},
		{"SameSite=None without Secure is rejected on the same site too", "session=s3cret; SameSite=None", samePage, true, Warn,
			"Chromium rejects the cookie", "add Secure"},
		{"Partitioned without Secure is rejected", "session=s3cret; SameSite=None; Partitioned", "", true, Warn,
			"SameSite=None without Secure", "add Secure"},
		{"an unknown SameSite value counts as none", "session=s3cret; SameSite=Nonee; Secure", "", true, Warn,
			"SameSite=Nonee is not a value browsers know", "SameSite=None; Secure"},
		{"the last SameSite counts", "session=s3cret; SameSite=Lax; Secure; SameSite=None", "", true, Info,
			"SameSite=None; Secure: browsers store the cookie and send it with cross-site calls, where they allow third-party cookies", ""},
		{"SameSite=None; Secure; Partitioned is kept for the page's site (CHIPS)", "session=s3cret; Secure; SameSite=None; Partitioned", "", true, Info,
			"the browser keeps the cookie for the page's site only", ""},
		{"SameSite=Lax on the same site is sent", "session=s3cret; SameSite=Lax", samePage, true, Info,
			"the page and the URL are the same site, so SameSite does not hold this cookie back", ""},
		{"SameSite missing on the same site is sent", "session=s3cret", samePage, true, Info,
			"the same site", ""},
		{"without credentials the browser stores no cookie", "session=s3cret; SameSite=None; Secure", "", false, Warn,
			"the call carries no credentials, so the browser ignores Set-Cookie", "credentials: 'include'"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			origin := cmpString(tt.origin, page)
			srv := &standIn{actual: append(credentialedActual(origin), "Set-Cookie", tt.setCookie)}
			rep := run(t, srv, "/api", script{origin: origin, credentials: tt.credentials})
			if !rep.Allowed() {
				t.Fatalf("verdict %q: cookies do not change the CORS verdict\n%s", rep.Verdict, dump(rep))
			}
			steps := stepsOf(rep, "set-cookie")
			if len(steps) != 1 {
				t.Fatalf("%d set-cookie steps, want 1:\n%s", len(steps), dump(rep))
			}
			s := steps[0]
			if s.Result != tt.wantResult || !strings.Contains(s.Detail, tt.wantDetail) || !strings.Contains(s.Fix, tt.wantFix) || (tt.wantFix == "") != (s.Fix == "") {
				t.Errorf("step %+v\nwant %s, detail saying %q, fix saying %q", s, tt.wantResult, tt.wantDetail, tt.wantFix)
			}
			if strings.Contains(s.Seen, "s3cret") {
				t.Errorf("the step shows the cookie's value: %q", s.Seen)
			}
		})
	}

	t.Run("Set-Cookie on a preflight answer is ignored", func(t *testing.T) {
		srv := &standIn{preflight: append(okPreflight, "Access-Control-Allow-Credentials", "true", "Set-Cookie", "pre=1; SameSite=None; Secure"), actual: credentialedActual(page)}
		rep := run(t, srv, "/api", script{method: "PUT", credentials: true})
		steps := stepsOf(rep, "set-cookie")
		if len(steps) != 1 || steps[0].Phase != PhasePreflight || steps[0].Result != Info || !strings.Contains(steps[0].Detail, "store no cookie from its answer") {
			t.Errorf("set-cookie steps %+v\n%s", steps, dump(rep))
		}
	})
	t.Run("Set-Cookie on a blocked answer is judged too: browsers store cookies before the CORS check", func(t *testing.T) {
		srv := &standIn{actual: []string{"Set-Cookie", "session=s3cret; SameSite=Lax"}}
		rep := run(t, srv, "/api", script{credentials: true})
		if steps := stepsOf(rep, "set-cookie"); rep.Allowed() || len(steps) != 1 || steps[0].Result != Warn {
			t.Errorf("verdict %q, set-cookie steps %+v", rep.Verdict, steps)
		}
	})
	t.Run("a Secure cookie from a plain-http URL other than loopback is ignored", func(t *testing.T) {
		detail, fix := judgeCookie(parseSetCookie("session=s3cret; Secure; SameSite=None"), true, mustURL(t, "http://api.example.com/"))
		if !strings.Contains(detail, "browsers ignore it") || !strings.Contains(fix, "https") {
			t.Errorf("detail %q, fix %q", detail, fix)
		}
	})
}

// TestCookieOption checks that --cookie goes with the request itself as a
// browser's cookie would, and never with a preflight or a probe.
func TestCookieOption(t *testing.T) {
	cookies := []Cookie{{Name: "session", Value: "s3cret"}, {Name: "theme", Value: `"dark"`}}
	t.Run("sent with the request, not with the preflight", func(t *testing.T) {
		srv := &standIn{preflight: append(okPreflight, "Access-Control-Allow-Credentials", "true"), actual: credentialedActual(page)}
		rep := run(t, srv, "/api", script{method: "PUT", credentials: true, cookies: cookies})
		if !rep.Allowed() || len(srv.received) != 2 {
			t.Fatalf("verdict %q after %d requests\n%s", rep.Verdict, len(srv.received), dump(rep))
		}
		if got := srv.received[0].Header.Values("Cookie"); len(got) != 0 {
			t.Errorf("the preflight carries Cookie %q", got)
		}
		if got := srv.received[1].Header.Values("Cookie"); len(got) != 1 || got[0] != `session=s3cret; theme="dark"` {
			t.Errorf("the request carries Cookie %q", got)
		}
		sent := stepsOf(rep, "sent")
		if last := sent[len(sent)-1]; !strings.Contains(last.Detail, "with credentials and the cookies of --cookie: Cookie: session=…; theme=…") || strings.Contains(last.Detail, "s3cret") {
			t.Errorf("sent step says %q", last.Detail)
		}
	})
	t.Run("not sent with the probes of a refused preflight", func(t *testing.T) {
		srv := &caddyLike{methods: []string{"GET"}}
		rep := run(t, srv, "/api", script{method: "PUT", credentials: true, cookies: cookies})
		if rep.Allowed() || len(stepsOf(rep, "preflight")) == 0 {
			t.Fatalf("want a blocked call with probes:\n%s", dump(rep))
		}
	})
	t.Run("not sent to another host after a redirect, as a host-only cookie", func(t *testing.T) {
		srv := &standIn{actual: credentialedActual(page)}
		ts := httptest.NewServer(srv)
		defer ts.Close()
		other := strings.Replace(ts.URL, "127.0.0.1", "localhost", 1)
		srv.redirects = map[string]string{"/old": other + "/new"}
		u, _ := ParseURL(ts.URL + "/old")
		client := NewClient()
		client.Timeout = 5 * time.Second
		rep, err := Run(context.Background(), client, Request{URL: u, Origin: page, Method: "GET", Credentials: true, Cookies: cookies})
		if err != nil {
			t.Fatal(err)
		}
		if len(srv.received) != 2 || srv.received[0].Header.Get("Cookie") == "" || srv.received[1].Header.Get("Cookie") != "" {
			t.Fatalf("Cookie headers sent: %q\n%s", cookieHeaders(srv.received), dump(rep))
		}
		if sent := stepsOf(rep, "sent"); !strings.Contains(sent[1].Detail, "without the cookies of --cookie, which belong to 127.0.0.1") {
			t.Errorf("second sent step says %q", sent[1].Detail)
		}
	})
}

func cookieHeaders(reqs []*http.Request) []string {
	var got []string
	for _, r := range reqs {
		got = append(got, r.Header.Get("Cookie"))
	}
	return got
}

func mustURL(t *testing.T, raw string) *url.URL {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
