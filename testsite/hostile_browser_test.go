package testsite

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserHostileForumRunsNothing drives the activation contract through
// the real module and a strict CSP (script-src 'nonce-…' 'strict-dynamic'):
// a forged consent control in a post decides nothing, however clicked;
// markup a site script inserts (a sanitiser's data-* allowance) is never
// activated, for necessary or any category, and no held link, document or
// unsafe URL comes back; a tracker script injected into the HTML without
// the nonce stays blocked after consent, while the site's own manual
// tagging runs.
func TestBrowserHostileForumRunsNothing(t *testing.T) {
	b := newBrowser(t)
	start := time.Now()
	b.open(demo.url(t, "/forum.html"))
	b.do("banner visible", chromedp.WaitVisible(chromedp.CSS(bannerSel)))
	b.waitJS("posts rendered", `window.forum && window.forum.rendered === true`)
	b.assertNoVendorTraffic(start)

	// The visitor clicks the forged control; a page script clicks it and
	// the banner's own Accept button.
	b.click("#forged")
	b.do("script clicks", chromedp.Evaluate[chromedp.Void](
		`document.getElementById('forged').click(); document.querySelector('#consentry-banner [data-consent-action="accept_all"]').click()`))
	if cookie(b.allCookies(), "consent") != nil || eval[bool](b, `window.consentry.state().decided`) {
		t.Fatal("a forged or scripted click recorded a choice")
	}

	clicked := time.Now()
	b.click(acceptSel)
	b.waitDecided()
	b.waitJS("the site's manual tag ran", `window.forum.manual === 1`)
	b.settle()

	if got := eval[string](b, `String(window.pwned)`); got != "undefined" {
		t.Errorf("inserted markup ran: window.pwned = %s", got)
	}
	for _, r := range b.net.to("localhost", clicked) {
		if strings.HasPrefix(r.URL.Path, "/evil") {
			t.Errorf("inserted script fetched: %s", r.URL)
		}
	}
	if got := b.net.to(analyticsHost, time.Time{}); len(got) != 0 {
		t.Errorf("the tracker script injected without the nonce ran after consent: %v", urls(got))
	}
	if got := b.net.to(adsHost, time.Time{}); len(got) != 0 {
		t.Errorf("the pixel in a post loaded: %v", urls(got))
	}
	for expr, want := range map[string]string{
		`String(document.getElementById('jslink').getAttribute('href'))`: "null",
		`String(document.getElementById('doc').getAttribute('srcdoc'))`:  "null",
		`String(document.getElementById('pixel').getAttribute('src'))`:   "null",
		`String(window.forum.manual)`:                                    "1",
	} {
		if got := eval[string](b, expr); got != want {
			t.Errorf("%s = %s, want %s", expr, got, want)
		}
	}
}
