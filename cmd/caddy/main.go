// Command caddy is Caddy with the standard modules and the Consentry consent
// handler (the consent directive, module http.handlers.consent) built in.
//
//	go run ./cmd/caddy run --config Caddyfile
//	go run ./cmd/caddy list-modules | grep consent
package main

import (
	caddycmd "github.com/caddyserver/caddy/v2/cmd"

	// plug in Caddy modules here
	_ "github.com/caddyserver/caddy/v2/modules/standard"
	_ "github.com/consentry/consentry/caddymodule"
)

func main() {
	caddycmd.Main()
}
