package caddymodule

import (
	"encoding/json"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/caddyserver/caddy/v2/caddytest"
	"github.com/consentry/consentry/internal/geotest"
	"github.com/consentry/consentry/sdk"
)

// regimesSite serves the test page behind consent with a fixed hash key and
// the given further subdirectives, plus routes that use the consent
// placeholders: /state echoes them, /branch and /vars branch on them with
// an expression and a vars matcher, /header puts them in response headers
// (from a handle, and from a deferred site-level header).
func regimesSite(consent string) string {
	cfg := testSiteConfig("", "hash_key "+strings.Repeat("5a", 32)+"\n\t\t"+consent)
	return strings.Replace(cfg, "\thandle {\n", `	header /header >X-Deferred-Regime {http.consent.regime}
	handle /state {
		respond "regime={http.consent.regime} gpc={http.consent.gpc} dnt={http.consent.dnt} decided={http.consent.decided} analytics={http.consent.analytics} advertising={http.consent.advertising} id={http.consent.id}"
	}
	handle /branch {
		@ads expression {http.consent.advertising} == "true"
		respond @ads "ads on"
		respond "ads off"
	}
	handle /vars {
		@analytics vars {http.consent.analytics} true
		respond @analytics "analytics on"
		respond "analytics off"
	}
	handle /header {
		header X-Analytics {http.consent.analytics}
		header X-Regime {http.consent.regime}
		respond "ok"
	}
	handle {
`, 1)
}

// getState asks GET /_consent with the given request headers.
func getState(t *testing.T, header map[string]string, cookies ...*http.Cookie) sdk.State {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, testSite+"/_consent", nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	for _, c := range cookies {
		req.AddCookie(c)
	}
	resp, body := do(t, req)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /_consent = %d: %s", resp.StatusCode, body)
	}
	var s sdk.State
	if err := json.Unmarshal([]byte(body), &s); err != nil {
		t.Fatalf("GET /_consent: %v\n%s", err, body)
	}
	return s
}

// getWith sends GET path with the given request headers and cookies.
func getWith(t *testing.T, path string, header map[string]string, cookies ...*http.Cookie) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, testSite+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	for _, c := range cookies {
		req.AddCookie(c)
	}
	return do(t, req)
}

// granted lists the granted categories of s, for comparisons.
func granted(s sdk.State) string { return strings.Join(s.Granted(), " ") }

// TestIntegrationRegimes runs one visitor per regime through the built
// module, located by the country and region headers.
func TestIntegrationRegimes(t *testing.T) {
	tester := caddytest.NewTester(t)
	tester.InitServer(regimesSite(`country_header CF-IPCountry
		region_header CF-Region-Code
		default_regime notice
		regime BR opt-in`), "caddyfile")
	if t.Failed() {
		t.FailNow()
	}
	const all = "advertising analytics necessary preferences social"
	california := map[string]string{"CF-IPCountry": "US", "CF-Region-Code": "CA"}
	californiaGPC := map[string]string{"CF-IPCountry": "US", "CF-Region-Code": "US-CA", "Sec-GPC": "1"}

	for _, tc := range []struct {
		name    string
		header  map[string]string
		regime  sdk.Regime
		granted string
		gpc     bool
	}{
		{"Germany", map[string]string{"CF-IPCountry": "DE"}, sdk.RegimeOptIn, "necessary", false},
		{"Germany with GPC", map[string]string{"CF-IPCountry": "DE", "Sec-GPC": "1"}, sdk.RegimeOptIn, "necessary", true},
		{"California", california, sdk.RegimeOptOut, all, false},
		{"California with GPC", californiaGPC, sdk.RegimeOptOut, "analytics necessary preferences social", true},
		{"Japan, default_regime notice", map[string]string{"CF-IPCountry": "JP"}, sdk.RegimeNotice, all, false},
		{"Brazil, regime BR opt-in", map[string]string{"CF-IPCountry": "BR"}, sdk.RegimeOptIn, "necessary", false},
		{"unknown country XX", map[string]string{"CF-IPCountry": "XX"}, sdk.RegimeOptIn, "necessary", false},
		{"no header", nil, sdk.RegimeOptIn, "necessary", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := getState(t, tc.header)
			if s.Decided || s.Regime != tc.regime || granted(s) != tc.granted || s.Signals.GPC != tc.gpc {
				t.Errorf("state %+v\nwant undecided, regime %s, granted %q, gpc %v", s, tc.regime, tc.granted, tc.gpc)
			}
		})
	}

	// The placeholders say the same to the handlers after consent.
	t.Run("placeholders", func(t *testing.T) {
		for _, tc := range []struct {
			header map[string]string
			want   string
		}{
			{map[string]string{"CF-IPCountry": "DE", "DNT": "1"},
				"regime=opt-in gpc=false dnt=true decided=false analytics=false advertising=false id="},
			{californiaGPC, "regime=opt-out gpc=true dnt=false decided=false analytics=true advertising=false id="},
			{california, "regime=opt-out gpc=false dnt=false decided=false analytics=true advertising=true id="},
		} {
			if _, got := getWith(t, "/state", tc.header); got != tc.want {
				t.Errorf("/state with %v = %q, want %q", tc.header, got, tc.want)
			}
		}
	})

	// Branching on consent: an expression matcher, a vars matcher and a
	// header set in a handle all see the placeholders.
	t.Run("branch on consent", func(t *testing.T) {
		for _, tc := range []struct {
			path   string
			header map[string]string
			want   string
		}{
			{"/branch", california, "ads on"},
			{"/branch", californiaGPC, "ads off"},
			{"/branch", map[string]string{"CF-IPCountry": "DE"}, "ads off"},
			{"/vars", californiaGPC, "analytics on"},
			{"/vars", map[string]string{"CF-IPCountry": "FR"}, "analytics off"},
		} {
			if _, got := getWith(t, tc.path, tc.header); got != tc.want {
				t.Errorf("%s with %v = %q, want %q", tc.path, tc.header, got, tc.want)
			}
		}
		resp, _ := getWith(t, "/header", californiaGPC)
		if got := resp.Header.Get("X-Analytics") + " " + resp.Header.Get("X-Regime"); got != "true opt-out" {
			t.Errorf("X-Analytics X-Regime = %q, want %q", got, "true opt-out")
		}
		// A site-level header runs before consent (header is ordered before
		// encode); deferred with ">", it is set when the response is
		// written, after consent has decided.
		if got := resp.Header.Get("X-Deferred-Regime"); got != "opt-out" {
			t.Errorf("X-Deferred-Regime = %q, want opt-out", got)
		}
	})

	// GPC binds in California until the visitor explicitly grants
	// advertising while sending it; that grant then holds.
	t.Run("explicit grant under GPC", func(t *testing.T) {
		header := map[string]string{"Origin": testSite}
		for k, v := range californiaGPC {
			header[k] = v
		}
		resp, body := postChoice(t, `{"action":"custom","categories":["analytics","advertising"]}`, header)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("POST /_consent = %d: %s", resp.StatusCode, body)
		}
		cookie := consentCookie(t, resp)
		s := getState(t, californiaGPC, cookie)
		if !s.Decided || s.Regime != sdk.RegimeOptOut || !s.Allowed(sdk.Advertising) || !s.Allowed(sdk.Analytics) || !s.Signals.GPC {
			t.Errorf("state after an explicit grant under GPC = %+v, want decided, opt-out, advertising and analytics on, gpc", s)
		}
		if _, got := getWith(t, "/branch", californiaGPC, cookie); got != "ads on" {
			t.Errorf("/branch after the grant = %q, want %q", got, "ads on")
		}
		if _, got := getWith(t, "/state", californiaGPC, cookie); !strings.Contains(got, "decided=true") || !strings.HasSuffix(got, "id="+s.ID) || s.ID == "" {
			t.Errorf("/state after the grant = %q, want decided and id %s", got, s.ID)
		}
	})

	// A grant made without GPC does not survive GPC.
	t.Run("grant before GPC", func(t *testing.T) {
		header := map[string]string{"Origin": testSite}
		for k, v := range california {
			header[k] = v
		}
		resp, body := postChoice(t, `{"action":"accept_all"}`, header)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("POST /_consent = %d: %s", resp.StatusCode, body)
		}
		cookie := consentCookie(t, resp)
		if s := getState(t, california, cookie); !s.Allowed(sdk.Advertising) {
			t.Errorf("advertising off without GPC after accept_all: %+v", s)
		}
		if s := getState(t, californiaGPC, cookie); s.Allowed(sdk.Advertising) || !s.Allowed(sdk.Analytics) {
			t.Errorf("state with GPC after a grant made without it = %+v, want advertising off, analytics on", s)
		}
	})
}

// TestIntegrationGeoIPDatabase locates the visitor with a MaxMind database
// looked up with Caddy's client IP: the test's requests come from the
// loopback addresses, which the database places in California.
func TestIntegrationGeoIPDatabase(t *testing.T) {
	db := geotest.WriteDB(t, map[string][2]string{
		"127.0.0.0/8": {"US", "CA"},
		"::1/128":     {"US", "CA"},
	})
	tester := caddytest.NewTester(t)
	tester.InitServer(regimesSite("geoip_db "+db+"\n\t\tcountry_header CF-IPCountry"), "caddyfile")
	if t.Failed() {
		t.FailNow()
	}
	if s := getState(t, nil); s.Regime != sdk.RegimeOptOut || !s.Allowed(sdk.Advertising) {
		t.Errorf("from loopback (US-CA in the database): %+v, want opt-out with advertising", s)
	}
	if s := getState(t, map[string]string{"Sec-GPC": "1"}); s.Regime != sdk.RegimeOptOut || s.Allowed(sdk.Advertising) || !s.Allowed(sdk.Analytics) {
		t.Errorf("from loopback with GPC: %+v, want opt-out, advertising off, analytics on", s)
	}
	// The header, when it names a country, wins over the database.
	if s := getState(t, map[string]string{"CF-IPCountry": "DE"}); s.Regime != sdk.RegimeOptIn {
		t.Errorf("header DE over the database: regime %s, want opt-in", s.Regime)
	}
}

// TestIntegrationGeoIPMissing: a geoip_db that is not there stops the
// config from loading, naming the path.
func TestIntegrationGeoIPMissing(t *testing.T) {
	tester := caddytest.NewTester(t)
	tester.InitServer(testSiteConfig("", "hash_key "+strings.Repeat("5a", 32)), "caddyfile") // starts Caddy when run alone
	if t.Failed() {
		t.FailNow()
	}
	missing := filepath.Join(t.TempDir(), "GeoLite2-City.mmdb")
	t.Setenv("CONSENTRY_TEST_GEOIP", missing)
	req, _ := http.NewRequest(http.MethodPost, "http://localhost:2999/load",
		strings.NewReader(testSiteConfig("", "geoip_db {env.CONSENTRY_TEST_GEOIP}")))
	req.Header.Set("Content-Type", "text/caddyfile")
	resp, body := do(t, req)
	if resp.StatusCode == http.StatusOK {
		t.Fatal("config with a missing geoip_db loaded")
	}
	if want := "geoip_db " + missing + ": no such file"; !strings.Contains(body, want) {
		t.Errorf("load error %q does not contain %q", body, want)
	}
}
