package sdk

import (
	"encoding/json"
	"net/http/httptest"
	"slices"
	"testing"
)

// TestReceipt: <prefix>/receipt gives the visitor their own record, the
// choice their cookie holds.
func TestReceipt(t *testing.T) {
	c := newTestConsent(t, Options{})
	ch := acceptAllChoice(c)
	r := httptest.NewRequest("GET", "/_consent/receipt", nil)
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
