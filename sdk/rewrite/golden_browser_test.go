package rewrite

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/consentry/consentry/internal/browsertest"
)

// chromiumLeakShapes are the golden inputs whose shape must be real: each
// loads a refused host in Chromium, with scripting on or off.
var chromiumLeakShapes = []string{
	"idna-hosts", "noscript-scripting", "rawtext-end", "image-tag", "cdata-html",
	"foreign-integration", "data-frames", "srcdoc-nested", "javascript-frames",
}

// TestRewriteGoldenChromium loads the golden pages of chromiumLeakShapes in
// Chromium, with JavaScript on and off: the output must send no request to
// a host the test policy refuses, and the input must send one, so that
// every shape the rewriter answers is one the browser really reads so.
func TestRewriteGoldenChromium(t *testing.T) {
	path := browsertest.Path(t)
	pages := map[string][]byte{}
	for _, f := range goldenInputs(t) {
		name := strings.TrimSuffix(filepath.Base(f), ".html")
		in, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		out, err := os.ReadFile(strings.TrimSuffix(f, ".html") + ".golden.html")
		if err != nil {
			t.Fatal(err)
		}
		pages["/in/"+name], pages["/out/"+name] = in, out
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, ok := pages[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		ct := "text/html; charset=utf-8"
		if strings.Contains(r.URL.Path, "windows-1252") || strings.Contains(r.URL.Path, "legacy-charset") {
			ct = "text/html"
		}
		w.Header().Set("Content-Type", ct)
		w.Write(b)
	}))
	defer srv.Close()

	p := newTestPolicy()
	leaked := map[string]bool{}   // with JavaScript on or off
	leakedJS := map[string]bool{} // with JavaScript on
	for _, js := range []bool{true, false} {
		var mu sync.Mutex
		var reqs []string
		opts := browsertest.Options(path, t.TempDir(),
			chromedp.Flag("disable-features", "IsolateOrigins,site-per-process"),
			chromedp.Flag("disable-site-isolation-trials", true))
		actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
		ctx, cancelT := chromedp.NewContext(actx, chromedp.WithListener(func(ev any) {
			if ev, ok := ev.(*network.EventRequestWillBeSent); ok {
				mu.Lock()
				reqs = append(reqs, ev.Request.URL)
				mu.Unlock()
			}
		}))
		ctx, cancelC := context.WithTimeout(ctx, 3*time.Minute)
		if _, err := chromedp.Run(ctx, chromedp.Navigate("about:blank")); err != nil {
			t.Fatal(err)
		}
		if !js {
			if _, err := chromedp.Call(ctx, emulation.SetScriptExecutionDisabled,
				emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
				t.Fatal(err)
			}
		}
		// load opens a page, waits for its load event (frames and images
		// included) and returns the refused hosts it sent requests to.
		load := func(path string) []string {
			mu.Lock()
			reqs = nil
			mu.Unlock()
			if _, err := chromedp.Run(ctx, chromedp.Navigate(srv.URL+path)); err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			mu.Lock()
			defer mu.Unlock()
			var bad []string
			for _, u := range reqs {
				if pu, err := url.Parse(u); err == nil && p.RefusedHost(pu.Hostname()) != "" {
					bad = append(bad, u)
				}
			}
			return bad
		}
		for _, name := range chromiumLeakShapes {
			bad := load("/out/" + name)
			if js {
				// A script that only names a tracker runs (the inline
				// rule); what it then loads is the in-page guard's to
				// hold, and this page has no guard. Such requests say so
				// in their path.
				bad = slices.DeleteFunc(bad, func(u string) bool { return strings.Contains(u, "/guard-holds") })
			}
			if len(bad) > 0 {
				t.Errorf("JavaScript %v: %s.golden.html loads %q", js, name, bad)
			}
			if len(load("/in/"+name)) > 0 {
				leaked[name] = true
				leakedJS[name] = leakedJS[name] || js
			}
		}
		cancelC()
		cancelT()
		cancelA()
	}
	for _, name := range chromiumLeakShapes {
		if !leaked[name] {
			t.Errorf("%s.html loads nothing refused in Chromium: the shape it pins is not real", name)
		}
	}
	// The noscript shapes are about the reader with scripts, which the
	// markup reading alone would miss.
	if !leakedJS["noscript-scripting"] {
		t.Errorf("noscript-scripting.html loads nothing refused with JavaScript on")
	}
}
