package sdk

import (
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestStateTable walks (country, region, GPC, DNT, cookie, policy version,
// clock) to the visitor's state.
func TestStateTable(t *testing.T) {
	const (
		month = 30 * 24 * time.Hour
		day   = 24 * time.Hour
	)
	start := time.Date(2026, 11, 24, 8, 0, 0, 0, time.UTC)
	type cookie struct {
		regime  Regime
		granted []string
		version string
		age     time.Duration
		gpc     bool
	}
	cases := []struct {
		name             string
		country, region  string
		gpc, dnt         bool
		honorDNT         bool
		cookie           *cookie
		decided          bool
		regime           Regime
		analytics, adver bool
	}{
		{name: "EU, no choice", country: "DE", regime: RegimeOptIn},
		{name: "EU, GPC, no choice", country: "FR", gpc: true, regime: RegimeOptIn},
		{name: "unknown country", regime: RegimeOptIn},
		{name: "unknown marker XX", country: "XX", regime: RegimeOptIn},
		{name: "California, no choice", country: "US", region: "CA", regime: RegimeOptOut, analytics: true, adver: true},
		{name: "California, GPC", country: "US", region: "US-CA", gpc: true, regime: RegimeOptOut, analytics: true},
		{name: "California, DNT not honoured", country: "US", region: "CA", dnt: true, regime: RegimeOptOut, analytics: true, adver: true},
		{name: "California, DNT honoured", country: "US", region: "CA", dnt: true, honorDNT: true, regime: RegimeOptOut, analytics: true},
		{name: "EU, accepted", country: "DE", cookie: &cookie{regime: RegimeOptIn, granted: []string{Analytics, Advertising}, version: "v2"},
			decided: true, regime: RegimeOptIn, analytics: true, adver: true},
		{name: "EU, accepted under old policy", country: "DE", cookie: &cookie{regime: RegimeOptIn, granted: []string{Analytics}, version: "v1"},
			regime: RegimeOptIn},
		{name: "EU, choice 5 months old", country: "DE", cookie: &cookie{regime: RegimeOptIn, granted: []string{Analytics}, version: "v2", age: 5 * month},
			decided: true, regime: RegimeOptIn, analytics: true},
		{name: "EU, choice 181 days old", country: "DE", cookie: &cookie{regime: RegimeOptIn, granted: []string{Analytics}, version: "v2", age: 181 * day},
			regime: RegimeOptIn},
		{name: "California, choice 300 days old", country: "US", region: "CA", cookie: &cookie{regime: RegimeOptOut, granted: []string{Analytics}, version: "v2", age: 300 * day},
			decided: true, regime: RegimeOptOut, analytics: true},
		{name: "California, granted ads before GPC", country: "US", region: "CA", gpc: true,
			cookie: &cookie{regime: RegimeOptOut, granted: []string{Analytics, Advertising}, version: "v2"}, decided: true, regime: RegimeOptOut, analytics: true},
		{name: "California, granted ads explicitly under GPC", country: "US", region: "CA", gpc: true,
			cookie: &cookie{regime: RegimeOptOut, granted: []string{Analytics, Advertising}, version: "v2", gpc: true}, decided: true, regime: RegimeOptOut, analytics: true, adver: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			now := start
			c := newTestConsent(t, Options{PolicyVersion: "v2", CountryHeader: "CF-IPCountry", RegionHeader: "CF-Region-Code",
				HonorDNT: tc.honorDNT, Now: func() time.Time { return now }})
			r := httptest.NewRequest("GET", "/", nil)
			if tc.country != "" {
				r.Header.Set("CF-IPCountry", tc.country)
			}
			if tc.region != "" {
				r.Header.Set("CF-Region-Code", tc.region)
			}
			if tc.gpc {
				r.Header.Set("Sec-GPC", "1")
			}
			if tc.dnt {
				r.Header.Set("DNT", "1")
			}
			if ck := tc.cookie; ck != nil {
				ch := &choice{ID: strings.Repeat("ab", 16), Version: ck.version, Regime: ck.regime, Method: MethodCustom,
					Time: start.Unix(), Granted: append([]string{Necessary}, ck.granted...), GPC: ck.gpc, Site: "example.com"}
				r.AddCookie(cookieFor(t, c, ch))
				now = start.Add(ck.age)
			}
			s, _ := c.stateFor(r)
			if s.Decided != tc.decided || s.Regime != tc.regime || s.Allowed(Analytics) != tc.analytics ||
				s.Allowed(Advertising) != tc.adver || !s.Allowed(Necessary) || s.Signals.GPC != tc.gpc || s.Signals.DNT != tc.dnt {
				t.Errorf("state %+v\nwant decided=%v regime=%s analytics=%v advertising=%v", s, tc.decided, tc.regime, tc.analytics, tc.adver)
			}
		})
	}
}

func TestNoLocationSourceUsesDefaultRegime(t *testing.T) {
	c := newTestConsent(t, Options{DefaultRegime: RegimeOptOut})
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("CF-IPCountry", "DE") // not configured: ignored
	if s, _ := c.stateFor(r); s.Regime != RegimeOptOut {
		t.Errorf("regime %s, want the configured default opt-out", s.Regime)
	}
}

func TestReaskReasonInPage(t *testing.T) {
	now := time.Date(2026, 11, 24, 8, 0, 0, 0, time.UTC)
	c := newTestConsent(t, Options{PolicyVersion: "v2", Now: func() time.Time { return now }})
	for name, tc := range map[string]struct {
		version string
		age     time.Duration
		want    string
	}{
		"current":    {"v2", 0, ""},
		"old policy": {"v1", 0, ` data-reask="policy"`},
		"expired":    {"v2", 200 * 24 * time.Hour, ` data-reask="expired"`},
	} {
		ch := acceptAllChoice(c)
		ch.Version, ch.Time = tc.version, now.Add(-tc.age).Unix()
		r := httptest.NewRequest("GET", "/", nil)
		r.AddCookie(cookieFor(t, c, ch))
		w := httptest.NewRecorder()
		c.Handler(htmlHandler(trackedPage, nil)).ServeHTTP(w, r)
		if !strings.Contains(w.Body.String(), `id="consent-state"`+tc.want+` data-key="`) {
			t.Errorf("%s: page lacks consent-state%s", name, tc.want)
		}
	}
}

func TestNoticeDefaultsAndSignalMethod(t *testing.T) {
	c := newTestConsent(t, Options{DefaultRegime: RegimeNotice, NoticeDefaults: []string{Preferences}})
	s := c.defaults(RegimeNotice, Signals{})
	if !s.Allowed(Preferences) || s.Allowed(Analytics) || !s.Allowed(Necessary) {
		t.Errorf("notice defaults %v, want necessary and preferences only", s.Granted())
	}
	if _, err := New(Options{NoticeDefaults: []string{"telemetry"}}); err == nil {
		t.Errorf("an unknown notice default was accepted")
	}
	c = newTestConsent(t, Options{})
	if s := c.defaults(RegimeOptOut, Signals{GPC: true}); s.Method != MethodSignal || s.Decided || s.Allowed(Advertising) {
		t.Errorf("opt-out with GPC: %+v, want advertising refused by method signal, undecided", s)
	}
	if s := c.defaults(RegimeOptOut, Signals{}); s.Method != "" {
		t.Errorf("opt-out without a signal: method %q, want empty", s.Method)
	}
	if s := c.defaults(RegimeOptIn, Signals{GPC: true}); s.Method != "" {
		t.Errorf("opt-in with GPC: method %q, want empty (nothing to decide)", s.Method)
	}
}
