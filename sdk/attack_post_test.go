package sdk

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
)

// decisionCounter is an Observer that counts recorded decisions, so a test
// can prove a refused request left no consent record behind.
type decisionCounter struct{ n atomic.Int64 }

func (d *decisionCounter) Decision(Method, Regime, []string, []string) { d.n.Add(1) }
func (d *decisionCounter) PageRewritten(map[string]int)                {}
func (d *decisionCounter) CookiesDropped(string, string, int)          {}

// attackConsent returns a test Consent whose decisions are counted.
func attackConsent(t *testing.T, o Options) (*Consent, *decisionCounter) {
	t.Helper()
	d := &decisionCounter{}
	o.Observer = d
	return newTestConsent(t, o), d
}

// attackPost sends a POST /_consent to target (an absolute URL; https
// makes the request TLS) with the given headers.
func attackPost(c *Consent, target, contentType, body string, hdr http.Header) *httptest.ResponseRecorder {
	r := httptest.NewRequest("POST", target, strings.NewReader(body))
	if contentType != "" {
		r.Header.Set("Content-Type", contentType)
	}
	for k, vs := range hdr {
		r.Header[k] = append(r.Header[k], vs...)
	}
	return serve(c, r)
}

// assertRefused checks a response refused the choice: the status, no
// Set-Cookie of any kind, no decision recorded and never a 5xx.
func assertRefused(t *testing.T, name string, w *httptest.ResponseRecorder, d *decisionCounter, before int64, status int) {
	t.Helper()
	if w.Code != status {
		t.Errorf("%s: status %d, want %d (%q)", name, w.Code, status, w.Body.String())
	}
	if sc := w.Header().Values("Set-Cookie"); len(sc) != 0 {
		t.Errorf("%s: refused request set cookies %q", name, sc)
	}
	if got := d.n.Load(); got != before {
		t.Errorf("%s: %d decisions recorded by a refused request", name, got-before)
	}
}

func TestAttackCrossSitePostRefused(t *testing.T) {
	c, d := attackConsent(t, Options{})
	cases := []struct {
		name, target string
		hdr          http.Header
	}{
		{"no origin, sec-fetch cross-site", "http://shop.example/_consent", http.Header{"Sec-Fetch-Site": {"cross-site"}}},
		{"foreign origin", "http://shop.example/_consent", http.Header{"Origin": {"https://evil.example"}}},
		{"foreign origin, sec-fetch lies same-origin", "http://shop.example/_consent",
			http.Header{"Origin": {"https://evil.example"}, "Sec-Fetch-Site": {"same-origin"}}},
		{"origin null", "http://shop.example/_consent", http.Header{"Origin": {"null"}}},
		{"origin null with sec-fetch same-origin", "http://shop.example/_consent",
			http.Header{"Origin": {"null"}, "Sec-Fetch-Site": {"same-origin"}}},
		{"origin other port", "http://shop.example/_consent", http.Header{"Origin": {"http://shop.example:8080"}}},
		{"origin suffix host", "http://shop.example/_consent", http.Header{"Origin": {"http://shop.example.evil.example"}}},
		{"origin prefix host", "http://shop.example/_consent", http.Header{"Origin": {"http://evilshop.example"}}},
		{"origin userinfo trick", "http://shop.example/_consent", http.Header{"Origin": {"http://shop.example@evil.example"}}},
		{"origin garbage", "http://shop.example/_consent", http.Header{"Origin": {"shop.example"}}},
		{"sibling subdomain, sec-fetch same-site", "http://shop.example/_consent",
			http.Header{"Origin": {"http://blog.shop.example"}, "Sec-Fetch-Site": {"same-site"}}},
		{"sec-fetch same-site, no origin", "http://shop.example/_consent", http.Header{"Sec-Fetch-Site": {"same-site"}}},
		{"sec-fetch unknown value", "http://shop.example/_consent", http.Header{"Sec-Fetch-Site": {"cross-site-ish"}}},
	}
	for _, tc := range cases {
		for _, ct := range []struct{ typ, body string }{
			{"application/json", `{"action":"accept_all"}`},
			{"application/x-www-form-urlencoded", "action=accept_all&return=/"},
			{"text/plain", `{"action":"accept_all"}`},
		} {
			before := d.n.Load()
			w := attackPost(c, tc.target, ct.typ, ct.body, tc.hdr)
			assertRefused(t, tc.name+" ("+ct.typ+")", w, d, before, http.StatusForbidden)
		}
	}
}

// TestAttackCrossSchemeOriginRefused: an Origin with the right host but
// the other scheme is another origin (and, schemefully, another site): a
// page on http://shop.example, which any network attacker can write, must
// not record a choice on https://shop.example. (The reverse cannot be told
// apart from a site behind a TLS-terminating proxy, so it is not tested.)
func TestAttackCrossSchemeOriginRefused(t *testing.T) {
	c, d := attackConsent(t, Options{})
	for _, tc := range []struct{ name, target, origin string }{
		{"http origin posting to the https site", "https://shop.example/_consent", "http://shop.example"},
		{"ftp origin", "http://shop.example/_consent", "ftp://shop.example"},
	} {
		for _, ct := range []struct{ typ, body string }{
			{"application/json", `{"action":"accept_all"}`},
			{"application/x-www-form-urlencoded", "action=accept_all&return=/"},
		} {
			before := d.n.Load()
			w := attackPost(c, tc.target, ct.typ, ct.body, http.Header{"Origin": {tc.origin}})
			assertRefused(t, tc.name+" ("+ct.typ+")", w, d, before, http.StatusForbidden)
		}
	}
}

func TestAttackSameOriginPostAccepted(t *testing.T) {
	c, d := attackConsent(t, Options{})
	for _, tc := range []struct {
		name, target string
		hdr          http.Header
	}{
		{"origin and sec-fetch same-origin", "http://shop.example/_consent",
			http.Header{"Origin": {"http://shop.example"}, "Sec-Fetch-Site": {"same-origin"}}},
		{"origin case differs", "http://shop.example/_consent", http.Header{"Origin": {"http://SHOP.example"}}},
		{"https origin", "https://shop.example/_consent", http.Header{"Origin": {"https://shop.example"}}},
		{"non-browser client (no origin, no sec-fetch)", "http://shop.example/_consent", nil},
		{"sec-fetch none (typed by the user)", "http://shop.example/_consent", http.Header{"Sec-Fetch-Site": {"none"}}},
	} {
		before := d.n.Load()
		w := attackPost(c, tc.target, "application/json", `{"action":"accept_all"}`, tc.hdr)
		if w.Code != http.StatusOK {
			t.Errorf("%s: status %d, want 200 (%s)", tc.name, w.Code, w.Body.String())
			continue
		}
		if len(w.Result().Cookies()) != 1 {
			t.Errorf("%s: %d cookies set, want 1", tc.name, len(w.Result().Cookies()))
		}
		if d.n.Load() != before+1 {
			t.Errorf("%s: the choice was not recorded", tc.name)
		}
		if s := decodeState(t, w); !s.Decided || s.Method != MethodAcceptAll {
			t.Errorf("%s: state %+v", tc.name, s)
		}
	}
}

// onSite reports whether a Location value, as a browser resolves it against
// a page of shop.example (backslashes count as slashes in http URLs, tabs
// and newlines are dropped), stays on shop.example.
func onSite(loc string) bool {
	if loc == "" || loc[0] != '/' {
		return false
	}
	if strings.ContainsAny(loc, "\\\t\r\n\x00") || strings.ContainsFunc(loc, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return false
	}
	if strings.HasPrefix(loc, "//") {
		return false
	}
	base, _ := url.Parse("http://shop.example/page")
	u, err := base.Parse(loc)
	return err == nil && u.Scheme == "http" && u.Host == "shop.example"
}

func TestAttackOpenRedirectThroughReturn(t *testing.T) {
	// 46 decisions from one address: the decision limit is not under test.
	c, _ := attackConsent(t, Options{DecisionsPerClient: -1})
	returns := []string{
		"//evil.example", "//evil.example/", "///evil.example", "////evil.example",
		"/\\evil.example", "\\\\evil.example", "\\/evil.example", "/\\/evil.example",
		"https://evil.example", "http:evil.example", "https:/evil.example", "HTTPS://evil.example",
		"/%2F%2Fevil.example", "/%2f%2fevil.example", "/%5C%5Cevil.example", "/%5cevil.example",
		"/\t/evil.example", "/\n/evil.example", "/\r\n/evil.example", "\t//evil.example", " //evil.example",
		"/ /evil.example", "/\x00/evil.example", "/\x7f/evil.example",
		"javascript:alert(1)", "JaVaScRiPt:alert(1)", "/javascript:alert(1)", "data:text/html,<script>alert(1)</script>",
		"/./evil.example", "/.//evil.example", "/a/..//evil.example", "/a/../../evil.example", "/..//evil.example",
		"/%2E%2E//evil.example", "/x?next=//evil.example", "/x#//evil.example",
		"/\u3000/evil.example", "/\uff0f\uff0fevil.example", "//\u200bevil.example",
		"/" + strings.Repeat("a", 6000), "/" + strings.Repeat("/", 2000) + "evil.example",
		"/x\r\nSet-Cookie: consent=forged", "/x%0d%0aSet-Cookie:%20consent=forged",
	}
	for _, ret := range returns {
		form := url.Values{"action": {"reject_all"}, "return": {ret}}.Encode()
		w := attackPost(c, "http://shop.example/_consent", "application/x-www-form-urlencoded", form,
			http.Header{"Origin": {"http://shop.example"}})
		if w.Code != http.StatusSeeOther {
			t.Errorf("return %q: status %d, want 303 (%s)", ret, w.Code, w.Body.String())
			continue
		}
		loc := w.Header().Values("Location")
		if len(loc) != 1 || !onSite(loc[0]) {
			t.Errorf("return %q: Location %q leaves the site", ret, loc)
		}
		for _, sc := range w.Header().Values("Set-Cookie") {
			if strings.Contains(sc, "forged") {
				t.Errorf("return %q: injected Set-Cookie %q", ret, sc)
			}
		}
	}
	// A same-site path survives, query and fragment included.
	form := url.Values{"action": {"reject_all"}, "return": {"/shop/item?id=7&x=%2F#reviews"}}.Encode()
	w := attackPost(c, "http://shop.example/_consent", "application/x-www-form-urlencoded", form, nil)
	if got := w.Header().Get("Location"); got != "/shop/item?id=7&x=%2F#reviews" {
		t.Errorf("an on-site return became %q", got)
	}
}

func TestAttackBadBodiesAre400(t *testing.T) {
	c, d := attackConsent(t, Options{})
	var mp bytes.Buffer
	mw := multipart.NewWriter(&mp)
	_ = mw.WriteField("action", "accept_all")
	_ = mw.WriteField("action", "reject_all")
	_ = mw.Close()
	var bigMP bytes.Buffer
	bw := multipart.NewWriter(&bigMP)
	_ = bw.WriteField("action", "accept_all")
	fw, _ := bw.CreateFormFile("upload", "x.bin")
	_, _ = fw.Write(bytes.Repeat([]byte("x"), 64<<10))
	_ = bw.Close()

	cases := []struct{ name, ctype, body string }{
		{"oversized json", "application/json", `{"action":"accept_all","return":"` + strings.Repeat("a", 9<<10) + `"}`},
		{"oversized json padding", "application/json", `{"action":"accept_all"}` + strings.Repeat(" ", 9<<10)},
		{"oversized form", "application/x-www-form-urlencoded", "action=accept_all&return=/" + strings.Repeat("a", 9<<10)},
		{"oversized multipart", bw.FormDataContentType(), bigMP.String()},
		{"100k nested arrays", "application/json", strings.Repeat("[", 100000)},
		{"nested within the size cap", "application/json", `{"action":"accept_all","x":` + strings.Repeat("[", 8000) + strings.Repeat("]", 100) + `}`},
		{"nested objects within the cap", "application/json", strings.Repeat(`{"a":`, 1500)},
		{"unknown category", "application/json", `{"action":"custom","categories":["analytics","telemetry"]}`},
		{"empty category", "application/json", `{"action":"custom","categories":[""]}`},
		{"category not a string", "application/json", `{"action":"custom","categories":[1]}`},
		{"categories not a list", "application/json", `{"action":"custom","categories":"analytics"}`},
		{"unknown category by form", "application/x-www-form-urlencoded", "action=custom&categories=telemetry"},
		{"unknown action", "application/json", `{"action":"accept_everything"}`},
		{"signal action is not postable", "application/json", `{"action":"signal"}`},
		{"empty action", "application/json", `{"action":""}`},
		{"no action", "application/json", `{}`},
		{"action not a string", "application/json", `{"action":1}`},
		{"action null", "application/json", `{"action":null}`},
		{"json array", "application/json", `["accept_all"]`},
		{"json string", "application/json", `"accept_all"`},
		{"json null", "application/json", `null`},
		{"empty body", "application/json", ``},
		{"trailing object", "application/json", `{"action":"reject_all"}{"action":"accept_all"}`},
		{"trailing garbage", "application/json", `{"action":"reject_all"} x`},
		{"trailing bracket", "application/json", `{"action":"reject_all"}]`},
		{"repeated action (form)", "application/x-www-form-urlencoded", "action=reject_all&action=accept_all"},
		{"repeated action (multipart)", mw.FormDataContentType(), mp.String()},
		{"bad percent escape", "application/x-www-form-urlencoded", "action=accept_all&return=%zz"},
		{"text/plain", "text/plain", `{"action":"accept_all"}`},
		{"no content type", "", `{"action":"accept_all"}`},
		{"xml", "application/xml", `<action>accept_all</action>`},
		{"json-ish", "application/jsonx", `{"action":"accept_all"}`},
		{"multipart without boundary", "multipart/form-data", "action=accept_all"},
		{"invalid utf-8 action", "application/json", "{\"action\":\"accept_all\xff\"}"},
	}
	for _, tc := range cases {
		before := d.n.Load()
		w := attackPost(c, "http://shop.example/_consent", tc.ctype, tc.body, nil)
		assertRefused(t, tc.name, w, d, before, http.StatusBadRequest)
		if msg := strings.TrimSpace(w.Body.String()); w.Code == 400 && (msg == "" || len(msg) > 300) {
			t.Errorf("%s: 400 without a short, clear message: %q", tc.name, msg)
		}
	}
}

// TestAttackDuplicateJSONKeysRefused: a JSON body naming "action" (or
// "categories") twice is ambiguous — encoding/json silently keeps the last,
// other parsers the first — so it must be refused rather than recorded as
// whichever one this parser happens to pick.
func TestAttackDuplicateJSONKeysRefused(t *testing.T) {
	c, d := attackConsent(t, Options{})
	for _, body := range []string{
		`{"action":"reject_all","action":"accept_all"}`,
		`{"action":"reject_all","ACTION":"accept_all"}`,
		`{"action":"custom","categories":["preferences"],"categories":["advertising"]}`,
	} {
		before := d.n.Load()
		w := attackPost(c, "http://shop.example/_consent", "application/json", body, nil)
		assertRefused(t, body, w, d, before, http.StatusBadRequest)
	}
}

// TestAttackOversizedBodyMessage: the 400 for an oversized body says so.
func TestAttackOversizedBodyMessage(t *testing.T) {
	c, _ := attackConsent(t, Options{})
	w := attackPost(c, "http://shop.example/_consent", "application/json",
		`{"action":"accept_all","return":"`+strings.Repeat("a", 20<<10)+`"}`, nil)
	if w.Code != 400 || !strings.Contains(w.Body.String(), "too large") {
		t.Errorf("oversized body: %d %q, want 400 naming the size limit", w.Code, w.Body.String())
	}
}

// TestAttackCategoryListCannotGrantUnknownOrDuplicate: a custom choice
// with odd spellings of known keys grants exactly those keys, once each.
func TestAttackCategoryListNormalised(t *testing.T) {
	c, _ := attackConsent(t, Options{})
	w := attackPost(c, "http://shop.example/_consent", "application/json",
		`{"action":"custom","categories":[" Analytics ","ANALYTICS","analytics","necessary"]}`, nil)
	if w.Code != 200 {
		t.Fatalf("status %d: %s", w.Code, w.Body.String())
	}
	s := decodeState(t, w)
	for k, v := range s.Categories {
		if want := k == Necessary || k == Analytics; v != want {
			t.Errorf("categories[%s] = %v, want %v", k, v, want)
		}
	}
}
