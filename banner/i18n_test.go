package banner

import (
	"regexp"
	"slices"
	"strings"
	"testing"
)

func TestNegotiate(t *testing.T) {
	for _, tc := range []struct {
		name     string
		header   string
		offered  []string
		fallback string
		want     string
	}{
		{"first choice", "ja,en;q=0.8", nil, "en", "ja"},
		{"q order beats header order", "en;q=0.5, fr;q=0.9", nil, "en", "fr"},
		{"region to language", "de-CH", nil, "en", "de"},
		{"zh-TW to Traditional", "zh-TW,zh;q=0.9", nil, "en", "zh-Hant"},
		{"script and region", "zh-Hant-TW", nil, "en", "zh-Hant"},
		{"zh to Simplified", "zh", nil, "en", "zh-Hans"},
		{"zh-CN to Simplified", "zh-CN", nil, "en", "zh-Hans"},
		{"zh-SG to Simplified", "zh-SG", nil, "en", "zh-Hans"},
		{"zh-MY to Simplified", "zh-MY", nil, "en", "zh-Hans"},
		{"zh-HK to Traditional", "zh-HK", nil, "en", "zh-Hant"},
		{"zh-MO to Traditional", "zh-MO", nil, "en", "zh-Hant"},
		{"zh-Hans", "zh-Hans", nil, "en", "zh-Hans"},
		{"zh-Hant", "zh-Hant", nil, "en", "zh-Hant"},
		{"script beats region", "zh-Hans-HK", nil, "en", "zh-Hans"},
		{"script beats region, Traditional", "zh-Hant-CN", nil, "en", "zh-Hant"},
		{"underscore", "zh_TW", nil, "en", "zh-Hant"},
		{"Cantonese", "yue-HK", nil, "en", "zh-Hant"},
		{"zh-TW, only Simplified offered", "zh-TW", []string{"en", "zh-Hans"}, "en", "zh-Hans"},
		{"zh-CN, only Traditional offered", "zh-CN", []string{"en", "zh-Hant"}, "en", "zh-Hant"},
		{"Norwegian", "no", nil, "en", "nb"},
		{"Norwegian Nynorsk", "nn-NO", nil, "en", "nb"},
		{"Norwegian Bokmål", "nb-NO", nil, "en", "nb"},
		{"no offered as nb only by primary", "no-NO", []string{"en", "nb"}, "en", "nb"},
		{"pt-BR", "pt-BR", nil, "en", "pt-BR"},
		{"pt-PT", "pt-PT", nil, "en", "pt"},
		{"pt", "pt", nil, "en", "pt"},
		{"pt-AO to European", "pt-AO", nil, "en", "pt"},
		{"pt-BR, only European offered", "pt-BR", []string{"en", "pt"}, "en", "pt"},
		{"Hebrew, old code", "iw", nil, "en", "he"},
		{"Hebrew", "he-IL", nil, "en", "he"},
		{"Arabic", "ar-EG,ar;q=0.9", nil, "en", "ar"},
		{"Indonesian, old code", "in-ID", nil, "en", "id"},
		{"Malay", "ms-MY", nil, "en", "ms"},
		{"Icelandic", "is-IS", nil, "en", "is"},
		{"Irish", "ga-IE", nil, "en", "ga"},
		{"Maltese", "mt", nil, "en", "mt"},
		{"Thai", "th-TH", nil, "en", "th"},
		{"Vietnamese", "vi-VN", nil, "en", "vi"},
		{"Turkish", "tr-TR", nil, "en", "tr"},
		{"unknown", "xx", nil, "en", "en"},
		{"unknown then known", "xx, sv;q=0.3", nil, "en", "sv"},
		{"q=0 excluded", "ja;q=0, de;q=0.1", nil, "en", "de"},
		{"only q=0", "ja;q=0", nil, "en", "en"},
		{"malformed q excluded", "ja;q=abc, fr;q=0.2", nil, "en", "fr"},
		{"offered restricts", "ja,de;q=0.9", []string{"en", "de"}, "en", "de"},
		{"offered spelling kept", "pt", []string{"en", "pt-BR"}, "en", "pt-BR"},
		{"case-insensitive", "DE-de", []string{"en", "de"}, "en", "de"},
		{"star ignored", "*", nil, "en", "en"},
		{"empty", "", nil, "en", "en"},
		{"empty custom fallback", "", nil, "fr", "fr"},
		{"spaces", " fr-CA ; q=0.7 , es ; q=0.6", nil, "en", "fr"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Negotiate(tc.header, tc.offered, tc.fallback); got != tc.want {
				t.Errorf("Negotiate(%q, %v, %q) = %q, want %q", tc.header, tc.offered, tc.fallback, got, tc.want)
			}
		})
	}
}

// requiredKeys are the keys the sdk and banner.js read.
var requiredKeys = []string{
	"title", "body", "accept_all", "reject_all", "customise", "save", "close", "privacy_link", "cookies_link",
	"prefs_title", "prefs_body", "always_on", "gpc_honoured", "consent_id", "consent_date", "placeholder",
	"placeholder_allow", "settings", "error", "cookie_list",
}

// wantLanguages are the languages issue 16 asks for: the 24 official EU
// languages, then Norwegian, Icelandic, Japanese, Korean, Chinese in both
// scripts, Brazilian Portuguese, Turkish, Arabic, Hebrew, Thai, Vietnamese,
// Indonesian and Malay.
var wantLanguages = []string{
	"bg", "cs", "da", "de", "el", "en", "es", "et", "fi", "fr", "ga", "hr", "hu", "it", "lt", "lv", "mt", "nl",
	"pl", "pt", "ro", "sk", "sl", "sv",
	"nb", "is", "ja", "ko", "zh-Hans", "zh-Hant", "pt-BR", "tr", "ar", "he", "th", "vi", "id", "ms",
}

func TestLanguages(t *testing.T) {
	langs := Languages()
	if len(langs) == 0 || langs[0] != "en" {
		t.Fatalf("Languages() = %v, want en first", langs)
	}
	for _, l := range wantLanguages {
		if !slices.Contains(langs, l) {
			t.Errorf("Languages() lacks %q", l)
		}
	}
	if len(langs) < 30 {
		t.Errorf("Languages() has %d languages, want at least 30", len(langs))
	}
	for _, l := range langs {
		if got, ok := Bundled(l); !ok || got != l {
			t.Errorf("Bundled(%q) = %q, %v; want itself", l, got, ok)
		}
	}
}

// placeholderRE finds the placeholders of a plain text ("{category}").
var placeholderRE = regexp.MustCompile(`\{[a-z_]+\}`)

// TestEveryLanguageHasEveryKey holds every bundle to en.json: the same keys
// (none missing, none extra), no empty or space-padded text, the same
// placeholders the same number of times in each plain text, and each
// plural message (a "{n, plural, …}" text) well formed with exactly the
// branches its language's plural rule uses, "#" in every branch that
// stands for more than two.
func TestEveryLanguageHasEveryKey(t *testing.T) {
	b, err := loadBundles()
	if err != nil {
		t.Fatal(err)
	}
	en := b["en"]
	for _, k := range requiredKeys {
		if en[k] == "" {
			t.Errorf("en lacks %q", k)
		}
	}
	for _, c := range []string{"necessary", "preferences", "analytics", "advertising", "social"} {
		for _, f := range []string{"label", "description"} {
			if k := "cat." + c + "." + f; en[k] == "" {
				t.Errorf("en lacks %q", k)
			}
		}
	}
	for lang, m := range b {
		for k, v := range en {
			got, ok := m[k]
			if !ok {
				t.Errorf("%s lacks %q", lang, k)
				continue
			}
			if strings.TrimSpace(got) == "" || strings.TrimSpace(got) != got {
				t.Errorf("%s %q is empty or space-padded: %q", lang, k, got)
			}
			if _, plural := parsePlural(v); plural {
				checkPluralMessage(t, lang, k, got)
				continue
			}
			want, have := placeholderRE.FindAllString(v, -1), placeholderRE.FindAllString(got, -1)
			slices.Sort(want)
			slices.Sort(have)
			if !slices.Equal(want, have) {
				t.Errorf("%s %q: placeholders %v, want %v: %q", lang, k, have, want, got)
			}
			if strings.Count(got, "{") != len(have) || strings.Count(got, "}") != len(have) {
				t.Errorf("%s %q: a brace outside a placeholder: %q", lang, k, got)
			}
		}
		for k := range m {
			if _, ok := en[k]; !ok {
				t.Errorf("%s has %q, which en lacks", lang, k)
			}
		}
		if lang != "en" && m["accept_all"] == en["accept_all"] {
			t.Errorf("%s accept_all is still English", lang)
		}
		if m["accept_all"] == m["reject_all"] {
			t.Errorf("%s: accept_all and reject_all read alike: %q", lang, m["accept_all"])
		}
	}
}

// checkPluralMessage checks a bundle's plural message for lang.
func checkPluralMessage(t *testing.T, lang, key, msg string) {
	t.Helper()
	branches, ok := parsePlural(msg)
	if !ok {
		t.Errorf("%s %q: not a plural message: %q", lang, key, msg)
		return
	}
	want := map[string]bool{pluralOther: true}
	for n := range 1000 {
		want[PluralCategory(lang, n)] = true
	}
	for cat, text := range branches {
		if !want[cat] {
			t.Errorf("%s %q: branch %q, which %s never uses", lang, key, cat, lang)
		}
		if strings.TrimSpace(text) == "" {
			t.Errorf("%s %q: empty %q branch", lang, key, cat)
		}
		if cat != pluralZero && cat != pluralOne && cat != pluralTwo && !strings.Contains(text, "#") {
			t.Errorf("%s %q: %q branch %q lacks the number #", lang, key, cat, text)
		}
	}
	for cat := range want {
		if _, ok := branches[cat]; !ok {
			t.Errorf("%s %q: no %q branch (e.g. n=%d): %q", lang, key, cat, firstWith(lang, cat), msg)
		}
	}
}

// firstWith returns the least n in lang's category cat, or -1.
func firstWith(lang, cat string) int {
	for n := range 1000 {
		if PluralCategory(lang, n) == cat {
			return n
		}
	}
	return -1
}

func TestTexts(t *testing.T) {
	en := Texts("en")
	if en["accept_all"] != "Accept all" {
		t.Errorf(`Texts("en")["accept_all"] = %q`, en["accept_all"])
	}
	if de := Texts("de-AT"); de["accept_all"] != Texts("de")["accept_all"] || de["accept_all"] == en["accept_all"] {
		t.Errorf(`Texts("de-AT")["accept_all"] = %q, want the German text`, de["accept_all"])
	}
	if xx := Texts("xx"); xx["title"] != en["title"] || len(xx) != len(en) {
		t.Errorf(`Texts("xx") is not English`)
	}
	// Texts returns a copy: changing it does not change the bundle.
	m := Texts("fr")
	m["title"] = "changed"
	if Texts("fr")["title"] == "changed" {
		t.Error("Texts returned the bundle itself")
	}
}

func TestTextsFallsBackKeyByKey(t *testing.T) {
	b, err := loadBundles()
	if err != nil {
		t.Fatal(err)
	}
	b["zz"] = map[string]string{"title": "Zed"}
	bundleKeys["zz"] = "zz"
	defer func() { delete(b, "zz"); delete(bundleKeys, "zz") }()
	m := Texts("zz")
	if m["title"] != "Zed" || m["accept_all"] != "Accept all" {
		t.Errorf(`Texts("zz") title=%q accept_all=%q, want own title and English accept_all`, m["title"], m["accept_all"])
	}
}
