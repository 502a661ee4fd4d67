package sdk

import (
	"encoding/json"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// TestConfigCarriesCookieNamesOnly: the banner configuration (a deferred
// script, cached) carries, per category, only the cookie names (and the
// vendors' names with their hosts, which the placeholders name), under
// 8 KB for the built-in catalogue in English (7.2 KB since the vendor
// names came in for issue 16, 6.4 KB before, against 19 KB with the full
// tables); the full cookie table comes from the config's cookieData, a
// cacheable same-origin file fetched when the preference centre opens, and
// the notice still holds every detail.
func TestConfigCarriesCookieNamesOnly(t *testing.T) {
	c := newTestConsent(t, Options{Languages: []string{"en"}, Vendors: usesGoogleAnalytics})
	inline := configScriptJSON(t, c, renderPage(t, c, ""))
	t.Logf("configuration (en): %d B", len(inline))
	if len(inline) >= 8<<10 {
		t.Errorf("configuration is %d B, want under 8 KB", len(inline))
	}
	var cfg struct {
		CookieData string              `json:"cookieData"`
		Vendors    map[string][]string `json:"vendors"`
		Categories []struct {
			Key     string            `json:"key"`
			Cookies []json.RawMessage `json:"cookies"`
		} `json:"categories"`
	}
	if err := json.Unmarshal(inline, &cfg); err != nil {
		t.Fatalf("%v: %s", err, inline)
	}
	names := map[string][]string{}
	hosts := 0
	for _, list := range cfg.Vendors {
		hosts += len(list)
	}
	for _, cat := range cfg.Categories {
		for _, raw := range cat.Cookies {
			var name string
			if err := json.Unmarshal(raw, &name); err != nil {
				t.Fatalf("category %s: cookie %s is not a bare name", cat.Key, raw)
			}
			names[cat.Key] = append(names[cat.Key], name)
		}
	}
	if !slices.Contains(names[Analytics], "_ga") || !slices.Contains(names[Necessary], "consent") || hosts == 0 {
		t.Errorf("configuration lost names or hosts: names %v, %d hosts", names, hosts)
	}
	for _, word := range []string{`"purpose"`, `"lifetime"`, `"party"`} {
		if strings.Contains(string(inline), word) {
			t.Errorf("configuration carries %s", word)
		}
	}

	// The details: same names in the same order, with purpose, lifetime
	// and party, cached for good.
	if !strings.HasPrefix(cfg.CookieData, "/_consent/cookies.en.") || !strings.HasSuffix(cfg.CookieData, ".json") {
		t.Fatalf("cookieData = %q", cfg.CookieData)
	}
	w := serve(c, httptest.NewRequest("GET", cfg.CookieData, nil))
	if w.Code != 200 || w.Header().Get("Cache-Control") != "public, max-age=31536000, immutable" ||
		w.Header().Get("Content-Type") != "application/json" || w.Header().Get("ETag") == "" {
		t.Fatalf("GET %s: %d %v", cfg.CookieData, w.Code, w.Header())
	}
	var details map[string][]bannerCookie
	if err := json.Unmarshal(w.Body.Bytes(), &details); err != nil {
		t.Fatalf("%v: %s", err, w.Body.String())
	}
	for key, list := range names {
		var got []string
		for _, ck := range details[key] {
			got = append(got, ck.Name)
		}
		if !slices.Equal(got, list) {
			t.Errorf("%s: details name %v, inline %v", key, got, list)
		}
	}
	ga := details[Analytics][slices.Index(names[Analytics], "_ga")]
	if ga.Purpose == "" || ga.Lifetime == "" || ga.Party != FirstParty {
		t.Errorf("_ga details = %+v", ga)
	}
	r := httptest.NewRequest("GET", cfg.CookieData, nil)
	r.Header.Set("If-None-Match", w.Header().Get("ETag"))
	if w := serve(c, r); w.Code != 304 {
		t.Errorf("revalidation: %d, want 304", w.Code)
	}
	// Details under another hash (named by an older listing's
	// configuration) get the current ones, revalidated; a language not
	// offered gets nothing.
	if w := serve(c, httptest.NewRequest("GET", "/_consent/cookies.en.000000000000.json", nil)); w.Code != 200 ||
		w.Body.String() != string(c.texts.cookieDetailsJSON("en")) || strings.Contains(w.Header().Get("Cache-Control"), "immutable") {
		t.Errorf("details under another hash: %d %v", w.Code, w.Header())
	}
	if w := serve(c, httptest.NewRequest("GET", "/_consent/cookies.de.000000000000.json", nil)); w.Code != 404 {
		t.Errorf("details of a language not offered: %d, want 404", w.Code)
	}

	// The notice proves what the visitor could see: the full tables too.
	notice := c.notices(c.texts.cur.Load())["en"]
	var content struct {
		CookieTables map[string][]bannerCookie `json:"cookie_tables"`
	}
	if err := json.Unmarshal(notice.Content, &content); err != nil {
		t.Fatalf("notice: %v", err)
	}
	if !reflect.DeepEqual(content.CookieTables, details) {
		t.Errorf("the notice's cookie tables differ from the served details")
	}
}
