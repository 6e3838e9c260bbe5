package cors

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/caddyserver/caddy/v2/caddyconfig"
)

// A docBlock is a fenced code block of a Markdown file, with the marker
// comment on the line before it, if any.
type docBlock struct {
	file   string
	line   int
	lang   string
	marker string // "" or what follows "<!-- " in the comment before the block
	text   string
}

// docFiles are README.md and every Markdown file in docs/.
func docFiles(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("docs/*.md")
	if err != nil {
		t.Fatal(err)
	}
	return append([]string{"README.md"}, files...)
}

func docBlocks(t *testing.T) []docBlock {
	t.Helper()
	var blocks []docBlock
	for _, file := range docFiles(t) {
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(string(b), "\n")
		for i := 0; i < len(lines); i++ {
			lang, ok := strings.CutPrefix(lines[i], "```")
			if !ok || lang == "" {
				continue
			}
			block := docBlock{file: file, line: i + 1, lang: lang}
			if i > 0 {
				if m, ok := strings.CutPrefix(lines[i-1], "<!-- "); ok {
					block.marker = strings.TrimSuffix(m, " -->")
				}
			}
			var text []string
			for i++; i < len(lines) && lines[i] != "```"; i++ {
				text = append(text, lines[i])
			}
			block.text = strings.Join(text, "\n")
			blocks = append(blocks, block)
		}
	}
	return blocks
}

// siteAddress matches the first line of a Caddyfile that starts with a
// site, a snippet or global options rather than with directives.
var siteAddress = regexp.MustCompile(`^(\{|\(|[a-z0-9*.-]+\.[a-z]+|localhost|:\d+|https?://|[a-z0-9.-]+:\d+)`)

// TestDocsCaddyfilesAdapt adapts every Caddyfile block of the docs with the
// module: blocks meant to work must adapt; a block marked
// `<!-- invalid: <message> -->` must fail with that message; a block marked
// `<!-- syntax -->` shows the grammar and is not adapted; a block marked
// `<!-- example.Caddyfile -->` must also be part of that file. Blocks that
// are directives only are adapted inside a site.
func TestDocsCaddyfilesAdapt(t *testing.T) {
	n := 0
	for _, b := range docBlocks(t) {
		if b.lang != "caddyfile" || b.marker == "syntax" {
			continue
		}
		n++
		if b.marker == "example.Caddyfile" {
			// A copy of part of the demo, so it must not drift from it.
			example, err := os.ReadFile("example.Caddyfile")
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(example), b.text) {
				t.Errorf("%s:%d: marked as part of example.Caddyfile, but the file does not contain it", b.file, b.line)
			}
		}
		text := b.text
		if first := strings.TrimSpace(strings.SplitN(strings.TrimSpace(text), "\n", 2)[0]); !siteAddress.MatchString(first) {
			text = "example.com {\n" + text + "\n}"
		}
		_, _, err := caddyconfig.GetAdapter("caddyfile").Adapt([]byte(text), nil)
		want, invalid := strings.CutPrefix(b.marker, "invalid: ")
		switch {
		case invalid && err == nil:
			t.Errorf("%s:%d: marked invalid, but it adapts", b.file, b.line)
		case invalid && !strings.Contains(err.Error(), want):
			t.Errorf("%s:%d: error does not say %q:\n%v", b.file, b.line, want, err)
		case !invalid && err != nil:
			t.Errorf("%s:%d: %v", b.file, b.line, err)
		}
	}
	if n == 0 {
		t.Fatal("no Caddyfile blocks found")
	}
}

// markdownLink matches [text](target) links, except images.
var markdownLink = regexp.MustCompile(`[^!]\[[^\]]*\]\(([^)\s]+)\)`)

// TestDocsLinksResolve checks every relative link between the docs: the
// file exists, and a #fragment names a heading in it.
func TestDocsLinksResolve(t *testing.T) {
	anchors := map[string]map[string]bool{}
	for _, file := range docFiles(t) {
		anchors[file] = headingAnchors(t, file)
	}
	for _, file := range docFiles(t) {
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		inCode := false
		for i, line := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(line, "```") {
				inCode = !inCode
			}
			if inCode {
				continue
			}
			for _, m := range markdownLink.FindAllStringSubmatch(" "+line, -1) {
				target := m[1]
				if strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
					continue
				}
				path, fragment, _ := strings.Cut(target, "#")
				dest := file
				if path != "" {
					dest = filepath.Join(filepath.Dir(file), path)
					if _, err := os.Stat(dest); err != nil {
						t.Errorf("%s:%d: link to %s: %v", file, i+1, target, err)
						continue
					}
				}
				if fragment != "" && strings.HasSuffix(dest, ".md") {
					if a, ok := anchors[filepath.Clean(dest)]; !ok || !a[fragment] {
						t.Errorf("%s:%d: link to %s: no heading #%s in %s", file, i+1, target, fragment, dest)
					}
				}
			}
		}
	}
}

// headingAnchors returns the anchors GitHub makes for a file's headings.
func headingAnchors(t *testing.T, file string) map[string]bool {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	anchors := map[string]bool{}
	inCode := false
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "```") {
			inCode = !inCode
		}
		if inCode || !strings.HasPrefix(line, "#") {
			continue
		}
		title := strings.TrimSpace(strings.TrimLeft(line, "#"))
		var a strings.Builder
		for _, r := range strings.ToLower(title) {
			switch {
			case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '-', r == '_':
				a.WriteRune(r)
			case r == ' ':
				a.WriteRune('-')
			case r > 127:
				a.WriteRune(r)
			}
		}
		anchors[a.String()] = true
	}
	return anchors
}

// TestDocsCommands runs the commands the docs show in console blocks, with
// the built binary, and compares what they print with what the docs say:
// `caddy cors-check` against the demo (example.Caddyfile on free ports),
// `caddy adapt --config Caddyfile` on the Caddyfile the block showed with
// `cat`, and `echo $?`. Blocks marked `<!-- illustrative -->` are not run
// (they need the network, a public name, or run forever); any other
// command fails the test, so nothing shown can drift from the code.
func TestDocsCommands(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs Caddy")
	}
	var blocks []docBlock
	for _, b := range docBlocks(t) {
		if (b.lang == "console" || b.lang == "sh") && b.marker != "illustrative" {
			blocks = append(blocks, b)
		}
	}
	bin := buildCaddy(t)
	siteA, siteB := startDemo(t, bin)
	ports := strings.NewReplacer("http://localhost:8080", siteA, "http://127.0.0.1:8081", siteB)
	for _, b := range blocks {
		t.Run(fmt.Sprintf("%s:%d", b.file, b.line), func(t *testing.T) {
			if b.lang != "console" {
				t.Fatalf("a sh block is not run; show it as a console block with its output, or mark it <!-- illustrative -->")
			}
			var caddyfile string
			code := 0
			for _, c := range consoleCommands(b.text) {
				var got string
				switch {
				case c.command == "echo $?":
					got = fmt.Sprintf("%d\n", code)
				case c.command == "cat Caddyfile":
					caddyfile, got = c.output, c.output
				case strings.HasPrefix(c.command, "caddy cors-check "):
					command, jq, piped := strings.Cut(c.command, " | jq -r ")
					args, err := splitArgs(ports.Replace(strings.TrimPrefix(command, "caddy cors-check ")))
					if err != nil {
						t.Fatal(err)
					}
					var stderr string
					got, stderr, code = runCorsCheckCommand(t, bin, args...)
					got += stderr
					if piped {
						got = jqFields(t, got, strings.Trim(jq, "'"))
					}
					c.output = ports.Replace(c.output)
				case c.command == "caddy adapt --config Caddyfile":
					got, code = adaptWithBinary(t, bin, caddyfile)
					c.output = logTimestamp.ReplaceAllString(c.output, "")
				default:
					t.Fatalf("cannot run %q: show a command the docs test can run, or mark the block <!-- illustrative -->", c.command)
				}
				if got != c.output {
					t.Errorf("$ %s\n got:\n%s\nwant (as the docs show):\n%s", c.command, got, c.output)
				}
			}
		})
	}
}

type consoleCommand struct {
	command string // after "$ ", continuation lines joined
	output  string // the lines up to the next command, each ending in "\n"
}

func consoleCommands(text string) []consoleCommand {
	var commands []consoleCommand
	lines := strings.Split(text, "\n")
	for i := 0; i < len(lines); i++ {
		cmd, ok := strings.CutPrefix(lines[i], "$ ")
		if !ok {
			if len(commands) > 0 {
				commands[len(commands)-1].output += lines[i] + "\n"
			}
			continue
		}
		for strings.HasSuffix(cmd, "\\") && i+1 < len(lines) {
			i++
			cmd = strings.TrimSuffix(cmd, "\\") + " " + strings.TrimSpace(lines[i])
		}
		commands = append(commands, consoleCommand{command: cmd})
	}
	return commands
}

// splitArgs splits a command line as a shell would for the quoting the
// docs use: single quotes, and words separated by spaces.
func splitArgs(s string) ([]string, error) {
	var args []string
	var word strings.Builder
	inWord, quoted := false, false
	for _, r := range s {
		switch {
		case r == '\'':
			quoted = !quoted
			inWord = true
		case r == ' ' && !quoted:
			if inWord {
				args = append(args, word.String())
				word.Reset()
				inWord = false
			}
		default:
			word.WriteRune(r)
			inWord = true
		}
	}
	if quoted {
		return nil, fmt.Errorf("unterminated quote in %q", s)
	}
	if inWord {
		args = append(args, word.String())
	}
	return args, nil
}

// logTimestamp is the date, time and level Caddy's console log puts before a message.
var logTimestamp = regexp.MustCompile(`(?m)^\d{4}/\d\d/\d\d \d\d:\d\d:\d\d\.\d+\t[A-Z]+\t`)

// adaptWithBinary runs `caddy adapt --config Caddyfile` on text and returns
// its output without log timestamps, and its exit status.
func adaptWithBinary(t *testing.T, bin, text string) (string, int) {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "Caddyfile"), []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "adapt", "--config", "Caddyfile")
	cmd.Dir = dir
	cmd.Env = corsCheckEnv(t)
	out, err := cmd.CombinedOutput()
	code := 0
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		code = exit.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	// Caddy logs JSON when its output is not a terminal; the docs show the
	// messages as a terminal does.
	var messages strings.Builder
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		var entry struct{ Msg string }
		if err := json.Unmarshal([]byte(line), &entry); err != nil || entry.Msg == "" {
			messages.WriteString(line + "\n")
			continue
		}
		messages.WriteString(entry.Msg + "\n")
	}
	return messages.String(), code
}

// jqFields does what `jq -r '.a.b, .c'` does with the JSON document doc:
// print each path's value on a line of its own.
func jqFields(t *testing.T, doc, paths string) string {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(doc), &v); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, doc)
	}
	var out strings.Builder
	for _, path := range strings.Split(paths, ", ") {
		value := v
		for _, key := range strings.Split(strings.TrimPrefix(path, "."), ".") {
			m, ok := value.(map[string]any)
			if !ok {
				t.Fatalf("jq path %s: not an object at %s", path, key)
			}
			value = m[key]
		}
		fmt.Fprintf(&out, "%v\n", value)
	}
	return out.String()
}
