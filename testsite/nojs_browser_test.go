package testsite

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// submit clicks sel and waits for the page it leads to: its load event,
// then its body through the DOM domain, by which time the new page's
// execution context is the one evaluations use.
func (b *browser) submit(sel string) {
	b.t.Helper()
	ctx, cancel := b.step()
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.WaitEvent(page.LoadEventFired, nil, chromedp.Click(chromedp.CSS(sel)))); err != nil {
		b.t.Fatalf("click %s and load the next page: %v", sel, err)
	}
	b.do("the next page's body", chromedp.WaitReady(chromedp.CSS("body")))
	b.settle()
}

// TestBrowserNoScriptCustomise: without JavaScript the injected form's
// Customise leads to the preference page (one checkbox per category, Save),
// whose Save records the choice and comes back to the page; the footer's
// Cookie settings link reaches the same page and withdraws; the receipt is
// a readable page that shows each choice.
func TestBrowserNoScriptCustomise(t *testing.T) {
	b, home := openNoScript(t)
	start := time.Now()

	b.submit(`form#consentry-nojs button[formaction$="/_consent/cookies"]`)
	if got := eval[string](b, `location.pathname + location.search`); got != "/_consent/cookies?return=%2F" {
		t.Fatalf("Customise led to %s, want the preference page with the return path", got)
	}
	for _, key := range []string{"analytics", "advertising", "social"} {
		if eval[bool](b, `document.getElementById('c-`+key+`').checked`) {
			t.Errorf("%s ticked before any choice", key)
		}
	}
	b.click(`#c-analytics`)
	b.submit(`button[name=action][value=custom]`)
	if got := eval[string](b, `location.href`); got != home {
		t.Errorf("after Save the browser is at %s, want back at %s", got, home)
	}
	if eval[int](b, `document.querySelectorAll('#consentry-nojs').length`) != 0 {
		t.Errorf("the no-JavaScript form is still on the page after a choice")
	}

	receipt := func(when, granted, refused string) {
		t.Helper()
		b.open(demo.url(t, "/_consent/receipt"))
		g := eval[string](b, `document.getElementById('receipt-granted').textContent`)
		r := eval[string](b, `document.getElementById('receipt-refused').textContent`)
		if !strings.Contains(g, granted) || !strings.Contains(r, refused) || strings.Contains(g, refused) {
			t.Errorf("%s: receipt grants %q and refuses %q; want %s granted, %s refused", when, g, r, granted, refused)
		}
		if id := eval[string](b, `document.getElementById('receipt-id').textContent`); len(id) < 16 {
			t.Errorf("%s: receipt id %q", when, id)
		}
	}
	receipt("after Customise", "Analytics", "Advertising")

	// The footer's Cookie settings link, without JavaScript, reaches the
	// same page, which goes back to where the link was.
	b.open(demo.url(t, "/product.html"))
	b.submit(`footer a[href="/_consent/cookies"][data-consent-open]`)
	if got := eval[string](b, `location.pathname`); got != "/_consent/cookies" {
		t.Fatalf("Cookie settings led to %s", got)
	}
	if !eval[bool](b, `document.getElementById('c-analytics').checked`) {
		t.Errorf("the preference page does not show analytics granted")
	}
	b.click(`#c-analytics`)
	b.click(`#c-social`)
	b.submit(`button[name=action][value=custom]`)
	if got := eval[string](b, `location.pathname`); got != "/product.html" {
		t.Errorf("after Save the browser is at %s, want back at /product.html", got)
	}
	receipt("after withdrawing", "Social", "Analytics")

	if got := b.net.to(adsHost, start); len(got) != 0 {
		t.Errorf("requests to the refused ads vendor: %v", urls(got))
	}
}
