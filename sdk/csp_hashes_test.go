package sdk

import (
	"crypto/sha256"
	"encoding/base64"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"

	"github.com/consentry/consentry/banner"
	"github.com/consentry/consentry/internal/csptest"
)

// hashConfigs are the configurations the hash tests run over: the
// defaults, and every vendor signal with every Google option that
// changes the inline script.
func hashConfigs() map[string]Options {
	return map[string]Options{
		"defaults": {},
		"every vendor": {
			CountryHeader: "CF-IPCountry", RegionHeader: "CF-Region-Code",
			Regimes: map[string]Regime{"BR": RegimeNotice}, HonorDNT: true,
			NoticeDefaults: []string{Analytics},
			Signals: SignalOptions{
				Vendors: []string{SignalGoogle, SignalUET, SignalClarity, SignalMeta, SignalTikTok},
				Map:     map[string]string{"clarity.analytics_Storage": Preferences},
				Google:  GoogleSignals{WaitForUpdate: 500, URLPassthrough: true, RegionDefaults: true, Advanced: []string{Analytics}},
			},
		},
		"no signals": {Signals: SignalOptions{Vendors: []string{}}},
	}
}

// pageScriptHashes fetches a page through c as the request asks and
// returns the CSP hashes of the inline scripts a browser would run in it,
// found by parsing the page into a DOM (not with InlineScriptHashes' own
// tokenizer loop).
func pageScriptHashes(t *testing.T, c *Consent, r *http.Request) []string {
	t.Helper()
	page := c.Handler(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		// A hash-only policy, as a site using the list sends: it admits no
		// file, so the guard stays inline after a choice (GuardAuto).
		w.Header().Set("Content-Security-Policy", "script-src 'sha256-AAAA'")
		io.WriteString(w, "<!doctype html><html><head><title>t</title></head><body><p>hello</p></body></html>")
	}))
	w := httptest.NewRecorder()
	page.ServeHTTP(w, r)
	out, err := csptest.InlineScriptHashes(w.Body.String())
	if err != nil {
		t.Fatal(err)
	}
	if len(out) == 0 {
		t.Fatalf("%s %v: no inline script in the page:\n%s", r.URL, r.Header, w.Body)
	}
	return out
}

// TestInlineScriptHashesCoverEveryPage serves pages for visitors in every
// regime, with and without GPC and DNT, before a choice and after every
// combination of categories, and checks each inline script a page carries
// has its hash in InlineScriptHashes — so a hash-only CSP built from the
// list lets every page's scripts run.
func TestInlineScriptHashesCoverEveryPage(t *testing.T) {
	for name, o := range hashConfigs() {
		t.Run(name, func(t *testing.T) {
			c := newTestConsent(t, o)
			hashes := c.InlineScriptHashes()
			guard := sha256.Sum256([]byte(banner.Guard()))
			if h := "'sha256-" + base64.StdEncoding.EncodeToString(guard[:]) + "'"; !slices.Contains(hashes, h) {
				t.Fatalf("the guard's hash %s is not listed: %v", h, hashes)
			}
			used := map[string]bool{}
			places := [][2]string{{"DE", ""}, {"US", "CA"}, {"BR", ""}, {"", ""}}
			var optional []string
			for _, k := range c.sortedKeys {
				if k != Necessary {
					optional = append(optional, k)
				}
			}
			for _, place := range places {
				for _, sig := range [][2]string{{}, {"Sec-GPC", "1"}, {"DNT", "1"}} {
					for mask := -1; mask < 1<<len(optional); mask++ {
						r := httptest.NewRequest("GET", "/", nil)
						r.Header.Set("Accept", "text/html")
						if place[0] != "" {
							r.Header.Set("CF-IPCountry", place[0])
							r.Header.Set("CF-Region-Code", place[1])
						}
						if sig[0] != "" {
							r.Header.Set(sig[0], sig[1])
						}
						if mask >= 0 { // -1: no choice yet
							ch := acceptAllChoice(c)
							ch.Method, ch.Granted = MethodCustom, []string{Necessary}
							for i, k := range optional {
								if mask&(1<<i) != 0 {
									ch.Granted = append(ch.Granted, k)
								}
							}
							r.AddCookie(cookieFor(t, c, ch))
						}
						for _, h := range pageScriptHashes(t, c, r) {
							used[h] = true
							if !slices.Contains(hashes, h) {
								t.Errorf("%v, choice mask %d: the page's inline script %s is not in InlineScriptHashes %v", r.Header, mask, h, hashes)
							}
						}
					}
				}
			}
			t.Logf("%d hashes listed, %d seen in pages", len(hashes), len(used))
		})
	}
}

// TestInlineScriptsReadAsBrowsers checks the extraction on markup a
// browser reads in ways a naive scan would not: data blocks, external
// scripts, a type in capitals, character references left as they are.
func TestInlineScriptsReadAsBrowsers(t *testing.T) {
	got := inlineScripts([]byte(`<script type="application/json">{"a":1}</script>` +
		`<script src="/x.js"></script><script TYPE=" Text/JavaScript ">a&amp;b</script>` +
		`<script type=module>m</script><script></script><script type="text/plain" data-category="analytics">x()</script>`))
	want := []string{"a&amp;b", "m", ""}
	if len(got) != len(want) {
		t.Fatalf("got %q, want %q", got, want)
	}
	for i := range want {
		if string(got[i]) != want[i] {
			t.Errorf("script %d: got %q, want %q", i, got[i], want[i])
		}
	}
}
