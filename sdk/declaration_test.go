package sdk

import (
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"
)

// usesGoogleAnalytics declares that the site uses Google Analytics, so
// that the catalogue's cookies of it are listed (vendors_listed.go).
var usesGoogleAnalytics = []Vendor{{Vendor: "Google Analytics", Category: Analytics}}

func TestCookieDeclarationJSON(t *testing.T) {
	c := newTestConsent(t, Options{Categories: []Category{{Key: Analytics, Cookies: []string{"_stats", "_stats_*"}}}, Vendors: usesGoogleAnalytics})
	r := httptest.NewRequest("GET", "/_consent/cookies", nil)
	r.Header.Set("Accept", "application/json")
	w := serve(c, r)
	var got struct {
		Lang       string             `json:"lang"`
		Categories []declaredCategory `json:"categories"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil {
		t.Fatalf("%v: %s", err, w.Body.String())
	}
	rows := map[string]declaredCookie{}
	cats := map[string]declaredCategory{}
	for _, cat := range got.Categories {
		cats[cat.Key] = cat
		for _, ck := range cat.Cookies {
			rows[cat.Key+"/"+ck.Name] = ck
		}
	}
	if len(got.Categories) != 5 || cats[Analytics].Label != "Analytics" || cats[Analytics].Description == "" || !cats[Necessary].Locked {
		t.Errorf("categories = %+v", got.Categories)
	}
	ga := rows["analytics/_ga"]
	if ga.Vendor != "Google Analytics" || ga.Purpose == "" || ga.Lifetime == "" || ga.Party != FirstParty {
		t.Errorf("_ga row = %+v", ga)
	}
	if ck, ok := rows["necessary/consent"]; !ok || ck.Lifetime != "180 to 365 days" {
		t.Errorf("the consent cookie is not declared under necessary: %+v", ck)
	}
	if ck := rows["analytics/_stats_*"]; ck.Party != FirstParty || ck.Vendor != "" {
		t.Errorf("configured cookie row = %+v", ck)
	}
	third := 0
	for _, ck := range rows {
		if ck.Party == ThirdParty {
			third++
			if ck.Host == "" {
				t.Errorf("third-party cookie %s has no host", ck.Name)
			}
		}
	}
	if third == 0 {
		t.Errorf("no third-party cookies declared")
	}
}

func TestCookieDeclarationHTMLInVisitorLanguage(t *testing.T) {
	c := newTestConsent(t, Options{Vendors: usesGoogleAnalytics})
	r := httptest.NewRequest("GET", "/_consent/cookies", nil)
	r.Header.Set("Accept-Language", "ja,en;q=0.5")
	w := serve(c, r)
	body := w.Body.String()
	if !strings.HasPrefix(w.Header().Get("Content-Type"), "text/html") {
		t.Fatalf("content type %q", w.Header().Get("Content-Type"))
	}
	for _, want := range []string{`<html lang="ja" dir="ltr">`, "Cookie一覧", "<td>2年</td>", "<td>180日～365日</td>", `<th scope="col">有効期間</th>`, "<code>_ga</code>",
		`<form method="post" action="/_consent"`, `name="action" value="reject_all"`, `value="necessary" checked disabled`} {
		if !strings.Contains(body, want) {
			t.Errorf("declaration lacks %q", want)
		}
	}
	if strings.Contains(body, `value="analytics" checked`) {
		t.Errorf("analytics is ticked before any choice")
	}
}

// TestCookieDeclarationLocalised: the declaration page speaks the visitor's
// language down to the lifetimes (with the language's plural forms) and the
// consent cookie's purpose, and is laid out right to left in Arabic and
// Hebrew.
func TestCookieDeclarationLocalised(t *testing.T) {
	c := newTestConsent(t, Options{Vendors: usesHandWritten()})
	for _, tc := range []struct {
		accept string
		want   []string
	}{
		{"de-DE", []string{`<html lang="de" dir="ltr">`, "<td>2 Jahre</td>", "<td>1 Jahr</td>", "<td>Sitzung</td>", "<td>180 Tage bis 365 Tage</td>", "Speichert Ihre Cookie-Auswahl"}},
		{"pl", []string{"<td>2 lata</td>", "<td>13 miesięcy</td>", "<td>30 minut</td>", "<td>1 rok</td>"}},
		{"ar", []string{`<html lang="ar" dir="rtl">`, "<td>سنتان</td>", "<td>13 شهرًا</td>", "<td>سنة واحدة</td>"}},
		{"he-IL", []string{`<html lang="he" dir="rtl">`, "<td>שנתיים</td>", "<td>שנה אחת</td>"}},
		{"zh-TW", []string{`<html lang="zh-Hant" dir="ltr">`, "<td>2年</td>", "<td>工作階段</td>"}},
		{"en", []string{`<html lang="en" dir="ltr">`, "<td>2 years</td>", "<td>180 to 365 days</td>", "Remembers your cookie choice"}},
	} {
		r := httptest.NewRequest("GET", "/_consent/cookies", nil)
		r.Header.Set("Accept-Language", tc.accept)
		body := serve(c, r).Body.String()
		for _, want := range tc.want {
			if !strings.Contains(body, want) {
				t.Errorf("%s: declaration lacks %q", tc.accept, want)
			}
		}
	}
}
