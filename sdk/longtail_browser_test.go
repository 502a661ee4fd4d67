package sdk

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/consentry/consentry/internal/browsertest"
)

// longTailHosts returns, for each category but necessary, a host of a
// vendor that only the datasets know (not a hand-written one's), with a
// subdomain as real tags have.
func longTailHosts(t *testing.T) map[string]string {
	t.Helper()
	vendors := BuiltinCatalogue()
	hand := map[string]bool{}
	for _, v := range handWritten(vendors) {
		hand[v.Vendor] = true
	}
	out := map[string]string{}
	for _, v := range vendors {
		if v.Source != SourceThirdPartyWeb || hand[v.Vendor] || out[v.Category] != "" || v.Category == Necessary {
			continue
		}
		for _, h := range v.Hosts {
			if strings.Count(h, ".") == 1 { // a vendor's own domain
				out[v.Category] = "cdn." + h
				break
			}
		}
	}
	for _, k := range []string{Preferences, Analytics, Advertising, Social} {
		if out[k] == "" {
			t.Fatalf("no long-tail vendor of %s", k)
		}
	}
	return out
}

// hitCounter counts the requests a fake vendor server receives, by host.
type hitCounter struct {
	mu   sync.Mutex
	hits map[string]int
	ch   chan struct{} // signalled on every hit
}

func (h *hitCounter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	host, _, _ := net.SplitHostPort(r.Host)
	h.mu.Lock()
	h.hits[host]++
	h.mu.Unlock()
	select {
	case h.ch <- struct{}{}:
	default:
	}
	switch {
	case strings.HasSuffix(r.URL.Path, ".js"):
		w.Header().Set("Content-Type", "text/javascript")
		fmt.Fprintf(w, "window.__ran=(window.__ran||[]).concat(%q);", host)
	case strings.HasSuffix(r.URL.Path, ".gif"):
		w.Header().Set("Content-Type", "image/gif")
		_, _ = w.Write([]byte("GIF89a\x01\x00\x01\x00\x00\x00\x00;"))
	default:
		w.Header().Set("Content-Type", "text/html")
		_, _ = w.Write([]byte("<!doctype html><title>widget</title>"))
	}
}

func (h *hitCounter) count(host string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.hits[host]
}

// TestBrowserLongTailHeldThenReleased: tags of vendors only the datasets
// know (one per category) are held in a real Chromium before a choice,
// and run in place after Accept all.
func TestBrowserLongTailHeldThenReleased(t *testing.T) {
	exe := browsertest.Path(t)
	hosts := longTailHosts(t)
	vendor := &hitCounter{hits: map[string]int{}, ch: make(chan struct{}, 1)}
	vs := httptest.NewServer(vendor)
	defer vs.Close()
	_, vport, _ := net.SplitHostPort(vs.Listener.Addr().String())

	c, err := New(Options{Keys: []KeyPair{{Hash: testHash, Block: testBlock}}, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	u := func(cat, path string) string { return "http://" + hosts[cat] + ":" + vport + path }
	page := `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Long tail</title>` +
		`<script src="` + u(Analytics, "/t.js") + `"></script>` +
		`<script src="` + u(Preferences, "/chat.js") + `" async></script></head><body><h1>News</h1>` +
		`<img src="` + u(Advertising, "/p.gif") + `" width="1" height="1" alt="">` +
		`<iframe src="` + u(Social, "/w.html") + `" title="embed"></iframe></body></html>`
	site := httptest.NewServer(c.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte(page))
	})))
	defer site.Close()

	// Every long-tail host resolves to the vendor server: no real DNS.
	var rules []string
	for _, h := range hosts {
		rules = append(rules, "MAP "+h+" 127.0.0.1")
	}
	opts := browsertest.Options(exe, t.TempDir(),
		chromedp.UserAgent("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36"),
		chromedp.Flag("host-resolver-rules", strings.Join(rules, ", ")),
		chromedp.Flag("disable-features", "IsolateOrigins,site-per-process"))
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	actx, cancelA := chromedp.NewExecAllocator(ctx, opts...)
	defer cancelA()
	bctx, cancelB := chromedp.NewContext(actx)
	defer cancelB()

	t.Logf("long-tail hosts: %v", hosts)
	if err := chromedp.Do(bctx, chromedp.Navigate(site.URL+"/"), chromedp.WaitVisible(chromedp.CSS("#consentry-banner"))); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(bctx, chromedp.Poll[chromedp.Void](`document.readyState === "complete"`)); err != nil {
		t.Fatal(err)
	}
	// Loaded: whatever the page fetches by itself has been fetched.
	for cat, h := range hosts {
		if n := vendor.count(h); n != 0 {
			t.Errorf("%s (%s): %d requests before a choice, want 0", h, cat, n)
		}
	}
	if err := chromedp.Do(bctx, chromedp.Click(chromedp.CSS(`#consentry-banner [data-consent-action="accept_all"]`))); err != nil {
		t.Fatal(err)
	}
	for {
		done := true
		for _, h := range hosts {
			done = done && vendor.count(h) > 0
		}
		if done {
			break
		}
		select {
		case <-vendor.ch:
		case <-ctx.Done():
			for cat, h := range hosts {
				t.Errorf("%s (%s): %d requests after Accept all", h, cat, vendor.count(h))
			}
			t.Fatal("the long-tail tags were not released")
		}
	}
	if _, err := chromedp.Run(bctx, chromedp.Poll[chromedp.Void](`(window.__ran||[]).length === 2`)); err != nil {
		t.Errorf("both long-tail scripts ran once: %v", err)
	}
}
