package cors

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/seed-41134e10/caddy-cors/internal/testenv"
)

// builtCaddy is the one Caddy binary that the tests of this process share;
// TestMain removes its directory.
var builtCaddy struct {
	once sync.Once
	dir  string
	bin  string
	err  error
}

// buildCaddy builds ./cmd/caddy, the Caddy that README tells users to run,
// once per test process.
func buildCaddy(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds Caddy")
	}
	b := &builtCaddy
	b.once.Do(func() {
		if b.dir, b.err = os.MkdirTemp("", "caddy-cors-test-"); b.err != nil {
			return
		}
		b.bin = filepath.Join(b.dir, "caddy")
		b.err = testenv.BuildCaddy(".", b.bin, raceEnabled)
	})
	if b.err != nil {
		t.Fatal(b.err)
	}
	return b.bin
}

func TestBuiltCaddy(t *testing.T) {
	bin := buildCaddy(t)

	t.Run("caddy adapt on example.Caddyfile produces example.json", func(t *testing.T) {
		out, err := exec.Command(bin, "adapt", "--config", "example.Caddyfile", "--pretty").Output()
		if err != nil {
			t.Fatalf("caddy adapt: %v", err)
		}
		want, err := os.ReadFile("example.json")
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(bytes.TrimSpace(out), bytes.TrimSpace(want)) {
			t.Errorf("caddy adapt output differs from example.json; got:\n%s", out)
		}
	})

	t.Run("caddy adapt reports every config error with the fix", func(t *testing.T) {
		config := filepath.Join(t.TempDir(), "Caddyfile")
		os.WriteFile(config, []byte(":8080 {\n\tcors https://app.example.com/ {\n\t\tcredentials\n\t\tmethods TRACE\n\t}\n}\n"), 0o644)
		cmd := exec.Command(bin, "adapt", "--config", config)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Run(); err == nil {
			t.Fatal("caddy adapt accepted a broken cors config")
		}
		for _, want := range []string{`cors: origins: \"https://app.example.com/\" has a trailing slash; write \"https://app.example.com\"`, `cors: methods: \"TRACE\" is forbidden`} {
			if !strings.Contains(stderr.String(), want) {
				t.Errorf("caddy adapt error does not say %s:\n%s", want, stderr.String())
			}
		}
	})

	t.Run("caddy run serves the demo from example.Caddyfile", func(t *testing.T) {
		siteA, siteB := startDemo(t, bin) // example.Caddyfile on free ports

		resp, err := client.Get(siteA + "/")
		if err != nil {
			t.Fatal(err)
		}
		page, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if !strings.Contains(string(page), "Site A calls site B") {
			t.Fatalf("site A did not serve the demo page; got %q", page)
		}

		send := func(method, path string, pairs ...string) *http.Response {
			req, _ := http.NewRequest(method, siteB+path, nil)
			req.Header = hdr(pairs...)
			resp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			return resp
		}
		preflight := send("OPTIONS", "/api/items/1", "Origin", siteA, "Access-Control-Request-Method", "PUT", "Access-Control-Request-Headers", "content-type,x-demo")
		if preflight.StatusCode != 204 || preflight.Header.Get("Access-Control-Allow-Origin") != siteA ||
			preflight.Header.Get("Access-Control-Allow-Credentials") != "true" {
			t.Errorf("site B refused site A's PUT preflight: %d %v", preflight.StatusCode, preflight.Header)
		}
		denied := send("OPTIONS", "/api/items/1", "Origin", siteA, "Access-Control-Request-Method", "DELETE")
		if denied.StatusCode != 403 || denied.Header.Get("Access-Control-Allow-Origin") != "" {
			t.Errorf("site B allowed DELETE: %d %v", denied.StatusCode, denied.Header)
		}
		internal := send("GET", "/internal/stats", "Origin", siteA)
		if internal.Header.Get("Access-Control-Allow-Origin") != "" {
			t.Errorf("/internal/stats is shared with site A: %v", internal.Header)
		}
	})
}

// TestExampleJSONIsWhatDocsShow keeps the JSON in docs/json.md in step with
// what the Caddyfile adapter emits for the example.
func TestExampleJSONIsWhatDocsShow(t *testing.T) {
	example, err := os.ReadFile("example.json")
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile("docs/json.md")
	if err != nil {
		t.Fatal(err)
	}
	i := bytes.Index(example, []byte(`"handler": "cors"`))
	if i < 0 {
		t.Fatal("example.json has no cors handler")
	}
	start := bytes.LastIndexByte(example[:i], '{')
	var handler json.RawMessage
	if err := json.NewDecoder(bytes.NewReader(example[start:])).Decode(&handler); err != nil {
		t.Fatal(err)
	}
	var compact bytes.Buffer
	json.Compact(&compact, handler)
	var readmeCompact bytes.Buffer
	for _, block := range strings.Split(string(readme), "```json") {
		end := strings.Index(block, "```")
		if end < 0 {
			continue
		}
		readmeCompact.Reset()
		if json.Compact(&readmeCompact, []byte(block[:end])) == nil && readmeCompact.String() == compact.String() {
			return
		}
	}
	t.Errorf("docs/json.md has no ```json block equal to the cors handler of example.json:\n%s", handler)
}
