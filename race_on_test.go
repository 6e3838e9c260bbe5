//go:build race

package cors

// raceEnabled tells tests that build binaries to build them with -race too.
const raceEnabled = true
