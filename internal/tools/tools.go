//go:build tools

// Package tools pins the modules the project builds and tests with, so that
// go mod tidy keeps them while the packages that use them are being written.
package tools

import (
	_ "github.com/caddyserver/caddy/v2"
	_ "github.com/caddyserver/caddy/v2/caddytest"
	_ "github.com/caddyserver/caddy/v2/modules/standard"
	_ "github.com/chromedp/chromedp"
	_ "github.com/gorilla/securecookie"
	_ "github.com/mileusna/useragent"
	_ "github.com/tdewolff/minify/v2"
	_ "github.com/tdewolff/parse/v2/html"
)
