// Command throughput measures what the cors handler costs a real Caddy: it
// builds Caddy with the module, serves three sites from one process (bare
// respond; respond behind cors; respond behind the hand-written header and
// @preflight snippet that blog posts suggest), and loads them with wrk in
// alternating rounds, A B C A B C ..., for actual and preflight requests.
// It prints the median requests/s, p99 latency and Caddy CPU time per
// request of each configuration, and their ratios to bare respond. On a
// machine shared with other work, CPU time per request is the steadiest of
// the three: it does not drop when another process takes the CPU.
//
// Run it from the bench directory of a checkout (it needs wrk):
//
//	go run ./throughput
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"
)

var (
	repo        = flag.String("repo", "..", "the caddy-cors checkout to build Caddy from")
	duration    = flag.Duration("d", 5*time.Second, "length of each wrk run")
	connections = flag.Int("c", 32, "wrk connections")
	threads     = flag.Int("t", 1, "wrk threads")
	rounds      = flag.Int("rounds", 5, "rounds of A B C per request kind")
	pin         = flag.Bool("pin", true, "with 2 or more CPUs, pin Caddy to CPU 0 and wrk to CPU 1 (taskset)")
)

const origin = "https://app.example.com"

// The three configurations, each a site of its own on its own port, so they
// alternate without restarting Caddy: every round of every configuration
// runs against the same process, heap and warm caches.
var configs = []struct{ name, body string }{
	{"bare", `
	respond "hello" 200`},
	{"cors", `
	cors ` + origin + ` {
		headers Content-Type X-Custom
		max_age 10m
	}
	respond "hello" 200`},
	{"snippet", `
	@preflight method OPTIONS
	header {
		Access-Control-Allow-Origin ` + origin + `
		Access-Control-Allow-Methods "GET, HEAD, POST, PUT, PATCH, DELETE"
		Access-Control-Allow-Headers "Content-Type, X-Custom"
		Access-Control-Max-Age 600
		Vary Origin
	}
	respond @preflight 204
	respond "hello" 200`},
}

// The requests, as wrk Lua scripts.
var kinds = []struct{ name, script string }{
	{"actual", `wrk.method = "GET"
wrk.headers["Origin"] = "` + origin + `"
`},
	{"preflight", `wrk.method = "OPTIONS"
wrk.headers["Origin"] = "` + origin + `"
wrk.headers["Access-Control-Request-Method"] = "PUT"
wrk.headers["Access-Control-Request-Headers"] = "content-type,x-custom"
`},
}

type result struct {
	reqPerSec float64
	p99       time.Duration
	// cpuPerReq is the CPU time Caddy spent per request (user + system,
	// all threads), or 0 where /proc is not available. Unlike req/s, it
	// does not change when other processes take CPU away from Caddy.
	cpuPerReq time.Duration
}

func main() {
	flag.Parse()
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "throughput:", err)
		os.Exit(1)
	}
}

func run() error {
	wrk, err := exec.LookPath("wrk")
	if err != nil {
		return errors.New("wrk is not installed; on Debian or Ubuntu: apt-get install wrk; on macOS: brew install wrk")
	}
	dir, err := os.MkdirTemp("", "caddy-cors-throughput")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)

	caddyBin := filepath.Join(dir, "caddy")
	fmt.Fprintln(os.Stderr, "building Caddy with the cors module ...")
	build := exec.Command("go", "build", "-o", caddyBin, "./cmd/caddy")
	build.Dir = *repo
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		return fmt.Errorf("go build ./cmd/caddy in %s: %w", *repo, err)
	}

	ports, err := freePorts(len(configs))
	if err != nil {
		return err
	}
	caddyfile := filepath.Join(dir, "Caddyfile")
	if err := os.WriteFile(caddyfile, []byte(caddyfileFor(ports)), 0o644); err != nil {
		return err
	}
	scripts := make([]string, len(kinds))
	for i, k := range kinds {
		scripts[i] = filepath.Join(dir, k.name+".lua")
		if err := os.WriteFile(scripts[i], []byte(k.script), 0o644); err != nil {
			return err
		}
	}

	caddyCPU, wrkCPU := cpuPinning()
	caddy := command(caddyCPU, caddyBin, "run", "--config", caddyfile, "--adapter", "caddyfile")
	caddy.Stdout, caddy.Stderr = nil, nil
	if err := caddy.Start(); err != nil {
		return err
	}
	defer func() {
		caddy.Process.Signal(syscall.SIGINT)
		done := make(chan error, 1)
		go func() { done <- caddy.Wait() }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			caddy.Process.Kill()
			<-done
		}
	}()
	for _, p := range ports {
		if err := waitForPort(p, 30*time.Second); err != nil {
			return err
		}
	}
	if err := checkResponses(ports); err != nil {
		return err
	}

	fmt.Printf("Caddy and wrk %s; wrk -t %d -c %d -d %s; %d rounds of %s\n",
		pinningNote(caddyCPU, wrkCPU), *threads, *connections, *duration, *rounds, names())
	for ki, k := range kinds {
		results := make([][]result, len(configs))
		// One short warm-up run per configuration, not counted.
		for ci := range configs {
			if _, err := runWrk(wrk, wrkCPU, scripts[ki], ports[ci], time.Second, caddy.Process.Pid); err != nil {
				return err
			}
		}
		for round := range *rounds {
			for ci, c := range configs {
				r, err := runWrk(wrk, wrkCPU, scripts[ki], ports[ci], *duration, caddy.Process.Pid)
				if err != nil {
					return err
				}
				fmt.Fprintf(os.Stderr, "%s round %d %-8s %10.0f req/s  p99 %-10v  Caddy CPU/request %v\n", k.name, round+1, c.name, r.reqPerSec, r.p99, r.cpuPerReq)
				results[ci] = append(results[ci], r)
			}
		}
		printTable(k.name, results)
	}
	return nil
}

func names() string {
	var n []string
	for _, c := range configs {
		n = append(n, c.name)
	}
	return strings.Join(n, " ")
}

func caddyfileFor(ports []int) string {
	var b strings.Builder
	b.WriteString("{\n\tadmin off\n\tpersist_config off\n\tauto_https off\n\tlog {\n\t\toutput discard\n\t}\n}\n")
	for i, c := range configs {
		fmt.Fprintf(&b, "\n# %s\nhttp://127.0.0.1:%d {%s\n}\n", c.name, ports[i], c.body)
	}
	return b.String()
}

// freePorts asks the kernel for n free loopback ports.
func freePorts(n int) ([]int, error) {
	var ports []int
	var listeners []net.Listener
	defer func() {
		for _, l := range listeners {
			l.Close()
		}
	}()
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		listeners = append(listeners, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

func waitForPort(port int, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), time.Second)
		if err == nil {
			c.Close()
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("caddy did not listen on 127.0.0.1:%d within %s", port, timeout)
}

// checkResponses makes sure each site answers as its configuration says,
// so that the load goes where it should.
func checkResponses(ports []int) error {
	client := &http.Client{Timeout: 5 * time.Second}
	for i, c := range configs {
		for _, method := range []string{"GET", "OPTIONS"} {
			req, _ := http.NewRequestWithContext(context.Background(), method, fmt.Sprintf("http://127.0.0.1:%d/", ports[i]), nil)
			req.Header.Set("Origin", origin)
			req.Header.Set("Access-Control-Request-Method", "PUT")
			req.Header.Set("Access-Control-Request-Headers", "content-type,x-custom")
			resp, err := client.Do(req)
			if err != nil {
				return err
			}
			resp.Body.Close()
			acao := resp.Header.Get("Access-Control-Allow-Origin")
			wantStatus, wantACAO := 200, origin
			switch {
			case c.name == "bare":
				wantACAO = ""
			case method == "OPTIONS":
				wantStatus = 204
			}
			if resp.StatusCode != wantStatus || acao != wantACAO {
				return fmt.Errorf("%s %s: status %d, Access-Control-Allow-Origin %q; want %d, %q",
					c.name, method, resp.StatusCode, acao, wantStatus, wantACAO)
			}
		}
	}
	return nil
}

// cpuPinning returns the CPU lists for Caddy and wrk, or "" for no pinning.
func cpuPinning() (caddyCPU, wrkCPU string) {
	if !*pin || runtime.NumCPU() < 2 {
		return "", ""
	}
	if _, err := exec.LookPath("taskset"); err != nil {
		return "", ""
	}
	return "0", "1"
}

func pinningNote(caddyCPU, wrkCPU string) string {
	if caddyCPU == "" {
		return "unpinned"
	}
	return fmt.Sprintf("pinned to CPU %s and CPU %s", caddyCPU, wrkCPU)
}

func command(cpu, name string, args ...string) *exec.Cmd {
	if cpu == "" {
		return exec.Command(name, args...)
	}
	return exec.Command("taskset", append([]string{"-c", cpu, name}, args...)...)
}

func runWrk(wrk, cpu, script string, port int, d time.Duration, caddyPID int) (result, error) {
	cpuBefore, cpuOK := processCPU(caddyPID)
	cmd := command(cpu, wrk, "--latency", "-t", strconv.Itoa(*threads), "-c", strconv.Itoa(*connections),
		"-d", fmt.Sprintf("%ds", int(d.Seconds())), "-s", script, fmt.Sprintf("http://127.0.0.1:%d/", port))
	out, err := cmd.CombinedOutput()
	if err != nil {
		return result{}, fmt.Errorf("wrk: %v\n%s", err, out)
	}
	cpuAfter, cpuOK2 := processCPU(caddyPID)
	r, requests, err := parseWrk(string(out))
	if err == nil && cpuOK && cpuOK2 && requests > 0 {
		r.cpuPerReq = (cpuAfter - cpuBefore) / time.Duration(requests)
	}
	return r, err
}

// processCPU returns the user and system CPU time a process has used, from
// /proc/<pid>/stat (Linux), in clock ticks of 10 ms.
func processCPU(pid int) (time.Duration, bool) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, false
	}
	// Fields after the command name, which is in parentheses and may hold spaces.
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 13 {
		return 0, false
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, false
	}
	const tick = 10 * time.Millisecond // USER_HZ is 100 on every Linux ABI
	return time.Duration(utime+stime) * tick, true
}

var (
	reqPerSecRE = regexp.MustCompile(`(?m)^Requests/sec:\s+([0-9.]+)`)
	p99RE       = regexp.MustCompile(`(?m)^\s+99%\s+([0-9.]+)(us|ms|s)\b`)
	requestsRE  = regexp.MustCompile(`(?m)^\s+(\d+) requests in`)
)

func parseWrk(out string) (result, int64, error) {
	if strings.Contains(out, "Non-2xx or 3xx responses") || strings.Contains(out, "Socket errors") {
		return result{}, 0, fmt.Errorf("wrk saw errors:\n%s", out)
	}
	m := reqPerSecRE.FindStringSubmatch(out)
	l := p99RE.FindStringSubmatch(out)
	n := requestsRE.FindStringSubmatch(out)
	if m == nil || l == nil || n == nil {
		return result{}, 0, fmt.Errorf("cannot read wrk's output:\n%s", out)
	}
	requests, _ := strconv.ParseInt(n[1], 10, 64)
	rps, _ := strconv.ParseFloat(m[1], 64)
	v, _ := strconv.ParseFloat(l[1], 64)
	unit := map[string]time.Duration{"us": time.Microsecond, "ms": time.Millisecond, "s": time.Second}[l[2]]
	return result{reqPerSec: rps, p99: time.Duration(v * float64(unit))}, requests, nil
}

func printTable(kind string, results [][]result) {
	fmt.Printf("\n%s requests (median of %d rounds)\n", kind, len(results[0]))
	w := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(w, "config\treq/s\tp99\tCaddy CPU/req\treq/s vs bare\tp99 vs bare\tCPU/req vs bare\t")
	bare := summarize(results[0])
	for i, c := range configs {
		m := summarize(results[i])
		fmt.Fprintf(w, "%s\t%.0f\t%v\t%v\t%.3f\t%.3f\t%.3f\t\n", c.name, m.reqPerSec, m.p99.Round(time.Microsecond),
			m.cpuPerReq.Round(10*time.Nanosecond), m.reqPerSec/bare.reqPerSec, float64(m.p99)/float64(bare.p99),
			float64(m.cpuPerReq)/float64(bare.cpuPerReq))
	}
	w.Flush()
	// Ratios within a round, where the configurations ran seconds apart,
	// are steadier than ratios of medians when the machine's speed drifts.
	fmt.Printf("median of per-round ratios to bare:")
	for i := 1; i < len(configs); i++ {
		var rps, cpu []float64
		for r := range results[i] {
			rps = append(rps, results[i][r].reqPerSec/results[0][r].reqPerSec)
			cpu = append(cpu, float64(results[i][r].cpuPerReq)/float64(results[0][r].cpuPerReq))
		}
		fmt.Printf("  %s req/s %.3f, CPU/req %.3f;", configs[i].name, median(rps), median(cpu))
	}
	fmt.Println()
}

// summarize returns the median of each measure.
func summarize(rs []result) result {
	var rps, p99, cpu []float64
	for _, r := range rs {
		rps = append(rps, r.reqPerSec)
		p99 = append(p99, float64(r.p99))
		cpu = append(cpu, float64(r.cpuPerReq))
	}
	return result{median(rps), time.Duration(median(p99)), time.Duration(median(cpu))}
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
