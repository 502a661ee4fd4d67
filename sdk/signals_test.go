package sdk

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
)

// stubsFor renders the signal stubs of c for state s.
func stubsFor(c *Consent, s *State) string {
	var b bytes.Buffer
	c.appendSignals(&b, s, "")
	return b.String()
}

// stateOf returns a state with the given categories granted (necessary
// always).
func stateOf(decided bool, granted ...string) *State {
	s := &State{Decided: decided, Regime: RegimeOptIn, Categories: map[string]bool{}}
	for _, k := range []string{Necessary, Preferences, Analytics, Advertising, Social} {
		s.Categories[k] = k == Necessary || slices.Contains(granted, k)
	}
	return s
}

// TestSignalsDefaultIsGoogleOnly: with no signal options the page carries
// Google Consent Mode only, as before issue 15: the seven types from the
// state, ads_data_redaction while ad_storage is denied, nothing else.
func TestSignalsDefaultIsGoogleOnly(t *testing.T) {
	c := newTestConsent(t, Options{})
	for _, tc := range []struct {
		name  string
		state *State
		want  string
	}{
		{"refused", stateOf(false),
			`<script>window.dataLayer=window.dataLayer||[];function gtag(){dataLayer.push(arguments)}gtag("consent","default",{ad_storage:"denied",ad_user_data:"denied",ad_personalization:"denied",analytics_storage:"denied",functionality_storage:"denied",personalization_storage:"denied",security_storage:"granted"});gtag("set","ads_data_redaction",true);</script>`},
		{"analytics and preferences", stateOf(true, Analytics, Preferences),
			`<script>window.dataLayer=window.dataLayer||[];function gtag(){dataLayer.push(arguments)}gtag("consent","default",{ad_storage:"denied",ad_user_data:"denied",ad_personalization:"denied",analytics_storage:"granted",functionality_storage:"granted",personalization_storage:"granted",security_storage:"granted"});gtag("set","ads_data_redaction",true);</script>`},
		{"everything", stateOf(true, Analytics, Preferences, Advertising, Social),
			`<script>window.dataLayer=window.dataLayer||[];function gtag(){dataLayer.push(arguments)}gtag("consent","default",{ad_storage:"granted",ad_user_data:"granted",ad_personalization:"granted",analytics_storage:"granted",functionality_storage:"granted",personalization_storage:"granted",security_storage:"granted"});</script>`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := stubsFor(c, tc.state); got != tc.want {
				t.Errorf("stubs\n got %s\nwant %s", got, tc.want)
			}
		})
	}
}

// TestSignalsNoneIsNothing: an empty vendor list injects no script at all.
func TestSignalsNoneIsNothing(t *testing.T) {
	c := newTestConsent(t, Options{Signals: SignalOptions{Vendors: []string{}}})
	if got := stubsFor(c, stateOf(false)); got != "" {
		t.Errorf("stubs = %q, want none", got)
	}
	if got := c.signals.triples(); len(got) != 0 {
		t.Errorf("banner table = %v, want empty", got)
	}
}

// TestSignalsEachVendor: each vendor's stub, and only the vendors listed,
// with the values of the state, denied and granted.
func TestSignalsEachVendor(t *testing.T) {
	marks := map[string]string{
		SignalGoogle: `function gtag(){`, SignalUET: `window.uetq=`, SignalClarity: `window.clarity=`,
		SignalMeta: `"fbq"`, SignalTikTok: `window.ttq=`,
	}
	for _, tc := range []struct {
		vendor          string
		denied, granted string
	}{
		{SignalUET, `uetq.push("consent","default",{ad_storage:"denied"});`, `uetq.push("consent","default",{ad_storage:"granted"});`},
		{SignalClarity, `clarity("consentv2",{ad_Storage:"denied",analytics_Storage:"denied"});`,
			`clarity("consentv2",{ad_Storage:"granted",analytics_Storage:"granted"});`},
		{SignalMeta, `})(window,"advertising");`, `})(window,"advertising");`},
		{SignalTikTok, `(window.ttq=window.ttq||[]).push(["revokeConsent"]);`, `(window.ttq=window.ttq||[]).push(["grantConsent"]);`},
	} {
		t.Run(tc.vendor, func(t *testing.T) {
			c := newTestConsent(t, Options{Signals: SignalOptions{Vendors: []string{tc.vendor}}})
			denied := stubsFor(c, stateOf(false))
			granted := stubsFor(c, stateOf(true, Analytics, Advertising))
			if !strings.Contains(denied, tc.denied) {
				t.Errorf("refused: want %s in\n%s", tc.denied, denied)
			}
			if !strings.Contains(granted, tc.granted) {
				t.Errorf("granted: want %s in\n%s", tc.granted, granted)
			}
			for v, m := range marks {
				if got := strings.Contains(denied, m); got != (v == tc.vendor) {
					t.Errorf("%s stub present = %v with only %s on:\n%s", v, got, tc.vendor, denied)
				}
			}
		})
	}
}

// TestSignalsMapOverride: Map moves a signal to another category, in the
// page's defaults and in the table the banner updates from alike.
func TestSignalsMapOverride(t *testing.T) {
	c := newTestConsent(t, Options{Signals: SignalOptions{
		Vendors: []string{SignalGoogle, SignalClarity, SignalMeta},
		Map:     map[string]string{"clarity.analytics_Storage": Preferences, "google.security_storage": Analytics, "meta.consent": Social},
	}})
	got := stubsFor(c, stateOf(true, Preferences))
	for _, want := range []string{`clarity("consentv2",{ad_Storage:"denied",analytics_Storage:"granted"})`,
		`security_storage:"denied"`, `})(window,"social");`} {
		if !strings.Contains(got, want) {
			t.Errorf("want %s in\n%s", want, got)
		}
	}
	page := pageOf(t, c, httptest.NewRequest("GET", "/", nil))
	var cfg struct {
		Signals [][3]string `json:"signals"`
	}
	if err := json.Unmarshal(configScriptJSON(t, c, page), &cfg); err != nil {
		t.Fatal(err)
	}
	for _, want := range [][3]string{{"clarity", "analytics_Storage", "preferences"}, {"clarity", "ad_Storage", "advertising"},
		{"google", "security_storage", "analytics"}, {"meta", "consent", "social"}} {
		if !slices.Contains(cfg.Signals, want) {
			t.Errorf("banner table %v lacks %v", cfg.Signals, want)
		}
	}
	for _, row := range cfg.Signals {
		if row[0] == SignalUET || row[0] == SignalTikTok {
			t.Errorf("banner table carries %v, a vendor not listed", row)
		}
	}
}

// pageOf serves a small page through c and returns it.
func pageOf(t *testing.T, c *Consent, r *http.Request) string {
	t.Helper()
	w := httptest.NewRecorder()
	c.Handler(htmlHandler(`<!doctype html><html><head><title>t</title></head><body>x</body></html>`, nil)).ServeHTTP(w, r)
	return w.Body.String()
}

// TestSignalsBadOptions: every bad option fails New, naming it.
func TestSignalsBadOptions(t *testing.T) {
	for _, tc := range []struct {
		name string
		o    SignalOptions
		want string
	}{
		{"unknown vendor", SignalOptions{Vendors: []string{"googel"}}, `signals "googel": unknown signal vendor; did you mean "google"?`},
		{"unknown signal", SignalOptions{Map: map[string]string{"clarity.analytics_storage": Analytics}}, `did you mean "clarity.analytics_Storage"?`},
		{"unknown category", SignalOptions{Map: map[string]string{"uet.ad_storage": "ads"}}, `signal map uet.ad_storage "ads": unknown category`},
		{"advanced necessary", SignalOptions{Google: GoogleSignals{Advanced: []string{Necessary}}}, `google advanced "necessary": no Google tag belongs to it (advanced applies to advertising, analytics)`},
		{"advanced unknown", SignalOptions{Google: GoogleSignals{Advanced: []string{"stats"}}}, `google advanced "stats"`},
		{"advanced social", SignalOptions{Google: GoogleSignals{Advanced: []string{Social}}}, `no Google tag belongs to it`},
		{"negative wait", SignalOptions{Google: GoogleSignals{WaitForUpdate: -1}}, `wait_for_update -1`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New(Options{Signals: tc.o, Logger: slog.New(slog.DiscardHandler)})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("New: %v, want an error with %q", err, tc.want)
			}
		})
	}
}

// TestGoogleSettings: wait_for_update, url_passthrough and turning
// ads_data_redaction off.
func TestGoogleSettings(t *testing.T) {
	c := newTestConsent(t, Options{Signals: SignalOptions{Google: GoogleSignals{
		WaitForUpdate: 500, URLPassthrough: true, NoAdsDataRedaction: true}}})
	got := stubsFor(c, stateOf(false))
	if !strings.Contains(got, `security_storage:"granted",wait_for_update:500});gtag("set","url_passthrough",true);</script>`) {
		t.Errorf("want wait_for_update and url_passthrough:\n%s", got)
	}
	if strings.Contains(got, "ads_data_redaction") {
		t.Errorf("ads_data_redaction set although turned off:\n%s", got)
	}
}

// TestGoogleRegionDefaults: before a choice, one default per regime with
// its locations (overrides included) as the region, carrying that regime's
// pre-choice consent and the request's signals, then the visitor's own;
// after a choice only the visitor's own.
func TestGoogleRegionDefaults(t *testing.T) {
	c := newTestConsent(t, Options{Regimes: map[string]Regime{"BR": RegimeNotice, "us-nv": RegimeOptOut},
		Signals: SignalOptions{Google: GoogleSignals{RegionDefaults: true}}})
	s := stateOf(false)
	s.Signals = Signals{GPC: true}
	got := stubsFor(c, s)
	optIn := `gtag("consent","default",{ad_storage:"denied",ad_user_data:"denied",ad_personalization:"denied",analytics_storage:"denied",functionality_storage:"denied",personalization_storage:"denied",security_storage:"granted",region:["AT","BE",`
	// Opt-out with GPC: advertising denied, the rest granted.
	optOut := `gtag("consent","default",{ad_storage:"denied",ad_user_data:"denied",ad_personalization:"denied",analytics_storage:"granted",functionality_storage:"granted",personalization_storage:"granted",security_storage:"granted",region:["US-CA",`
	notice := `gtag("consent","default",{ad_storage:"granted",ad_user_data:"granted",ad_personalization:"granted",analytics_storage:"granted",functionality_storage:"granted",personalization_storage:"granted",security_storage:"granted",region:["BR"]});`
	own := `gtag("consent","default",{ad_storage:"denied",ad_user_data:"denied",ad_personalization:"denied",analytics_storage:"denied",functionality_storage:"denied",personalization_storage:"denied",security_storage:"granted"});`
	last := -1
	for _, want := range []string{optIn, optOut, notice, own} {
		i := strings.Index(got, want)
		if i <= last {
			t.Fatalf("want, after the previous default,\n%s\nin\n%s", want, got)
		}
		last = i
	}
	for _, loc := range []string{`"GB"`, `"CH"`, `"US-NV"`, `"US-TX"`} {
		if !strings.Contains(got, loc) {
			t.Errorf("no region %s in\n%s", loc, got)
		}
	}
	if decided := stubsFor(c, stateOf(true, Analytics)); strings.Contains(decided, "region:") {
		t.Errorf("region defaults after a choice:\n%s", decided)
	}
}

// TestGoogleAdvanced: in advanced mode for a category, the Google tag's
// hosts and snippet of that category pass the rewriter (and the guard's
// table lets them through under a held parent domain), while the
// category's other vendors, and Google's other ad products, stay held.
func TestGoogleAdvanced(t *testing.T) {
	page := `<!doctype html><html><head>` +
		`<script async src="https://www.googletagmanager.com/gtag/js?id=G-1"></script>` +
		`<script>window.dataLayer=window.dataLayer||[];function gtag(){dataLayer.push(arguments)}gtag('js',new Date());gtag('config','G-1');</script>` +
		`<script async src="https://www.clarity.ms/tag/x"></script>` +
		`<img src="https://googleads.g.doubleclick.net/pagead/viewthroughconversion/1/">` +
		`<script async src="https://securepubads.g.doubleclick.net/tag/js/gpt.js"></script>` +
		`</head><body></body></html>`
	serveOne := func(c *Consent) string {
		w := httptest.NewRecorder()
		c.Handler(htmlHandler(page, nil)).ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
		return w.Body.String()
	}
	kept := func(body, tag string) bool { return strings.Contains(body, tag) }
	gtm := `<script async src="https://www.googletagmanager.com/gtag/js?id=G-1"></script>`
	config := `<script>window.dataLayer=window.dataLayer||[];function gtag(){dataLayer.push(arguments)}gtag('js',new Date());gtag('config','G-1');</script>`
	clarity := `<script async src="https://www.clarity.ms/tag/x"></script>`
	ads := `<img src="https://googleads.g.doubleclick.net/pagead/viewthroughconversion/1/">`
	gpt := `<script async src="https://securepubads.g.doubleclick.net/tag/js/gpt.js"></script>`
	for _, tc := range []struct {
		name       string
		advanced   []string
		kept, held []string
	}{
		{"basic", nil, nil, []string{gtm, config, clarity, ads, gpt}},
		{"analytics", []string{Analytics}, []string{gtm, config}, []string{clarity, ads, gpt}},
		{"advertising", []string{Advertising}, []string{ads}, []string{gtm, config, clarity, gpt}},
		{"both", []string{Analytics, Advertising}, []string{gtm, config, ads}, []string{clarity, gpt}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newTestConsent(t, Options{Signals: SignalOptions{Google: GoogleSignals{Advanced: tc.advanced}}})
			body := serveOne(c)
			for _, tag := range tc.kept {
				if !kept(body, tag) {
					t.Errorf("held, want kept: %s\n%s", tag, body)
				}
			}
			for _, tag := range tc.held {
				if kept(body, tag) {
					t.Errorf("kept, want held: %s", tag)
				}
			}
			var hosts map[string][]string
			if err := json.Unmarshal(c.texts.table.Body(), &hosts); err != nil {
				t.Fatal(err)
			}
			var pass []string
			for _, k := range tc.advanced {
				pass = append(pass, googleTag[k].hosts...)
			}
			if !slices.Equal(hosts[Necessary], pass) {
				t.Errorf("guard table necessary = %v, want %v", hosts[Necessary], pass)
			}
			// The declaration still lists Google's hosts under their category.
			for _, cat := range c.Categories() {
				if cat.Key == Analytics && !slices.Contains(cat.Hosts, "googletagmanager.com") {
					t.Errorf("analytics no longer lists googletagmanager.com for the banner")
				}
			}
		})
	}
}

// TestSignalStubBytes measures what each vendor's stub adds to every page:
// alone (its own <script> element, raw and gzip) and at the margin, the
// difference it makes to the stubs of all five, raw and gzip; and bounds
// it.
func TestSignalStubBytes(t *testing.T) {
	s := stateOf(false)
	gz := func(b string) int {
		var z bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&z, gzip.DefaultCompression)
		_, _ = zw.Write([]byte(b))
		_ = zw.Close()
		return z.Len()
	}
	stubs := func(vendors ...string) string {
		return stubsFor(newTestConsent(t, Options{Signals: SignalOptions{Vendors: append([]string{}, vendors...)}}), s)
	}
	all := stubs(signalVendors...)
	t.Logf("all five: raw %d B, gzip %d B", len(all), gz(all))
	for _, v := range signalVendors {
		alone := stubs(v)
		others := stubs(slices.DeleteFunc(slices.Clone(signalVendors), func(o string) bool { return o == v })...)
		t.Logf("%-8s alone raw %4d B, gzip %4d B; added to the other four raw %4d B, gzip %4d B",
			v, len(alone), gz(alone), len(all)-len(others), gz(all)-gz(others))
		if len(alone) > 600 {
			t.Errorf("%s stub is %d B, want at most 600", v, len(alone))
		}
	}
	if got := stubs(); got != "" {
		t.Errorf("no vendors, yet %d B", len(got))
	}
}
