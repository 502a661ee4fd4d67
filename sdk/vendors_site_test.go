package sdk

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// siteVendor is a site's own vendor as an operator declares it.
func siteVendor() Vendor {
	return Vendor{
		Vendor: "Nimbus Stats", Category: Analytics, PrivacyURL: "https://stats.nimbus.example/privacy",
		Hosts: []string{"stats.nimbus.example"}, Patterns: []string{"nimbus('init'"},
		Cookies: []VendorCookie{
			{Name: "_ns_id", Purpose: "Counts unique visitors", Purposes: map[string]string{"de": "Zählt eindeutige Besucher"}, Lifetime: "13 months", Party: FirstParty},
			{Name: "ns_sync", Purpose: "Syncs visitor ids", Lifetime: "session", Party: ThirdParty, Host: "nimbus.example"},
		},
	}
}

// TestSiteVendorDeclaredAndEnforced: a site's own vendor is listed in the
// cookie declaration with its purposes (translated where the operator
// translated them) and lifetimes (always in the visitor's language), its
// tags are neutralised and its first-party cookies dropped before consent.
func TestSiteVendorDeclaredAndEnforced(t *testing.T) {
	for _, builtin := range []bool{true, false} {
		c := newTestConsent(t, Options{Vendors: []Vendor{siteVendor()}, NoBuiltinCatalogue: !builtin})
		for _, lang := range []string{"en", "de"} {
			r := httptest.NewRequest("GET", "/_consent/cookies", nil)
			r.Header.Set("Accept", "application/json")
			r.Header.Set("Accept-Language", lang)
			w := serve(c, r)
			var got struct {
				Categories []declaredCategory `json:"categories"`
			}
			if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil {
				t.Fatalf("%v: %s", err, w.Body.String())
			}
			rows := map[string]declaredCookie{}
			for _, cat := range got.Categories {
				for _, ck := range cat.Cookies {
					rows[cat.Key+"/"+ck.Name] = ck
				}
			}
			want := map[string]declaredCookie{
				"en": {Name: "_ns_id", Vendor: "Nimbus Stats", Purpose: "Counts unique visitors", Lifetime: "13 months", Party: FirstParty},
				"de": {Name: "_ns_id", Vendor: "Nimbus Stats", Purpose: "Zählt eindeutige Besucher", Lifetime: "13 Monate", Party: FirstParty},
			}[lang]
			if got := rows["analytics/_ns_id"]; got.Name != want.Name || got.Vendor != want.Vendor || got.Purpose != want.Purpose || got.Lifetime != want.Lifetime || got.Party != want.Party {
				t.Errorf("builtin %v, %s: _ns_id row = %+v, want %+v", builtin, lang, got, want)
			}
			if got := rows["analytics/ns_sync"]; got.Party != ThirdParty || got.Host != "nimbus.example" || got.Purpose != "Syncs visitor ids" {
				t.Errorf("builtin %v, %s: ns_sync row = %+v (untranslated purposes stay English)", builtin, lang, got)
			}
			if _, ok := rows["analytics/_ga"]; ok {
				t.Errorf("builtin %v: the catalogue's _ga listed, on a site that declares no Google Analytics", builtin)
			}
		}

		page := `<html><head></head><body><script src="https://stats.nimbus.example/n.js"></script><script>nimbus('init', 1)</script></body></html>`
		h := c.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Header().Add("Set-Cookie", "_ns_id=1; Path=/")
			w.Header().Add("Set-Cookie", "session=2; Path=/")
			io.WriteString(w, page)
		}))
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
		body := w.Body.String()
		if strings.Contains(body, `<script src="https://stats.nimbus.example`) || strings.Contains(body, "<script>nimbus(") {
			t.Errorf("builtin %v: the vendor's tags are live before consent:\n%s", builtin, body)
		}
		cookies := strings.Join(w.Header().Values("Set-Cookie"), "\n")
		if strings.Contains(cookies, "_ns_id=1") || !strings.Contains(cookies, "session=2") {
			t.Errorf("builtin %v: Set-Cookie = %q, want _ns_id dropped and session kept", builtin, cookies)
		}
	}
}

// TestCheckVendor pins the errors a site's own vendor gets at load.
func TestCheckVendor(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(*Vendor)
		want string
	}{
		{"no name", func(v *Vendor) { v.Vendor = " " }, "a name is required"},
		{"no category", func(v *Vendor) { v.Category = "" }, "a category is required"},
		{"unknown category", func(v *Vendor) { v.Category = "analytcs" }, `did you mean "analytics"`},
		{"bad path", func(v *Vendor) { v.Paths = []string{"metrics/"} }, "paths"},
		{"bad cookie name", func(v *Vendor) { v.Cookies[0].Name = "a b" }, "not a cookie name"},
		{"bad party", func(v *Vendor) { v.Cookies[0].Party = "1st" }, `party "1st"`},
		{"first party with host", func(v *Vendor) { v.Cookies[0].Host = "x.example" }, "leave host out"},
		{"third party without host", func(v *Vendor) { v.Cookies[1].Host = "" }, "needs the host"},
		{"no purpose", func(v *Vendor) { v.Cookies[0].Purpose = "" }, "a purpose is required"},
		{"unreadable lifetime", func(v *Vendor) { v.Cookies[0].Lifetime = "forever" }, `lifetime "forever"`},
		{"no lifetime", func(v *Vendor) { v.Cookies[0].Lifetime = "" }, "lifetime"},
		{"unbundled translation", func(v *Vendor) { v.Cookies[0].Purposes = map[string]string{"tlh": "x"} }, `purpose in "tlh"`},
		{"a range", func(v *Vendor) { v.Cookies[0].Lifetime = "30 to 90 days" }, ""},
	} {
		v := siteVendor()
		tc.edit(&v)
		err := CheckVendor([]Vendor{v}, 0, nil)
		if tc.want == "" {
			if err != nil {
				t.Errorf("%s: %v", tc.name, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.want)
		}
		if _, err := New(Options{Vendors: []Vendor{v}}); err == nil {
			t.Errorf("%s: New accepted the vendor", tc.name)
		}
	}
	if err := CheckVendor([]Vendor{siteVendor(), siteVendor()}, 1, nil); err == nil || !strings.Contains(err.Error(), "declared twice") {
		t.Errorf("a vendor declared twice: %v", err)
	}
}
