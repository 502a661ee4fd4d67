package sdk_test

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/consentry/consentry/sdk"
)

// A site behind the consent middleware: the Google tag in its page stays
// inert until the visitor grants analytics, and the banner is injected.
func ExampleConsent_Handler() {
	consent, err := sdk.New(sdk.Options{
		// Keys sign the consent cookie; configure your own so choices
		// survive a restart (see docs/OPERATIONS.md). Without them, random
		// keys are made.
		Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		panic(err)
	}
	defer consent.Close()

	site := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, `<html><head><script src="https://www.googletagmanager.com/gtag/js?id=G-1"></script></head><body>Hi</body></html>`)
	})
	srv := httptest.NewServer(consent.Handler(site))
	defer srv.Close()

	res, err := http.Get(srv.URL)
	if err != nil {
		panic(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	page := string(body)
	fmt.Println("tag held:", strings.Contains(page, `type="text/plain" data-category="analytics" data-src=`))
	fmt.Println("banner injected:", strings.Contains(page, `id="consent-state"`))
	// Output:
	// tag held: true
	// banner injected: true
}

// Server-side decisions read the visitor's consent from the request's
// context, which the middleware fills.
func ExampleFromContext() {
	consent, err := sdk.New(sdk.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		panic(err)
	}
	defer consent.Close()

	stats := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		state := sdk.FromContext(r.Context())
		if state.Allowed(sdk.Analytics) {
			fmt.Fprintln(w, "counted")
			return
		}
		fmt.Fprintln(w, "not counted; granted:", state.Granted())
	})
	rec := httptest.NewRecorder()
	consent.Handler(stats).ServeHTTP(rec, httptest.NewRequest("GET", "/stats", nil))
	fmt.Print(rec.Body.String())
	// Output:
	// not counted; granted: [necessary]
}
