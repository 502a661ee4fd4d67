package testsite

import (
	"bytes"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// Selectors of the banner, as the banner package renders it.
const (
	bannerSel    = "#consentry-banner"
	prefsSel     = "#consentry-prefs"
	acceptSel    = `#consentry-banner [data-consent-action="accept_all"]`
	rejectSel    = `#consentry-banner [data-consent-action="reject_all"]`
	customiseSel = `#consentry-banner [data-consent-action="customise"]`
	saveSel      = `#consentry-prefs [data-consent-action="save"]`
	footerSel    = `footer a[data-consent-open]`
)

// switchSel selects the preference-centre switch of a category.
func switchSel(key string) string {
	return `#consentry-prefs input[type=checkbox][name=category][value="` + key + `"]`
}

// JavaScript predicates over the page.
const (
	// bannerShown is true when the first layer takes space on the screen.
	bannerShown = `(() => { const b = document.getElementById("consentry-banner");
		return !!b && !b.hidden && b.getClientRects().length > 0 &&
			getComputedStyle(b).visibility !== "hidden"; })()`
	// inertTags counts vendor tags the server left inert, by host.
	inertTags = `(host) => document.querySelectorAll(
		'script[type="text/plain"][data-src*="' + host + '"], iframe[data-src*="' + host + '"]:not([src]), img[data-src*="' + host + '"]:not([src])').length`
)

// openFresh opens the home page in a new profile and checks the state every
// visitor starts from: banner shown, no vendor contacted, site script run.
func openFresh(t *testing.T) *browser {
	t.Helper()
	b := newBrowser(t)
	b.open(demo.url(t, "/"))
	b.do("banner visible", chromedp.WaitVisible(chromedp.CSS(bannerSel)))
	b.assertSiteScriptRan()
	b.assertNoVendorTraffic(time.Time{})
	return b
}

// waitDecided waits until the banner has applied a choice: the server has
// answered, so the consent cookie is set and the banner is hidden.
func (b *browser) waitDecided() {
	b.t.Helper()
	b.waitJS("choice applied", `window.consentry && window.consentry.state().decided === true`)
	b.do("banner hidden", chromedp.WaitNotVisible(chromedp.CSS(bannerSel)))
}

// inert returns how many tags of host the page still holds inert.
func (b *browser) inert(host string) int {
	b.t.Helper()
	return eval[int](b, "("+inertTags+")("+jsString(host)+")")
}

// TestBrowserFreshProfile: a first visit shows the banner and loads nothing
// from any vendor, while the site's own script runs (checklist 1).
func TestBrowserFreshProfile(t *testing.T) {
	b := openFresh(t)

	if got := eval[bool](b, bannerShown); !got {
		t.Errorf("banner shown = false, want true")
	}
	for _, h := range vendorHosts {
		if n := b.inert(h); n == 0 {
			t.Errorf("inert tags of %s = 0, want at least 1 (the page carries them)", h)
		}
	}
	if c := cookie(b.allCookies(), "consent"); c != nil {
		t.Errorf("consent cookie set before any choice: %s", c.Value)
	}

	// Reject is as easy to see and to hit as Accept (checklist 2 and 3).
	type box struct {
		Tags     string  `json:"tags"`
		InView   bool    `json:"inView"`
		FontDiff float64 `json:"fontDiff"`
		Area     float64 `json:"area"`
	}
	got := eval[box](b, `(() => {
		const a = document.querySelector('`+acceptSel+`'), r = document.querySelector('`+rejectSel+`');
		const ba = a.getBoundingClientRect(), br = r.getBoundingClientRect();
		const inView = (x) => x.top >= 0 && x.left >= 0 && x.bottom <= innerHeight && x.right <= innerWidth;
		const area = (x) => x.width * x.height;
		return {
			tags: a.tagName + "," + r.tagName,
			inView: inView(ba) && inView(br),
			fontDiff: Math.abs(parseFloat(getComputedStyle(a).fontSize) - parseFloat(getComputedStyle(r).fontSize)),
			area: Math.min(area(ba), area(br)) / Math.max(area(ba), area(br)),
		};
	})()`)
	if got.Tags != "BUTTON,BUTTON" {
		t.Errorf("Accept, Reject elements = %s, want BUTTON,BUTTON", got.Tags)
	}
	if !got.InView {
		t.Errorf("Accept and Reject not both in the viewport without scrolling")
	}
	if got.FontDiff > 1 {
		t.Errorf("Accept and Reject font sizes differ by %.1fpx, want at most 1px", got.FontDiff)
	}
	if got.Area < 0.9 {
		t.Errorf("Reject/Accept area ratio = %.2f, want at least 0.9", got.Area)
	}
}

// TestBrowserCloseIsNotConsent: leaving the preference centre with Escape or
// its close button records nothing and loads nothing, even with a switch
// turned on (checklist 8).
func TestBrowserCloseIsNotConsent(t *testing.T) {
	b := openFresh(t)

	for _, leave := range []struct {
		name   string
		action chromedp.Action[chromedp.Void]
	}{
		{"Escape", chromedp.KeyEvent(kb.Escape)},
		{"close button", chromedp.Click(chromedp.CSS(`#consentry-prefs [data-consent-action="close"]`))},
	} {
		b.click(customiseSel)
		b.do("preference centre", chromedp.WaitVisible(chromedp.CSS(prefsSel)))
		b.click(switchSel("analytics"))
		b.do(leave.name, leave.action)
		b.do("preference centre closed by "+leave.name, chromedp.WaitNotVisible(chromedp.CSS(prefsSel)))
		b.settle()
		if c := cookie(b.allCookies(), "consent"); c != nil {
			t.Errorf("%s: consent cookie set, want none", leave.name)
		}
		if eval[bool](b, `window.consentry.state().decided`) {
			t.Errorf("%s: state decided, want undecided", leave.name)
		}
		if !eval[bool](b, bannerShown) {
			t.Errorf("%s: banner gone, want it shown until a choice", leave.name)
		}
	}
	b.assertNoVendorTraffic(time.Time{})
}

// noScript turns JavaScript off for the pages the browser opens next.
func (b *browser) noScript() {
	b.t.Helper()
	if _, err := chromedp.Call(b.ctx, emulation.SetScriptExecutionDisabled,
		emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
		b.t.Fatalf("turn JavaScript off: %v", err)
	}
}

// openNoScript opens the home page in a new profile with JavaScript off.
func openNoScript(t *testing.T) (*browser, string) {
	t.Helper()
	b := newBrowser(t)
	b.noScript()
	home := demo.url(t, "/")
	b.open(home)
	if got := eval[string](b, `document.getElementById("site-status").textContent`); got != "site script has not run" {
		t.Fatalf("#site-status = %q: JavaScript is still on", got)
	}
	return b, home
}

// TestBrowserJavaScriptOff: with JavaScript off, the server's rewriting alone
// keeps every vendor out, the <noscript> pixel fallback included.
func TestBrowserJavaScriptOff(t *testing.T) {
	b, _ := openNoScript(t)
	if eval[int](b, `document.querySelectorAll("noscript").length`) == 0 {
		t.Fatalf("the page has no <noscript>; the test needs the pixel fallback")
	}
	b.assertNoVendorTraffic(time.Time{})
}

// TestBrowserNoScriptForm: without JavaScript the injected plain HTML form
// posts a choice to /_consent and comes back to the same page (the README's
// "The banner": without JavaScript a plain form does the same job).
func TestBrowserNoScriptForm(t *testing.T) {
	b, home := openNoScript(t)

	const reject = `form[action*="/_consent"] button[value="reject_all"]`
	if eval[int](b, `document.querySelectorAll('`+reject+`').length`) == 0 {
		t.Fatalf("no plain form with a reject_all button (%s) for visitors without JavaScript", reject)
	}
	ctx, cancel := b.step()
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.WaitEvent(page.LoadEventFired, nil,
		chromedp.Click(chromedp.CSS(reject)))); err != nil {
		t.Fatalf("submit the form and load the next page: %v", err)
	}
	b.settle()
	if got := eval[string](b, `location.href`); got != home {
		t.Errorf("after the form post the browser is at %s, want back at %s", got, home)
	}
	if c := cookie(b.cookies(home), "consent"); c == nil {
		t.Errorf("no consent cookie after the plain form's Reject all")
	}
	b.assertNoVendorTraffic(time.Time{})
}

// TestBrowserRejectAll: Reject all hides the banner, records the refusal in an
// HttpOnly cookie, and a reload shows no banner and still loads no vendor
// (checklist 9).
func TestBrowserRejectAll(t *testing.T) {
	b := openFresh(t)

	b.click(rejectSel)
	b.waitDecided()
	b.settle()
	b.assertNoVendorTraffic(time.Time{})

	c := cookie(b.cookies(demo.url(t, "/")), "consent")
	if c == nil {
		t.Fatalf("no consent cookie after Reject all; cookies: %s", names(b.allCookies()))
	}
	if !c.HTTPOnly {
		t.Errorf("consent cookie HttpOnly = false, want true")
	}
	if c.Path != "/" {
		t.Errorf("consent cookie Path = %q, want /", c.Path)
	}
	for _, key := range []string{"analytics", "advertising", "social"} {
		if eval[bool](b, `window.consentry.state().categories[`+jsString(key)+`] === true`) {
			t.Errorf("state after Reject all: %s granted", key)
		}
	}

	b.do("reload", chromedp.Reload())
	b.settle()
	b.assertSiteScriptRan()
	if eval[bool](b, bannerShown) {
		t.Errorf("banner shown after reload of a refusal, want hidden")
	}
	b.assertNoVendorTraffic(time.Time{})
	if got := cookie(b.cookies(demo.url(t, "/")), "consent"); got == nil || got.Value != c.Value {
		t.Errorf("consent cookie changed or vanished on reload")
	}
}

// TestBrowserAcceptAllActivatesInPlace: Accept all runs the vendor scripts,
// the pixel and the iframe in the same document, without a reload, and only
// after the click (checklist 10).
func TestBrowserAcceptAllActivatesInPlace(t *testing.T) {
	b := openFresh(t)

	b.do("mark the document", chromedp.Evaluate[chromedp.Void](`window.__marker = 1`))
	clicked := time.Now()
	b.click(acceptSel)
	b.waitDecided()
	b.waitJS("vendor scripts ran", `window.__vendor && __vendor.analytics >= 1 && __vendor.ads >= 1`)
	b.waitNet("vendor beacons and iframe", func() bool {
		return hasPath(b.net.to(analyticsHost, clicked), "/collect") &&
			hasPath(b.net.to(adsHost, clicked), "/hit") &&
			hasPath(b.net.to(adsHost, clicked), "/pixel.gif") &&
			hasPath(b.net.to(socialHost, clicked), "/widget.html")
	})
	b.settle()

	if !eval[bool](b, `window.__marker === 1`) {
		t.Errorf("window.__marker lost: the page reloaded, want activation in place")
	}
	for _, h := range vendorHosts {
		all, after := b.net.to(h, time.Time{}), b.net.to(h, clicked)
		if len(all) != len(after) {
			t.Errorf("%s: %d requests before the click, want 0: %v", h, len(all)-len(after), urls(all))
		}
		if n := b.inert(h); n != 0 {
			t.Errorf("%s: %d tags still inert after Accept all, want 0", h, n)
		}
	}
	for _, p := range []struct{ host, path string }{
		{analyticsHost, "/a.js"}, {analyticsHost, "/collect"},
		{adsHost, "/ad.js"}, {adsHost, "/hit"}, {adsHost, "/pixel.gif"},
		{socialHost, "/widget.html"},
	} {
		if !hasPath(b.net.to(p.host, clicked), p.path) {
			t.Errorf("no request to %s%s after Accept all", p.host, p.path)
		}
	}
	// Each script runs once: activation must not run a tag twice.
	if got := eval[string](b, `JSON.stringify(window.__vendor)`); got != `{"analytics":1,"ads":1}` &&
		got != `{"ads":1,"analytics":1}` {
		t.Errorf("window.__vendor = %s, want each vendor script run exactly once", got)
	}
	if got := eval[string](b, `document.querySelector('iframe[title="Social feed"]').src`); !strings.Contains(got, socialHost+":"+demo.port+"/widget.html") {
		t.Errorf("social iframe src = %q, want the widget on %s", got, socialHost)
	}
	cs := b.allCookies()
	for _, name := range append(vendorCookies, "consent") {
		if cookie(cs, name) == nil {
			t.Errorf("cookie %s missing after Accept all; cookies: %s", name, names(cs))
		}
	}
	b.assertSiteScriptRan()
}

// TestBrowserCustomiseAnalyticsOnly: in the preference centre nothing is
// pre-ticked; granting analytics alone runs analytics and nothing else
// (checklist 5).
func TestBrowserCustomiseAnalyticsOnly(t *testing.T) {
	b := openFresh(t)

	b.click(customiseSel)
	b.do("preference centre", chromedp.WaitVisible(chromedp.CSS(prefsSel)))
	if got := eval[string](b, `[...document.querySelectorAll('#consentry-prefs input[name=category]:not(:disabled):checked')].map(i => i.value).join()`); got != "" {
		t.Errorf("pre-ticked switches: %s, want none", got)
	}
	if !eval[bool](b, `document.querySelector('#consentry-prefs input[name=category][value=necessary]').checked`) {
		t.Errorf("necessary switch is off, want on and locked")
	}
	b.click(switchSel("analytics"))
	if !eval[bool](b, `document.querySelector('`+switchSel("analytics")+`').checked`) {
		t.Fatalf("analytics switch did not turn on")
	}
	saved := time.Now()
	b.click(saveSel)
	b.waitDecided()
	b.waitJS("analytics ran", `window.__vendor && __vendor.analytics >= 1`)
	b.waitNet("analytics beacon", func() bool { return hasPath(b.net.to(analyticsHost, saved), "/collect") })
	b.settle()

	if got := b.net.to(adsHost, time.Time{}); len(got) != 0 {
		t.Errorf("requests to %s: got %d, want 0: %v", adsHost, len(got), urls(got))
	}
	if got := b.net.to(socialHost, time.Time{}); len(got) != 0 {
		t.Errorf("requests to %s: got %d, want 0: %v", socialHost, len(got), urls(got))
	}
	if got := eval[string](b, `typeof window.__vendor.ads`); got != "undefined" {
		t.Errorf("ad script ran (typeof __vendor.ads = %s), want not", got)
	}
	if n := b.inert(adsHost); n == 0 {
		t.Errorf("ads tags inert = 0, want them still held")
	}
	if n := b.inert(socialHost); n == 0 {
		t.Errorf("social iframe inert = 0, want it still held")
	}
	cs := b.allCookies()
	for _, name := range []string{"_fa_id", "analytics_uid"} {
		if cookie(cs, name) == nil {
			t.Errorf("analytics cookie %s missing; cookies: %s", name, names(cs))
		}
	}
	for _, name := range []string{"_fad", "ads_uid", "social_uid"} {
		if c := cookie(cs, name); c != nil {
			t.Errorf("cookie %s set (domain %s), want none: its category was refused", name, c.Domain)
		}
	}
	b.assertSiteScriptRan()
}

// TestBrowserPlaceholderAllowsOneCategory: the blocked social iframe shows a
// placeholder naming its category; its Allow button loads the widget in place
// and grants social alone.
func TestBrowserPlaceholderAllowsOneCategory(t *testing.T) {
	b := openFresh(t)

	const allow = `.consentry-placeholder [data-consent-allow="social"]`
	b.do("placeholder", chromedp.WaitVisible(chromedp.CSS(allow)))
	if got := eval[string](b, `document.querySelector('.consentry-placeholder').textContent`); !strings.Contains(got, "Social") {
		t.Errorf("placeholder text = %q, want it to name the Social category", got)
	}
	clicked := time.Now()
	b.clickInPage(allow)
	b.waitDecided()
	if got := eval[string](b, `window.consentry.state().method`); got != "custom" {
		t.Errorf("method = %q, want custom", got)
	}
	b.waitNet("social widget", func() bool { return hasPath(b.net.to(socialHost, clicked), "/widget.html") })
	b.settle()

	if n := eval[int](b, `document.querySelectorAll(".consentry-placeholder").length`); n != 0 {
		t.Errorf("%d placeholders left after Allow, want 0", n)
	}
	for _, h := range []string{analyticsHost, adsHost} {
		if got := b.net.to(h, time.Time{}); len(got) != 0 {
			t.Errorf("requests to %s after allowing social only: %v", h, urls(got))
		}
	}
	if got := eval[string](b, `typeof window.__vendor`); got != "undefined" {
		t.Errorf("a vendor script ran after allowing social only")
	}
	for key, want := range map[string]bool{"social": true, "analytics": false, "advertising": false} {
		if got := eval[bool](b, `window.consentry.state().categories[`+jsString(key)+`] === true`); got != want {
			t.Errorf("state %s granted = %v, want %v", key, got, want)
		}
	}
}

// TestBrowserWithdrawFromFooter: the footer's Cookie settings link reopens the
// preference centre in one click; withdrawing deletes the vendors' first-party
// cookies and the next page loads nothing from them (checklist 11).
func TestBrowserWithdrawFromFooter(t *testing.T) {
	b := openFresh(t)

	b.click(acceptSel)
	b.waitDecided()
	b.waitJS("vendor scripts ran", `window.__vendor && __vendor.analytics >= 1 && __vendor.ads >= 1`)
	b.settle()
	if cs := b.allCookies(); cookie(cs, "_fa_id") == nil || cookie(cs, "_fad") == nil {
		t.Fatalf("vendor cookies missing after Accept all: %s", names(cs))
	}

	b.clickInPage(footerSel)
	b.do("preference centre", chromedp.WaitVisible(chromedp.CSS(prefsSel)))
	for _, key := range []string{"analytics", "advertising", "social"} {
		if !eval[bool](b, `document.querySelector('`+switchSel(key)+`').checked`) {
			t.Errorf("%s switch off after Accept all, want on", key)
		}
		b.click(switchSel(key))
	}
	b.click(saveSel)
	b.waitJS("choice saved", `window.consentry.state().categories.analytics === false`)
	b.do("preference centre closed", chromedp.WaitNotVisible(chromedp.CSS(prefsSel)))

	cs := b.cookies(demo.url(t, "/"))
	for _, name := range []string{"_fa_id", "_fad"} {
		if c := cookie(cs, name); c != nil {
			t.Errorf("cookie %s survived withdrawal", name)
		}
	}

	reloaded := time.Now()
	b.do("reload", chromedp.Reload())
	b.settle()
	for _, h := range vendorHosts {
		if got := b.net.to(h, reloaded); len(got) > 0 {
			t.Errorf("requests to %s after withdrawal and reload: %v", h, urls(got))
		}
	}
	if got := eval[string](b, `typeof window.__vendor`); got != "undefined" {
		t.Errorf("vendor script ran after withdrawal and reload")
	}
	if eval[bool](b, bannerShown) {
		t.Errorf("banner shown after a saved choice, want hidden")
	}
}

// TestBrowserBannerScreenshot renders the banner on the home page at desktop
// size. With CONSENTRY_SCREENSHOTS=1 it writes docs/banner.png for the README.
func TestBrowserBannerScreenshot(t *testing.T) {
	b := newBrowser(t)
	b.open(demo.url(t, "/"))
	b.do("banner visible", chromedp.WaitVisible(chromedp.CSS(bannerSel)))
	b.waitJS("animations done", `document.getAnimations().every(a => a.playState !== "running")`)
	b.waitJS("fonts ready", `document.fonts.status === "loaded"`)

	buf, err := chromedp.Run(b.ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	img, err := png.Decode(bytes.NewReader(buf))
	if err != nil {
		t.Fatalf("decode screenshot: %v", err)
	}
	if got := img.Bounds().Size(); got.X != 1280 || got.Y != 800 {
		t.Errorf("screenshot size = %v, want 1280x800", got)
	}
	if os.Getenv("CONSENTRY_SCREENSHOTS") != "1" {
		return
	}
	out := filepath.Join("..", "docs", "banner.png")
	if err := os.WriteFile(out, buf, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %s (%d bytes)", out, len(buf))
}

// hasPath reports whether one of reqs asked for path.
func hasPath(reqs []request, path string) bool {
	for _, r := range reqs {
		if r.URL.Path == path {
			return true
		}
	}
	return false
}
