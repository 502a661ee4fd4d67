package banner

import "testing"

func TestPluralCategory(t *testing.T) {
	for _, tc := range []struct {
		lang string
		n    int
		want string
	}{
		{"en", 1, "one"}, {"en", 0, "other"}, {"en", 2, "other"},
		{"fr", 0, "one"}, {"fr", 1, "one"}, {"fr", 2, "other"},
		{"pt", 0, "other"}, {"pt-BR", 0, "one"}, {"pt-BR", 1, "one"}, {"pt", 1, "one"},
		{"is", 21, "one"}, {"is", 11, "other"},
		{"lv", 0, "zero"}, {"lv", 10, "zero"}, {"lv", 13, "zero"}, {"lv", 1, "one"}, {"lv", 21, "one"}, {"lv", 11, "zero"}, {"lv", 2, "other"},
		{"lt", 1, "one"}, {"lt", 21, "one"}, {"lt", 11, "other"}, {"lt", 2, "few"}, {"lt", 19, "other"}, {"lt", 10, "other"},
		{"pl", 1, "one"}, {"pl", 2, "few"}, {"pl", 5, "many"}, {"pl", 12, "many"}, {"pl", 22, "few"}, {"pl", 21, "many"},
		{"cs", 1, "one"}, {"cs", 4, "few"}, {"cs", 5, "other"}, {"sk", 22, "other"},
		{"sl", 1, "one"}, {"sl", 101, "one"}, {"sl", 2, "two"}, {"sl", 3, "few"}, {"sl", 5, "other"},
		{"hr", 1, "one"}, {"hr", 21, "one"}, {"hr", 11, "other"}, {"hr", 3, "few"}, {"hr", 13, "other"},
		{"ro", 1, "one"}, {"ro", 0, "few"}, {"ro", 19, "few"}, {"ro", 20, "other"}, {"ro", 102, "few"},
		{"ga", 1, "one"}, {"ga", 2, "two"}, {"ga", 6, "few"}, {"ga", 10, "many"}, {"ga", 11, "other"},
		{"mt", 1, "one"}, {"mt", 2, "two"}, {"mt", 0, "few"}, {"mt", 10, "few"}, {"mt", 11, "many"}, {"mt", 20, "other"},
		{"ar", 0, "zero"}, {"ar", 1, "one"}, {"ar", 2, "two"}, {"ar", 3, "few"}, {"ar", 11, "many"}, {"ar", 100, "other"}, {"ar", 103, "few"},
		{"he", 1, "one"}, {"he", 2, "two"}, {"he", 10, "other"},
		{"ja", 1, "other"}, {"zh-Hant", 1, "other"}, {"zh-TW", 1, "other"}, {"th", 1, "other"},
		{"de-AT", 1, "one"}, {"xx", 1, "one"}, {"en", -1, "one"},
	} {
		if got := PluralCategory(tc.lang, tc.n); got != tc.want {
			t.Errorf("PluralCategory(%q, %d) = %q, want %q", tc.lang, tc.n, got, tc.want)
		}
	}
}

func TestPlural(t *testing.T) {
	for _, tc := range []struct {
		lang, msg string
		n         int
		want      string
		ok        bool
	}{
		{"en", "{n, plural, one {# year} other {# years}}", 1, "1 year", true},
		{"en", "{n, plural, one {# year} other {# years}}", 2, "2 years", true},
		{"pl", "{n, plural, one {# rok} few {# lata} many {# lat} other {# roku}}", 22, "22 lata", true},
		{"pl", "{n, plural, one {# rok} few {# lata} many {# lat} other {# roku}}", 25, "25 lat", true},
		{"he", "{n, plural, one {שנה אחת} two {שנתיים} other {# שנים}}", 2, "שנתיים", true},
		{"ar", "{n,plural,one{a}other{# b}}", 5, "5 b", true}, // "few" missing: other
		{"en", " {n, plural, other {# x}} ", 3, "3 x", true},
		{"en", "{n, plural, one {# year}}", 1, "", false},              // no other
		{"en", "{count, plural, other {#}}", 1, "", false},             // not n
		{"en", "{n, select, other {#}}", 1, "", false},                 // not plural
		{"en", "{n, plural, one {a} one {b} other {c}}", 1, "", false}, // duplicate
		{"en", "{n, plural, lots {a} other {c}}", 1, "", false},        // no such category
		{"en", "{n, plural, one {a {b}} other {c}}", 1, "", false},     // nested
		{"en", "{n, plural, one {a} other {c}", 1, "", false},          // unclosed
		{"en", "{n, plural, one {a} other {c}} x", 1, "", false},       // trailing text
		{"en", "# years", 1, "", false},
		{"en", "", 1, "", false},
	} {
		got, ok := Plural(tc.lang, tc.msg, tc.n)
		if got != tc.want || ok != tc.ok {
			t.Errorf("Plural(%q, %q, %d) = %q, %v; want %q, %v", tc.lang, tc.msg, tc.n, got, ok, tc.want, tc.ok)
		}
	}
}

func TestBundled(t *testing.T) {
	for _, tc := range []struct {
		tag, want string
		ok        bool
	}{
		{"zh", "zh-Hans", true}, {"ZH-cn", "zh-Hans", true}, {"zh-SG", "zh-Hans", true}, {"zh-TW", "zh-Hant", true},
		{"zh-HK", "zh-Hant", true}, {"zh-MO", "zh-Hant", true}, {"zh-hant", "zh-Hant", true}, {"zh-Hans-HK", "zh-Hans", true},
		{"no", "nb", true}, {"nn", "nb", true}, {"nb-NO", "nb", true}, {"pt-br", "pt-BR", true}, {"pt-PT", "pt", true},
		{"iw", "he", true}, {"in", "id", true}, {"de_AT", "de", true}, {" fr ", "fr", true},
		{"xx", "", false}, {"", "", false}, {"-", "", false}, {"zh-", "zh-Hans", true},
	} {
		got, ok := Bundled(tc.tag)
		if got != tc.want || ok != tc.ok {
			t.Errorf("Bundled(%q) = %q, %v; want %q, %v", tc.tag, got, ok, tc.want, tc.ok)
		}
	}
	if Texts("zh-TW")["accept_all"] != Texts("zh-Hant")["accept_all"] || Texts("zh")["accept_all"] != Texts("zh-Hans")["accept_all"] {
		t.Error("Texts does not resolve Chinese by script")
	}
	if Texts("zh-Hant")["reject_all"] == Texts("zh-Hans")["reject_all"] {
		t.Error("Simplified and Traditional Chinese share their Reject text")
	}
}

func TestDirection(t *testing.T) {
	for tag, want := range map[string]string{
		"ar": "rtl", "ar-EG": "rtl", "he": "rtl", "HE-il": "rtl", "iw": "rtl", "fa": "rtl", "ur_PK": "rtl",
		"en": "ltr", "zh-Hant": "ltr", "ja": "ltr", "": "ltr", "arn": "ltr", "tr": "ltr",
	} {
		if got := Direction(tag); got != want {
			t.Errorf("Direction(%q) = %q, want %q", tag, got, want)
		}
	}
	for _, l := range Languages() {
		want := "ltr"
		if l == "ar" || l == "he" {
			want = "rtl"
		}
		if got := Direction(l); got != want {
			t.Errorf("Direction(%q) = %q, want %q", l, got, want)
		}
	}
}
