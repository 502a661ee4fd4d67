package sdk

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/consentry/consentry/banner"
	"github.com/consentry/consentry/internal/browsertest"
)

// TestBrowserHashOnlyCSP serves pages under a Content-Security-Policy
// whose script-src allows inline scripts by hash only, listing exactly
// InlineScriptHashes, to a real Chromium, in several visitor states: no
// script is blocked, the guard runs (a tracker pixel a first-party script
// inserts is held until consent, let through after) and the Consent Mode defaults reach the
// dataLayer with the visitor's values. Without the guard's hash in the
// policy, the same page reports a violation and the pixel goes out: the
// test sees the silent failure it guards against.
func TestBrowserHashOnlyCSP(t *testing.T) { hashOnlyCSP(t, GuardInline) }

// TestBrowserHashOnlyCSPGuardFile is TestBrowserHashOnlyCSP with the
// guard as a file (Options.Guard GuardFile): the printed hashes and
// 'self' admit it, and the guard holds the pixel as inline. The negative
// control allows the page's own script by its address but not 'self':
// the guard file is blocked, with a violation, and the pixel goes out.
func TestBrowserHashOnlyCSPGuardFile(t *testing.T) { hashOnlyCSP(t, GuardFile) }

// TestBrowserHashOnlyCSPGuardAuto is TestBrowserHashOnlyCSP with the
// default placement, GuardAuto: the guard inline before a choice (and
// prefetched), from its file after one (the policy lists 'self'), and the
// printed hashes still cover every page; the negative control is the
// inline one's.
func TestBrowserHashOnlyCSPGuardAuto(t *testing.T) { hashOnlyCSP(t, GuardAuto) }

// hashOnlyCSP runs TestBrowserHashOnlyCSP with the guard placed as guard
// says.
func hashOnlyCSP(t *testing.T, guard GuardPlacement) {
	exe := browsertest.Path(t)
	vendor := &hitCounter{hits: map[string]int{}, ch: make(chan struct{}, 8)}
	vs := httptest.NewServer(vendor)
	defer vs.Close()
	_, vport, _ := net.SplitHostPort(vs.Listener.Addr().String())
	// An advertising host of the guard's table (not HSTS-preloaded, so
	// Chromium requests it over http from the test).
	const tracker = "pixel.quantserve.com"

	c := newTestConsent(t, Options{Guard: guard, Signals: SignalOptions{Vendors: []string{SignalGoogle, SignalMeta, SignalTikTok, SignalUET, SignalClarity}}})
	hashes := c.InlineScriptHashes()
	policy := "script-src 'self' " + strings.Join(hashes, " ")
	app := `document.addEventListener("DOMContentLoaded",function(){var i=new Image();i.src="http://` + tracker + `:` + vport +
		`/tr?id=1";document.body.appendChild(i);window.__inserted=true});`
	site := httptest.NewServer(c.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/app.js" {
			w.Header().Set("Content-Type", "text/javascript")
			_, _ = w.Write([]byte(app))
			return
		}
		p := policy
		if r.URL.Query().Has("noguard") {
			if guard == GuardFile { // the page's script by its address, not 'self'
				p = "script-src " + strings.Join(hashes, " ") + " http://" + r.Host + "/app.js"
			} else { // every hash but the guard's
				p = "script-src 'self' " + strings.Join(slices.DeleteFunc(slices.Clone(hashes), func(h string) bool { return strings.HasPrefix(h, guardHashPrefix(t)) }), " ")
			}
		}
		w.Header().Set("Content-Security-Policy", p)
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>CSP</title>` +
			`<script src="/app.js"></script></head><body><h1>Shop</h1></body></html>`))
	})))
	defer site.Close()
	siteURL := strings.Replace(site.URL, "127.0.0.1", "localhost", 1)

	opts := browsertest.Options(exe, t.TempDir(),
		chromedp.UserAgent("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36"),
		chromedp.Flag("host-resolver-rules", "MAP "+tracker+" 127.0.0.1"))
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	actx, cancelA := chromedp.NewExecAllocator(ctx, opts...)
	defer cancelA()
	bctx, cancelB := chromedp.NewContext(actx)
	defer cancelB()
	// Violations are recorded by a script CSP does not govern (it runs
	// before the page's own, in every document).
	if err := chromedp.Do(bctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(bctx, cdppage.AddScriptToEvaluateOnNewDocument, cdppage.AddScriptToEvaluateOnNewDocumentParams{
		Source: `window.__csp=[];document.addEventListener("securitypolicyviolation",function(e){__csp.push(e.violatedDirective+" "+e.blockedURI+" "+e.sample)})`,
	}); err != nil {
		t.Fatal(err)
	}

	type result struct {
		Violations []string `json:"violations"`
		Analytics  string   `json:"analytics"`
		Inserted   bool     `json:"inserted"`
		File       bool     `json:"file"` // the guard from its file
	}
	visit := func(path string) result {
		t.Helper()
		if err := chromedp.Do(bctx, chromedp.Navigate(siteURL+path),
			chromedp.Poll[chromedp.Void](`window.__inserted===true&&document.readyState==="complete"`)); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		r, err := chromedp.Run(bctx, chromedp.Evaluate[result](`({violations:window.__csp,
				analytics:((window.dataLayer||[]).filter(function(a){return a[0]==="consent"&&a[1]==="default"}).pop()||[,,{}])[2].analytics_storage||"",
				inserted:window.__inserted===true,
				file:!!document.querySelector('script[src*="/_consent/guard."]')})`))
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		return r
	}
	setChoice := func(granted ...string) {
		t.Helper()
		ch := acceptAllChoice(c)
		ch.Method, ch.Granted, ch.Site = MethodCustom, append([]string{Necessary}, granted...), "localhost"
		ck := cookieFor(t, c, ch)
		if _, err := chromedp.Call(bctx, network.SetCookie, network.SetCookieParams{Name: ck.Name, Value: ck.Value, URL: siteURL + "/"}); err != nil {
			t.Fatal(err)
		}
	}

	for _, tc := range []struct {
		name      string
		granted   []string // nil: no choice yet
		analytics string   // the Consent Mode default for analytics_storage
		pixel     bool     // whether the inserted advertising pixel may go out
	}{
		{"before a choice", nil, "denied", false},
		{"rejected", []string{}, "denied", false},
		{"analytics only", []string{Analytics}, "granted", false},
		{"accepted", []string{Analytics, Advertising, Preferences, Social}, "granted", true},
	} {
		if tc.granted != nil {
			setChoice(tc.granted...)
		}
		before := vendor.count(tracker)
		r := visit("/")
		if len(r.Violations) > 0 {
			t.Errorf("%s: CSP violations with the printed hashes: %q", tc.name, r.Violations)
		}
		if want := guard == GuardFile || guard == GuardAuto && tc.granted != nil; r.File != want {
			t.Errorf("%s: the guard from its file = %v, want %v", tc.name, r.File, want)
		}
		if r.Analytics != tc.analytics {
			t.Errorf("%s: Consent Mode default analytics_storage %q, want %q", tc.name, r.Analytics, tc.analytics)
		}
		if tc.pixel {
			waitHit(t, ctx, vendor, tracker, before)
		} else if n := vendor.count(tracker) - before; n != 0 {
			t.Errorf("%s: the held pixel went out %d times", tc.name, n)
		}
	}

	// The negative control: the guard's hash left out. A fresh profile
	// state: no choice, so the pixel must be held, but nothing holds it.
	if _, err := chromedp.Call(bctx, network.ClearBrowserCookies, cdp.Empty{}); err != nil {
		t.Fatal(err)
	}
	before := vendor.count(tracker)
	r := visit("/?noguard")
	if len(r.Violations) == 0 {
		t.Error("without the guard's hash: no violation reported")
	}
	waitHit(t, ctx, vendor, tracker, before)
}

// waitHit waits until host has had a request more than before.
func waitHit(t *testing.T, ctx context.Context, v *hitCounter, host string, before int) {
	t.Helper()
	for v.count(host) <= before {
		select {
		case <-v.ch:
		case <-ctx.Done():
			t.Fatalf("no request to %s", host)
		}
	}
}

// guardHashPrefix returns the guard's hash source.
func guardHashPrefix(t *testing.T) string {
	t.Helper()
	return hashSource([]byte(banner.Guard()))
}
