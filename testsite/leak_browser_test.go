package testsite

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"
)

// leakTestTimeout bounds the whole leak test: over a hundred pages, five
// loads each, in one Chromium (a fifth of a second a load on an idle
// machine; several times that on a busy one).
const leakTestTimeout = 15 * time.Minute

// leakMode is one way of loading a page.
type leakMode struct {
	name    string
	host    string // protectedHost or plainHost
	js      bool
	granted bool // with the consent cookie of Accept all
}

// The loads of every page, in this order: a request that comes late, after
// the next load began, and does not name its page load in a Referer (a
// worker's, say) is counted to the next load; in this order that is a load
// of the same page whose verdict it cannot wrongly clear or spoil (a late
// request of the protected page with JavaScript counts against the same
// page without it; the granted page's vendor requests are compared with
// the plain page's, only those known to come from each by their Referer;
// the last load, plain and without JavaScript, starts nothing late).
// Granted, the page is loaded with JavaScript on only, to keep the test
// within a few minutes.
var leakModes = []leakMode{
	{name: "refused, JS on", host: protectedHost, js: true},
	{name: "refused, JS off", host: protectedHost},
	{name: "granted, JS on", host: protectedHost, js: true, granted: true},
	{name: "unprotected, JS on", host: plainHost, js: true},
	{name: "unprotected, JS off", host: plainHost},
}

// pageLoad is what one load of a page showed.
type pageLoad struct {
	page    string
	mode    leakMode
	n       int    // its number: the load= parameter of the address
	err     error  // the load did not finish
	text    string // the page's visible text, the consent module's own elements left out
	ran     []string
	vendor  string   // typeof window.__vendor: a vendor script ran when not "undefined"
	cookies []string // vendor cookies in the jar after the load, name@domain
}

// cdpRecord is one request or script error the DevTools events showed.
type cdpRecord struct {
	url   string // a request's address
	exc   string // an uncaught exception's text
	load  int
	exact bool // load is from the document's address, not from the time
}

// leakRun drives the browser through every load.
type leakRun struct {
	t       *testing.T
	b       *browser
	port    string
	consent *network.Cookie // the consent cookie of Accept all

	mu       sync.Mutex
	cdp      []cdpRecord
	inflight map[network.RequestID]string // requests of the tab not yet finished, by address
	changed  chan struct{}                // closed and replaced on every change of inflight
}

// listen records the requests, WebSocket handshakes and uncaught
// exceptions of the tab; it runs in chromedp's read loop.
func (r *leakRun) listen(ev any) {
	var rec cdpRecord
	switch ev := ev.(type) {
	case *network.EventRequestWillBeSent:
		n, exact := loadOfAddress(ev.DocumentURL)
		rec = cdpRecord{url: ev.Request.URL, load: n, exact: exact}
		// A data: or blob: address (a worker's script) never reports its
		// end, nor does the favicon fetch at times; only the page's network
		// requests are waited for.
		if (strings.HasPrefix(ev.Request.URL, "http:") || strings.HasPrefix(ev.Request.URL, "https:")) &&
			!strings.HasSuffix(ev.Request.URL, "/favicon.ico") {
			r.track(ev.RequestID, ev.Request.URL)
		}
	case *network.EventWebSocketCreated:
		rec = cdpRecord{url: ev.URL, load: int(leakLoad.Load())}
	case *runtime.EventExceptionThrown:
		d := ev.ExceptionDetails
		text := d.Text
		if d.Exception != nil && d.Exception.Description != "" {
			text += " " + d.Exception.Description
		}
		rec = cdpRecord{exc: text, load: int(leakLoad.Load())}
	case *network.EventLoadingFinished:
		r.track(ev.RequestID, "")
		return
	case *network.EventLoadingFailed:
		r.track(ev.RequestID, "")
		return
	default:
		return
	}
	r.mu.Lock()
	r.cdp = append(r.cdp, rec)
	r.mu.Unlock()
}

// track notes a request of the tab starting (u set) or ending.
func (r *leakRun) track(id network.RequestID, u string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if u != "" {
		r.inflight[id] = u
	} else {
		delete(r.inflight, id)
	}
	close(r.changed)
	r.changed = make(chan struct{})
}

// waitIdle blocks until no request of the tab is in flight.
func (r *leakRun) waitIdle(ctx context.Context) error {
	for {
		r.mu.Lock()
		ch := r.changed
		var pending []string
		for _, u := range r.inflight {
			pending = append(pending, u)
		}
		r.mu.Unlock()
		if len(pending) == 0 {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("waiting for the tab's requests to finish: %v: %w", pending, ctx.Err())
		}
	}
}

// records returns the DevTools records of load n; with exact, only the
// requests known to come from it.
func (r *leakRun) records(n int, exact bool) (reqs, excs []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, c := range r.cdp {
		if c.load != n || exact && c.url != "" && !c.exact {
			continue
		}
		if c.url != "" {
			reqs = append(reqs, c.url)
		} else {
			excs = append(excs, c.exc)
		}
	}
	return reqs, excs
}

// pageURL is the address of page on host for load n.
func (r *leakRun) pageURL(host, page string, n int) string {
	return "http://" + host + ":" + r.port + "/" + page + "?load=" + strconv.Itoa(n)
}

// grantAll records Accept all on the protected site, keeps its consent
// cookie for the granted loads and clears the jar.
func (r *leakRun) grantAll() {
	r.t.Helper()
	ctx, cancel := r.b.step()
	defer cancel()
	site := "http://" + protectedHost + ":" + r.port + "/"
	if err := chromedp.Do(ctx, chromedp.Navigate(site+"sub/blank.html")); err != nil {
		r.t.Fatalf("open the protected site: %v", err)
	}
	status, err := chromedp.Run(ctx, chromedp.Evaluate[int](`fetch("/_consent", {method: "POST",
		headers: {"Content-Type": "application/json"}, body: JSON.stringify({action: "accept_all"})}).then(r => r.status)`,
		chromedp.EvalAwaitPromise))
	if err != nil || status != 200 {
		r.t.Fatalf("POST /_consent accept_all: status %d, %v", status, err)
	}
	jar, err := chromedp.Call(ctx, network.GetCookies, network.GetCookiesParams{URLs: []string{site}})
	if err != nil {
		r.t.Fatal(err)
	}
	r.consent = cookie(jar.Cookies, "consent")
	if r.consent == nil {
		r.t.Fatalf("no consent cookie after Accept all; the jar holds %s", names(jar.Cookies))
	}
	if _, err := chromedp.Call(ctx, network.ClearBrowserCookies, struct{}{}); err != nil {
		r.t.Fatal(err)
	}
}

// pageState is what a load reads from the page.
type pageState struct {
	Text   string   `json:"text"`   // the visible text
	Ran    []string `json:"ran"`    // the first-party scripts that ran to their end
	Vendor string   `json:"vendor"` // typeof window.__vendor
	Clicks int      `json:"clicks"` // elements to click
}

// pageStateJS reads the page's state. The text is as the visitor sees it
// (innerText, whitespace collapsed), without what the consent module adds:
// the banner, the preference centre, the no-JavaScript form and the
// click-to-load placeholders.
const pageStateJS = `(() => {
	for (const el of document.querySelectorAll('[id^="consentry-"], .consentry-placeholder, .consentry-nojs')) {
		el.style.setProperty("display", "none", "important");
	}
	return {
		text: (document.body ? document.body.innerText : "").replace(/\s+/g, " ").trim(),
		ran: Array.from(window.__ran || [], String),
		vendor: typeof window.__vendor,
		clicks: document.querySelectorAll("[data-leak-click]").length,
	};
})()`

// closePopups closes every tab but the test's own (window.open makes
// them), so that none goes on loading during the next page.
func (r *leakRun) closePopups(ctx context.Context) {
	infos, err := chromedp.Targets(ctx)
	if err != nil {
		return
	}
	own := chromedp.FromContext(r.b.ctx).Target.TargetID
	for _, ti := range infos {
		if ti.Type == "page" && ti.TargetID != own {
			_, _ = chromedp.CallBrowser(ctx, target.CloseTarget, target.CloseTargetParams{TargetID: ti.TargetID})
		}
	}
}

// load loads page in mode as load number n and reads what it showed. An
// error stops only this load.
func (r *leakRun) load(page string, mode leakMode, n int) pageLoad {
	pl := pageLoad{page: page, mode: mode, n: n}
	ctx, cancel := context.WithTimeout(r.b.ctx, stepTimeout)
	defer cancel()
	leakLoad.Store(int64(n))
	pl.err = r.run(ctx, page, mode, n, &pl)
	return pl
}

func (r *leakRun) run(ctx context.Context, page string, mode leakMode, n int, pl *pageLoad) error {
	if _, err := chromedp.Call(ctx, network.ClearBrowserCookies, struct{}{}); err != nil {
		return err
	}
	if mode.granted {
		c := r.consent
		if _, err := chromedp.Call(ctx, network.SetCookie, network.SetCookieParams{
			Name: c.Name, Value: c.Value, URL: "http://" + protectedHost + ":" + r.port + "/",
			Path: c.Path, HTTPOnly: &c.HTTPOnly, SameSite: c.SameSite,
		}); err != nil {
			return fmt.Errorf("set the consent cookie: %w", err)
		}
	}
	if _, err := chromedp.Call(ctx, emulation.SetScriptExecutionDisabled,
		emulation.SetScriptExecutionDisabledParams{Value: !mode.js}); err != nil {
		return fmt.Errorf("turn JavaScript %v: %w", mode.js, err)
	}
	// A new document: what the last one left unfinished is cancelled.
	r.mu.Lock()
	clear(r.inflight)
	r.mu.Unlock()
	if err := chromedp.Do(ctx, chromedp.Navigate(r.pageURL(mode.host, page, n))); err != nil {
		return fmt.Errorf("open: %w", err)
	}
	if err := r.settle(ctx); err != nil {
		return err
	}
	st, err := chromedp.Run(ctx, chromedp.Evaluate[pageState](pageStateJS))
	if err != nil {
		return fmt.Errorf("read the page: %w", err)
	}
	// Elements a visitor would click (a link with ping): click each, in
	// the middle of the viewport, settle again and read the page again.
	for i := range st.Clicks {
		sel := fmt.Sprintf(`[data-leak-click="%d"]`, i+1)
		if err := chromedp.Do(ctx,
			chromedp.Evaluate[chromedp.Void](`document.querySelector(`+jsString(sel)+`).scrollIntoView({block: "center"})`),
			chromedp.Click(chromedp.CSS(sel))); err != nil {
			return fmt.Errorf("click %s: %w", sel, err)
		}
		if err := r.settle(ctx); err != nil {
			return err
		}
		if st, err = chromedp.Run(ctx, chromedp.Evaluate[pageState](pageStateJS)); err != nil {
			return fmt.Errorf("read the page: %w", err)
		}
	}
	pl.text = st.Text
	if mode.js {
		pl.ran, pl.vendor = st.Ran, st.Vendor
		slices.Sort(pl.ran)
	}
	r.closePopups(ctx)
	if mode.granted || mode.host != protectedHost {
		return nil
	}
	us := []string{"http://" + mode.host + ":" + r.port + "/"}
	for _, h := range vendorHosts {
		us = append(us, "http://"+h+":"+r.port+"/")
	}
	jar, err := chromedp.Call(ctx, network.GetCookies, network.GetCookiesParams{URLs: us})
	if err != nil {
		return err
	}
	for _, c := range jar.Cookies {
		if slices.Contains(vendorCookies, c.Name) || isVendorHost(c.Domain) {
			pl.cookies = append(pl.cookies, c.Name+"@"+c.Domain)
		}
	}
	return nil
}

// settle waits until the document is complete, no request of the tab is in
// flight and the server has answered every request it received.
func (r *leakRun) settle(ctx context.Context) error {
	for try := 0; ; try++ {
		err := chromedp.Do(ctx, chromedp.Poll[chromedp.Void](`document.readyState === "complete"`,
			chromedp.WithPollingInterval(10*time.Millisecond)))
		if err == nil {
			break
		}
		// A frame that navigates can take the context the poll ran in:
		// poll again, in the document's new context.
		if try < 3 && strings.Contains(err.Error(), "Cannot find context") {
			continue
		}
		return fmt.Errorf("wait for the document: %w", err)
	}
	if err := r.waitIdle(ctx); err != nil {
		return err
	}
	return serverLog.waitIdle(ctx)
}

// isVendorHost reports whether host (a URL's host or a cookie's domain) is
// one of the fake vendors or under one.
func isVendorHost(host string) bool {
	h := strings.TrimPrefix(hostOf(host), ".")
	for _, v := range vendorHosts {
		if h == v || strings.HasSuffix(h, "."+v) {
			return true
		}
	}
	return false
}

// vendorRequests returns the requests of load n to a fake vendor, as the
// server received them and as the tab's events showed them, each as
// "host/path" (no query: beacons carry random ids) and as the full URL.
// With exact, only those known to come from load n: not those counted to it
// because they came while it ran (a worker's requests, which carry no
// Referer, may come late, in the next load).
func (r *leakRun) vendorRequests(n int, exact bool) (keys []string, full []string) {
	add := func(host, path, u string) {
		keys = append(keys, host+path)
		full = append(full, u)
	}
	for _, s := range serverLog.forLoad(n) {
		if isVendorHost(s.Host) && (s.Exact || !exact) {
			u := s.URL
			if s.Upgrade != "" {
				u += " (Upgrade: " + s.Upgrade + ")"
			}
			if !s.Exact {
				u += " (no Referer names its load: it came while this load ran)"
			}
			add(s.Host, s.Path, u)
		}
	}
	reqs, _ := r.records(n, exact)
	for _, raw := range reqs {
		u, err := url.Parse(raw)
		if err != nil || !isVendorHost(u.Host) {
			continue
		}
		add(hostOf(u.Host), u.Path, raw)
	}
	slices.Sort(keys)
	keys = slices.Compact(keys)
	slices.Sort(full)
	full = slices.Compact(full)
	return keys, full
}

// loadNumber matches the load parameter and the two page hosts in error
// texts, so that the same error reads the same on both sites.
var loadNumber = regexp.MustCompile(`[?&]load=\d+|` + regexp.QuoteMeta(protectedHost) + `|` + regexp.QuoteMeta(plainHost))

// exceptions returns the uncaught exceptions of load n, made comparable
// across the sites.
func (r *leakRun) exceptions(n int) []string {
	_, excs := r.records(n, false)
	for i, e := range excs {
		excs[i] = loadNumber.ReplaceAllString(e, "")
	}
	slices.Sort(excs)
	return excs
}

// TestBrowserLeakPages loads every page of testsite/leak (an adversarial
// shape each: URL spellings, CSS, HTML tokenization, data: and srcdoc
// frames, script-built markup and requests, collateral damage) in real
// Chromium, JavaScript on and off: through the consent module with no
// choice made, through it with everything granted, and unprotected. With
// no choice, nothing may reach a fake vendor (every request the vendors'
// servers received and every request and WebSocket of the tab counts), no
// vendor cookie may be set and no vendor script run, while every
// first-party script that ran unprotected still runs and the visible text
// stays the same. Granted, the page loads from the vendors exactly what it
// loads unprotected, with the same text, scripts and errors. Every page
// must reach a vendor unprotected, or it tests nothing.
//
// CONSENTRY_LEAK_PAGES, a regular expression, loads only the pages whose
// names match it, when working on a few.
func TestBrowserLeakPages(t *testing.T) {
	pages := leakPages(t)
	if expr := os.Getenv("CONSENTRY_LEAK_PAGES"); expr != "" {
		re, err := regexp.Compile(expr)
		if err != nil {
			t.Fatalf("CONSENTRY_LEAK_PAGES: %v", err)
		}
		pages = slices.DeleteFunc(pages, func(p string) bool { return !re.MatchString(p) })
	}
	runLeakPages(t, leakSites, pages)
}

// runLeakPages loads every one of pages in every leakMode from the leak
// sites of variant v (withLeakSites, perhaps edited further) and judges
// each page in a subtest of its name.
func runLeakPages(t *testing.T, v *demoVariant, pages []string) {
	b := newBrowserFor(t, leakTestTimeout)
	r := &leakRun{t: t, b: b, inflight: map[network.RequestID]string{}, changed: make(chan struct{})}
	u, err := url.Parse(v.url(t, "/"))
	if err != nil {
		t.Fatal(err)
	}
	r.port = u.Port()
	if err := chromedp.Listen(b.ctx, r.listen); err != nil {
		t.Fatal(err)
	}
	r.grantAll()

	start := time.Now()
	loads := map[string][]pageLoad{}
	n := 0
	for _, page := range pages {
		for _, mode := range leakModes {
			n++
			loads[page] = append(loads[page], r.load(page, mode, n))
		}
	}
	leakLoad.Store(int64(n + 1))
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	if err := serverLog.waitIdle(ctx); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d pages, %d loads in %v", len(pages), n, time.Since(start).Round(time.Millisecond))

	for _, page := range pages {
		t.Run(strings.TrimSuffix(page, ".html"), func(t *testing.T) {
			r.judge(t, loads[page])
		})
	}
}

// judge fails t for every leak and every difference in the loads of one page.
func (r *leakRun) judge(t *testing.T, loads []pageLoad) {
	by := map[string]pageLoad{}
	for _, pl := range loads {
		if pl.err != nil {
			t.Errorf("%s, %s: the load did not finish: %v", pl.page, pl.mode.name, pl.err)
		}
		by[pl.mode.name] = pl
	}
	if t.Failed() {
		return
	}
	page := loads[0].page
	plain := map[bool]pageLoad{true: by["unprotected, JS on"], false: by["unprotected, JS off"]}

	// The page must reach a vendor unprotected, or it shows nothing; so
	// must each of its tagged shapes (s=NAME in a vendor URL).
	_, plainOn := r.vendorRequests(plain[true].n, false)
	_, plainOff := r.vendorRequests(plain[false].n, false)
	if len(plainOn)+len(plainOff) == 0 {
		t.Errorf("%s reaches no vendor even unprotected, JavaScript on or off: it tests nothing", page)
	}
	for _, shape := range shapesOf(t, page) {
		if !slices.ContainsFunc(append(plainOn, plainOff...), func(u string) bool {
			return strings.Contains(u, "s="+shape+"&") || strings.Contains(u, "s="+shape+" ") || strings.HasSuffix(u, "s="+shape)
		}) {
			t.Errorf("%s: shape s=%s reaches no vendor even unprotected: it tests nothing", page, shape)
		}
	}

	for _, pl := range loads {
		if pl.mode.host != protectedHost {
			continue
		}
		base := plain[pl.mode.js]
		where := page + ", " + pl.mode.name
		if pl.mode.granted {
			got, _ := r.vendorRequests(pl.n, true)
			want, _ := r.vendorRequests(base.n, true)
			if !slices.Equal(got, want) {
				t.Errorf("%s: vendor requests %v, unprotected %v", where, got, want)
			}
		} else {
			_, full := r.vendorRequests(pl.n, false)
			for _, u := range full {
				t.Errorf("%s: request to a refused vendor: %s", where, u)
			}
			for _, c := range pl.cookies {
				t.Errorf("%s: vendor cookie in the jar: %s", where, c)
			}
			if pl.vendor != "" && pl.vendor != "undefined" {
				t.Errorf("%s: a vendor script ran (typeof window.__vendor = %s)", where, pl.vendor)
			}
		}
		if pl.text != base.text {
			if why := refusedTextMayDiffer(t, page); why != "" && !pl.mode.granted {
				t.Logf("%s: visible text differs, as the page says it may (%s)\n got: %q\nwant: %q", where, why, pl.text, base.text)
			} else {
				t.Errorf("%s: visible text differs from the unprotected page's\n got: %q\nwant: %q", where, pl.text, base.text)
			}
		}
		if !pl.mode.js {
			continue
		}
		for _, id := range base.ran {
			if !slices.Contains(pl.ran, id) {
				t.Errorf("%s: first-party script %q did not run (it runs unprotected); ran: %v", where, id, pl.ran)
			}
		}
		got, want := r.exceptions(pl.n), r.exceptions(base.n)
		if pl.mode.granted {
			if !slices.Equal(pl.ran, base.ran) {
				t.Errorf("%s: first-party scripts ran %v, unprotected %v", where, pl.ran, base.ran)
			}
			if !slices.Equal(got, want) {
				t.Errorf("%s: uncaught errors %q, unprotected %q", where, got, want)
			}
		} else if added := missing(got, want); len(added) > 0 {
			t.Logf("%s: uncaught errors the unprotected page does not have: %q", where, added)
		}
	}
}

// shapeTag finds the tags of the shapes in a page's source: s=NAME in a
// vendor URL, plain or percent-encoded.
var shapeTag = regexp.MustCompile(`[?&]s(?:=|%3D)([a-z0-9-]+)`)

// shapesOf returns the tagged shapes of page.
func shapesOf(t *testing.T, page string) []string {
	t.Helper()
	body, err := os.ReadFile(filepath.Join("leak", page))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, m := range shapeTag.FindAllStringSubmatch(string(body), -1) {
		out = append(out, m[1])
	}
	return out
}

// refusedTextMay matches a page's declaration that its visible text may
// differ while the vendors are refused, with the reason.
var refusedTextMay = regexp.MustCompile(`<meta name="leak-refused-text" content="([^"]+)">`)

// refusedTextMayDiffer returns the reason page gives why its visible text
// may differ from the unprotected page's while the vendors are refused,
// or "". Granted, the text must always be the same.
func refusedTextMayDiffer(t *testing.T, page string) string {
	t.Helper()
	body, err := os.ReadFile(filepath.Join("leak", page))
	if err != nil {
		t.Fatal(err)
	}
	if m := refusedTextMay.FindSubmatch(body); m != nil {
		return string(m[1])
	}
	return ""
}

// missing returns the elements of got that want does not have, counted
// with repetition.
func missing(got, want []string) []string {
	left := slices.Clone(want)
	var out []string
	for _, g := range got {
		if i := slices.Index(left, g); i >= 0 {
			left = slices.Delete(left, i, i+1)
		} else {
			out = append(out, g)
		}
	}
	return out
}
