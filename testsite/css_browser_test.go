package testsite

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// styleURLs are the vendor URLs of styles.html's stylesheet, by host and
// path with query, that load once their category is granted.
var styleURLs = []struct{ host, url string }{
	{adsHost, "/import-url.css"},
	{analyticsHost, "/import-string.css"},
	{adsHost, "/pixel.gif?bg"},
	{adsHost, "/pixel.gif?set"},
	{adsHost, "/pixel.gif?wset"},
	{adsHost, "/pixel.gif?esc"},
	{adsHost, "/font.woff?ff"},
	{adsHost, "/svg-import.css"},
}

// hasURL reports whether reqs hold a request for path with query u.
func hasURL(reqs []request, u string) bool {
	for _, r := range reqs {
		if r.URL.RequestURI() == u {
			return true
		}
	}
	return false
}

// TestBrowserStylesNeutraliseTheTrackerNotThePage: through the real module,
// a page whose stylesheet and style attributes load from refused vendors
// (@import, url(), image-set, @font-face src, escapes, a <style> in <svg>)
// sends them nothing, JavaScript on (preload scanner included), while every
// other rule of the style applies; on Accept all the stylesheet's URLs load
// in place, and the style attribute's on the next load.
func TestBrowserStylesNeutraliseTheTrackerNotThePage(t *testing.T) {
	b := newBrowser(t)
	start := time.Now()
	b.open(demo.url(t, "/styles.html"))
	b.assertNoVendorTraffic(start)
	for expr, want := range map[string]string{
		`getComputedStyle(document.getElementById('hidden')).display`: "none",
		`getComputedStyle(document.getElementById('first')).color`:    "rgb(0, 128, 0)",
		`getComputedStyle(document.getElementById('attr')).color`:     "rgb(0, 0, 255)",
		`getComputedStyle(document.getElementById('rect')).fill`:      "rgb(255, 0, 0)",
	} {
		if got := eval[string](b, expr); got != want {
			t.Errorf("before consent: %s = %q, want %q", expr, got, want)
		}
	}

	clicked := time.Now()
	b.click(acceptSel)
	b.waitDecided()
	b.waitNet("the stylesheet's vendor URLs", func() bool {
		for _, u := range styleURLs {
			if !hasURL(b.net.to(u.host, clicked), u.url) {
				return false
			}
		}
		return true
	})
	b.settle()
	if got := eval[string](b, `getComputedStyle(document.getElementById('hidden')).display`); got != "none" {
		t.Errorf("after consent #hidden display = %q, want none", got)
	}
	if hasURL(b.net.to(adsHost, clicked), "/pixel.gif?attr") {
		t.Errorf("the style attribute's URL came back from markup; the activation contract restores none")
	}

	reloaded := time.Now()
	b.open(demo.url(t, "/styles.html"))
	b.waitNet("the style attribute's URL on the next load", func() bool {
		return hasURL(b.net.to(adsHost, reloaded), "/pixel.gif?attr")
	})
	if html := eval[string](b, `document.documentElement.outerHTML`); strings.Contains(html, "x-consentry-css") {
		t.Errorf("with everything granted the page still carries blanks")
	}
}

// TestBrowserStylesJavaScriptOff: with JavaScript off, the blanks alone keep
// the stylesheet's and the style attribute's vendor URLs from loading, and
// the rest of the style applies.
func TestBrowserStylesJavaScriptOff(t *testing.T) {
	b := newBrowser(t)
	if _, err := chromedp.Call(b.ctx, emulation.SetScriptExecutionDisabled,
		emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
		t.Fatalf("turn JavaScript off: %v", err)
	}
	start := time.Now()
	b.open(demo.url(t, "/styles.html"))
	if got := eval[string](b, `typeof window.consentry`); got != "undefined" {
		t.Fatalf("the banner ran (window.consentry is %s): JavaScript is still on", got)
	}
	b.assertNoVendorTraffic(start)
	if got := eval[string](b, `getComputedStyle(document.getElementById('hidden')).display`); got != "none" {
		t.Errorf("#hidden display = %q, want none", got)
	}
}
