package banner

import (
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
		{"zh-TW to zh", "zh-TW,zh;q=0.9", nil, "en", "zh"},
		{"script and region", "zh-Hant-TW", nil, "en", "zh"},
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

func TestLanguages(t *testing.T) {
	langs := Languages()
	if len(langs) == 0 || langs[0] != "en" {
		t.Fatalf("Languages() = %v, want en first", langs)
	}
	for _, l := range []string{"en", "ja", "de", "fr", "es", "sv"} { // SPEC minimum
		if !slices.Contains(langs, l) {
			t.Errorf("Languages() lacks %q", l)
		}
	}
}

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
			if !ok || strings.TrimSpace(got) == "" {
				t.Errorf("%s lacks %q", lang, k)
				continue
			}
			if strings.Contains(v, "{category}") != strings.Contains(got, "{category}") {
				t.Errorf("%s %q: {category} placeholder mismatch: %q", lang, k, got)
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
	}
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
	defer delete(b, "zz")
	m := Texts("zz")
	if m["title"] != "Zed" || m["accept_all"] != "Accept all" {
		t.Errorf(`Texts("zz") title=%q accept_all=%q, want own title and English accept_all`, m["title"], m["accept_all"])
	}
}
