package check

// Result is how one step went.
type Result string

const (
	Pass Result = "pass" // the browser's check succeeds
	Fail Result = "fail" // the browser's check fails, so it blocks the call
	Info Result = "info" // what the browser does, or a value that decides nothing
	// Warn is for what the CORS verdict does not decide but the script will
	// feel: cookies the browser holds back, a header that does not belong in
	// the request. It never changes the verdict.
	Warn Result = "warn"
)

// Phases of a call, in the order a browser goes through them.
const (
	PhaseRequest   = "request"   // what the script asks for, before anything is sent
	PhasePreflight = "preflight" // the OPTIONS request the browser sends first
	PhaseProbe     = "probe"     // extra preflights sent to find what a refusal was about
	PhaseActual    = "actual"    // the request itself
	PhaseRedirect  = "redirect"  // a redirect answer to the actual request
)

// Step is one check a browser makes, or one thing it does.
type Step struct {
	Hop    int    `json:"hop"`    // 1 for the first URL, 2 after one redirect, ...
	Phase  string `json:"phase"`  // request, preflight, probe, actual or redirect
	Check  string `json:"check"`  // what was checked, such as "status" or "allow-origin"
	Result Result `json:"result"` // pass, fail or info
	Seen   string `json:"seen,omitempty"`
	Detail string `json:"detail,omitempty"`
	Fix    string `json:"fix,omitempty"`
}

// Report is the browser's verdict on one call, with every step that led to it.
type Report struct {
	URL         string `json:"url"`
	Origin      string `json:"origin"`
	Method      string `json:"method"`
	Credentials bool   `json:"credentials"`
	// Verdict is "allowed" when a browser lets the script read the response,
	// "blocked" when it does not.
	Verdict string `json:"verdict"`
	// Preflight reports whether the browser sends a preflight for the first URL.
	Preflight bool `json:"preflight"`
	// Status is the status the script sees; 0 when the call is blocked.
	Status int `json:"status,omitempty"`
	// MaxAge is how many seconds the browser may cache the preflight answer
	// (Access-Control-Max-Age, or 5 without it); absent without a preflight.
	MaxAge *int `json:"max_age,omitempty"`
	// Readable lists the response headers the script can read.
	Readable []string `json:"readable_headers"`
	// Server is the last response's Server header; fixes are written as cors
	// Caddyfile lines when it is "Caddy".
	Server string `json:"server,omitempty"`
	Steps  []Step `json:"steps"`
	// Failure is the first failed step, the one a browser's console reports.
	Failure *Step `json:"failure,omitempty"`
	// Warnings are the steps with the result "warn", in order: cookies a
	// browser will not send or store, and response headers set on the
	// request. The verdict does not count them.
	Warnings []Step `json:"warnings,omitempty"`
	// BlockedIn names the engines that block a call the verdict allows,
	// where engines differ (see the warnings).
	BlockedIn []string `json:"blocked_in,omitempty"`
}

// Allowed reports whether a browser lets the script read the response.
func (r *Report) Allowed() bool { return r.Verdict == "allowed" }

func (r *Report) add(s Step) { r.Steps = append(r.Steps, s) }

// failed reports whether any step of hop failed.
func (r *Report) failed(hop int) bool {
	for _, s := range r.Steps {
		if s.Hop == hop && s.Result == Fail {
			return true
		}
	}
	return false
}

// collectWarnings lists the warn steps in Warnings, once the steps are all
// there.
func (r *Report) collectWarnings() {
	r.Warnings = nil
	for _, s := range r.Steps {
		if s.Result == Warn {
			r.Warnings = append(r.Warnings, s)
		}
	}
}

// block ends the report with the first failure as the reason.
func (r *Report) block() {
	r.Verdict = "blocked"
	r.Readable = []string{}
	r.Status = 0
	for i := range r.Steps {
		if r.Steps[i].Result == Fail {
			first := r.Steps[i]
			r.Failure = &first
			return
		}
	}
}
