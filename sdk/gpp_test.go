package sdk

import (
	"bytes"
	"compress/gzip"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/consentry/consentry/banner"
)

// gppConsent is a Consent with the GPP on and the visitor's place read
// from X-Country and X-Region.
func gppConsent(t *testing.T, g GPPOptions) *Consent {
	t.Helper()
	g.On = true
	return newTestConsent(t, Options{GPP: g, CountryHeader: "X-Country", RegionHeader: "X-Region", DecisionsPerClient: -1})
}

// gppState asks GET /_consent for the state of a visitor at country,
// region, with or without GPC, who chose body (a POST /_consent body;
// "" for no choice).
func gppState(t *testing.T, c *Consent, country, region string, gpc bool, body string) State {
	t.Helper()
	hdr := map[string]string{"X-Country": country, "X-Region": region, "Accept": "application/json",
		"Origin": "http://shop.example", "Sec-Fetch-Site": "same-origin"}
	if gpc {
		hdr["Sec-GPC"] = "1"
	}
	if body == "" {
		r := httptest.NewRequest("GET", "http://shop.example/_consent", nil)
		for k, v := range hdr {
			r.Header.Set(k, v)
		}
		return decodeState(t, serve(c, r))
	}
	w := post(c, "application/json", body, hdr)
	if w.Code != 200 {
		t.Fatalf("POST %s: %d %s", body, w.Code, w.Body.String())
	}
	return decodeState(t, w)
}

// The strings the IAB's reference library (@iabgpp/cmpapi 3.2.0) makes
// for the same fields: research/standards.md §4.6, and a header listing
// sections 7, 8 and 12.
func TestGPPReferenceVectors(t *testing.T) {
	c := gppConsent(t, GPPOptions{})
	s := gppState(t, c, "US", "", true, "")
	if s.GPP == nil || s.GPP.String != "DBABLA~CVQVAAAAAACA.YA" || s.GPP.SIDList() != "7" {
		t.Errorf("US visitor with GPC: %+v, want DBABLA~CVQVAAAAAACA.YA, sid 7", s.GPP)
	}
	var h gppBits
	h.int(3, 6)
	h.int(1, 6)
	h.fibonacciRange([]int{7, 8, 12})
	if got := h.String(); got != "DBACr1g" {
		t.Errorf("header of 7, 8, 12 = %s, want DBACr1g", got)
	}
	var e gppBits
	e.int(3, 6)
	e.int(1, 6)
	e.fibonacciRange(nil)
	if got := e.String(); got != "DBAA" {
		t.Errorf("empty header = %s, want DBAA", got)
	}
}

// Outside the US no section applies: the empty header and sid -1.
func TestGPPOutsideUS(t *testing.T) {
	c := gppConsent(t, GPPOptions{States: []string{"all"}})
	for _, country := range []string{"DE", "GB", "BR", ""} {
		s := gppState(t, c, country, "", true, "")
		if s.GPP == nil || s.GPP.String != "DBAA" || s.GPP.SIDList() != "-1" || string(s.GPP.Sections) != "{}" {
			t.Errorf("%q: %+v, want DBAA, sid -1, no sections", country, s.GPP)
		}
	}
	// A state of no section of ours: usnat only.
	if s := gppState(t, c, "US", "WY", false, ""); s.GPP.SIDList() != "7" {
		t.Errorf("US-WY: sid %s, want 7", s.GPP.SIDList())
	}
	// With no location source every visitor is a US visitor of no state.
	plain := newTestConsent(t, Options{GPP: GPPOptions{On: true, States: []string{"CA"}}})
	r := httptest.NewRequest("GET", "http://shop.example/_consent", nil)
	r.Header.Set("X-Region", "CA")
	if s := decodeState(t, serve(plain, r)); s.GPP == nil || s.GPP.SIDList() != "7" {
		t.Errorf("no location source: %+v, want usnat", s.GPP)
	}
	// Off: no gpp member at all.
	off := newTestConsent(t, Options{})
	w := serve(off, httptest.NewRequest("GET", "http://shop.example/_consent", nil))
	if strings.Contains(w.Body.String(), `"gpp"`) {
		t.Errorf("GPP off, the state carries it: %s", w.Body.String())
	}
}

// The origin gets the string and the section ids; a client cannot send
// its own.
func TestGPPUpstreamHeaders(t *testing.T) {
	c := gppConsent(t, GPPOptions{States: []string{"CA"}})
	var got http.Header
	h := c.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got = r.Header.Clone() }))
	r := httptest.NewRequest("GET", "http://shop.example/", nil)
	r.Header.Set("X-Country", "US")
	r.Header.Set("X-Region", "CA")
	r.Header.Set("Sec-GPC", "1")
	r.Header["Consent-Gpp"] = []string{"forged"}
	r.Header["Consent_GPP_SID"] = []string{"2"}
	h.ServeHTTP(httptest.NewRecorder(), r)
	want := gppState(t, c, "US", "CA", true, "").GPP
	if v := got.Values("Consent-Gpp"); len(v) != 1 || v[0] != want.String {
		t.Errorf("Consent-GPP %q, want %q", v, want.String)
	}
	if v := got.Values("Consent-Gpp-Sid"); len(v) != 1 || v[0] != "7,8" {
		t.Errorf("Consent-GPP-SID %q, want 7,8", v)
	}
	if _, ok := got["Consent_GPP_SID"]; ok {
		t.Errorf("a client-sent Consent_GPP_SID reached the origin")
	}
	off := newTestConsent(t, Options{})
	h = off.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got = r.Header.Clone() }))
	r = httptest.NewRequest("GET", "http://shop.example/", nil)
	r.Header.Set("Consent-GPP", "forged")
	h.ServeHTTP(httptest.NewRecorder(), r)
	if v := got.Get("Consent-GPP"); v != "" {
		t.Errorf("GPP off: Consent-GPP %q reached the origin", v)
	}
}

func TestGPPBadOptions(t *testing.T) {
	for _, tc := range []struct {
		g    GPPOptions
		want string
	}{
		{GPPOptions{On: true, States: []string{"NY"}}, `no GPP section for state "NY"`},
		{GPPOptions{On: true, States: []string{"ca"}}, `no GPP section for state "ca"`},
		{GPPOptions{On: true, Notices: map[string]int{"SaleOptOutNotise": 1}}, `did you mean "SaleOptOutNotice"`},
		{GPPOptions{On: true, Notices: map[string]int{"SaleOptOutNotice": 3}}, "want 0 (not applicable)"},
		{GPPOptions{On: true, MSPA: "yes"}, `unknown MSPA mode "yes"`},
		{GPPOptions{On: true, CmpID: 5000}, "want 0 to 4095"},
	} {
		_, err := New(Options{GPP: tc.g, Keys: []KeyPair{{Hash: testHash, Block: testBlock}}})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: error %v, want %q", tc.g, err, tc.want)
		}
	}
}

// The page carries the API only when the GPP is on, after the state and
// before any tag; the bytes it adds are logged for docs/SIGNALS.md.
func TestGPPPageScript(t *testing.T) {
	page := func(c *Consent) string {
		h := c.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			_, _ = w.Write([]byte(`<!doctype html><html><head><script src="https://ads.example/tag.js"></script></head><body></body></html>`))
		}))
		r := httptest.NewRequest("GET", "http://shop.example/", nil)
		r.Header.Set("X-Country", "US")
		r.Header.Set("X-Region", "CA")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w.Body.String()
	}
	on := page(gppConsent(t, GPPOptions{States: []string{"CA"}, CmpID: 7}))
	usnat := page(gppConsent(t, GPPOptions{}))
	off := page(newTestConsent(t, Options{CountryHeader: "X-Country", RegionHeader: "X-Region"}))
	api := banner.GPP()
	i := strings.Index(on, api)
	if i < 0 || strings.Contains(off, api) {
		t.Fatalf("the API is in the page with the GPP on: %v; off: %v", i >= 0, strings.Contains(off, api))
	}
	if !strings.Contains(on, `data-cmp="7" data-apis="7:usnat,8:usca">`) {
		t.Errorf("the API's element lacks its data attributes")
	}
	if j := strings.Index(on, `id="consent-state"`); j < 0 || j > i {
		t.Errorf("the state is not before the API")
	}
	if j := strings.Index(on, "ads.example"); j < i {
		t.Errorf("a tag comes before the API")
	}
	if strings.Contains(strings.ToLower(api), "</script") {
		t.Errorf("the API's text can close its script element")
	}
	gz := func(s string) int {
		var b bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
		_, _ = zw.Write([]byte(s))
		_ = zw.Close()
		return b.Len()
	}
	t.Logf("the API alone: %d B raw, %d B gzip", len(api), gz(api))
	t.Logf("GPP on, usnat only: a page grows by %d B raw, %d B gzip", len(usnat)-len(off), gz(usnat)-gz(off))
	t.Logf("GPP on, usnat and usca (a Californian): %d B raw, %d B gzip", len(on)-len(off), gz(on)-gz(off))
}

func TestGPPStatesAll(t *testing.T) {
	g, err := newGPPSet(GPPOptions{On: true, States: []string{"all"}}, true)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"7:usnat"}
	for _, st := range GPPStates() {
		d := gppStateSections[st]
		want = append(want, d.name)
	}
	if got := strings.Split(g.apis, ","); len(got) != len(want) || !slices.IsSortedFunc(got, func(a, b string) int {
		return atoiPrefix(a) - atoiPrefix(b)
	}) {
		t.Errorf("apis %v: want %d sections in id order", got, len(want))
	}
}

func atoiPrefix(s string) int {
	n := 0
	for _, c := range s {
		if c < '0' || c > '9' {
			break
		}
		n = n*10 + int(c-'0')
	}
	return n
}
