package sdk

import (
	"encoding/json"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
)

// TestReceipt: <prefix>/receipt gives the visitor their own record, the
// choice their cookie holds.
func TestReceipt(t *testing.T) {
	c := newTestConsent(t, Options{})
	ch := acceptAllChoice(c)
	r := httptest.NewRequest("GET", "/_consent/receipt", nil)
	r.Header.Set("Accept", "application/json")
	r.AddCookie(cookieFor(t, c, ch))
	w := serve(c, r)
	if w.Code != 200 || w.Header().Get("Content-Type") != "application/json" {
		t.Fatalf("GET /_consent/receipt: %d %q", w.Code, w.Header().Get("Content-Type"))
	}
	var got receipt
	if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil {
		t.Fatalf("%v: %s", err, w.Body.String())
	}
	if got.ID != ch.ID || !got.Decided || got.Method != MethodAcceptAll || got.Regime != RegimeOptIn || got.Time == "" {
		t.Errorf("receipt %+v, want the decided accept-all choice %s", got, ch.ID)
	}
	if !slices.Contains(got.Granted, Analytics) || slices.Contains(got.Refused, Analytics) || !got.Category[Analytics] {
		t.Errorf("receipt grants %v, refuses %v, categories %v: want analytics granted", got.Granted, got.Refused, got.Category)
	}
}

// TestReceiptPage: without Accept: application/json the receipt is a page
// in the visitor's language that names the choice; ?format=json and the
// Accept header still give the JSON, whatever the language.
func TestReceiptPage(t *testing.T) {
	c := newTestConsent(t, Options{})
	ch := acceptAllChoice(c)
	get := func(target, accept, lang string) *httptest.ResponseRecorder {
		r := httptest.NewRequest("GET", target, nil)
		if accept != "" {
			r.Header.Set("Accept", accept)
		}
		r.Header.Set("Accept-Language", lang)
		r.AddCookie(cookieFor(t, c, ch))
		return serve(c, r)
	}
	w := get("/_consent/receipt", "text/html,application/xhtml+xml,*/*;q=0.8", "de-DE,de;q=0.9")
	body := w.Body.String()
	if ct := w.Header().Get("Content-Type"); w.Code != 200 || ct != "text/html; charset=utf-8" {
		t.Fatalf("GET receipt as a browser: %d %q", w.Code, ct)
	}
	for _, want := range []string{`<html lang="de"`, "Ihre Einwilligungsquittung", ch.ID, "Statistik", `href="/_consent/cookies"`} {
		if !strings.Contains(body, want) {
			t.Errorf("receipt page lacks %q:\n%s", want, body)
		}
	}
	if !strings.Contains(w.Header().Get("Vary"), "Accept") {
		t.Errorf("Vary %q: the page and the JSON share a URL", w.Header().Get("Vary"))
	}
	for _, tc := range []struct{ target, accept string }{
		{"/_consent/receipt?format=json", ""},
		{"/_consent/receipt", "application/json"},
	} {
		w := get(tc.target, tc.accept, "de")
		var got receipt
		if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil || got.ID != ch.ID {
			t.Errorf("GET %s (Accept %q): %v, id %q: %s", tc.target, tc.accept, err, got.ID, w.Body.String())
		}
	}
	// Before a choice: the page says so and shows no id.
	r := httptest.NewRequest("GET", "/_consent/receipt", nil)
	w = serve(c, r)
	if !strings.Contains(w.Body.String(), `id="receipt-none"`) || strings.Contains(w.Body.String(), `id="receipt-id"`) {
		t.Errorf("receipt page before a choice:\n%s", w.Body.String())
	}
}
