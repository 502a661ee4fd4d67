package sdk

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestRegimeTable(t *testing.T) {
	tab, err := newRegimeTable(map[string]Regime{"br": RegimeNotice, "US-NV": RegimeOptOut, "DE": RegimeOptIn}, RegimeNotice, USStates())
	if err != nil {
		t.Fatal(err)
	}
	for loc, want := range map[Location]Regime{
		{}:                            RegimeOptIn, // unknown: strictest
		{Country: "DE"}:               RegimeOptIn,
		{Country: "FR", Region: "75"}: RegimeOptIn,
		{Country: "GB"}:               RegimeOptIn,
		{Country: "CH"}:               RegimeOptIn,
		{Country: "NO"}:               RegimeOptIn,
		{Country: "US", Region: "CA"}: RegimeOptOut,
		{Country: "US", Region: "TX"}: RegimeOptOut,
		{Country: "US", Region: "NV"}: RegimeOptOut, // operator override
		{Country: "US", Region: "WY"}: RegimeNotice, // no state law: the fallback
		{Country: "US"}:               RegimeOptOut, // state unknown
		{Country: "BR"}:               RegimeNotice, // override, lowercase key
		{Country: "JP"}:               RegimeNotice, // fallback
	} {
		if got := tab.regime(loc); got != want {
			t.Errorf("regime(%q) = %s, want %s", loc.String(), got, want)
		}
	}
	for _, bad := range []map[string]Regime{{"Germany": RegimeOptIn}, {"US-": RegimeOptIn}, {"DE": "strict"}} {
		if _, err := newRegimeTable(bad, RegimeOptIn, USStates()); err == nil {
			t.Errorf("override %v accepted", bad)
		}
	}
}

func TestHostPrefixedCookieOnHTTPS(t *testing.T) {
	for _, tc := range []struct {
		name, domain string
		https        bool
		want         string
	}{
		{"https host-only", "", true, "__Host-consent"},
		{"https shared domain", "example.com", true, "consent"},
		{"http", "", false, "consent"},
	} {
		c := newTestConsent(t, Options{CookieDomain: tc.domain})
		url := "http://www.example.com/_consent"
		if tc.https {
			url = "https://www.example.com/_consent"
		}
		r := httptest.NewRequest("POST", url, strings.NewReader(`{"action":"reject_all"}`))
		r.Header.Set("Content-Type", "application/json")
		w := serve(c, r)
		cks := w.Result().Cookies()
		if len(cks) != 1 || cks[0].Name != tc.want || cks[0].Secure != tc.https || cks[0].Domain != tc.domain {
			t.Fatalf("%s: cookies %+v, want one %s (secure=%v domain=%q)", tc.name, cks, tc.want, tc.https, tc.domain)
		}
		// The cookie reads back under the same name.
		g := httptest.NewRequest("GET", strings.TrimSuffix(url, "_consent")+"_consent", nil)
		g.AddCookie(cks[0])
		if s := decodeState(t, serve(c, g)); !s.Decided {
			t.Errorf("%s: the %s cookie did not read back", tc.name, tc.want)
		}
	}
}

// Behind a load balancer that ends TLS, Caddy sees plain HTTP: with
// AssumeHTTPS the cookie keeps Secure and __Host-, reads back, and a
// decision posted from an http page is refused as cross-origin (the site
// is only served over https); without it, the cookie has neither.
func TestAssumeHTTPSBehindTLSProxy(t *testing.T) {
	for _, tc := range []struct {
		name   string
		assume bool
		want   string
		origin map[string]int // Origin → status of the POST
	}{
		{"assume_https", true, "__Host-consent", map[string]int{
			"https://www.example.com": http.StatusOK, "http://www.example.com": http.StatusForbidden}},
		{"plain", false, "consent", map[string]int{
			"https://www.example.com": http.StatusOK, "http://www.example.com": http.StatusOK}},
	} {
		c := newTestConsent(t, Options{AssumeHTTPS: tc.assume})
		for origin, status := range tc.origin {
			r := httptest.NewRequest("POST", "http://www.example.com/_consent", strings.NewReader(`{"action":"reject_all"}`))
			r.Header.Set("Content-Type", "application/json")
			r.Header.Set("Origin", origin)
			r.Header.Set("Sec-Fetch-Site", "same-origin")
			w := serve(c, r)
			if w.Code != status {
				t.Errorf("%s: POST from %s: status %d, want %d", tc.name, origin, w.Code, status)
			}
			if status != http.StatusOK {
				if len(w.Result().Cookies()) != 0 {
					t.Errorf("%s: a refused POST set %v", tc.name, w.Result().Cookies())
				}
				continue
			}
			cks := w.Result().Cookies()
			if len(cks) != 1 || cks[0].Name != tc.want || cks[0].Secure != tc.assume {
				t.Fatalf("%s: cookies %+v, want one %s (secure=%v)", tc.name, cks, tc.want, tc.assume)
			}
			g := httptest.NewRequest("GET", "http://www.example.com/_consent", nil)
			g.AddCookie(cks[0])
			if s := decodeState(t, serve(c, g)); !s.Decided {
				t.Errorf("%s: the %s cookie did not read back", tc.name, tc.want)
			}
		}
	}
}
