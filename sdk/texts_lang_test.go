package sdk

import (
	"encoding/json"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
)

// TestConfiguredLanguageTagsNameBundles: a configured language may be any
// tag that resolves to a bundle ("zh-TW" → zh-Hant, "no" → nb, "de-AT" →
// de), so an operator who writes "zh" keeps working since Chinese split
// into two scripts; texts for such a tag override its bundle; a tag no
// bundle serves is refused.
func TestConfiguredLanguageTagsNameBundles(t *testing.T) {
	c := newTestConsent(t, Options{
		Languages: []string{"en", "zh", "zh-TW", "no", "zh-CN"},
		Texts:     map[string]map[string]string{"zh-HK": {"title": "關於 Cookie"}},
	})
	if want := []string{"en", "zh-Hans", "zh-Hant", "nb"}; !slices.Equal(c.texts.offered, want) {
		t.Errorf("offered = %v, want %v", c.texts.offered, want)
	}
	if got := c.texts.texts["zh-Hant"]["title"]; got != "關於 Cookie" {
		t.Errorf("zh-Hant title = %q, want the zh-HK override", got)
	}
	for accept, want := range map[string]string{"zh-TW": "zh-Hant", "zh-CN": "zh-Hans", "zh": "zh-Hans", "nn": "nb", "ar": "en"} {
		if got := c.texts.pick(accept); got != want {
			t.Errorf("pick(%q) = %q, want %q", accept, got, want)
		}
	}
	forced := newTestConsent(t, Options{Language: "pt-br"})
	if forced.texts.pick("de") != "pt-BR" {
		t.Errorf("forced pt-br: pick = %q, want pt-BR", forced.texts.pick("de"))
	}
	for _, o := range []Options{{Languages: []string{"en", "xx"}}, {Language: "klingon"}, {Texts: map[string]map[string]string{"xx": {"title": "x"}}}} {
		if _, err := New(o); err == nil || !strings.Contains(err.Error(), "not bundled") {
			t.Errorf("New(%+v) = %v, want a not-bundled error", o, err)
		}
	}
}

// TestConfigDirectionAndLocalDetails: each language's banner
// configuration names its direction, and its cookie details file has the
// lifetimes in that language while the page's inline texts leave out what
// only the server uses.
func TestConfigDirectionAndLocalDetails(t *testing.T) {
	c := newTestConsent(t, Options{Languages: []string{"en", "ar", "he", "de"}, Vendors: usesGoogleAnalytics})
	for lang, dir := range map[string]string{"en": "ltr", "ar": "rtl", "he": "rtl", "de": "ltr"} {
		var cfg struct {
			Lang  string            `json:"lang"`
			Dir   string            `json:"dir"`
			Texts map[string]string `json:"texts"`
		}
		if err := json.Unmarshal(c.texts.configJSON(lang), &cfg); err != nil {
			t.Fatal(err)
		}
		if cfg.Lang != lang || cfg.Dir != dir {
			t.Errorf("%s: lang %q dir %q, want %q %q", lang, cfg.Lang, cfg.Dir, lang, dir)
		}
		for k := range cfg.Texts {
			if strings.HasPrefix(k, "life.") || strings.HasPrefix(k, "decl_") || k == "consent_cookie_purpose" {
				t.Errorf("%s: the page's texts carry %q, which only the server uses", lang, k)
			}
		}
	}
	var details map[string][]bannerCookie
	if err := json.Unmarshal(c.texts.cookieDetailsJSON("de"), &details); err != nil {
		t.Fatal(err)
	}
	lifetimes := map[string]string{}
	for _, list := range details {
		for _, ck := range list {
			lifetimes[ck.Name] = ck.Lifetime
		}
	}
	if lifetimes["_ga"] != "2 Jahre" || lifetimes["consent"] != "180 Tage bis 365 Tage" {
		t.Errorf("de details: _ga %q, consent %q; want 2 Jahre, 180 Tage bis 365 Tage", lifetimes["_ga"], lifetimes["consent"])
	}
}

// TestNoJSFormDirection: the no-JavaScript form carries the language and
// its direction.
func TestNoJSFormDirection(t *testing.T) {
	c := newTestConsent(t, Options{})
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("Accept-Language", "he")
	f := c.texts.noJS[c.texts.pick(r.Header.Get("Accept-Language"))]
	if !strings.Contains(f[0], ` lang="he" dir="rtl"`) {
		t.Errorf("no-JavaScript form head %q lacks lang and dir", f[0])
	}
	if f := c.texts.noJS["fr"]; !strings.Contains(f[0], ` lang="fr" dir="ltr"`) {
		t.Errorf("fr no-JavaScript form head %q lacks lang and dir", f[0])
	}
}
