package sdk

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// htmlUpstream answers every request with a small HTML page.
var htmlUpstream = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = io.WriteString(w, "<!doctype html><html><head><title>t</title></head><body><p>page</p></body></html>")
})

// TestTwoConsentCookiesAreNoChoice: a sibling subdomain (Domain=parent)
// or a longer path can plant a second cookie of the consent cookie's name,
// which the browser then sends first. More than one means "no choice
// yet": the page shows the banner with the regime's defaults, and a
// decision made then gets a fresh consent id, never the planted one.
func TestTwoConsentCookiesAreNoChoice(t *testing.T) {
	c, l, st := loggedConsent(t, Options{})
	planted := acceptAllChoice(c)
	planted.ID = strings.Repeat("ee", 16)
	own := acceptAllChoice(c)
	own.ID = strings.Repeat("11", 16)
	own.Method, own.Granted = MethodRejectAll, []string{Necessary}
	name := c.opts.CookieName
	both := name + "=" + mustEncode(t, c, planted) + "; " + name + "=" + mustEncode(t, c, own)

	// Each alone is a choice.
	if s := stateWithCookies(t, c, "/_consent", name+"="+mustEncode(t, c, planted)); !s.Decided || s.ID != planted.ID {
		t.Fatalf("one valid cookie: state %+v, want its choice", s)
	}

	// Both: no choice, in the state endpoint and in the page.
	if s := stateWithCookies(t, c, "/_consent", both); s.Decided || s.ID != "" || s.Allowed(Analytics) {
		t.Errorf("two consent cookies: state %+v, want no choice", s)
	}
	if s := stateWithCookies(t, c, "/_consent", name+"="+mustEncode(t, c, planted), name+"="+mustEncode(t, c, own)); s.Decided {
		t.Errorf("two consent cookies in two Cookie lines: state %+v, want no choice", s)
	}
	r := httptest.NewRequest("GET", "/page", nil)
	r.Header.Set("Cookie", both)
	w := httptest.NewRecorder()
	c.Handler(htmlUpstream).ServeHTTP(w, r)
	page := w.Body.String()
	if !strings.Contains(page, `"decided":false`) || strings.Contains(page, planted.ID) || !strings.Contains(page, `id="consentry-nojs"`) {
		t.Errorf("page with two consent cookies does not ask: %.300s", page)
	}

	// A decision made now is recorded under a fresh id.
	r = httptest.NewRequest("POST", "/_consent", strings.NewReader(`{"action":"reject_all"}`))
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("Cookie", both)
	w = serve(c, r)
	if w.Code != http.StatusOK {
		t.Fatalf("POST: %d %s", w.Code, w.Body)
	}
	s := decodeState(t, w)
	if s.ID == planted.ID || s.ID == own.ID || len(s.ID) != 32 {
		t.Errorf("decision with two consent cookies got id %q, want a fresh one (planted %s, own %s)", s.ID, planted.ID, own.ID)
	}
	flushLog(t, l)
	if len(st.records) != 1 || st.records[0].SubjectID != s.ID {
		t.Fatalf("records %+v, want one under the fresh id %s", st.records, s.ID)
	}
	if st.records[0].EventType != "refused" {
		t.Errorf("event type %q: a first decision after an ambiguous state is not an update of either cookie's", st.records[0].EventType)
	}
}

// TestTwoConsentCookiesOtherNameIgnored: only the name in use counts. Over
// HTTPS with no cookie domain that is __Host-consent, which no sibling can
// plant; a plain "consent" cookie beside it is someone else's and changes
// nothing.
func TestTwoConsentCookiesOtherNameIgnored(t *testing.T) {
	c := newTestConsent(t, Options{})
	ch := acceptAllChoice(c)
	v := mustEncode(t, c, ch)
	r := httptest.NewRequest("GET", "https://example.com/_consent", nil)
	r.Header.Set("Cookie", "consent=planted; __Host-consent="+v+"; consentx=1")
	if s := decodeState(t, serve(c, r)); !s.Decided || s.ID != ch.ID {
		t.Errorf("state %+v: a plain consent cookie beside __Host-consent over HTTPS took the choice away", s)
	}
	r.Header.Set("Cookie", "__Host-consent="+v+"; __Host-consent="+v)
	if s := decodeState(t, serve(c, r)); s.Decided {
		t.Errorf("state %+v: two __Host-consent cookies are still a choice", s)
	}
}

// TestStrayConsentCookiesExpired: when a request carries several consent
// cookies, the response deletes the ones it can name that are not the
// engine's own (same name, another Domain), so a visitor is asked once,
// not on every page: after a planted parent-domain cookie, or after the
// operator set or removed cookie_domain (the old cookie stays in the
// browser beside the new one). The engine's own cookie is never deleted
// by a page, and a decision sets it after the deletions.
func TestStrayConsentCookiesExpired(t *testing.T) {
	cases := []struct {
		name         string
		domain       string // Options.CookieDomain
		want, refuse []string
	}{
		{"host-only cookie, parent planted", "", []string{"consent=; Path=/; Domain=example.com; Max-Age=0"}, []string{"consent=; Path=/; Max-Age=0"}},
		{"domain cookie, old host-only left", "example.com", []string{"consent=; Path=/; Max-Age=0"}, []string{"Domain=example.com"}},
		{"subdomain cookie domain", "shop.example.com", []string{"consent=; Path=/; Max-Age=0", "consent=; Path=/; Domain=example.com; Max-Age=0"}, []string{"Domain=shop.example.com"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := newTestConsent(t, Options{CookieDomain: tc.domain})
			v := mustEncode(t, c, acceptAllChoice(c))
			for _, target := range []string{"http://www.shop.example.com/page", "http://www.shop.example.com/_consent"} {
				r := httptest.NewRequest("GET", target, nil)
				r.Header.Set("Cookie", "consent="+v+"; consent="+v)
				w := httptest.NewRecorder()
				c.Handler(htmlUpstream).ServeHTTP(w, r)
				got := strings.Join(w.Header().Values("Set-Cookie"), "\n")
				for _, want := range tc.want {
					if !strings.Contains(got, want) {
						t.Errorf("%s: Set-Cookie %q lacks %q", target, got, want)
					}
				}
				for _, bad := range tc.refuse {
					if strings.Contains(got, bad) {
						t.Errorf("%s: Set-Cookie %q deletes the engine's own cookie (%q)", target, got, bad)
					}
				}
			}
			// One cookie: nothing is deleted.
			r := httptest.NewRequest("GET", "http://www.shop.example.com/page", nil)
			r.Header.Set("Cookie", "consent="+v)
			w := httptest.NewRecorder()
			c.Handler(htmlUpstream).ServeHTTP(w, r)
			if sc := w.Header().Values("Set-Cookie"); len(sc) != 0 {
				t.Errorf("one consent cookie: Set-Cookie %q", sc)
			}
		})
	}

	// A decision made with two cookies deletes the stray first and sets
	// its own last, so the browser keeps the new one.
	c := newTestConsent(t, Options{})
	v := mustEncode(t, c, acceptAllChoice(c))
	r := httptest.NewRequest("POST", "http://www.example.com/_consent", strings.NewReader(`{"action":"reject_all"}`))
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("Cookie", "consent="+v+"; consent="+v)
	sc := serve(c, r).Header().Values("Set-Cookie")
	if len(sc) < 2 || !strings.Contains(sc[0], "Domain=example.com; Max-Age=0") || !strings.HasPrefix(sc[len(sc)-1], "consent=") || strings.Contains(sc[len(sc)-1], "Max-Age=0") {
		t.Errorf("decision with two cookies: Set-Cookie %q, want the stray deleted, then the new cookie", sc)
	}
}

// TestCookieBoundToSite: the signed choice names the site it was made for,
// the cookie domain when one is set, else the host; a cookie made for one
// site is no choice on another, even where both share the keys (two site
// blocks of one Caddy, two tenants).
func TestCookieBoundToSite(t *testing.T) {
	decide := func(t *testing.T, c *Consent, target string) string {
		t.Helper()
		r := httptest.NewRequest("POST", target, strings.NewReader(`{"action":"accept_all"}`))
		r.Header.Set("Content-Type", "application/json")
		w := serve(c, r)
		if w.Code != http.StatusOK {
			t.Fatalf("POST %s: %d %s", target, w.Code, w.Body)
		}
		return strings.Split(w.Header().Get("Set-Cookie"), ";")[0]
	}
	decided := func(c *Consent, target, cookie string) bool {
		r := httptest.NewRequest("GET", target, nil)
		r.Header.Set("Cookie", cookie)
		s, _ := c.stateFor(r)
		return s.Decided
	}

	a := newTestConsent(t, Options{})
	b := newTestConsent(t, Options{}) // another site block with the same keys
	ck := decide(t, a, "http://a.example/_consent")
	for _, tc := range []struct {
		c      *Consent
		target string
		want   bool
	}{
		{a, "http://a.example/", true},
		{a, "http://A.example:8080/x", true}, // the host, whatever its case or port
		{b, "http://a.example/", true},       // the same site, served by another block
		{a, "http://b.example/", false},
		{b, "http://b.example/", false},
		{a, "http://sub.a.example/", false},
	} {
		if got := decided(tc.c, tc.target, ck); got != tc.want {
			t.Errorf("host-only cookie from a.example at %s: decided %v, want %v", tc.target, got, tc.want)
		}
	}

	shared := newTestConsent(t, Options{CookieDomain: "example.com"})
	other := newTestConsent(t, Options{CookieDomain: "other.example"})
	ck = decide(t, shared, "http://shop.example.com/_consent")
	for _, tc := range []struct {
		c      *Consent
		target string
		want   bool
	}{
		{shared, "http://forum.example.com/", true}, // shared across the domain, as configured
		{shared, "http://example.com/", true},
		{a, "http://example.com/", false},       // a host-only site at the domain itself
		{other, "http://other.example/", false}, // another tenant
		{other, "http://forum.example.com/", false},
	} {
		if got := decided(tc.c, tc.target, ck); got != tc.want {
			t.Errorf("cookie for domain example.com at %s: decided %v, want %v", tc.target, got, tc.want)
		}
	}

	// A cookie made before choices were bound to their site carries none:
	// no choice, the visitor is asked once more.
	old := acceptAllChoice(a)
	old.Site = ""
	if decided(a, "http://example.com/", a.opts.CookieName+"="+mustEncode(t, a, old)) {
		t.Errorf("a cookie without a site is still a choice")
	}
}
