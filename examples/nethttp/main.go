// Command nethttp is a plain net/http server behind the consent middleware:
// its page carries a Google tag that stays inert until the visitor accepts
// analytics, and /stats shows a server-side decision from the same state.
// Every decision is kept in a SQLite consent log, and the operator's view
// of it listens on a second, loopback-only address.
//
//	go run ./examples/nethttp -addr :8090 -admin 127.0.0.1:8091 -db consent.db
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/consentry/consentry/sdk"
	"github.com/consentry/consentry/sdk/admin"
	"github.com/consentry/consentry/sdk/consentlog"
	"github.com/consentry/consentry/sdk/consentlog/sqlite"
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

// newHandler returns the site wrapped in the consent middleware, and the
// engine (for its inventory).
func newHandler(clog *consentlog.Log) (http.Handler, *sdk.Consent, error) {
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

	c, err := sdk.New(sdk.Options{PolicyVersion: "2026-01", PrivacyURL: "/privacy", ConsentLog: clog})
	if err != nil {
		return nil, nil, err
	}
	return c.Handler(mux), c, nil
}

// openLog opens the SQLite consent log at path, spooling next to it.
func openLog(path string) (*consentlog.Log, error) {
	st, err := sqlite.Open(path)
	if err != nil {
		return nil, err
	}
	return consentlog.Open(consentlog.Options{Store: st, SpoolDir: path + ".spool"})
}

func main() {
	addr := flag.String("addr", ":8090", "listen address")
	adminAddr := flag.String("admin", "127.0.0.1:8091", "listen address of the admin view (keep it private)")
	db := flag.String("db", "consent.db", "SQLite consent log")
	flag.Parse()

	clog, err := openLog(*db)
	if err != nil {
		log.Fatal(err)
	}
	h, c, err := newHandler(clog)
	if err != nil {
		log.Fatal(err)
	}
	adm, err := admin.New(admin.Options{Store: clog.Store(), Inventory: c.Inventory()})
	if err != nil {
		log.Fatal(err)
	}

	// The admin view has no authentication of its own: this example keeps
	// it on loopback; a real server puts it behind its own login.
	go func() { log.Fatal(http.ListenAndServe(*adminAddr, adm)) }()
	srv := &http.Server{Addr: *addr, Handler: h}
	go func() {
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
		<-sig
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
		clog.Close(ctx) // write what is queued; the spool keeps the rest
	}()
	log.Printf("listening on %s (admin view on %s)", *addr, *adminAddr)
	if err := srv.ListenAndServe(); err != http.ErrServerClosed {
		log.Fatal(err)
	}
}
