// Package testsite holds the Consentry demo: the Nimbus Phones test site in
// www/, three fake tracking vendors in vendors/ (analytics.localhost,
// ads.localhost and social.localhost), and the tests that drive it.
//
// The root Caddyfile serves all four hosts on one port and declares the fake
// vendors in the consent block's categories (hosts, inline patterns, cookie
// names): they are this site's own, not part of the built-in catalogue. Run
// the demo from the
// repository root:
//
//	go run ./cmd/caddy run --config Caddyfile
//
// and open http://localhost:8080/. The pages are Caddy templates, so the
// vendor tags carry the port the page was served on.
//
// The tests start the same Caddyfile in-process on a free port. The browser
// tests drive Chromium through chromedp and count what each fake vendor
// received, before and after a consent choice:
//
//	go test ./testsite
//
// TestBrowserLeakPages loads every adversarial page of leak/ (one shape a
// page: URL spellings, CSS, HTML tokenization, data: and srcdoc frames,
// markup and requests made by scripts, collateral damage) through the
// consent module with no choice and with everything granted, and
// unprotected, JavaScript on and off; leak/README.md says what it checks
// and how to write a page.
//
// They look for Chromium at /usr/bin/chromium, or at $CONSENTRY_CHROMIUM, and
// skip when it is missing (they fail instead when CI=true). With
// CONSENTRY_SCREENSHOTS=1 they also write docs/banner.png.
package testsite
