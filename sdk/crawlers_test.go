package sdk

import (
	"net/http/httptest"
	"strings"
	"testing"
)

// User-Agents of the crawler tests.
const (
	uaGooglebot = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
	uaHeadless  = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0.0.0 Safari/537.36"
	uaChrome    = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"
	uaPingdom   = "Mozilla/5.0 (compatible; PINGDOM.com_bot_version_1.4_(http://www.pingdom.com/))"
	uaMonitor   = "Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0 Safari/537.36 AcmeSyntheticMonitor/2"
)

// TestCrawlerOptions: which User-Agents get no banner (and no
// no-JavaScript form) under each mode and extra patterns; every one still
// gets the trackers held.
func TestCrawlerOptions(t *testing.T) {
	for _, tc := range []struct {
		name    string
		mode    CrawlerMode
		agents  []string
		crawler map[string]bool
	}{
		{"default", "", nil, map[string]bool{uaGooglebot: true, uaHeadless: false, uaChrome: false, uaMonitor: false}},
		{"known", CrawlersKnown, nil, map[string]bool{uaGooglebot: true, uaHeadless: false}},
		{"known plus headless", CrawlersKnown, []string{"HeadlessChrome"}, map[string]bool{uaGooglebot: true, uaHeadless: true, uaChrome: false}},
		{"none", CrawlersNone, nil, map[string]bool{uaGooglebot: false, uaHeadless: false, uaPingdom: false}},
		{"none plus a monitor, any case", CrawlersNone, []string{"acmesyntheticMONITOR"},
			map[string]bool{uaGooglebot: false, uaMonitor: true, uaChrome: false}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newTestConsent(t, Options{Crawlers: tc.mode, CrawlerAgents: tc.agents})
			for ua, want := range tc.crawler {
				for range 2 { // the second answer comes from the cache
					r := httptest.NewRequest("GET", "/", nil)
					r.Header.Set("User-Agent", ua)
					w := httptest.NewRecorder()
					c.Handler(htmlHandler(trackedPage, nil)).ServeHTTP(w, r)
					body := w.Body.String()
					shut, form := strings.Contains(body, `data-show="false"`), strings.Contains(body, `id="consentry-nojs"`)
					if shut != want || form == want {
						t.Errorf("%s: banner shut %v, form %v; want crawler = %v", ua, shut, form, want)
					}
					if !strings.Contains(body, `type="text/plain" data-category="analytics"`) {
						t.Errorf("%s: the analytics tag is not held", ua)
					}
				}
			}
		})
	}
}

// TestCrawlerOptionsRefused: a mode other than known or none, and a
// pattern that would match most browsers, are refused when the options
// load.
func TestCrawlerOptionsRefused(t *testing.T) {
	for _, tc := range []struct {
		mode   CrawlerMode
		agents []string
		want   string
	}{
		{"all", nil, `crawlers "all": want known or none`},
		{"Known", nil, `crawlers "Known"`},
		{"", []string{"Mo"}, `crawler agent "Mo": want at least 3 characters`},
		{"", []string{" bot"}, `crawler agent " bot"`},
		{"none", []string{""}, `crawler agent ""`},
		{"", []string{"bad\x00bot"}, "control character"},
	} {
		_, err := New(Options{Crawlers: tc.mode, CrawlerAgents: tc.agents})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Crawlers %q, agents %q: error %v, want %q", tc.mode, tc.agents, err, tc.want)
		}
	}
}
