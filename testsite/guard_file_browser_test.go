package testsite

import (
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/consentry/consentry/banner"
	"github.com/consentry/consentry/sdk"
)

// guardFileSites are the leak sites (withLeakSites) with "guard file" in
// every consent block: pages load the guard from
// /_consent/guard.<hash>.js with a parser-blocking <script src>.
var guardFileSites = newDemoVariant("leak_guard_file", func(caddyfile string) (string, error) {
	const block = "\tconsent {\n"
	if n := strings.Count(caddyfile, block); n != 1 {
		return "", fmt.Errorf("want one %q in the Caddyfile, found %d", block, n)
	}
	caddyfile = strings.Replace(caddyfile, block, block+"\t\tguard file\n", 1)
	return withLeakSites(caddyfile)
})

// guardFilePages are leak pages whose trackers a page script inserts
// after the page has loaded the guard: a script element, an image, a
// fetch, an XMLHttpRequest, an iframe's src, markup strings, a beacon and
// a worker; and one held by the server, which the guard must leave held.
var guardFilePages = []string{
	"guard-createelement-script.html",
	"guard-new-image.html",
	"guard-setattribute-src.html",
	"guard-fetch.html",
	"guard-xhr.html",
	"guard-iframe-src-property.html",
	"guard-innerhtml.html",
	"guard-document-write.html",
	"guard-sendbeacon.html",
	"guard-worker.html",
	"html-script-src.html",
}

// TestBrowserLeakPagesGuardFile: with "guard file", the page carries no
// inline guard but a parser-blocking <script src> to the guard file, and
// in Chromium the guard still holds what page scripts insert before
// consent: no request reaches a refused vendor with JavaScript on or off,
// and after Accept all the page makes the requests the unprotected page
// makes (the leak test's judgement, runLeakPages).
func TestBrowserLeakPagesGuardFile(t *testing.T) {
	get := func(path string) (*http.Response, error) {
		req, err := http.NewRequest("GET", guardFileSites.url(t, path), nil)
		if err != nil {
			return nil, err
		}
		req.Host = protectedHost
		req.Header.Set("Accept", "text/html")
		return http.DefaultClient.Do(req)
	}
	resp, err := get("/" + guardFilePages[0])
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	tag := `<script src="/_consent/` + banner.GuardFile().Name + `"></script>`
	if !strings.Contains(string(body), `id="consent-hosts"`) || !strings.Contains(string(body), tag) ||
		strings.Contains(string(body), banner.Guard()[:200]) {
		t.Fatalf("%s: want %s and no inline guard; got\n%.2000s", guardFilePages[0], tag, body)
	}
	resp, err = get("/_consent/" + banner.GuardFile().Name)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Cache-Control"), "immutable") {
		t.Fatalf("GET the guard file: %d %q", resp.StatusCode, resp.Header.Get("Cache-Control"))
	}
	runLeakPages(t, guardFileSites, guardFilePages)
}

// TestBrowserGPPGuardFile: with "guard file" the GPP API comes from
// /_consent/gpp.<hash>.js, a parser-blocking script, and still answers the
// page's first script in <head>: ping gives the CMP id and the sections
// its element's data-cmp and data-apis name (read through
// document.currentScript) and the visitor's string from #consent-state.
func TestBrowserGPPGuardFile(t *testing.T) {
	url := gppSiteWith(t, sdk.GuardFile)
	b := newBrowser(t)
	b.open(url + "/")
	src := eval[[]string](b, `Array.from(document.scripts, (s) => s.src ? new URL(s.src).pathname : 'inline:' + s.text.slice(0, 40))`)
	for _, name := range []string{banner.GuardFile().Name, banner.GPPFile().Name} {
		if !strings.Contains(strings.Join(src, " "), "/_consent/"+name) {
			t.Errorf("no script from /_consent/%s: %q", name, src)
		}
	}
	for _, s := range src {
		text, inline := strings.CutPrefix(s, "inline:")
		if inline && len(text) >= 20 && (strings.HasPrefix(banner.GPP(), text) || strings.HasPrefix(banner.Guard(), text)) {
			t.Errorf("an inline guard or GPP API: %q", s)
		}
	}
	str := awaitJS[string](b, `fetch('/_consent').then((r) => r.json()).then((s) => s.gpp.string)`)
	ping := eval[[]any](b, `gppAnswers.ping`)
	p, _ := ping[0].(map[string]any)
	for k, want := range map[string]any{"cmpId": float64(42), "gppString": str, "supportedAPIs": []any{"7:usnat", "8:usca"}} {
		if !reflect.DeepEqual(p[k], want) {
			t.Errorf("ping %s = %#v, want %#v", k, p[k], want)
		}
	}
	if ping[1] != true {
		t.Errorf("ping success %v", ping[1])
	}
}

// TestBrowserGuardAuto: with the default "guard auto", the page a
// visitor lands on carries the guard inline, nothing render-blocking, and
// prefetches its file once idle; the page they follow a link to, before
// any choice, and every page after Reject all (even one whose address they
// type) load the guard from that file with a parser-blocking <script src>,
// taken from the cache with no request, and the guard runs from it: the
// tag manager's script and pixel, inserted by a page script, reach no
// vendor.
func TestBrowserGuardAuto(t *testing.T) {
	guardFile := "/_consent/" + banner.GuardFile().Name
	entry := `performance.getEntriesByType('resource').find((e) => new URL(e.name).pathname === ` + jsString(guardFile) + `)`
	inline := `[...document.scripts].some((s) => !s.src && s.text === ` + jsString(banner.Guard()) + `)`
	b := openFresh(t)
	// The tag manager's page, from the file: the guard holds its tags.
	tagManager := func(when string) {
		t.Helper()
		since := time.Now()
		if !eval[bool](b, `!!document.querySelector('script[src=`+jsString(guardFile)+`]:not([async]):not([defer])')`) || eval[bool](b, inline) {
			t.Fatalf("%s: want the guard from its file, parser-blocking, and not inline", when)
		}
		if got := eval[map[string]any](b, `(() => { const e = `+entry+`; return {transfer: e.transferSize, body: e.decodedBodySize, delivery: e.deliveryType} })()`); got["transfer"] != float64(0) || got["body"] != float64(len(banner.Guard())) || got["delivery"] != "cache" {
			t.Errorf("%s: the guard file %v, want it from the cache (transferSize 0, %d B decoded, deliveryType cache)", when, got, len(banner.Guard()))
		}
		b.waitJS("tag manager", `window.__tmDone === true`)
		if !eval[bool](b, `Array.isArray(document.getElementById('consent-state').held)`) {
			t.Errorf("%s: the guard did not run from its file", when)
		}
		b.settle()
		b.assertSiteScriptRan()
		b.assertNoVendorTraffic(since)
	}

	if eval[bool](b, `!!document.querySelector('script[src*="/_consent/guard."]')`) || !eval[bool](b, inline) {
		t.Fatal("landing page: want the guard inline and no guard file script")
	}
	if !eval[bool](b, `!!document.querySelector('link[rel="prefetch"][href=`+jsString(guardFile)+`]')`) {
		t.Fatal("landing page: no prefetch of the guard file")
	}
	b.waitJS("the guard file prefetched", `(() => { const e = `+entry+`; return !!e && e.responseEnd > 0 && e.decodedBodySize > 0 })()`)
	if got := eval[string](b, entry+`.renderBlockingStatus`); got != "non-blocking" {
		t.Errorf("the prefetch is %q, want non-blocking", got)
	}

	// A link to the tag manager's page, followed before any choice.
	// (at the top of <main>, clear of the banner at the bottom).
	eval[any](b, `document.querySelector('main').prepend(Object.assign(document.createElement('a'), {id: 'to-tm', href: '/tagmanager.html', textContent: 'tag manager'}))`)
	b.click("#to-tm")
	b.do("tag manager page", chromedp.WaitReady(chromedp.CSS("#tm-status")))
	b.do("banner visible", chromedp.WaitVisible(chromedp.CSS(bannerSel)))
	tagManager("followed link, no choice yet")

	b.click(rejectSel)
	b.waitDecided()
	b.open(demo.url(t, "/tagmanager.html"))
	tagManager("typed address after Reject all")
}
