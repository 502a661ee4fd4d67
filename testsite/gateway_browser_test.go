package testsite

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// gateway is the demo with the analytics vendor also served from the site's
// own host under /metrics/, as a tag gateway serves Google's tags, and the
// consent block naming that path for the analytics category.
var gateway = newDemoVariant("gateway", withTagGateway)

// withTagGateway adds "category analytics { paths /metrics/ }" to the demo
// site's consent block and serves the analytics vendor under /metrics/.
func withTagGateway(caddyfile string) (string, error) {
	const block, root = "\tconsent {\n", "\troot * {$CONSENTRY_SITE:testsite}/www\n"
	for _, s := range []string{block, root} {
		if n := strings.Count(caddyfile, s); n != 1 {
			return "", fmt.Errorf("want one %q in the Caddyfile, found %d", s, n)
		}
	}
	caddyfile = strings.Replace(caddyfile, block, block+"\t\tcategory analytics {\n\t\t\tpaths /metrics/\n\t\t}\n", 1)
	return strings.Replace(caddyfile, root, "\thandle_path /metrics/* {\n\t\timport vendor analytics\n\t}\n"+root, 1), nil
}

// gatewayRequests returns the requests the tab sent to the tag gateway's
// path on the variant's own host at or after since.
func gatewayRequests(b *browser, since time.Time) []request {
	var out []request
	for _, r := range b.net.to("localhost", since) {
		if r.URL.Port() == gateway.port && strings.HasPrefix(r.URL.Path, "/metrics/") {
			out = append(out, r)
		}
	}
	return out
}

// TestBrowserTagGatewayAndConfigScript pins both sides of the inline-script
// rule and the first-party path rule in Chromium. Before consent: the site's
// configuration script, which names the analytics vendor's URL, runs (its
// effects show), while the vendor is not contacted when that script adds
// the vendor's tag (the guard holds it), the tag served from /metrics/ on
// the site's own host does not load, and the proxy refuses the path itself.
// After "Accept all" both tags load and run.
func TestBrowserTagGatewayAndConfigScript(t *testing.T) {
	b := newBrowser(t)
	b.open(gateway.url(t, "/gateway.html"))
	b.do("banner visible", chromedp.WaitVisible(chromedp.CSS(bannerSel)))

	b.waitJS("the configuration script ran", `document.documentElement.dataset.config === "loaded"`)
	if got := eval[string](b, `document.getElementById("stores").textContent`); got != "Berlin · Lyon · Osaka" {
		t.Errorf("#stores = %q: the site's configuration script did not run", got)
	}
	if got := eval[string](b, `String(document.getElementById("config-tracker").getAttribute("src"))`); got != "null" {
		t.Errorf("the tag the configuration script added has src=%s, want it held", got)
	}
	b.assertNoVendorTraffic(time.Time{})
	if got := gatewayRequests(b, time.Time{}); len(got) != 0 {
		t.Errorf("the tag gateway was contacted before consent: %v", urls(got))
	}
	// A page script asking for the gateway's path: the guard refuses the
	// fetch in the page, and the proxy refuses the path itself to anyone
	// who has not granted analytics.
	ctx, cancel := b.step()
	got, err := chromedp.Run(ctx, chromedp.Evaluate[string](
		`fetch("/metrics/a.js").then(r => r.text().then(() => "status " + r.status), () => "refused")`, chromedp.EvalAwaitPromise))
	cancel()
	if err != nil || got != "refused" {
		t.Errorf("the page's fetch of the gateway's path: %q (%v), want it refused by the guard", got, err)
	}
	resp, err := http.Get(gateway.url(t, "/metrics/a.js"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden || resp.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("GET /metrics/a.js without consent: %d, Cache-Control %q; want 403, no-store", resp.StatusCode, resp.Header.Get("Cache-Control"))
	}
	b.settle()
	if got := gatewayRequests(b, time.Time{}); len(got) != 0 {
		t.Errorf("the tag gateway was contacted before consent: %v", urls(got))
	}

	clicked := time.Now()
	b.click(acceptSel)
	b.waitDecided()
	b.waitJS("both analytics tags ran", `window.__vendor && window.__vendor.analytics === 2`)
	b.settle()
	if got := gatewayRequests(b, clicked); len(got) == 0 {
		t.Errorf("the tag gateway's script did not load after consent: %v", urls(got))
	}
	if got := b.net.to(analyticsHost, clicked); len(got) == 0 {
		t.Errorf("the configuration script's tag did not load after consent")
	}
}

// TestBrowserTagGatewayJavaScriptOff: without JavaScript the <noscript>
// pixel on the gateway's path stays neutralised and nothing of the vendor
// loads; the configuration script does not run, as no script does.
func TestBrowserTagGatewayJavaScriptOff(t *testing.T) {
	b := newBrowser(t)
	b.noScript()
	b.open(gateway.url(t, "/gateway.html"))
	if got := eval[string](b, `document.getElementById("stores").textContent`); got != "Stores load with the site's script." {
		t.Fatalf("#stores = %q: JavaScript is still on", got)
	}
	if got := gatewayRequests(b, time.Time{}); len(got) != 0 {
		t.Errorf("the tag gateway was contacted without JavaScript: %v", urls(got))
	}
	b.assertNoVendorTraffic(time.Time{})
}
