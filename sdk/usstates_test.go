package sdk

import (
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestUSStateTable: every state the issue names, and every state with a
// law in force by 2027, is in the table in the opt-out regime, reachable
// by any spelling of its code, and the regime table places its visitors in
// that regime.
func TestUSStateTable(t *testing.T) {
	want := strings.Fields("CA CO CT DE MD MN MT NE NH NJ OR TX VA IA IN KY RI TN UT")
	c := newTestConsent(t, Options{CountryHeader: "C", RegionHeader: "R"})
	for _, code := range want {
		for _, spelt := range []string{code, strings.ToLower(code), "US-" + code, " us-" + strings.ToLower(code) + " "} {
			l, ok := USState(spelt)
			if !ok || l.Regime != RegimeOptOut || l.Law == "" || l.InForce.IsZero() {
				t.Errorf("USState(%q) = %+v, %v; want an opt-out law with its date", spelt, l, ok)
			}
		}
		if law, _ := USState(code); !law.GPCFrom.IsZero() && law.GPCFrom.Before(law.InForce) {
			t.Errorf("%s: GPC binds (%s) before the law is in force (%s)", code, law.GPCFrom, law.InForce)
		}
		if r := c.regimes.regime(Location{Country: "US", Region: code}); r != RegimeOptOut {
			t.Errorf("regime of US-%s = %s, want opt-out", code, r)
		}
	}
	if n := len(USStates()); n != len(want) {
		t.Errorf("table has %d states, want %d (update the test and docs/US-STATES.md together)", n, len(want))
	}
	for _, code := range []string{"NV", "XX", "", "CAL", "U1"} {
		if _, ok := USState(code); ok {
			t.Errorf("USState(%q) found an entry", code)
		}
	}
	// A copy: changing it does not change the table.
	m := USStates()
	m["CA"] = StateLaw{}
	if l, _ := USState("CA"); l.GPCFrom.IsZero() {
		t.Error("USStates returned the table itself")
	}
}

// TestGPCBindsByDate: a state's law binds GPC from its date on, not the
// day before; laws without a universal opt-out signal never bind it.
func TestGPCBindsByDate(t *testing.T) {
	cases := []struct {
		state string
		at    string
		binds bool
	}{
		{"CA", "2020-08-13", false}, {"CA", "2020-08-14", true}, {"CA", "2026-12-04", true},
		{"CO", "2024-06-30", false}, {"CO", "2024-07-01", true},
		{"CT", "2024-12-31", false}, {"CT", "2025-01-01", true},
		{"OR", "2025-12-31", false}, {"OR", "2026-01-01", true},
		{"DE", "2025-12-31", false}, {"DE", "2026-01-01", true},
		{"NJ", "2025-07-14", false}, {"NJ", "2025-07-15", true},
		{"MT", "2024-12-31", false}, {"MT", "2025-01-01", true},
		{"TX", "2025-01-01", true}, {"MD", "2025-10-01", true}, {"MN", "2025-07-31", true},
		{"NE", "2025-01-01", true}, {"NH", "2025-01-01", true},
		{"VA", "2026-12-04", false}, {"UT", "2026-12-04", false}, {"IA", "2026-12-04", false},
		{"IN", "2026-12-04", false}, {"KY", "2026-12-04", false}, {"RI", "2026-12-04", false}, {"TN", "2026-12-04", false},
	}
	for _, tc := range cases {
		law, _ := USState(tc.state)
		at := day(tc.at)
		if got := law.GPCBinds(at.Add(23 * time.Hour)); got != tc.binds {
			t.Errorf("%s on %s: GPC binds = %v, want %v", tc.state, tc.at, got, tc.binds)
		}
	}
}

// TestGPCBindingDecidesState: the state a request gets with Sec-GPC: 1,
// by place and date. Where GPC binds it opts the visitor out of
// advertising before a choice (method "signal") and overrides an earlier
// grant made without it; elsewhere it is recorded in the state's signals
// and changes nothing.
func TestGPCBindingDecidesState(t *testing.T) {
	cases := []struct {
		name           string
		country, state string
		at             string
		cookie         bool // an earlier grant of advertising made without GPC
		wantAds        bool
	}{
		{name: "California", country: "US", state: "CA", at: "2026-12-04"},
		{name: "Oregon, the day before", country: "US", state: "OR", at: "2025-12-31", wantAds: true},
		{name: "Oregon, from the day", country: "US", state: "OR", at: "2026-01-01"},
		{name: "Virginia", country: "US", state: "VA", at: "2026-12-04", wantAds: true},
		{name: "Virginia, earlier grant", country: "US", state: "VA", at: "2026-12-04", cookie: true, wantAds: true},
		{name: "Colorado, earlier grant", country: "US", state: "CO", at: "2026-12-04", cookie: true},
		{name: "US, state unknown", country: "US", at: "2026-12-04"},
		{name: "US, state unknown, earlier grant", country: "US", at: "2026-12-04", cookie: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			now := day(tc.at).Add(12 * time.Hour)
			c := newTestConsent(t, Options{CountryHeader: "C", RegionHeader: "R", Now: func() time.Time { return now }})
			r := httptest.NewRequest("GET", "/", nil)
			r.Header.Set("C", tc.country)
			r.Header.Set("R", tc.state)
			r.Header.Set("Sec-GPC", "1")
			if tc.cookie {
				ch := acceptAllChoice(c)
				ch.Regime = RegimeOptOut
				r.AddCookie(cookieFor(t, c, ch))
			}
			s, _ := c.stateFor(r)
			if s.Allowed(Advertising) != tc.wantAds || !s.Signals.GPC || s.Regime != RegimeOptOut || s.Decided != tc.cookie {
				t.Fatalf("state %+v; want advertising=%v, GPC recorded, opt-out, decided=%v", s, tc.wantAds, tc.cookie)
			}
			if wantSignal := !tc.cookie && !tc.wantAds; (s.Method == MethodSignal) != wantSignal {
				t.Errorf("method %q; want signal: %v", s.Method, wantSignal)
			}
		})
	}
}

// TestUSStatesOverride: the operator's entries replace built-in ones and
// add states; the regime table follows them unless Regimes says
// otherwise; bad codes and regimes are refused by name.
func TestUSStatesOverride(t *testing.T) {
	now := day("2026-12-04")
	c := newTestConsent(t, Options{CountryHeader: "C", RegionHeader: "R", Now: func() time.Time { return now },
		USStates: map[string]StateLaw{
			"va":    {Law: "VCDPA as amended", GPCFrom: day("2026-07-01")},
			"US-NV": {Law: "NRS 603A", GPCFrom: day("2026-12-05")},
			"CA":    {Law: "CCPA/CPRA", Regime: RegimeOptIn, GPCFrom: day("2020-08-14")},
			"CO":    {Law: "CPA", Regime: RegimeNotice},
		},
		Regimes: map[string]Regime{"US-CO": RegimeOptOut}})
	for _, tc := range []struct {
		state  string
		regime Regime
		binds  bool
	}{{"VA", RegimeOptOut, true}, {"NV", RegimeOptOut, false}, {"CA", RegimeOptIn, true}, {"CO", RegimeOptOut, false}, {"TX", RegimeOptOut, true}} {
		law, ok := c.USState(tc.state)
		if !ok {
			t.Fatalf("%s: no entry", tc.state)
		}
		if law.GPCBinds(now) != tc.binds {
			t.Errorf("%s: GPC binds = %v, want %v", tc.state, law.GPCBinds(now), tc.binds)
		}
		if r := c.regimes.regime(Location{Country: "US", Region: tc.state}); r != tc.regime {
			t.Errorf("%s: regime %s, want %s", tc.state, r, tc.regime)
		}
	}
	if l, _ := USState("VA"); !l.GPCFrom.IsZero() {
		t.Error("an override changed the built-in table")
	}
	for name, bad := range map[string]map[string]StateLaw{
		"code":   {"California": {}},
		"digits": {"U1": {}},
		"regime": {"CA": {Regime: "sometimes"}},
	} {
		_, err := New(Options{USStates: bad})
		if err == nil {
			t.Errorf("%s: New accepted %v", name, bad)
		} else if !strings.Contains(err.Error(), "US state") {
			t.Errorf("%s: error %q does not name the setting", name, err)
		}
	}
}

// TestReaskAfterRefusal: a refusal is kept for the re-ask period (default
// six months in opt-in, twelve in opt-out; configurable), a grant of
// everything for the regime's max age; a new policy version asks again at
// once; the cookie's lifetime follows.
func TestReaskAfterRefusal(t *testing.T) {
	const d = 24 * time.Hour
	start := time.Date(2026, 1, 10, 8, 0, 0, 0, time.UTC)
	cases := []struct {
		name    string
		reask   map[Regime]time.Duration
		maxAge  map[Regime]time.Duration
		regime  Regime
		refuse  bool
		version string
		age     time.Duration
		want    string // "" counts, else the re-ask reason
	}{
		{name: "opt-in refusal, 179 days", regime: RegimeOptIn, refuse: true, age: 179 * d},
		{name: "opt-in refusal, 181 days", regime: RegimeOptIn, refuse: true, age: 181 * d, want: reaskExpired},
		{name: "opt-in refusal, long max age", maxAge: map[Regime]time.Duration{RegimeOptIn: 390 * d}, regime: RegimeOptIn, refuse: true, age: 181 * d, want: reaskExpired},
		{name: "opt-in grant, long max age", maxAge: map[Regime]time.Duration{RegimeOptIn: 390 * d}, regime: RegimeOptIn, age: 300 * d},
		{name: "opt-out refusal, 300 days", regime: RegimeOptOut, refuse: true, age: 300 * d},
		{name: "opt-out refusal, 366 days", regime: RegimeOptOut, refuse: true, age: 366 * d, want: reaskExpired},
		{name: "configured 30 days, 29", reask: map[Regime]time.Duration{RegimeOptIn: 30 * d}, regime: RegimeOptIn, refuse: true, age: 29 * d},
		{name: "configured 30 days, 31", reask: map[Regime]time.Duration{RegimeOptIn: 30 * d}, regime: RegimeOptIn, refuse: true, age: 31 * d, want: reaskExpired},
		{name: "configured 30 days, grant kept", reask: map[Regime]time.Duration{RegimeOptIn: 30 * d}, regime: RegimeOptIn, age: 31 * d},
		{name: "refusal, new policy version", regime: RegimeOptIn, refuse: true, version: "v1", age: d, want: reaskPolicy},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			now := start
			c := newTestConsent(t, Options{PolicyVersion: "v2", ReaskAfterRefusal: tc.reask, MaxAge: tc.maxAge, Now: func() time.Time { return now }})
			ch := acceptAllChoice(c)
			ch.Regime, ch.Granted = tc.regime, []string{Necessary, Analytics, Advertising, Preferences, Social}
			if tc.refuse {
				ch.Method, ch.Granted = MethodCustom, []string{Necessary, Analytics, Preferences, Social}
			}
			if tc.version != "" {
				ch.Version = tc.version
			}
			r := httptest.NewRequest("GET", "/", nil)
			r.AddCookie(cookieFor(t, c, ch))
			now = start.Add(tc.age)
			got, reask, _ := c.readChoice(r)
			if reask != tc.want || (got != nil) != (tc.want == "") {
				t.Errorf("choice %v, reask %q; want reask %q", got != nil, reask, tc.want)
			}
		})
	}
	for name, bad := range map[string]map[Regime]time.Duration{"regime": {"sometimes": d}, "zero": {RegimeOptIn: 0}} {
		if _, err := New(Options{ReaskAfterRefusal: bad}); err == nil || !strings.Contains(err.Error(), "reask after refusal") {
			t.Errorf("%s: New(%v) error %v", name, bad, err)
		}
	}
	// The cookie set on a refusal lives as long as the refusal counts.
	c := newTestConsent(t, Options{ReaskAfterRefusal: map[Regime]time.Duration{RegimeOptIn: 30 * d}})
	for action, want := range map[string]int{"reject_all": 30 * 86400, "accept_all": 180 * 86400} {
		r := httptest.NewRequest("POST", "/_consent", strings.NewReader(`{"action":"`+action+`"}`))
		r.Header.Set("Content-Type", "application/json")
		r.Header.Set("Origin", "http://example.com")
		w := httptest.NewRecorder()
		c.Handler(htmlHandler(trackedPage, nil)).ServeHTTP(w, r)
		ck := w.Result().Cookies()
		if len(ck) == 0 || ck[0].MaxAge != want {
			t.Errorf("%s: cookies %v, want Max-Age %d", action, ck, want)
		}
	}
}

// TestRegimeTexts: the opt-out first layer's texts are in every language's
// configuration, operators override them like any text, and any regime
// can have its own title and body; a misspelt regime is refused.
func TestRegimeTexts(t *testing.T) {
	c := newTestConsent(t, Options{Texts: map[string]map[string]string{
		"":   {"body.notice": "Notice body."},
		"en": {"body.opt-out": "Our own opt-out body.", "do_not_sell": "Your Privacy Choices"},
	}})
	for _, lang := range []string{"en", "de", "ja"} {
		cfg := string(c.texts.configJSON(lang))
		for _, k := range []string{`"title.opt-out":`, `"body.opt-out":`, `"do_not_sell":`, `"opted_out":`, `"gpc_opted_out":`, `"body.notice":"Notice body."`} {
			if !strings.Contains(cfg, k) {
				t.Errorf("%s configuration lacks %s", lang, k)
			}
		}
	}
	en := string(c.texts.configJSON("en"))
	if !strings.Contains(en, `"body.opt-out":"Our own opt-out body."`) || !strings.Contains(en, `"do_not_sell":"Your Privacy Choices"`) {
		t.Errorf("en configuration lacks the overrides: %s", en)
	}
	for _, bad := range []string{"body.opt_out", "body.", "footer.opt-out"} {
		if _, err := New(Options{Texts: map[string]map[string]string{"": {bad: "x"}}}); err == nil {
			t.Errorf("text key %q accepted", bad)
		}
	}
}
