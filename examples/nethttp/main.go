// Command nethttp is a plain net/http server behind the consent middleware:
// its page carries a Google tag that stays inert until the visitor accepts
// analytics, and /stats shows a server-side decision from the same state.
//
//	go run ./examples/nethttp -addr :8090
package main

import (
	"flag"
	"fmt"
	"log"
	"net/http"

	"github.com/consentry/consentry/sdk"
)

const page = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Consentry example</title>
<script async src="https://www.googletagmanager.com/gtag/js?id=G-EXAMPLE"></script>
<script>window.dataLayer = window.dataLayer || []; function gtag(){dataLayer.push(arguments);} gtag('js', new Date()); gtag('config', 'G-EXAMPLE');</script>
</head>
<body>
<h1>Hello</h1>
<p>The Google tag above only runs once you accept analytics.
<a href="#consent">Cookie settings</a> · <a href="/stats">What does the server see?</a></p>
</body>
</html>
`

// newHandler returns the site wrapped in the consent middleware.
func newHandler() (http.Handler, error) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, page)
	})
	mux.HandleFunc("GET /stats", func(w http.ResponseWriter, r *http.Request) {
		// The visitor's consent, for decisions made on the server.
		state := sdk.FromContext(r.Context())
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		if state.Allowed(sdk.Analytics) {
			fmt.Fprintln(w, "analytics: granted, this visit is counted")
		} else {
			fmt.Fprintln(w, "analytics: refused, this visit is not counted")
		}
		fmt.Fprintf(w, "granted: %v\n", state.Granted())
	})

	c, err := sdk.New(sdk.Options{PolicyVersion: "2026-01", PrivacyURL: "/privacy"})
	if err != nil {
		return nil, err
	}
	return c.Handler(mux), nil
}

func main() {
	addr := flag.String("addr", ":8090", "listen address")
	flag.Parse()

	h, err := newHandler()
	if err != nil {
		log.Fatal(err)
	}
	log.Printf("listening on %s", *addr)
	log.Fatal(http.ListenAndServe(*addr, h))
}
