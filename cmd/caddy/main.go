// Command caddy is Caddy with its standard modules and the cors module, so
// that `go run ./cmd/caddy run --config example.Caddyfile` needs nothing but Go.
package main

import (
	caddycmd "github.com/caddyserver/caddy/v2/cmd"

	_ "github.com/caddyserver/caddy/v2/modules/standard"

	_ "github.com/seed-41134e10/caddy-cors"
)

func main() {
	caddycmd.Main()
}
