package sdk

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/consentry/consentry/banner"
)

var configScriptSrc = regexp.MustCompile(`<script src="(/_consent/config\.[a-z]+\.[0-9a-f]+\.js)"`)

// configScriptJSON fetches the configuration script a rewritten page loads
// from c and returns the banner configuration it sets
// (self.consentryConfig).
func configScriptJSON(t *testing.T, c *Consent, page string) []byte {
	t.Helper()
	m := configScriptSrc.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("the page loads no configuration script:\n%.600s", page)
	}
	w := httptest.NewRecorder()
	c.Handler(http.NotFoundHandler()).ServeHTTP(w, httptest.NewRequest("GET", m[1], nil))
	if w.Code != 200 || !strings.HasPrefix(w.Header().Get("Content-Type"), "text/javascript") {
		t.Fatalf("GET %s: %d %q", m[1], w.Code, w.Header().Get("Content-Type"))
	}
	rest, ok := bytes.CutPrefix(w.Body.Bytes(), []byte("self.consentryConfig="))
	if !ok {
		t.Fatalf("configuration script does not start by setting self.consentryConfig: %.80s", w.Body.Bytes())
	}
	var cfg json.RawMessage
	if err := json.NewDecoder(bytes.NewReader(rest)).Decode(&cfg); err != nil {
		t.Fatalf("configuration script: %v", err)
	}
	return cfg
}

// TestInjectionIsSmall: the markup every rewritten page carries is the
// state, the catalogued hosts and the guard, the Consent Mode defaults and
// two deferred scripts (the configuration and the banner). Before a choice
// the guard is inline (5.8 KB), so nothing blocks rendering: the only
// scripts with a src are deferred, and a prefetch link warms the cache
// with the guard's file; the no-JavaScript form (0.8 KB) follows <body>.
// After a choice (GuardAuto, the default) the guard is that cached file,
// a parser-blocking <script src>, and the head is under 1 KB.
func TestInjectionIsSmall(t *testing.T) {
	c := newTestConsent(t, Options{Languages: []string{"en"}})
	for _, tc := range []struct {
		name     string
		decided  bool
		wantForm bool
	}{{"no choice", false, true}, {"chosen", true, false}} {
		guard, scripts := `<script>`+banner.Guard()+`</script>`, 2
		if tc.decided {
			guard, scripts = `<script src="/_consent/`+banner.GuardFile().Name+`"></script>`, 3
		}
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/shop?x=1", nil)
			if tc.decided {
				r.AddCookie(cookieFor(t, c, acceptAllChoice(c)))
			}
			s, _ := c.stateFor(r)
			var b bytes.Buffer
			head, body, _ := c.injection(&b, r, s, http.Header{})
			t.Logf("%s: head %d B (guard %d B, hosts %d B), body %d B", tc.name, len(head), len(banner.Guard()), len(c.texts.hosts), len(body))
			// 7 KB: the guard's CSS and worker sinks of issue 13 took it
			// past 7 KB (7 641 B when they were added); the host table
			// moved to a cached file (1.7 KB less), the guard grew by
			// 0.9 KB to load it and for the Attr sinks (6 820 B).
			max := 7168
			if tc.decided {
				max = 1024
			}
			if len(head) > max {
				t.Errorf("head injection %d B, want at most %d:\n%s", len(head), max, head)
			}
			order := []string{`id="consent-state"`, `<script type="application/json" id="consent-hosts" data-src="/_consent/hosts.`,
				guard, `gtag("consent","default"`,
				`<script src="/_consent/config.en.`, `/_consent/banner.`}
			last := -1
			for _, want := range order {
				i := bytes.Index(head, []byte(want))
				if i <= last {
					t.Errorf("head injection lacks %.60q after the previous part:\n%s", want, head)
				}
				last = i
			}
			if n, d := bytes.Count(head, []byte("<script src=")), bytes.Count(head, []byte(" defer></script>")); n != scripts || d != 2 {
				t.Errorf("%d scripts with a src, %d deferred; want %d and 2", n, d, scripts)
			}
			prefetch := `<link rel="prefetch" href="/_consent/` + banner.GuardFile().Name + `">`
			if got := bytes.HasSuffix(head, []byte(prefetch)); got == tc.decided {
				t.Errorf("head ends with the prefetch of the guard's file = %v, want %v", got, !tc.decided)
			}
			if bytes.Contains(head, []byte(`"texts"`)) || bytes.Contains(head, []byte(`We use cookies`)) {
				t.Errorf("the banner texts are inline")
			}
			if got := bytes.Contains(body, []byte(`<form method="post" action="/_consent"`)); got != tc.wantForm {
				t.Errorf("no-JS form present = %v, want %v", got, tc.wantForm)
			}
			if tc.wantForm && (!bytes.HasPrefix(body, []byte(`<noscript><link rel="stylesheet" href="/_consent/banner.`)) ||
				!bytes.HasSuffix(body, []byte(`</form></noscript>`)) || !bytes.Contains(body, []byte(`value="/shop?x=1"`))) {
				t.Errorf("no-JS form is not its stylesheet and form inside <noscript>, returning here:\n%s", body)
			}
		})
	}
}

// TestInjectionCrawler: a crawler gets the state marked data-show="false"
// (the banner stays shut) and no no-JavaScript form.
func TestInjectionCrawler(t *testing.T) {
	c := newTestConsent(t, Options{})
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("User-Agent", "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)")
	for range 2 { // the second answer comes from the cache
		s, _ := c.stateFor(r)
		var b bytes.Buffer
		head, body, _ := c.injection(&b, r, s, http.Header{})
		if !bytes.Contains(head, []byte(`id="consent-state" data-show="false" data-key="`)) || len(body) != 0 {
			t.Fatalf("crawler got head %s\nbody %s", head, body)
		}
	}
	r.Header.Set("User-Agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36")
	s, _ := c.stateFor(r)
	var b bytes.Buffer
	if head, body, _ := c.injection(&b, r, s, http.Header{}); bytes.Contains(head, []byte("data-show")) || len(body) == 0 {
		t.Errorf("a browser got head %s\nbody %s", head, body)
	}
}

// TestConfigScript: the configuration script sets the configuration; it
// is cached for good, gzip-encoded when accepted and answers
// If-None-Match. A name with another hash (a page from before a
// configuration change) gets the current script, revalidated each time;
// an unknown language is not found.
func TestConfigScript(t *testing.T) {
	c := newTestConsent(t, Options{Languages: []string{"en", "de"}})
	h := c.Handler(http.NotFoundHandler())
	get := func(path string, hdr ...string) *httptest.ResponseRecorder {
		r := httptest.NewRequest("GET", path, nil)
		for i := 0; i+1 < len(hdr); i += 2 {
			r.Header.Set(hdr[i], hdr[i+1])
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}
	name := "/_consent/" + c.texts.scriptName("de")
	w := get(name)
	body := w.Body.String()
	if w.Code != 200 || w.Header().Get("Cache-Control") != "public, max-age=31536000, immutable" ||
		!strings.HasPrefix(body, `self.consentryConfig={"endpoint":"/_consent"`) || !strings.Contains(body, `"lang":"de"`) ||
		!strings.HasSuffix(body, "};\n") {
		t.Fatalf("GET %s: %d %v\n%.200s", name, w.Code, w.Header(), body)
	}
	gz := get(name, "Accept-Encoding", "gzip")
	zr, err := gzip.NewReader(gz.Body)
	if err != nil || gz.Header().Get("Content-Encoding") != "gzip" {
		t.Fatalf("gzip: %v %v", err, gz.Header())
	}
	if plain, _ := io.ReadAll(zr); string(plain) != body {
		t.Errorf("gzip body differs")
	}
	if nm := get(name, "If-None-Match", w.Header().Get("ETag")); nm.Code != http.StatusNotModified {
		t.Errorf("If-None-Match: %d, want 304", nm.Code)
	}
	stale := get("/_consent/config.de.000000000000.js")
	if stale.Code != 200 || stale.Body.String() != body || stale.Header().Get("Cache-Control") != "no-cache" {
		t.Errorf("stale name: %d %q", stale.Code, stale.Header().Get("Cache-Control"))
	}
	for _, bad := range []string{"/_consent/config.fr.000000000000.js", "/_consent/config.de", "/_consent/config..js"} {
		if w := get(bad); w.Code != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", bad, w.Code)
		}
	}
}

// TestStateJSON: the hand-written encoder writes exactly what
// encoding/json writes, for every shape of state and hostile strings.
func TestStateJSON(t *testing.T) {
	states := []*State{
		{},
		{Version: "1", Regime: RegimeOptIn, Categories: map[string]bool{"necessary": true, "analytics": false}},
		{ID: "0123456789abcdef0123456789abcdef", Version: `v"2</script><!--&'`, Regime: RegimeOptOut, Decided: true,
			Method: MethodCustom, Time: "2026-11-24T10:00:00Z", Signals: Signals{GPC: true, DNT: true},
			Categories: map[string]bool{"z": true, "a": false, "m\u2028x": true, "é": true, "\x00\xff": false}},
		{Version: strings.Repeat("x", 300), Categories: map[string]bool{}},
	}
	for _, s := range states {
		want, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		appendStateJSON(&b, s)
		if b.String() != string(want) {
			t.Errorf("appendStateJSON:\n got %s\nwant %s", b.String(), want)
		}
	}
}

// TestLanguagePickCache: cached answers equal fresh ones (that the cache
// starts over when full is bounded.TestMapStartsOver).
func TestLanguagePickCache(t *testing.T) {
	c := newTestConsent(t, Options{Languages: []string{"en", "de", "fr"}})
	for range 2 {
		for al, want := range map[string]string{"de-CH,de;q=0.9": "de", "fr": "fr", "ja": "en", "": "en"} {
			if got := c.texts.pick(al); got != want {
				t.Errorf("pick(%q) = %q, want %q", al, got, want)
			}
		}
	}
}

// TestFingerprintCoversInlineHosts: the configuration fingerprint, which
// state tags carry, is the same for the same configuration and changes
// with the catalogue (the inline host list and the configuration script),
// so a browser never revalidates a page rendered under another catalogue
// as current.
func TestFingerprintCoversInlineHosts(t *testing.T) {
	a := newTestConsent(t, Options{})
	b := newTestConsent(t, Options{Categories: []Category{{Key: Analytics, Hosts: []string{"stats.example.net"}}}})
	same := newTestConsent(t, Options{})
	if a.fingerprint == b.fingerprint {
		t.Errorf("fingerprint unchanged by another host list: %s", a.fingerprint)
	}
	if a.fingerprint != same.fingerprint {
		t.Errorf("fingerprint differs for the same configuration: %s, %s", a.fingerprint, same.fingerprint)
	}
}

// TestActivationKey: every rewritten page carries a fresh random key in
// #consent-state, and exactly the tags the server held carry it too.
func TestActivationKey(t *testing.T) {
	c := newTestConsent(t, Options{})
	keyRE := regexp.MustCompile(`id="consent-state"[^>]* data-key="([A-Za-z0-9_-]{16})"`)
	page := `<html><head><script src="https://www.google-analytics.com/analytics.js"></script>` +
		`<script src="/site.js"></script></head><body><img src="/logo.png"></body></html>`
	seen := map[string]bool{}
	for range 3 {
		w := httptest.NewRecorder()
		c.Handler(htmlHandler(page, nil)).ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
		body := w.Body.String()
		m := keyRE.FindStringSubmatch(body)
		if m == nil {
			t.Fatalf("no activation key in %s", body)
		}
		if seen[m[1]] {
			t.Errorf("key %s repeated across responses", m[1])
		}
		seen[m[1]] = true
		stamp := `data-consent-key="` + m[1] + `"`
		if n := strings.Count(body, stamp); n != 1 {
			t.Errorf("%d tags stamped, want 1 (the analytics script): %s", n, body)
		}
		if !strings.Contains(body, `<script `+stamp+` type="text/plain" data-category="analytics"`) {
			t.Errorf("the held script is not stamped: %s", body)
		}
	}
}
