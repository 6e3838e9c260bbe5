//go:build race

package e2e

// raceEnabled tells the tests to build Caddy with -race too, so that it
// reuses what `go test -race` already compiled.
const raceEnabled = true
