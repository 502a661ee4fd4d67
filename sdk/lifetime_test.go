package sdk

import (
	"testing"

	"github.com/consentry/consentry/banner"
)

func TestLocalLifetime(t *testing.T) {
	for _, tc := range []struct {
		lang, en, want string
	}{
		{"de", "2 years", "2 Jahre"},
		{"de", "1 year", "1 Jahr"},
		{"de", "session", "Sitzung"},
		{"de", "session to 1 year", "Sitzung bis 1 Jahr"},
		{"de", "30 seconds to 1 year", "30 Sekunden bis 1 Jahr"},
		{"de", "180 to 365 days", "180 Tage bis 365 Tage"},
		{"de", "24 Hours", "24 Stunden"},
		{"fr", "1 minute", "1 minute"},
		{"fr", "13 months", "13 mois"},
		{"pl", "2 years", "2 lata"},
		{"pl", "5 years", "5 lat"},
		{"pl", "22 days", "22 dni"},
		{"cs", "3 months", "3 měsíce"},
		{"cs", "13 months", "13 měsíců"},
		{"lt", "21 days", "21 diena"},
		{"ar", "2 years", "سنتان"},
		{"ar", "3 months", "3 أشهر"},
		{"he", "2 days", "יומיים"},
		{"ja", "90 days", "90日"},
		{"zh-Hant", "2 weeks", "2週"},
		{"en", "180 to 365 days", "180 to 365 days"}, // English stays as written
		// Anything else stays as written.
		{"de", "until the browser closes", "until the browser closes"},
		{"de", "2 fortnights", "2 fortnights"},
		{"de", "-1 days", "-1 days"},
		{"de", "x to 2 years", "x to 2 years"},
		{"de", "", ""},
	} {
		if got := localLifetime(tc.lang, banner.Texts(tc.lang), tc.en); got != tc.want {
			t.Errorf("localLifetime(%q, %q) = %q, want %q", tc.lang, tc.en, got, tc.want)
		}
	}
	// A broken override of a unit leaves the lifetime in English.
	tx := banner.Texts("de")
	tx["life.year"] = "# Jahre"
	if got := localLifetime("de", tx, "2 years"); got != "2 years" {
		t.Errorf("with a broken plural message: %q, want the English", got)
	}
}

// TestCatalogueLifetimesLocalised: every lifetime the built-in catalogue
// gives is one localLifetime understands, so no row of a cookie table
// stays in English in another language.
func TestCatalogueLifetimesLocalised(t *testing.T) {
	de := banner.Texts("de")
	for _, v := range BuiltinCatalogue() {
		for _, ck := range v.Cookies {
			if ck.Lifetime == "" {
				continue
			}
			if got := localLifetime("de", de, ck.Lifetime); got == ck.Lifetime {
				t.Errorf("%s %s: lifetime %q is not localised", v.Vendor, ck.Name, ck.Lifetime)
			}
		}
	}
}
