package e2e

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, `rewrite the table of engines in README.md, "Browser tests", from what the tests observed`)

const (
	readmeFile = "../README.md"
	tableBegin = "<!-- The e2e tests make this table from what they observe; `go test -update` in e2e/ rewrites it. -->"
	tableEnd   = "<!-- End of the table that the e2e tests make. -->"
)

// readmeTests are the browser tests that README's table reports, with the
// number of cases each has in an engine.
var readmeTests = []struct {
	name  string
	cases int
	what  string // what a case is, in README
}{
	{"TestCrossOriginCalls", len(crossOriginCalls), "calls"},
	{"TestPreflightCache", len(preflightCacheCases), "cases"},
	{"TestThirdPartyCookie", 1, "call"},
	{"TestRedirectAfterPreflight", len(redirectCases), "cases"},
	{"TestDemoPage", 1, "page"},
}

// checkREADME compares the table in README.md with what the tests of this run
// observed, or rewrites it with -update, and returns the exit code. It
// checks only a run in which every case of readmeTests passed in every
// engine: a run of a few tests proves too little to write down.
func checkREADME() int {
	table, complete := engineTable()
	if !complete {
		if testing.Verbose() {
			fmt.Println("README.md's table of engines not checked: not every browser test passed in every engine in this run")
		}
		return 0
	}
	b, err := os.ReadFile(readmeFile)
	if err != nil {
		fmt.Println("FAIL:", err)
		return 1
	}
	readme := string(b)
	before, rest, found := strings.Cut(readme, tableBegin+"\n")
	old, after, foundEnd := strings.Cut(rest, tableEnd)
	if !found || !foundEnd {
		fmt.Printf("FAIL: %s has no lines %q and %q around the table of engines\n", readmeFile, tableBegin, tableEnd)
		return 1
	}
	if old == table {
		return 0
	}
	if *update {
		if err := os.WriteFile(readmeFile, []byte(before+tableBegin+"\n"+table+tableEnd+after), 0o644); err != nil {
			fmt.Println("FAIL:", err)
			return 1
		}
		fmt.Printf("rewrote the table of engines in %s\n", readmeFile)
		return 0
	}
	fmt.Printf("FAIL: the table of engines in %s is not what the tests observed.\nREADME.md has:\n%s\nThe tests observed:\n%s\n"+
		"If the tests are right, run `go test -update` in e2e/ to rewrite it.\n", readmeFile, old, table)
	return 1
}

// engineTable is README's table of engines: each engine, its version and the
// tests it passed, then where the engines differ. complete is false unless
// every case of readmeTests passed in every engine.
func engineTable() (table string, complete bool) {
	passedMu.Lock()
	defer passedMu.Unlock()
	var b strings.Builder
	// Blank lines around the tables keep the marker lines out of them.
	b.WriteString("\n| Engine | Version | Driven through | Passed |\n|---|---|---|---|\n")
	for _, e := range engines {
		var what []string
		for _, test := range readmeTests {
			n := 0
			for name := range passed[e.name] {
				if name == test.name+"/"+e.name || strings.HasPrefix(name, test.name+"/"+e.name+"/") {
					n++
				}
			}
			if n != test.cases {
				return "", false
			}
			if n == 1 {
				what = append(what, fmt.Sprintf("`%s`", test.name))
			} else {
				what = append(what, fmt.Sprintf("`%s` (%d %s)", test.name, n, test.what))
			}
		}
		version := strings.Split(e.browser.version(), ".")
		version = version[:min(e.versionParts, len(version))]
		fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", e.title, strings.Join(version, "."), e.drivenBy, strings.Join(what, ", "))
	}

	b.WriteString("\n| Where the engines differ |")
	for _, e := range engines {
		fmt.Fprintf(&b, " %s |", e.title)
	}
	b.WriteString("\n|---|" + strings.Repeat("---|", len(engines)) + "\n")
	differences := []struct {
		what string
		of   func(*engine) string
	}{
		{"`Access-Control-Allow-Headers: *` lets a request send `Authorization` (a hand-written header; `cors` never sends it)",
			func(e *engine) string {
				return map[bool]string{false: "no", true: "yes"}[e.wildcardCoversAuthorization]
			}},
		{"A credentialed call from another site carries the cookie the API set when visited directly (a third-party cookie, `SameSite=None; Secure`)",
			func(e *engine) string {
				return map[bool]string{false: "no", true: "yes"}[e.sendsThirdPartyCookies]
			}},
		{"A preflighted `PUT` answered with `303` to another origin: the redirected `GET` gets a preflight too, so the call fails where that origin refuses preflights",
			func(e *engine) string {
				return map[bool]string{false: "no", true: "yes"}[e.preflightsAfterRedirect]
			}},
		{"Longest `Access-Control-Max-Age` honoured (`TestMaxAgeCaps`, opt-in)",
			func(e *engine) string { return fmt.Sprintf("%d s", int(e.maxAgeCap.Seconds())) }},
	}
	for _, d := range differences {
		b.WriteString("| " + d.what + " |")
		for _, e := range engines {
			b.WriteString(" " + d.of(e) + " |")
		}
		b.WriteString("\n")
	}
	b.WriteString("\n")
	return b.String(), true
}
