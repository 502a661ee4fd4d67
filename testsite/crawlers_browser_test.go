package testsite

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// headlessUA is the User-Agent headless Chromium sends by itself.
const headlessUA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/156.0.0.0 Safari/537.36"

// hideFromHeadless is the demo with "crawlers known HeadlessChrome".
var hideFromHeadless = newDemoVariant("headless", func(caddyfile string) (string, error) {
	const block = "\tconsent {\n"
	if n := strings.Count(caddyfile, block); n != 1 {
		return "", fmt.Errorf("want one %q in the Caddyfile, found %d", block, n)
	}
	return strings.Replace(caddyfile, block, block+"\t\tcrawlers known HeadlessChrome\n", 1), nil
})

// TestBrowserHeadlessChromeSeesTheBanner: by default a headless browser
// (synthetic monitoring) sees the banner as people do; with "crawlers
// known HeadlessChrome" it gets none, and the trackers stay held.
func TestBrowserHeadlessChromeSeesTheBanner(t *testing.T) {
	b := newBrowserFor(t, testTimeout, chromedp.UserAgent(headlessUA))
	if got := eval[string](b, `navigator.userAgent`); !strings.Contains(got, "HeadlessChrome") {
		t.Fatalf("User-Agent %q", got)
	}
	b.open(demo.url(t, "/"))
	b.do("banner visible to HeadlessChrome", chromedp.WaitVisible(chromedp.CSS(bannerSel)))

	b.open(hideFromHeadless.url(t, "/"))
	b.waitJS("banner started", `!!window.consentry && !!document.getElementById('consentry-banner')`)
	if eval[bool](b, bannerShown) {
		t.Errorf("crawlers known HeadlessChrome: the banner is shown")
	}
	if n := eval[int](b, `document.querySelectorAll('script[type="text/plain"][data-category]').length`); n == 0 {
		t.Errorf("crawlers known HeadlessChrome: no tag held")
	}
}
