package check

import (
	"fmt"
	"io"
	"strings"
)

// WriteText writes the report for people: one line per step with its
// result, what was seen and what it means; a why and a fix under each
// failure and warning; then the verdict, and a line for each warning, which
// the verdict does not count.
func WriteText(w io.Writer, r *Report) error {
	var b strings.Builder
	credentials := "without credentials"
	if r.Credentials {
		credentials = "with credentials"
	}
	fmt.Fprintf(&b, "cors-check: %s %s from origin %s, %s\n\n", r.Method, r.URL, r.Origin, credentials)
	hop := 1
	for _, s := range r.Steps {
		if s.Hop != hop {
			hop = s.Hop
			fmt.Fprintf(&b, "-- redirect %d --\n", hop-1)
		}
		fmt.Fprintf(&b, "%-4s  %-9s  %-17s  %s", strings.ToUpper(string(s.Result)), s.Phase, s.Check, s.Seen)
		if s.Result == Fail || s.Result == Warn {
			b.WriteString("\n")
			fmt.Fprintf(&b, "      why: %s\n", s.Detail)
			if s.Fix != "" {
				fmt.Fprintf(&b, "      fix: %s\n", s.Fix)
			}
			continue
		}
		if s.Detail != "" {
			b.WriteString(" (" + s.Detail + ")")
		}
		b.WriteString("\n")
		if s.Fix != "" {
			fmt.Fprintf(&b, "      fix: %s\n", s.Fix)
		}
	}
	b.WriteString("\n")
	if r.Allowed() && len(r.BlockedIn) > 0 {
		fmt.Fprintf(&b, "ALLOWED, except in %s: a browser lets the script on %s read this response (status %d); %s blocks it (see the warning).\n",
			strings.Join(r.BlockedIn, " and "), r.Origin, r.Status, strings.Join(r.BlockedIn, " and "))
	} else if r.Allowed() {
		fmt.Fprintf(&b, "ALLOWED: a browser lets the script on %s read this response (status %d).\n", r.Origin, r.Status)
	} else if r.Failure != nil {
		fmt.Fprintf(&b, "BLOCKED: a browser blocks this call: %s %s: %s\n", r.Failure.Phase, r.Failure.Check, r.Failure.Detail)
	}
	for _, w := range r.Warnings {
		fmt.Fprintf(&b, "WARNING: %s %s: %s\n", w.Phase, w.Check, w.Detail)
	}
	_, err := io.WriteString(w, b.String())
	return err
}
