// Command chart draws the benchmark matrix as an SVG bar chart: the median
// ns/op of every scenario for every library, on a log scale. It reads the
// output of `go test -bench` (any number of -count runs) and uses nothing
// outside the standard library.
//
//	go run ./chart -o chart.svg results.txt
package main

import (
	"bufio"
	"flag"
	"fmt"
	"html"
	"io"
	"math"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

var (
	out   = flag.String("o", "chart.svg", "the SVG file to write")
	md    = flag.Bool("md", false, "also print the results as Markdown tables on standard output")
	title = flag.String("title", "ns/op per scenario, median of runs (log scale; shorter is faster)", "the chart's title")
)

// A library is a column of the tables. A reference is not a CORS library
// but a floor to read ours against (caddy-headers: Caddy's own headers
// handler, in BenchmarkProvision): it gets a column and a ratio, but is
// not "the fastest other", not charted and not in the means.
type library struct {
	name, color string
	reference   bool
}

// The libraries, in the order and colours the chart uses; the first is ours.
// Those absent from the input are left out (jub0bs-cors is measured only
// in a scratch copy of this module; see BENCHMARKS.md).
var libs = []library{
	{"caddy-cors", "#1b9e77", false},
	{"rs-cors", "#d95f02", false},
	{"jub0bs-cors", "#e7298a", false},
	{"go-chi-cors", "#7570b3", false},
	{"caddy-headers", "", true},
}

// variants are scratch builds of our handler without some guarantees,
// measured in the same passes (lib=variant-NAME; see BENCHMARKS.md, "What
// the guarantees cost"), each with what it leaves out.
var variants = []struct{ name, what string }{
	{"variant-floor", "no enforcing writer"},
	{"variant-alloc", "no enforcing writer, bare 403 for refused preflights"},
	{"variant-relaxed", "no writer, bare 403, values shared between responses"},
}

// The side-by-side matrix, the only benchmarks the chart draws; the tables
// also show the scale benchmarks.
var matrix = []string{"Actual", "Preflight", "Adversarial"}

func main() {
	flag.Parse()
	var in io.Reader = os.Stdin
	if flag.NArg() > 0 {
		f, err := os.Open(flag.Arg(0))
		if err != nil {
			fail(err)
		}
		defer f.Close()
		in = f
	}
	rs, err := parse(in)
	if err != nil {
		fail(err)
	}
	libs = slices.DeleteFunc(libs, func(l library) bool { return !rs.libs[l.name] })
	charted := slices.DeleteFunc(slices.Clone(libs), func(l library) bool { return l.reference })
	if len(charted) < 2 || charted[0].name != "caddy-cors" {
		fail(fmt.Errorf("the input needs caddy-cors and at least one other library"))
	}
	var rows []row
	for _, bench := range matrix {
		for _, s := range rs.scenarios[bench] {
			rows = append(rows, row{bench, s})
		}
	}
	if len(rows) == 0 {
		fail(fmt.Errorf("no Benchmark{%s}/.../lib= lines in the input", strings.Join(matrix, ",")))
	}
	if err := os.WriteFile(*out, []byte(draw(rs, rows, charted)), 0o644); err != nil {
		fail(err)
	}
	if *md {
		printTables(os.Stdout, rs, charted)
		printVariants(os.Stdout, rs, charted)
	}
}

type row struct{ bench, scenario string }

func fail(err error) {
	fmt.Fprintln(os.Stderr, "chart:", err)
	os.Exit(1)
}

var line = regexp.MustCompile(`^Benchmark(\w+)/(\S+)/lib=([\w-]+?)(?:-\d+)?\s+\d+\s+(.*)$`)

// results holds every sample of every metric: by benchmark ("Actual"),
// scenario ("origins=one/origin=allowed"), library and unit ("ns/op").
type results struct {
	benchmarks []string
	libs       map[string]bool
	scenarios  map[string][]string // by benchmark, in input order
	samples    map[string]map[string][]float64
}

func key(benchmark, scenario, lib string) string { return benchmark + " " + scenario + " " + lib }

func (rs *results) median(benchmark, scenario, lib, unit string) (float64, bool) {
	v, ok := rs.samples[key(benchmark, scenario, lib)][unit]
	if !ok {
		return 0, false
	}
	return median(v), true
}

func parse(r io.Reader) (*results, error) {
	rs := &results{libs: map[string]bool{}, scenarios: map[string][]string{}, samples: map[string]map[string][]float64{}}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		m := line.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		bench, scenario, lib := m[1], m[2], m[3]
		rs.libs[lib] = true
		k := key(bench, scenario, lib)
		if rs.samples[k] == nil {
			rs.samples[k] = map[string][]float64{}
			if _, ok := rs.scenarios[bench]; !ok {
				rs.benchmarks = append(rs.benchmarks, bench)
			}
			if !slices.Contains(rs.scenarios[bench], scenario) {
				rs.scenarios[bench] = append(rs.scenarios[bench], scenario)
			}
		}
		// The rest of the line is value-unit pairs.
		f := strings.Fields(m[4])
		for i := 0; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				return nil, fmt.Errorf("%q: %v", sc.Text(), err)
			}
			rs.samples[k][f[i+1]] = append(rs.samples[k][f[i+1]], v)
		}
	}
	return rs, sc.Err()
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

const (
	width     = 980
	left      = 330 // room for the scenario labels
	right     = 90  // room for the value labels
	top       = 70
	barHeight = 11
	groupGap  = 9
)

func draw(rs *results, rows []row, libs []library) string {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, r := range rows {
		for _, l := range libs {
			if m, ok := rs.median(r.bench, r.scenario, l.name, "ns/op"); ok {
				lo, hi = math.Min(lo, m), math.Max(hi, m)
			}
		}
	}
	// Whole decades, so that the grid lines land on round numbers.
	minExp, maxExp := math.Floor(math.Log10(lo)), math.Ceil(math.Log10(hi))
	if maxExp == minExp {
		maxExp++
	}
	plotWidth := float64(width - left - right)
	x := func(ns float64) float64 {
		return left + (math.Log10(ns)-minExp)/(maxExp-minExp)*plotWidth
	}
	groupHeight := len(libs)*barHeight + groupGap
	height := top + len(rows)*groupHeight + 40

	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="11">`+"\n", width, height, width, height)
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="white"/>`+"\n", width, height)
	fmt.Fprintf(&b, `<text x="10" y="20" font-size="14" font-weight="bold">%s</text>`+"\n", html.EscapeString(*title))
	for i, l := range libs {
		lx := left + i*150
		fmt.Fprintf(&b, `<rect x="%d" y="32" width="12" height="12" fill="%s"/><text x="%d" y="42">%s</text>`+"\n", lx, l.color, lx+16, l.name)
	}
	plotBottom := height - 40
	for e := minExp; e <= maxExp; e++ {
		gx := x(math.Pow(10, e))
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#ccc"/>`+"\n", gx, top-8, gx, plotBottom)
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" text-anchor="middle" fill="#555">%s</text>`+"\n", gx, plotBottom+16, formatNs(math.Pow(10, e)))
	}
	for i, r := range rows {
		gy := top + i*groupHeight
		if i%2 == 0 {
			fmt.Fprintf(&b, `<rect x="0" y="%d" width="%d" height="%d" fill="#f4f4f4"/>`+"\n", gy-groupGap/2, left-4, groupHeight)
		}
		label := r.bench + " " + r.scenario
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="end">%s</text>`+"\n", left-8, gy+len(libs)*barHeight/2+4, html.EscapeString(label))
		for j, l := range libs {
			by := gy + j*barHeight
			m, ok := rs.median(r.bench, r.scenario, l.name, "ns/op")
			if !ok {
				fmt.Fprintf(&b, `<text x="%d" y="%d" fill="#999" font-size="9">not measured</text>`+"\n", left+4, by+barHeight-3)
				continue
			}
			bw := math.Max(x(m)-left, 1)
			fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%.1f" height="%d" fill="%s"><title>%s %s: %s</title></rect>`+"\n",
				left, by, bw, barHeight-2, l.color, html.EscapeString(label), l.name, formatNs(m))
			fmt.Fprintf(&b, `<text x="%.1f" y="%d" fill="#333" font-size="9">%s</text>`+"\n", left+bw+3, by+barHeight-3, formatNs(m))
		}
	}
	b.WriteString("</svg>\n")
	return b.String()
}

// printTables writes one Markdown table per benchmark: the median of every
// metric for every library, and ours as a fraction of each other library's
// ns/op; the matrix tables end with geometric means.
func printTables(w io.Writer, rs *results, competitors []library) {
	for _, bench := range rs.benchmarks {
		// Only the libraries this benchmark measured (SetMatch is ours alone).
		present := slices.DeleteFunc(slices.Clone(libs), func(l library) bool {
			return !slices.ContainsFunc(rs.scenarios[bench], func(s string) bool { return rs.samples[key(bench, s, l.name)] != nil })
		})
		units := []string{"ns/op", "B/op", "allocs/op"}
		for _, s := range rs.scenarios[bench] {
			for u := range rs.samples[key(bench, s, present[0].name)] {
				if !slices.Contains(units, u) {
					units = append(units, u)
				}
			}
		}
		fmt.Fprintf(w, "\n#### %s\n\n| scenario |", bench)
		for _, l := range present {
			fmt.Fprintf(w, " %s |", l.name)
		}
		for _, l := range present[1:] {
			fmt.Fprintf(w, " vs %s |", l.name)
		}
		if len(present) > 2 {
			fmt.Fprint(w, " vs the fastest other |")
		}
		for _, u := range units[1:] {
			fmt.Fprintf(w, " %s |", u)
		}
		fmt.Fprint(w, "\n|---|")
		columns := len(present)*2 - 1 + len(units) - 1
		if len(present) > 2 {
			columns++
		}
		for range columns {
			fmt.Fprint(w, "--:|")
		}
		fmt.Fprintln(w)
		for _, s := range rs.scenarios[bench] {
			fmt.Fprintf(w, "| %s |", s)
			for _, l := range present {
				fmt.Fprintf(w, " %s |", rs.format(bench, s, l.name, "ns/op"))
			}
			ours, _ := rs.median(bench, s, present[0].name, "ns/op")
			fastest := math.Inf(1)
			for _, l := range present[1:] {
				if theirs, ok := rs.median(bench, s, l.name, "ns/op"); ok && ours > 0 {
					fmt.Fprintf(w, " %.2f× |", ours/theirs)
					if !l.reference {
						fastest = math.Min(fastest, theirs)
					}
				} else {
					fmt.Fprint(w, " – |")
				}
			}
			switch {
			case len(present) <= 2:
			case math.IsInf(fastest, 1):
				fmt.Fprint(w, " – |")
			default:
				fmt.Fprintf(w, " **%.2f×** |", ours/fastest)
			}
			for _, u := range units[1:] {
				var vs []string
				for _, l := range present {
					vs = append(vs, rs.format(bench, s, l.name, u))
				}
				fmt.Fprintf(w, " %s |", strings.Join(vs, " / "))
			}
			fmt.Fprintln(w)
		}
	}
	if len(rs.scenarios["Actual"])+len(rs.scenarios["Preflight"]) == 0 {
		return
	}
	fmt.Fprint(w, "\n#### Geometric means of ns/op\n\n| scenarios | count | ", libNames(competitors), " |")
	for _, l := range competitors[1:] {
		fmt.Fprintf(w, " ours vs %s |", l.name)
	}
	fmt.Fprint(w, "\n|---|--:|")
	for range len(competitors)*2 - 1 {
		fmt.Fprint(w, "--:|")
	}
	fmt.Fprintln(w)
	for _, set := range [][]string{{"Actual", "Preflight"}, {"Actual", "Preflight", "Adversarial"}} {
		// Only scenarios that every library ran, so the means compare alike.
		var common []row
		for _, bench := range set {
			for _, s := range rs.scenarios[bench] {
				all := true
				for _, l := range competitors {
					_, ok := rs.median(bench, s, l.name, "ns/op")
					all = all && ok
				}
				if all {
					common = append(common, row{bench, s})
				}
			}
		}
		count := len(common)
		var means []float64
		for _, l := range competitors {
			sum := 0.0
			for _, r := range common {
				m, _ := rs.median(r.bench, r.scenario, l.name, "ns/op")
				sum += math.Log(m)
			}
			means = append(means, math.Exp(sum/float64(count)))
		}
		fmt.Fprintf(w, "| %s | %d |", strings.Join(set, " + "), count)
		for _, m := range means {
			fmt.Fprintf(w, " %s |", formatValue(m, "ns/op"))
		}
		for _, m := range means[1:] {
			fmt.Fprintf(w, " %.2f× |", means[0]/m)
		}
		fmt.Fprintln(w)
	}
}

// printVariants writes, when the input has variant rows, what each
// guarantee costs: ours and each variant over the actual and preflight
// scenarios, each as a ratio to the fastest other library, and their
// geometric means.
func printVariants(w io.Writer, rs *results, competitors []library) {
	var present []string
	for _, v := range variants {
		if rs.libs[v.name] {
			present = append(present, v.name)
		}
	}
	if len(present) == 0 {
		return
	}
	cols := append([]string{"caddy-cors"}, present...)
	fmt.Fprint(w, "\n#### What the guarantees cost\n\n| scenario | ", strings.Join(cols, " | "), " | fastest other |")
	for _, c := range cols {
		fmt.Fprintf(w, " %s / fastest |", c)
	}
	fmt.Fprint(w, "\n|---|")
	for range 2*len(cols) + 1 {
		fmt.Fprint(w, "--:|")
	}
	fmt.Fprintln(w)
	logSums := make([]float64, len(cols))
	count := 0
	for _, bench := range []string{"Actual", "Preflight"} {
		for _, s := range rs.scenarios[bench] {
			fastest, name := math.Inf(1), ""
			for _, l := range competitors[1:] {
				if m, ok := rs.median(bench, s, l.name, "ns/op"); ok && m < fastest {
					fastest, name = m, l.name
				}
			}
			values := make([]float64, len(cols))
			complete := !math.IsInf(fastest, 1)
			for i, c := range cols {
				values[i], _ = rs.median(bench, s, c, "ns/op")
				complete = complete && values[i] > 0
			}
			if !complete {
				continue
			}
			count++
			fmt.Fprintf(w, "| %s/%s |", bench, s)
			for _, v := range values {
				fmt.Fprintf(w, " %s |", formatValue(v, "ns/op"))
			}
			fmt.Fprintf(w, " %s (%s) |", formatValue(fastest, "ns/op"), name)
			for i, v := range values {
				fmt.Fprintf(w, " %.2f× |", v/fastest)
				logSums[i] += math.Log(v / fastest)
			}
			fmt.Fprintln(w)
		}
	}
	fmt.Fprintf(w, "| geometric mean (%d scenarios) |", count)
	for range len(cols) + 1 {
		fmt.Fprint(w, " |")
	}
	for _, l := range logSums {
		fmt.Fprintf(w, " **%.2f×** |", math.Exp(l/float64(count)))
	}
	fmt.Fprintln(w)
	for _, v := range variants {
		if rs.libs[v.name] {
			fmt.Fprintf(w, "\n%s: %s.", v.name, v.what)
		}
	}
	fmt.Fprintln(w)
}

func (rs *results) format(bench, scenario, lib, unit string) string {
	if m, ok := rs.median(bench, scenario, lib, unit); ok {
		return formatValue(m, unit)
	}
	return "–"
}

func libNames(libs []library) string {
	var n []string
	for _, l := range libs {
		n = append(n, l.name)
	}
	return strings.Join(n, " | ")
}

func formatValue(v float64, unit string) string {
	switch unit {
	case "ns/op":
		return formatNs(v)
	case "B/op", "retained-B":
		switch {
		case v >= 1<<20:
			return strconv.FormatFloat(v/(1<<20), 'f', 1, 64) + " MiB"
		case v >= 1<<10:
			return strconv.FormatFloat(v/(1<<10), 'f', 1, 64) + " KiB"
		}
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

func formatNs(ns float64) string {
	switch {
	case ns >= 1e6:
		return trim(ns/1e6) + " ms"
	case ns >= 1e3:
		return trim(ns/1e3) + " µs"
	}
	return trim(ns) + " ns"
}

// trim prints three significant digits at most.
func trim(v float64) string {
	switch {
	case v >= 100:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case v >= 10:
		return strings.TrimSuffix(strconv.FormatFloat(v, 'f', 1, 64), ".0")
	}
	return strings.TrimSuffix(strconv.FormatFloat(v, 'f', 2, 64), ".00")
}
