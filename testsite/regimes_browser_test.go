package testsite

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/consentry/consentry/banner"
)

// Where the CDN in front says the visitor is, Cloudflare style.
const (
	countryHeader = "CF-IPCountry"
	regionHeader  = "CF-Region-Code"
)

// located is the demo with the consent handler reading the visitor's
// location from the CDN's headers: the root Caddyfile with two lines added
// to its consent block, so the shipped demo stays as it is.
var located = newDemoVariant("located", withLocationHeaders)

// withLocationHeaders adds country_header and region_header to the demo
// site's consent block.
func withLocationHeaders(caddyfile string) (string, error) {
	const block = "\tconsent {\n"
	if n := strings.Count(caddyfile, block); n != 1 {
		return "", fmt.Errorf("want one %q in the Caddyfile, found %d", block, n)
	}
	return strings.Replace(caddyfile, block,
		block+"\t\tcountry_header "+countryHeader+"\n\t\tregion_header "+regionHeader+"\n", 1), nil
}

// sendHeaders makes the browser send header on every request from now on,
// as the CDN in front would add them, and Sec-GPC as a browser with Global
// Privacy Control on does.
func (b *browser) sendHeaders(header map[string]string) {
	b.t.Helper()
	h := network.Headers{}
	for k, v := range header {
		h[k] = v
	}
	ctx, cancel := b.step()
	defer cancel()
	if _, err := chromedp.Call(ctx, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{Headers: h}); err != nil {
		b.t.Fatalf("set request headers %v: %v", header, err)
	}
}

// turnOnGPC makes every new document see navigator.globalPrivacyControl =
// true, as in a browser with Global Privacy Control on; sendHeaders sends
// the matching Sec-GPC header.
func (b *browser) turnOnGPC() {
	b.t.Helper()
	ctx, cancel := b.step()
	defer cancel()
	if _, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{
		Source: `Object.defineProperty(Navigator.prototype, "globalPrivacyControl", {get: () => true, configurable: true});`,
	}); err != nil {
		b.t.Fatalf("turn on navigator.globalPrivacyControl: %v", err)
	}
}

// TestBrowserCaliforniaGPC: a Californian visitor with Global Privacy Control
// is in the opt-out regime, so analytics runs before any choice; GPC is a
// binding opt-out of advertising, so no ad request leaves the page, and the
// banner says the signal was honoured. Only when the visitor turns
// advertising on in the preference centre does the ad script run, in place.
func TestBrowserCaliforniaGPC(t *testing.T) {
	b := newBrowser(t)
	b.sendHeaders(map[string]string{countryHeader: "US", regionHeader: "CA", "Sec-GPC": "1"})
	b.turnOnGPC()
	b.open(located.url(t, "/"))
	b.do("banner visible", chromedp.WaitVisible(chromedp.CSS(bannerSel)))
	b.assertSiteScriptRan()

	if !eval[bool](b, `navigator.globalPrivacyControl === true`) {
		t.Errorf("navigator.globalPrivacyControl is not true in the page")
	}
	type state struct {
		Regime     string          `json:"regime"`
		Decided    bool            `json:"decided"`
		Categories map[string]bool `json:"categories"`
		Signals    map[string]bool `json:"signals"`
	}
	s := eval[state](b, `window.consentry.state()`)
	if s.Regime != "opt-out" || s.Decided || !s.Signals["gpc"] || !s.Categories["analytics"] || s.Categories["advertising"] {
		t.Errorf("state before a choice = %+v, want opt-out, undecided, gpc, analytics on, advertising off", s)
	}

	// Analytics runs before a choice; advertising does not.
	b.waitJS("analytics ran", `window.__vendor && __vendor.analytics >= 1`)
	b.waitNet("analytics beacon", func() bool { return hasPath(b.net.to(analyticsHost, time.Time{}), "/collect") })
	b.settle()
	if got := b.net.to(adsHost, time.Time{}); len(got) != 0 {
		t.Errorf("requests to %s before a choice under GPC: got %d, want 0: %v", adsHost, len(got), urls(got))
	}
	if got := eval[string](b, `typeof window.__vendor.ads`); got != "undefined" {
		t.Errorf("ad script ran under GPC before a choice (typeof __vendor.ads = %s)", got)
	}
	if n := b.inert(adsHost); n == 0 {
		t.Errorf("inert ad tags = 0, want the ad script and pixels held back")
	}
	if n := b.inert(analyticsHost); n != 0 {
		t.Errorf("inert analytics tags = %d, want 0 in the opt-out regime", n)
	}
	for _, name := range []string{"_fad", "ads_uid"} {
		if c := cookie(b.allCookies(), name); c != nil {
			t.Errorf("advertising cookie %s set under GPC (domain %s)", name, c.Domain)
		}
	}

	// The banner says GPC was honoured, in place of the Do Not Sell control.
	want := banner.Texts("en")["gpc_opted_out"]
	if got := eval[string](b, `(document.querySelector("#consentry-banner [data-consent-optout=gpc]") || {}).textContent || ""`); got != want || want == "" {
		t.Errorf("banner GPC note = %q, want %q", got, want)
	}
	if eval[bool](b, `!!document.querySelector("#consentry-banner [data-consent-action=opt_out]")`) {
		t.Errorf("Do Not Sell button shown although GPC already opted the visitor out")
	}

	// The preference centre shows the opt-out defaults: advertising off.
	b.click(customiseSel)
	b.do("preference centre", chromedp.WaitVisible(chromedp.CSS(prefsSel)))
	for key, want := range map[string]bool{"analytics": true, "advertising": false} {
		if got := eval[bool](b, `document.querySelector('`+switchSel(key)+`').checked`); got != want {
			t.Errorf("%s switch checked = %v, want %v", key, got, want)
		}
	}

	// An explicit grant of advertising overrides the signal.
	b.click(switchSel("advertising"))
	saved := time.Now()
	b.click(saveSel)
	b.waitJS("choice saved", `window.consentry.state().decided === true`)
	b.waitJS("ad script ran", `window.__vendor && __vendor.ads >= 1`)
	b.waitNet("ad requests", func() bool {
		return hasPath(b.net.to(adsHost, saved), "/ad.js") && hasPath(b.net.to(adsHost, saved), "/hit")
	})
	b.settle()
	if got := eval[string](b, `window.consentry.state().method`); got != "custom" {
		t.Errorf("method = %q, want custom", got)
	}
	if !eval[bool](b, `window.consentry.state().categories.advertising === true`) {
		t.Errorf("advertising not granted after the explicit grant")
	}

	// The grant holds on the next page, GPC still on.
	reloaded := time.Now()
	b.do("reload", chromedp.Reload())
	b.settle()
	b.waitJS("ad script ran after reload", `window.__vendor && __vendor.ads >= 1`)
	if !hasPath(b.net.to(adsHost, reloaded), "/ad.js") {
		t.Errorf("no %s/ad.js request after reload: the explicit grant did not hold under GPC", adsHost)
	}
	if eval[bool](b, bannerShown) {
		t.Errorf("banner shown after a saved choice, want hidden")
	}
}

// TestBrowserGermany: a visitor the CDN places in Germany is in the opt-in
// regime: nothing from any vendor before a choice.
func TestBrowserGermany(t *testing.T) {
	b := newBrowser(t)
	b.sendHeaders(map[string]string{countryHeader: "DE"})
	b.open(located.url(t, "/"))
	b.do("banner visible", chromedp.WaitVisible(chromedp.CSS(bannerSel)))
	b.assertSiteScriptRan()
	if got := eval[string](b, `window.consentry.state().regime`); got != "opt-in" {
		t.Errorf("regime = %q, want opt-in", got)
	}
	b.assertNoVendorTraffic(time.Time{})
	for _, h := range vendorHosts {
		if n := b.inert(h); n == 0 {
			t.Errorf("inert tags of %s = 0, want the page's tags held back", h)
		}
	}
}
