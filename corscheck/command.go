// Package corscheck is the caddy cors-check command: it does what a browser
// does when a script on one origin calls a URL, and explains each step. It
// registers itself with Caddy's command line when imported; the cors
// handler's package imports it, so that a Caddy built with the module has
// both. The work is done by internal/check.
package corscheck

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	caddycmd "github.com/caddyserver/caddy/v2/cmd"
	"github.com/spf13/cobra"

	"github.com/seed-41134e10/caddy-cors/internal/check"
)

func init() {
	caddycmd.RegisterCommand(caddycmd.Command{
		Name:  "cors-check",
		Usage: "<url> --origin <origin> [--method <method>] [--header 'Name: value']... [--credentials [--cookie NAME=VALUE]...] [--data @file|<string>] [--json] [--timeout <duration>] [--max-time <duration>]",
		Short: "Shows whether a browser would let a script on another origin call a URL, and why",
		Long: `
Does what a browser does when a script on the page at --origin calls
fetch(<url>), and explains every step: whether the browser sends a
preflight first (and why), the preflight exactly as a browser sends it,
the checks a browser makes on each answer, and which response headers the
script can read. Each failure comes with its reason and a fix; when the
server is Caddy, the fix is a line of the cors directive.

It works against any server, not only Caddy.

With --credentials it also says whether the page and the URL are the same
site (scheme and registrable domain): when they are not, browsers that
block third-party cookies send the call without cookies, however right the
CORS headers are. It judges the Set-Cookie headers of the answers by the
attributes that decide whether the cookie goes back across sites
(SameSite, Secure, Partitioned). --cookie sends a cookie with the request
itself, as a browser that has one would; never with a preflight. And it
warns of a CORS response header set on the request, such as
Access-Control-Allow-Origin. These are WARN lines and WARNING lines after
the verdict ("warnings" in --json); they do not change the verdict or the
exit status.

--timeout bounds each request; --max-time bounds the whole check, with
its preflights, probes and up to 20 redirects.

Where browser engines differ (Firefox and WebKit preflight a preflighted
call that a 303 redirects to another origin; Chromium, as the Fetch
standard says, does not), the verdict is the standard's and the engines
that block the call anyway are named after it ("blocked_in" in --json).

Exit status: 0 when every browser would let the script read the response,
1 when one would block the call, 2 on a usage or network error. Warnings
do not change it.`,
		CobraFunc: func(cmd *cobra.Command) {
			cmd.Flags().StringP("origin", "o", "", "Origin of the page whose script makes the call, such as https://app.example.com (required)")
			cmd.Flags().StringP("method", "X", "", "Method the script uses (default GET, or POST with --data)")
			cmd.Flags().StringArrayP("header", "H", nil, "Request header the script sets, as 'Name: value' (repeatable)")
			cmd.Flags().Bool("credentials", false, "The script sends credentials (fetch's credentials: 'include')")
			cmd.Flags().StringArray("cookie", nil, "A cookie the browser has for the URL, as NAME=VALUE, sent with the request itself (repeatable; needs --credentials)")
			cmd.Flags().StringP("data", "d", "", "Request body: a string, or @file to read it from a file")
			cmd.Flags().Bool("json", false, "Print the verdict as JSON")
			cmd.Flags().Duration("timeout", 10*time.Second, "Time limit for each request")
			cmd.Flags().Duration("max-time", time.Minute, "Time limit for the whole check: preflights, probes and redirects")
			cmd.SilenceErrors = true // errors are printed here, not by cobra
			cmd.SilenceUsage = true
			cmd.SetFlagErrorFunc(func(cmd *cobra.Command, err error) error {
				fmt.Fprintf(os.Stderr, "cors-check: %v\nUsage: caddy %s\n", err, cmd.Use)
				return corsCheckExit(cmd, 2)
			})
			cmd.RunE = func(cmd *cobra.Command, args []string) error {
				code := runCorsCheck(caddycmd.Flags{FlagSet: cmd.Flags()}, args, os.Stdout, os.Stderr)
				return corsCheckExit(cmd, code)
			}
		},
	})
}

// errBlocked makes caddy exit with status 1; the report has said why.
var errBlocked = errors.New("cors-check: a browser would block this call")

// corsCheckExit turns an exit status into what caddycmd.Main exits with.
func corsCheckExit(cmd *cobra.Command, code int) error {
	switch code {
	case 0:
		return nil
	case 1:
		return errBlocked
	}
	return caddycmd.WrapCommandFuncForCobra(func(caddycmd.Flags) (int, error) { return code, nil })(cmd, nil)
}

// runCorsCheck runs the command and returns its exit status.
func runCorsCheck(fs caddycmd.Flags, args []string, stdout, stderr io.Writer) int {
	usage := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "cors-check: "+format+"\n", a...)
		return 2
	}
	req, err := corsCheckRequest(fs, args)
	if err != nil {
		return usage("%v", err)
	}
	timeout := fs.Duration("timeout")
	if timeout <= 0 {
		return usage("--timeout must be positive, such as 10s")
	}
	maxTime := fs.Duration("max-time")
	if maxTime <= 0 {
		return usage("--max-time must be positive, such as 1m")
	}

	ctx, cancel := context.WithTimeout(context.Background(), maxTime)
	defer cancel()
	client := check.NewClient()
	client.Timeout = timeout
	report, err := check.Run(ctx, client, req)
	if err != nil && ctx.Err() != nil {
		return usage("the check took longer than --max-time %v (preflights, probes and redirects together); raise --max-time, or find out why the server is slow", maxTime)
	}
	if err != nil {
		return usage("%v", err)
	}

	if fs.Bool("json") {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		err = enc.Encode(report)
	} else {
		err = check.WriteText(stdout, report)
	}
	if err != nil {
		return usage("%v", err)
	}
	if !report.Allowed() || len(report.BlockedIn) > 0 {
		return 1
	}
	return 0
}

// corsCheckRequest builds the call from the command line, refusing what
// fetch() itself would refuse.
func corsCheckRequest(fs caddycmd.Flags, args []string) (check.Request, error) {
	var req check.Request
	if len(args) != 1 {
		return req, fmt.Errorf("needs exactly one URL, got %d arguments; usage: caddy cors-check <url> --origin <origin> [flags]", len(args))
	}
	u, err := check.ParseURL(args[0])
	if err != nil {
		return req, err
	}
	req.URL = u
	if fs.String("origin") == "" {
		return req, errors.New("--origin is required: the origin of the page whose script calls the URL, such as https://app.example.com")
	}
	if req.Origin, err = check.ParseOrigin(fs.String("origin")); err != nil {
		return req, err
	}
	lines, err := fs.GetStringArray("header")
	if err != nil {
		return req, err
	}
	for _, line := range lines {
		f, err := check.ParseHeader(line)
		if err != nil {
			return req, err
		}
		req.Header = append(req.Header, f)
	}
	if fs.Changed("data") {
		if req.Body, err = check.ReadData(fs.String("data")); err != nil {
			return req, err
		}
		req.HasBody = true
	}
	req.Method = fs.String("method")
	switch {
	case req.Method == "" && req.HasBody:
		req.Method = "POST"
	case req.Method == "":
		req.Method = "GET"
	}
	if err := check.ParseMethod(req.Method); err != nil {
		return req, err
	}
	req.Credentials = fs.Bool("credentials")
	cookies, err := fs.GetStringArray("cookie")
	if err != nil {
		return req, err
	}
	for _, c := range cookies {
		cookie, err := check.ParseCookie(c)
		if err != nil {
			return req, err
		}
		req.Cookies = append(req.Cookies, cookie)
	}
	return req, req.Validate()
}
