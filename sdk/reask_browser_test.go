package sdk

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/consentry/consentry/internal/browsertest"
)

// TestBrowserReaskAfterRefusal: in a real Chromium, a visitor who refused
// is not asked again while the refusal is younger than the re-ask period
// (six months by default), is asked again once it is older, and is asked
// at once when the policy version changes; changing their mind is one
// click from the floating button, as granting was.
func TestBrowserReaskAfterRefusal(t *testing.T) {
	exe := browsertest.Path(t)
	var mu sync.Mutex
	now := time.Date(2026, 1, 10, 8, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	mk := func(version string) *Consent {
		c, err := New(Options{PolicyVersion: version, Keys: []KeyPair{{Hash: testHash, Block: testBlock}}, FloatingButton: true,
			Now: clock, Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	page := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte(`<!doctype html><html lang="en"><head><title>Shop</title></head><body><h1>Shop</h1></body></html>`))
	})
	var current atomic.Pointer[http.Handler]
	use := func(c *Consent) { h := c.Handler(page); current.Store(&h) }
	use(mk("v1"))
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { (*current.Load()).ServeHTTP(w, r) }))
	defer site.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	actx, cancelA := chromedp.NewExecAllocator(ctx, browsertest.Options(exe, t.TempDir(),
		// Not HeadlessChrome, which counts as a crawler and is never asked.
		chromedp.UserAgent("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36"))...)
	defer cancelA()
	bctx, cancelB := chromedp.NewContext(actx)
	defer cancelB()
	run := func(what string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(bctx, actions...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	// shown loads the page and reports whether the banner is showing, and
	// why it asks again.
	shown := func() (bool, string) {
		t.Helper()
		run("load", chromedp.Navigate(site.URL+"/"), chromedp.WaitReady(chromedp.CSS("#consentry-banner")))
		vis, err := chromedp.Run(bctx, chromedp.Evaluate[bool](`!document.getElementById("consentry-banner").hidden`))
		if err != nil {
			t.Fatal(err)
		}
		reask, err := chromedp.Run(bctx, chromedp.Evaluate[string](`document.getElementById("consent-state").dataset.reask || ""`))
		if err != nil {
			t.Fatal(err)
		}
		return vis, reask
	}

	if vis, _ := shown(); !vis {
		t.Fatal("banner hidden before any choice")
	}
	run("reject all", chromedp.Click(chromedp.CSS(`#consentry-banner [data-consent-action="reject_all"]`)),
		chromedp.Poll[chromedp.Void](`window.consentry.state().decided === true`))
	advance(179 * 24 * time.Hour)
	if vis, _ := shown(); vis {
		t.Error("banner shown again 179 days after a refusal")
	}
	advance(2 * 24 * time.Hour)
	if vis, why := shown(); !vis || why != reaskExpired {
		t.Errorf("181 days after a refusal: banner shown %v (reason %q), want shown (expired)", vis, why)
	}
	// Refuse again, then the policy changes: asked at once.
	run("reject all again", chromedp.Click(chromedp.CSS(`#consentry-banner [data-consent-action="reject_all"]`)),
		chromedp.Poll[chromedp.Void](`window.consentry.state().decided === true`))
	advance(24 * time.Hour)
	if vis, _ := shown(); vis {
		t.Error("banner shown a day after the second refusal")
	}
	use(mk("v2"))
	if vis, why := shown(); !vis || why != reaskPolicy {
		t.Errorf("after a policy change: banner shown %v (reason %q), want shown (policy)", vis, why)
	}
	// Refuse under the new policy; withdrawing the refusal is as easy as
	// making it: the floating button, then Accept all.
	run("reject under v2", chromedp.Click(chromedp.CSS(`#consentry-banner [data-consent-action="reject_all"]`)),
		chromedp.Poll[chromedp.Void](`window.consentry.state().decided === true`))
	if vis, _ := shown(); vis {
		t.Error("banner shown right after refusing under the new policy")
	}
	run("change my mind", chromedp.Click(chromedp.CSS("#consentry-settings")), chromedp.WaitVisible(chromedp.CSS("#consentry-prefs")),
		chromedp.Click(chromedp.CSS(`#consentry-prefs [data-consent-action="accept_all"]`)),
		chromedp.Poll[chromedp.Void](`window.consentry.state().categories.advertising === true`))
}
