package sdk

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
)

// declared returns the cookie declaration's names by category, as a
// visitor's browser gets it from /_consent/cookies.
func declared(t *testing.T, c *Consent) map[string][]string {
	t.Helper()
	r := httptest.NewRequest("GET", "/_consent/cookies", nil)
	r.Header.Set("Accept", "application/json")
	w := serve(c, r)
	var got struct {
		Categories []declaredCategory `json:"categories"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil {
		t.Fatalf("%v: %s", err, w.Body.String())
	}
	out := map[string][]string{}
	for _, cat := range got.Categories {
		for _, ck := range cat.Cookies {
			out[cat.Key] = append(out[cat.Key], ck.Name)
		}
	}
	return out
}

// preferenceCentre returns the cookie names of the preference centre's
// tables by category, as the banner loads them: the configuration script
// the page names, then the details file it names.
func preferenceCentre(t *testing.T, c *Consent) map[string][]string {
	t.Helper()
	var cfg struct {
		CookieData string `json:"cookieData"`
		Categories []struct {
			Key     string   `json:"key"`
			Cookies []string `json:"cookies"`
		} `json:"categories"`
	}
	if err := json.Unmarshal(configScriptJSON(t, c, renderPage(t, c, "")), &cfg); err != nil {
		t.Fatal(err)
	}
	w := serve(c, httptest.NewRequest("GET", cfg.CookieData, nil))
	var details map[string][]bannerCookie
	if err := json.Unmarshal(w.Body.Bytes(), &details); err != nil {
		t.Fatalf("GET %s: %v: %s", cfg.CookieData, err, w.Body.String())
	}
	out := map[string][]string{}
	for _, cat := range cfg.Categories {
		var names []string
		for _, ck := range details[cat.Key] {
			names = append(names, ck.Name)
		}
		if !slices.Equal(names, cat.Cookies) {
			t.Errorf("%s: configuration names %v, details %v", cat.Key, cat.Cookies, names)
		}
		out[cat.Key] = names
	}
	return out
}

// TestBareConsentListsNoUnrelatedVendor: with nothing declared and nothing
// seen, the preference centre and the declaration list the consent cookie
// and no analytics, advertising, social or preferences cookie of the
// catalogue's vendors (it lists 100 on every site before).
func TestBareConsentListsNoUnrelatedVendor(t *testing.T) {
	c := newTestConsent(t, Options{Languages: []string{"en", "de"}})
	for what, got := range map[string]map[string][]string{"declaration": declared(t, c), "preference centre": preferenceCentre(t, c)} {
		for _, key := range []string{Analytics, Advertising, Social, Preferences} {
			if len(got[key]) != 0 {
				t.Errorf("%s lists %s cookies of vendors the site does not use: %v", what, key, got[key])
			}
		}
		if !slices.Equal(got[Necessary], []string{"consent"}) {
			t.Errorf("%s: necessary = %v, want the consent cookie", what, got[Necessary])
		}
	}
	if v := c.listedVendors(); len(v) != 0 {
		t.Errorf("listed before anything was seen: %v", v)
	}
	// The catalogue still acts: a refused host is held, its cookies dropped.
	if c.match.ClassifyHost("www.google-analytics.com") != Analytics || c.match.ClassifyCookie("_ga") != Analytics {
		t.Errorf("the catalogue no longer matches")
	}
}

// TestDeclaredVendorListed: a vendor the site declares by the catalogue's
// name (any case) is listed with the catalogue's cookies, its own cookies
// first; the others are not.
func TestDeclaredVendorListed(t *testing.T) {
	c := newTestConsent(t, Options{Vendors: []Vendor{
		{Vendor: "google analytics", Category: Analytics, Cookies: []VendorCookie{
			{Name: "_ga", Purpose: "Our words for it", Lifetime: "2 years", Party: FirstParty},
		}},
	}})
	for what, got := range map[string]map[string][]string{"declaration": declared(t, c), "preference centre": preferenceCentre(t, c)} {
		if !slices.Contains(got[Analytics], "_ga") || !slices.Contains(got[Analytics], "_gid") {
			t.Errorf("%s: analytics %v, want Google Analytics' cookies", what, got[Analytics])
		}
		if n := strings.Count(strings.Join(got[Analytics], " ")+" ", "_ga "); n != 1 {
			t.Errorf("%s: _ga listed %d times", what, n)
		}
		if len(got[Advertising]) != 0 {
			t.Errorf("%s: advertising %v, declared none", what, got[Advertising])
		}
	}
	for _, cat := range c.declaration("en", &State{}) {
		for _, ck := range cat.Cookies {
			if ck.Name == "_ga" && ck.Purpose != "Our words for it" {
				t.Errorf("_ga purpose %q: the site's own declaration comes first", ck.Purpose)
			}
		}
	}
}

// TestSeenVendorListed: a catalogue vendor the inventory sees, by a host
// a page loads from or a cookie a response sets, is listed from then on:
// new configuration and details files (their names change, and so does
// the page's state tag), a new notice registered, the declaration.
func TestSeenVendorListed(t *testing.T) {
	c := newTestConsent(t, Options{Languages: []string{"en", "fr"}})
	r := httptest.NewRequest("GET", "/", nil)
	tag0, script0, notice0 := c.stateTag(r, &State{}), c.texts.scriptName("en"), c.texts.cur.Load().notices["en"]
	if got := declared(t, c)[Advertising]; len(got) != 0 {
		t.Fatalf("advertising before: %v", got)
	}

	// A page loads Meta's pixel: Meta is seen by its host.
	servePage(c, `<html><head><script src="https://connect.facebook.net/en_US/fbevents.js"></script></head><body></body></html>`)
	meta := c.hostVendor("connect.facebook.net", Advertising)
	if meta == "" {
		t.Fatal("connect.facebook.net has no advertising vendor in the catalogue")
	}
	if got := c.listedVendors(); !slices.Equal(got, []string{meta}) {
		t.Errorf("listed %v, want [%s]", got, meta)
	}
	fbp := func(m map[string][]string) bool { return slices.Contains(m[Advertising], "_fbp") }
	if !fbp(declared(t, c)) || !fbp(preferenceCentre(t, c)) {
		t.Errorf("after the pixel: the declaration or the preference centre lacks _fbp")
	}
	if c.texts.scriptName("en") == script0 || c.stateTag(r, &State{}) == tag0 || c.texts.cur.Load().notices["en"] == notice0 {
		t.Errorf("the configuration script's name, the state tag or the notice did not change")
	}
	if len(declared(t, c)[Analytics]) != 0 {
		t.Errorf("analytics listed before any analytics vendor was seen")
	}

	// A response sets _ga: Google Analytics is seen by its cookie.
	set := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Add("Set-Cookie", "_ga=GA1.1.1; Path=/")
		w.Header().Set("Content-Type", "text/plain")
	})
	c.Handler(set).ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/x", nil))
	c.awaitListing()
	if !slices.Contains(declared(t, c)[Analytics], "_ga") {
		t.Errorf("after Set-Cookie _ga: analytics %v", declared(t, c)[Analytics])
	}
	// Seen again: nothing rebuilt.
	script1 := c.texts.scriptName("en")
	servePage(c, `<script src="https://connect.facebook.net/en_US/fbevents.js"></script>`)
	if c.texts.scriptName("en") != script1 {
		t.Errorf("seeing a listed vendor again rebuilt the listing")
	}
	// Clearing the inventory forgets what it saw.
	c.Inventory().Clear()
	c.noteVendor(meta)
	c.awaitListing()
	if got := c.listedVendors(); !slices.Equal(got, []string{meta}) {
		t.Errorf("after Clear and Meta again: listed %v", got)
	}
	if slices.Contains(declared(t, c)[Analytics], "_ga") {
		t.Errorf("after Clear: _ga still listed")
	}
}

// TestSeenVendorsBounded: pages naming more catalogued vendors than
// MaxSeenVendors list MaxSeenVendors of them, in name order, and no
// more; a vendor the catalogue does not know is never listed.
func TestSeenVendorsBounded(t *testing.T) {
	c := newTestConsent(t, Options{Languages: []string{"en"}})
	var page strings.Builder
	names := map[string]bool{}
	for _, v := range builtin() {
		if len(v.Hosts) == 0 || names[v.Vendor] || v.Category == Necessary || c.hostVendor(v.Hosts[0], c.match.ClassifyHost(v.Hosts[0])) != v.Vendor {
			continue
		}
		names[v.Vendor] = true
		fmt.Fprintf(&page, `<img src="https://%s/p.gif">`, v.Hosts[0])
		if len(names) == MaxSeenVendors+10 {
			break
		}
	}
	c.noteVendor("No Such Vendor")
	servePage(c, page.String())
	got := c.listedVendors()
	if len(got) != MaxSeenVendors || !slices.IsSorted(got) {
		t.Errorf("listed %d vendors (sorted %v), want %d", len(got), slices.IsSorted(got), MaxSeenVendors)
	}
	if slices.Contains(got, "No Such Vendor") {
		t.Errorf("a name the catalogue does not know was listed")
	}
}

// BenchmarkRelist: what listing one newly seen vendor costs, once per
// vendor and at most MaxSeenVendors times per Consent: the banner
// configuration, cookie details, declaration and notices of every bundled
// language.
func BenchmarkRelist(b *testing.B) {
	c, err := New(Options{Keys: []KeyPair{{Hash: testHash, Block: testBlock}}, Vendors: usesHandWritten()})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := c.relist(); err != nil {
			b.Fatal(err)
		}
	}
}
