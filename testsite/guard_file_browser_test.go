package testsite

import (
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"

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
