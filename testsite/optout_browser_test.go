package testsite

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/consentry/consentry/banner"
)

// firstLayer is the banner's heading and first paragraph.
const firstLayer = `[document.querySelector("#consentry-banner .cs-h").textContent,
	document.querySelector("#consentry-banner .cs-p").firstChild.textContent]`

// TestBrowserFirstLayerPerRegime: a visitor in the EU reads the opt-in
// first layer ("if you agree…") and no Do Not Sell control; a Californian
// reads the opt-out one, in their language, with the control.
func TestBrowserFirstLayerPerRegime(t *testing.T) {
	for _, tc := range []struct {
		name, country, region, lang string
		titleKey, bodyKey           string
		control                     bool
	}{
		{"Germany", "DE", "", "de", "title", "body", false},
		{"California", "US", "CA", "en", "title.opt-out", "body.opt-out", true},
		{"California, Spanish", "US", "CA", "es", "title.opt-out", "body.opt-out", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := newBrowser(t)
			h := map[string]string{countryHeader: tc.country, "Accept-Language": tc.lang}
			if tc.region != "" {
				h[regionHeader] = tc.region
			}
			b.sendHeaders(h)
			b.open(located.url(t, "/"))
			b.do("banner visible", chromedp.WaitVisible(chromedp.CSS(bannerSel)))
			texts := banner.Texts(tc.lang)
			got := eval[[]string](b, firstLayer)
			if len(got) != 2 || got[0] != texts[tc.titleKey] || got[1] != texts[tc.bodyKey] {
				t.Errorf("first layer %q, want %q / %q", got, texts[tc.titleKey], texts[tc.bodyKey])
			}
			ctl := `(document.querySelector("#consentry-banner [data-consent-action=opt_out]") || {}).textContent || ""`
			if c := eval[string](b, ctl); (c != "") != tc.control || (tc.control && c != texts["do_not_sell"]) {
				t.Errorf("Do Not Sell control %q, want shown: %v (%q)", c, tc.control, texts["do_not_sell"])
			}
		})
	}
}

// TestBrowserCaliforniaDoNotSell: one click on "Do Not Sell or Share My
// Personal Information" opts a Californian out: the choice is recorded
// (decided, advertising refused, analytics kept), the ad script never
// runs, and the control then shows the opt-out as honoured, on the next
// page too.
func TestBrowserCaliforniaDoNotSell(t *testing.T) {
	b := newBrowser(t)
	b.sendHeaders(map[string]string{countryHeader: "US", regionHeader: "CA"})
	b.open(located.url(t, "/"))
	b.do("banner visible", chromedp.WaitVisible(chromedp.CSS(bannerSel)))
	b.click(`#consentry-banner [data-consent-action="opt_out"]`)
	b.waitJS("opted out", `window.consentry.state().decided === true`)
	st := eval[map[string]any](b, `window.consentry.state()`)
	cats, _ := st["categories"].(map[string]any)
	if cats["advertising"] != false || cats["analytics"] != true || st["method"] != "custom" {
		t.Errorf("state after Do Not Sell: %v; want advertising refused, analytics kept, method custom", st)
	}
	reloaded := time.Now()
	b.do("reload", chromedp.Reload())
	b.settle()
	if got := b.net.to(adsHost, reloaded); len(got) != 0 {
		t.Errorf("requests to %s after opting out: %v", adsHost, urls(got))
	}
	b.do("open preferences", chromedp.Evaluate[chromedp.Void](`consentry.open()`), chromedp.WaitVisible(chromedp.CSS(prefsSel)))
	want := banner.Texts("en")["opted_out"]
	if got := eval[string](b, `(document.querySelector("#consentry-prefs [data-consent-optout=choice]") || {}).textContent || ""`); got != want {
		t.Errorf("opt-out status %q, want %q", got, want)
	}
}

// TestBrowserVirginiaGPCRecorded: in Virginia, whose law does not make GPC
// binding, GPC is recorded in the state but advertising stays on until the
// visitor uses the control.
func TestBrowserVirginiaGPCRecorded(t *testing.T) {
	b := newBrowser(t)
	b.sendHeaders(map[string]string{countryHeader: "US", regionHeader: "VA", "Sec-GPC": "1"})
	b.turnOnGPC()
	b.open(located.url(t, "/"))
	b.do("banner visible", chromedp.WaitVisible(chromedp.CSS(bannerSel)))
	st := eval[map[string]any](b, `window.consentry.state()`)
	cats, _ := st["categories"].(map[string]any)
	sig, _ := st["signals"].(map[string]any)
	if sig["gpc"] != true || cats["advertising"] != true || st["method"] != "" {
		t.Errorf("Virginia with GPC: %v; want GPC recorded, advertising on, no signal method", st)
	}
	if !eval[bool](b, `!!document.querySelector("#consentry-banner [data-consent-action=opt_out]")`) {
		t.Error("no Do Not Sell control in Virginia")
	}
}

// TestBrowserNoScriptDoNotSell: without JavaScript a Californian reads the
// opt-out regime's texts in the injected form, and its Do Not Sell button
// opts them out in one step: advertising refused, the other categories
// kept, the choice recorded and the form gone; an EU visitor's form has
// neither.
func TestBrowserNoScriptDoNotSell(t *testing.T) {
	tx := banner.Texts("en")
	b := newBrowser(t)
	b.noScript()
	b.sendHeaders(map[string]string{countryHeader: "DE"})
	b.open(located.url(t, "/"))
	if got := eval[string](b, `(document.querySelector('#consentry-nojs strong') || {}).textContent || ''`); got != tx["title"] {
		t.Errorf("EU visitor's no-JavaScript form is titled %q, want %q", got, tx["title"])
	}
	if n := eval[int](b, `document.querySelectorAll('#consentry-nojs button[value=custom]').length`); n != 0 {
		t.Errorf("EU visitor's no-JavaScript form has %d Do Not Sell buttons", n)
	}

	b = newBrowser(t)
	b.noScript()
	b.sendHeaders(map[string]string{countryHeader: "US", regionHeader: "CA"})
	home := located.url(t, "/")
	b.open(home)
	if got := eval[string](b, `document.getElementById("site-status").textContent`); got != "site script has not run" {
		t.Fatalf("#site-status = %q: JavaScript is still on", got)
	}
	form := eval[struct{ Title, Body, Button string }](b, `(() => {
		const f = document.querySelector('#consentry-nojs');
		const bt = f && f.querySelector('button[name=action][value=custom]');
		return {Title: f ? f.querySelector('strong').textContent : '', Body: f ? f.querySelector('p').textContent : '',
			Button: bt ? bt.textContent : ''};
	})()`)
	if form.Title != tx["title.opt-out"] || !strings.Contains(form.Body, tx["body.opt-out"]) || form.Button != tx["do_not_sell"] {
		t.Fatalf("Californian's no-JavaScript form: %+v; want the opt-out title, body and %q", form, tx["do_not_sell"])
	}
	// The button and its categories belong to a form of their own: the
	// visible form (Accept, Reject, Customise's GET) carries no category.
	if names := eval[[]string](b, `[...document.getElementById('consentry-nojs').elements].map((e) => e.name)`); slices.Contains(names, "category") {
		t.Errorf("the visible form's controls %q include the Do Not Sell categories", names)
	}
	b.submit(`#consentry-nojs button[name=action][value=custom]`)
	if got := eval[string](b, `location.href`); got != home {
		t.Errorf("after Do Not Sell the browser is at %s, want back at %s", got, home)
	}
	if n := eval[int](b, `document.querySelectorAll('#consentry-nojs').length`); n != 0 {
		t.Errorf("the no-JavaScript form is still on the page after opting out")
	}
	b.open(located.url(t, "/_consent"))
	st := eval[map[string]any](b, `JSON.parse(document.body.innerText)`)
	cats, _ := st["categories"].(map[string]any)
	if st["decided"] != true || st["method"] != "custom" || cats["advertising"] != false || cats["analytics"] != true || cats["social"] != true {
		t.Errorf("state after the no-JavaScript Do Not Sell: %v; want advertising refused, the others kept", st)
	}
}
