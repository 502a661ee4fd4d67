package banner

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/chromedp/chromedp/kb"
	"github.com/consentry/consentry/internal/browsertest"
	"github.com/consentry/consentry/sdk/rewrite"
)

// These tests load banner.js in headless Chromium against a stub site: a
// page with the two JSON blocks and blocked tags, and a stub consent
// endpoint. They skip without a browser, unless CI=true.

// site is a stub website with a consent endpoint.
type site struct {
	t        *testing.T
	state    map[string]any // the initial #consent-state
	show     bool
	failPost bool
	cookies  any // the analytics category's cookies; default two bare names
	// details, when set, is the cookie tables' details the config's
	// cookieData names (category key → cookie objects); detailsStatus, when
	// set, is the status it answers with instead.
	details       any
	detailsStatus int
	detailsHits   int

	mu      sync.Mutex
	posts   []map[string]any
	vendor  int // hits on /vendor.js
	embed   int // hits on /embed
	evil    int // hits on /evil.js, which nothing may load
	srv     *httptest.Server
	floated bool
}

func newState(decided bool, granted ...string) map[string]any {
	cats := map[string]bool{"necessary": true}
	for _, k := range []string{"preferences", "analytics", "advertising", "social"} {
		cats[k] = slices.Contains(granted, k)
	}
	s := map[string]any{"id": "", "version": "1", "regime": "opt-in", "decided": decided, "method": "", "time": "",
		"categories": cats, "signals": map[string]bool{"gpc": false, "dnt": false}}
	if decided {
		s["id"], s["method"], s["time"] = "c0ffee0123456789", "custom", "2026-11-24T09:00:00Z"
	}
	return s
}

func (s *site) start() string {
	s.t.Helper()
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	s.t.Cleanup(s.srv.Close)
	return s.srv.URL
}

func (s *site) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case r.URL.Path == "/_consent" && r.Method == http.MethodPost:
		var body map[string]any
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		s.posts = append(s.posts, body)
		if s.failPost {
			http.Error(w, "down", http.StatusInternalServerError)
			return
		}
		var granted []string
		switch body["action"] {
		case "accept_all":
			granted = []string{"preferences", "analytics", "advertising", "social"}
		case "custom":
			for _, k := range body["categories"].([]any) {
				granted = append(granted, k.(string))
			}
		}
		st := newState(true, granted...)
		st["method"] = body["action"]
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(st)
	case r.URL.Path == "/_consent/cookies.en.test.json":
		s.detailsHits++
		if s.detailsStatus != 0 {
			http.Error(w, "down", s.detailsStatus)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(s.details)
	case strings.HasPrefix(r.URL.Path, "/_consent/"):
		if !ServeAsset(w, r, strings.TrimPrefix(r.URL.Path, "/_consent/")) {
			http.NotFound(w, r)
		}
	case r.URL.Path == "/vendor.js":
		s.vendor++
		w.Header().Set("Content-Type", "text/javascript")
		_, _ = io.WriteString(w, "window.order.push('ext')")
	case r.URL.Path == "/evil.js":
		s.evil++
		w.Header().Set("Content-Type", "text/javascript")
		_, _ = io.WriteString(w, "window.order.push('evil')")
	case r.URL.Path == "/embed":
		s.embed++
		_, _ = io.WriteString(w, "<p>embedded</p>")
	case r.URL.Path == "/":
		s.page(w)
	default:
		http.NotFound(w, r)
	}
}

func (s *site) page(w http.ResponseWriter) {
	texts := Texts("en")
	var cats []map[string]any
	for _, k := range []string{"necessary", "preferences", "analytics", "advertising", "social"} {
		cats = append(cats, map[string]any{"key": k, "label": texts["cat."+k+".label"],
			"description": texts["cat."+k+".description"], "locked": k == "necessary"})
	}
	cats[2]["cookies"] = []string{"_ga", "_ga_*"}
	if s.cookies != nil {
		cats[2]["cookies"] = s.cookies
	}
	cfg := withServerTables(map[string]any{"endpoint": "/_consent", "privacyUrl": "/privacy", "cookieUrl": "/_consent/cookies",
		"lang": "en", "texts": texts, "categories": cats, "floating": s.floated})
	show := ""
	if !s.show {
		show = ` data-show="false"` // a crawler: the banner stays shut
	}
	if s.details != nil || s.detailsStatus != 0 {
		cfg["cookieData"] = "/_consent/cookies.en.test.json"
	}
	st, _ := json.Marshal(s.state)
	cf, _ := json.Marshal(cfg)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	fmt.Fprintf(w, `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>stub</title>
<script type="application/json" id="consent-state"%s data-key="tk3y">%s</script>
<script>self.consentryConfig=%s</script>
<script>window.dataLayer=[];function gtag(){dataLayer.push(arguments)}window.order=[];window.changes=[];
document.addEventListener('consent:change',function(e){changes.push(e.detail)});document.cookie='_ga=1; path=/';</script>
<link rel="stylesheet" href="/_consent/%s">
<script src="/_consent/%s" defer></script>
</head><body><main><h1>Stub</h1><p><a id="relink" href="#consent">Cookie settings</a></p>
<script data-consent-key="tk3y" type="text/plain" data-category="analytics" data-src="/vendor.js"></script>
<script data-consent-key="tk3y" type="text/plain" data-category="analytics">window.order.push('inline')</script>
<script data-consent-key="tk3y" type="text/plain" data-category="shoes">window.order.push('not-ours')</script>
<iframe data-consent-key="tk3y" data-category="social" data-src="/embed" width="300" height="150" title="embed"></iframe>
<style data-consent-key="tk3y" type="text/plain" data-category="analytics">#styled{color:rgb(1,2,3)}</style><p id="styled">styled</p>
<img data-consent-key="tk3y" id="lazy" data-category="analytics" data-src="/px.gif" data-consent-orig-src="/lazy.gif" data-lowsrc="/low.gif" alt="">
<div data-consent-key="tk3y" id="bg" data-category="analytics" data-style="outline:1px solid rgb(4,5,6)"></div>
<style id="cs">#csp{color:rgb(7,8,9);background:url()/*consentry*/}</style><script data-consent-key="tk3y" type="text/x-consentry-css" data-category="analytics" data-consent-css>["url(/px.gif?css)"]</script><p id="csp">restyled</p>
%s
</main></body></html>`, show, st, cf, CSS().Name, JS().Name, hostileMarkup)
}

// hostileMarkup is what an attacker gets into a page: served markup that
// the server did not stamp (a planted key guesses wrong), a stamped tag for
// necessary, stamped tags whose held URLs run code or hold documents, a
// forged consent control, and markup a page script inserts later, raw and
// through a sanitiser's data-* allowance.
const hostileMarkup = `<script type="text/plain" data-category="analytics" data-src="/evil.js"></script>
<style id="csbad">#x{background:url()/*consentry*/}</style><script type="text/x-consentry-css" data-category="analytics" data-consent-css>["url(/evil.js?css)"]</script>
<style id="csguess">#y{background:url()/*consentry*/}</style><script data-consent-key="guess" type="text/x-consentry-css" data-category="analytics" data-consent-css>["url(/evil.js?css2)"]</script>
<script type="text/plain" data-category="analytics" data-consent-key="guess">window.order.push('planted')</script>
<script data-consent-key="tk3y" type="text/plain" data-category="necessary" data-src="/evil.js"></script>
<script data-consent-key="tk3y" type="text/plain" data-category="necessary">window.order.push('necessary')</script>
<a data-consent-key="tk3y" id="jslink" data-category="analytics" data-href="javascript:window.order.push('link')">link</a>
<iframe data-consent-key="tk3y" id="doc" data-category="analytics" data-srcdoc="<p>held document</p>" title="doc"></iframe>
<img data-consent-key="tk3y" id="jsimg" data-category="analytics" data-src="  java&#9;script:window.order.push('img')" alt="">
<img data-consent-key="tk3y" id="dataimg" data-category="analytics" data-srcset="/ok.gif 1x, data:image/gif;base64,R0lGODlhAQABAAAAACw= 2x" alt="">
<div id="forum" style="position:absolute;top:0;left:0;background:#fff"><a id="forged" href="#win" data-consent-action="accept_all">Win a phone</a>
<button id="forged-allow" data-consent-allow="advertising">Play</button></div>
<script>addEventListener('load', function () {
  var f = document.getElementById('forum');
  f.insertAdjacentHTML('beforeend', '<script type="text/plain" data-category="analytics" data-src="/evil.js"><\/script>');
  var d = new DOMParser().parseFromString('<img id="sanitised" data-category="analytics" data-src="/evil.js?img" data-consent-key="">', 'text/html');
  f.append(d.body.firstChild);
  var s = document.createElement('script');
  s.type = 'text/plain'; s.setAttribute('data-category', 'analytics'); s.text = "window.order.push('inserted')";
  f.append(s);
  window.inserted = true;
});</script>`

// withServerTables adds to a stub configuration what the sdk puts in every
// banner configuration from its own tables: the attributes its rewriter
// renames (rewrite.RenamedAttrs) and the vendor signal table its inline
// defaults come from, Google's rows (the sdk's tests check it sends its own).
func withServerTables(cfg map[string]any) map[string]any {
	cfg["attrs"] = rewrite.RenamedAttrs()
	cfg["signals"] = [][3]string{{"google", "ad_storage", "advertising"}, {"google", "ad_user_data", "advertising"},
		{"google", "ad_personalization", "advertising"}, {"google", "analytics_storage", "analytics"},
		{"google", "functionality_storage", "preferences"}, {"google", "personalization_storage", "preferences"},
		{"google", "security_storage", "necessary"}}
	return cfg
}

func (s *site) snapshot() (posts []map[string]any, vendor, embed int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.posts), s.vendor, s.embed
}

// browser starts one headless Chromium for the test and returns a function
// that opens a new tab.
func browser(t *testing.T) func() context.Context {
	t.Helper()
	opts := browsertest.Options(browsertest.Path(t), t.TempDir())
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	bctx, cancelB := chromedp.NewContext(actx)
	if err := chromedp.Do(bctx); err != nil {
		cancelB()
		cancelA()
		t.Fatalf("start browser: %v", err)
	}
	t.Cleanup(func() { cancelB(); cancelA() })
	return func() context.Context {
		ctx, cancel := chromedp.NewContext(bctx)
		ctx, cancelT := context.WithTimeout(ctx, 30*time.Second)
		t.Cleanup(func() { cancelT(); cancel() })
		return ctx
	}
}

func do(t *testing.T, ctx context.Context, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatal(err)
	}
}

func eval[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("%s: %v", expr, err)
	}
	return v
}

func waitFor(t *testing.T, ctx context.Context, expr string) {
	t.Helper()
	if _, err := chromedp.Run(ctx, chromedp.Poll[chromedp.Void](expr, chromedp.WithPollingTimeout(10*time.Second))); err != nil {
		t.Fatalf("waiting for %s: %v", expr, err)
	}
}

func action(a string) chromedp.CSS {
	return chromedp.CSS(`#consentry-banner [data-consent-action=` + a + `]`)
}

func TestBrowser(t *testing.T) {
	tab := browser(t)

	t.Run("reject", func(t *testing.T) {
		s := &site{t: t, state: newState(false), show: true}
		ctx := tab()
		do(t, ctx, chromedp.Navigate(s.start()), chromedp.WaitVisible(chromedp.CSS("#consentry-banner")))
		sizes := eval[[][2]float64](t, ctx, `[...document.querySelectorAll('#consentry-banner [data-consent-action]')].map(b=>{const r=b.getBoundingClientRect();return [r.width,r.height]})`)
		if len(sizes) != 3 || sizes[0] != sizes[1] || sizes[1] != sizes[2] {
			t.Errorf("first-layer buttons = %v, want three of equal size", sizes)
		}
		if got := eval[string](t, ctx, `document.querySelector('#consentry-banner').getAttribute('role')`); got != "region" {
			t.Errorf("banner role = %q", got)
		}
		do(t, ctx, chromedp.Click(action("reject_all")), chromedp.WaitNotVisible(chromedp.CSS("#consentry-banner")))
		waitFor(t, ctx, `changes.length === 1`)
		posts, vendor, embed := s.snapshot()
		if len(posts) != 1 || posts[0]["action"] != "reject_all" || posts[0]["categories"] != nil {
			t.Errorf("posts = %v, want one reject_all", posts)
		}
		if vendor != 0 || embed != 0 {
			t.Errorf("vendor hits %d, embed hits %d after reject, want 0", vendor, embed)
		}
		if got := eval[string](t, ctx, `JSON.stringify(dataLayer.filter(e=>e[0]==='consent').map(e=>[e[1],e[2].analytics_storage,e[2].ad_user_data,e[2].security_storage]))`); got != `[["update","denied","denied","granted"]]` {
			t.Errorf("consent calls = %s", got)
		}
		// The update names the configuration's Consent Mode types, in order.
		if !eval[bool](t, ctx, `JSON.stringify(Object.keys(dataLayer.find(e=>e[0]==='consent')[2])) === JSON.stringify(consentryConfig.signals.map(p=>p[1]))`) {
			t.Error("the Consent Mode update does not follow the configuration's table")
		}
		if !eval[bool](t, ctx, `JSON.parse(document.getElementById('consent-state').textContent).decided === true`) {
			t.Error("#consent-state not updated")
		}
		if got := eval[string](t, ctx, `document.cookie`); strings.Contains(got, "_ga=") {
			t.Errorf("analytics cookie survived the refusal: %q", got)
		}
		if got := eval[string](t, ctx, `document.getElementById('cs').textContent`); !strings.Contains(got, "url()/*consentry*/") {
			t.Errorf("a refused style's URL came back: %q", got)
		}
	})

	t.Run("accept restores held styles and lazy attributes", func(t *testing.T) {
		s := &site{t: t, state: newState(false), show: true}
		ctx := tab()
		do(t, ctx, chromedp.Navigate(s.start()), chromedp.WaitVisible(chromedp.CSS("#consentry-banner")))
		if got := eval[string](t, ctx, `getComputedStyle(document.getElementById('styled')).color`); got == "rgb(1, 2, 3)" {
			t.Fatal("a held <style> applied before consent")
		}
		do(t, ctx, chromedp.Click(action("accept_all")))
		waitFor(t, ctx, `changes.length === 1`)
		waitFor(t, ctx, `getComputedStyle(document.getElementById('styled')).color === 'rgb(1, 2, 3)'`)
		if got := eval[string](t, ctx, `[document.getElementById('lazy').getAttribute('src'), document.getElementById('lazy').getAttribute('data-src'), String(document.getElementById('lazy').hasAttribute('data-consent-orig-src'))].join(' ')`); got != "/px.gif /lazy.gif false" {
			t.Errorf("lazy image after accept: src, data-src, orig = %q", got)
		}
		// lowsrc is one of the server's renamed attributes the banner's own
		// list used to leave out.
		if got := eval[string](t, ctx, `document.getElementById('lazy').getAttribute('lowsrc')`); got != "/low.gif" {
			t.Errorf("lazy image after accept: lowsrc = %q, want /low.gif", got)
		}
		// A style attribute is never restored (the activation contract).
		if got := eval[string](t, ctx, `document.getElementById('bg').style.outlineColor`); got != "" {
			t.Errorf("held style attribute restored: outline colour %q", got)
		}
	})

	t.Run("nothing unstamped, necessary or unsafe is activated; forged controls decide nothing", func(t *testing.T) {
		s := &site{t: t, state: newState(false), show: true}
		ctx := tab()
		do(t, ctx, chromedp.Navigate(s.start()), chromedp.WaitVisible(chromedp.CSS("#consentry-banner")))
		waitFor(t, ctx, `window.inserted === true`)
		// A page script clicking the banner's own button is not the visitor.
		do(t, ctx, chromedp.Evaluate[chromedp.Void](`document.querySelector('[data-consent-action="accept_all"]').click()`))
		if posts, _, _ := s.snapshot(); len(posts) != 0 {
			t.Fatalf("a page script's click on the banner posted a choice: %v", posts)
		}
		// The visitor clicking forged controls in the page's content.
		do(t, ctx, chromedp.Click(chromedp.CSS("#forged")), chromedp.Click(chromedp.CSS("#forged-allow")))
		if posts, _, _ := s.snapshot(); len(posts) != 0 {
			t.Fatalf("a forged control in the page posted a choice: %v", posts)
		}
		// Now the visitor accepts everything, for real.
		do(t, ctx, chromedp.Click(action("accept_all")))
		waitFor(t, ctx, `order.length >= 2 && changes.length === 1`)
		// Give held scripts time to be scheduled: insert a marker script
		// after everything and wait until the banner's chain ran it.
		do(t, ctx, chromedp.Evaluate[chromedp.Void](`(function(){var m=document.createElement('script');m.type='text/plain';m.setAttribute('data-category','analytics');m.setAttribute('data-consent-key','tk3y');m.text="window.order.push('last')";document.body.append(m)})()`))
		waitFor(t, ctx, `order.indexOf('last') >= 0`)
		if got := eval[[]string](t, ctx, `order`); !slices.Equal(got, []string{"ext", "inline", "last"}) {
			t.Errorf("scripts run = %v, want [ext inline last]", got)
		}
		if posts, _, _ := s.snapshot(); len(posts) != 1 || posts[0]["action"] != "accept_all" {
			t.Errorf("posts = %v, want the one accept_all", posts)
		}
		s.mu.Lock()
		evil := s.evil
		s.mu.Unlock()
		if evil != 0 {
			t.Errorf("/evil.js fetched %d times", evil)
		}
		for expr, want := range map[string]string{
			`String(document.getElementById('jslink').getAttribute('href'))`:    "null",
			`String(document.getElementById('doc').getAttribute('srcdoc'))`:     "null",
			`String(document.getElementById('jsimg').getAttribute('src'))`:      "null",
			`String(document.getElementById('dataimg').getAttribute('srcset'))`: "null",
			`String(document.getElementById('sanitised').getAttribute('src'))`:  "null",
			`document.getElementById('csbad').textContent`:                      "#x{background:url()/*consentry*/}",
			`document.getElementById('csguess').textContent`:                    "#y{background:url()/*consentry*/}",
			`document.getElementById('cs').textContent`:                         "#csp{color:rgb(7,8,9);background:url(/px.gif?css)}",
		} {
			if got := eval[string](t, ctx, expr); got != want {
				t.Errorf("%s = %q, want %q", expr, got, want)
			}
		}
	})

	t.Run("accept activates in order", func(t *testing.T) {
		s := &site{t: t, state: newState(false), show: true}
		ctx := tab()
		do(t, ctx, chromedp.Navigate(s.start()), chromedp.WaitVisible(chromedp.CSS(".consentry-placeholder")))
		if _, vendor, embed := s.snapshot(); vendor != 0 || embed != 0 {
			t.Fatalf("hits before a choice: vendor %d, embed %d", vendor, embed)
		}
		do(t, ctx, chromedp.Click(action("accept_all")))
		waitFor(t, ctx, `order.length >= 2 && changes.length === 1`)
		if got := eval[[]string](t, ctx, `order`); !slices.Equal(got, []string{"ext", "inline"}) {
			t.Errorf("order = %v, want [ext inline]", got)
		}
		waitFor(t, ctx, `document.querySelector('iframe').getAttribute('src') === '/embed' && !document.querySelector('.consentry-placeholder')`)
		if got := eval[string](t, ctx, `getComputedStyle(document.querySelector('iframe')).display`); got == "none" {
			t.Error("iframe still hidden after accept")
		}
		if n := eval[int](t, ctx, `document.querySelectorAll('script[type="text/plain"][data-category=analytics][data-consent-key="tk3y"]').length`); n != 0 {
			t.Errorf("%d analytics scripts still neutralised", n)
		}
		if n := eval[int](t, ctx, `document.querySelectorAll('script[type="text/plain"][data-category=shoes]').length`); n != 1 {
			t.Error("a script with an unknown category was touched")
		}
		if _, vendor, _ := s.snapshot(); vendor != 1 {
			t.Errorf("vendor hits = %d, want 1", vendor)
		}
	})

	t.Run("customise, escape, save", func(t *testing.T) {
		s := &site{t: t, state: newState(false), show: true}
		ctx := tab()
		do(t, ctx, chromedp.Navigate(s.start()), chromedp.WaitVisible(chromedp.CSS("#consentry-banner")),
			chromedp.Click(action("customise")), chromedp.WaitVisible(chromedp.CSS("#consentry-prefs")))
		sw := eval[string](t, ctx, `[...document.querySelectorAll('#consentry-prefs input[role=switch][name=category]')].map(i=>i.value+':'+i.checked+':'+i.disabled+':'+i.getAttribute('aria-checked')+':'+!!(i.labels&&i.labels.length)).join(' ')`)
		want := "necessary:true:true:true:true preferences:false:false:false:true analytics:false:false:false:true advertising:false:false:false:true social:false:false:false:true"
		if sw != want {
			t.Errorf("switches = %s\nwant       %s", sw, want)
		}
		if !eval[bool](t, ctx, `document.querySelector('#consentry-prefs').matches(':modal') && document.querySelector('#consentry-prefs').contains(document.activeElement)`) {
			t.Error("preference centre is not a modal dialog holding focus")
		}
		do(t, ctx, chromedp.KeyEvent(kb.Escape), chromedp.WaitNotVisible(chromedp.CSS("#consentry-prefs")))
		if !eval[bool](t, ctx, `document.activeElement === document.querySelector('#consentry-banner [data-consent-action=customise]')`) {
			t.Error("focus did not return to Customise")
		}
		if posts, _, _ := s.snapshot(); len(posts) != 0 {
			t.Errorf("Escape posted %v", posts)
		}
		do(t, ctx, chromedp.WaitVisible(chromedp.CSS("#consentry-banner")),
			chromedp.Click(action("customise")), chromedp.WaitVisible(chromedp.CSS("#consentry-prefs")),
			chromedp.Click(chromedp.CSS(`label[for=cs-c-analytics]`)),
			chromedp.Click(chromedp.CSS(`#consentry-prefs [data-consent-action=save]`)),
			chromedp.WaitNotVisible(chromedp.CSS("#consentry-prefs")))
		waitFor(t, ctx, `order.length >= 2`)
		posts, vendor, embed := s.snapshot()
		if len(posts) != 1 || posts[0]["action"] != "custom" || fmt.Sprint(posts[0]["categories"]) != "[necessary analytics]" {
			t.Errorf("posts = %v, want custom [necessary analytics]", posts)
		}
		if vendor != 1 || embed != 0 {
			t.Errorf("vendor %d, embed %d; want 1, 0", vendor, embed)
		}
		if !eval[bool](t, ctx, `!!document.querySelector('.consentry-placeholder')`) {
			t.Error("social placeholder gone though social is refused")
		}
	})

	t.Run("failed post grants nothing", func(t *testing.T) {
		s := &site{t: t, state: newState(false), show: true, failPost: true}
		ctx := tab()
		do(t, ctx, chromedp.Navigate(s.start()), chromedp.WaitVisible(chromedp.CSS("#consentry-banner")),
			chromedp.Click(action("accept_all")))
		waitFor(t, ctx, `document.querySelector('#consentry-banner .cs-err').textContent !== ''`)
		do(t, ctx, chromedp.WaitVisible(chromedp.CSS("#consentry-banner")))
		if posts, vendor, _ := s.snapshot(); len(posts) != 1 || vendor != 0 {
			t.Errorf("posts %d, vendor %d; want 1 post and no vendor hit", len(posts), vendor)
		}
		if n := eval[int](t, ctx, `changes.length + order.length`); n != 0 {
			t.Errorf("a failed POST changed consent or ran tags (%d)", n)
		}
	})

	t.Run("placeholder allows its category", func(t *testing.T) {
		s := &site{t: t, state: newState(true, "preferences"), show: true, floated: true}
		ctx := tab()
		do(t, ctx, chromedp.Navigate(s.start()), chromedp.WaitVisible(chromedp.CSS(".consentry-placeholder")),
			chromedp.WaitNotVisible(chromedp.CSS("#consentry-banner")))
		if got := eval[string](t, ctx, `document.querySelector('.consentry-placeholder').textContent`); !strings.Contains(got, "Social media") {
			t.Errorf("placeholder text %q does not name the category", got)
		}
		do(t, ctx, chromedp.Click(chromedp.CSS(".consentry-placeholder button")))
		waitFor(t, ctx, `changes.length === 1 && !document.querySelector('.consentry-placeholder')`)
		posts, _, _ := s.snapshot()
		if len(posts) != 1 || fmt.Sprint(posts[0]["categories"]) != "[necessary preferences social]" {
			t.Errorf("posts = %v, want custom [necessary preferences social]", posts)
		}
		waitFor(t, ctx, `document.querySelector('iframe').getAttribute('src') === '/embed'`)
	})

	t.Run("decided: no banner, re-open shows the choice", func(t *testing.T) {
		s := &site{t: t, state: newState(true, "analytics"), show: true, floated: true}
		ctx := tab()
		do(t, ctx, chromedp.Navigate(s.start()), chromedp.WaitReady(chromedp.CSS("#consentry-prefs")),
			chromedp.WaitNotVisible(chromedp.CSS("#consentry-banner")))
		waitFor(t, ctx, `order.length >= 2`)
		if got := eval[[]string](t, ctx, `order`); !slices.Equal(got, []string{"ext", "inline"}) {
			t.Errorf("granted tags on load: order = %v", got)
		}
		do(t, ctx, chromedp.Click(chromedp.CSS("#relink")), chromedp.WaitVisible(chromedp.CSS("#consentry-prefs")))
		if !eval[bool](t, ctx, `document.getElementById('cs-c-analytics').checked && !document.getElementById('cs-c-social').checked`) {
			t.Error("switches do not reflect the decided state")
		}
		if got := eval[string](t, ctx, `document.querySelector('#consentry-prefs .cs-meta').textContent`); !strings.Contains(got, "c0ffee0123456789") {
			t.Errorf("consent id missing: %q", got)
		}
		do(t, ctx, chromedp.Click(chromedp.CSS(`#consentry-prefs [data-consent-action=close]`)),
			chromedp.WaitNotVisible(chromedp.CSS("#consentry-prefs")),
			chromedp.WaitVisible(chromedp.CSS("#consentry-settings")))
	})

	t.Run("crawler and GPC", func(t *testing.T) {
		st := newState(false)
		st["signals"] = map[string]bool{"gpc": true, "dnt": false}
		s := &site{t: t, state: st, show: false}
		ctx := tab()
		do(t, ctx, chromedp.Navigate(s.start()), chromedp.WaitReady(chromedp.CSS("#consentry-banner")),
			chromedp.WaitNotVisible(chromedp.CSS("#consentry-banner")))
		do(t, ctx, chromedp.Evaluate[chromedp.Void](`consentry.open()`), chromedp.WaitVisible(chromedp.CSS("#consentry-prefs .cs-gpc")))
		if got := eval[string](t, ctx, `document.querySelector('#consentry-banner .cs-gpc').textContent`); got != Texts("en")["gpc_honoured"] {
			t.Errorf("GPC note = %q", got)
		}
	})

	t.Run("small screen", func(t *testing.T) {
		s := &site{t: t, state: newState(false), show: true}
		ctx := tab()
		do(t, ctx, chromedp.EmulateViewport(360, 640), chromedp.Navigate(s.start()),
			chromedp.WaitVisible(chromedp.CSS("#consentry-banner")))
		waitFor(t, ctx, `document.getAnimations().every(a => a.playState === 'finished')`)
		inside := eval[[]bool](t, ctx, `[...document.querySelectorAll('#consentry-banner [data-consent-action]')].map(b=>{const r=b.getBoundingClientRect();return r.top>=0&&r.bottom<=innerHeight&&r.left>=0&&r.right<=innerWidth})`)
		if len(inside) != 3 || slices.Contains(inside, false) {
			t.Errorf("buttons in the 360×640 viewport: %v", inside)
		}
		if got := eval[string](t, ctx, `getComputedStyle(document.getElementById('consentry-banner')).position`); got != "fixed" {
			t.Errorf("banner position = %q, want fixed", got)
		}
	})
}
