package rewrite

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/consentry/consentry/internal/browsertest"
)

// TestURLHostChromium runs the case table of TestURLHost through Chromium's
// HTML tokenizer and URL parser: each value is the href of a link on a page
// whose base URL is http: on another host (so "https:host" is a host),
// and the link's hostname, without trailing dots, must be URLHost's answer
// (a relative URL resolves to the base host, which URLHost reports as "").
// Cases marked conservative, where URLHost names a host the browser may
// not fetch, must give the base host, none or URLHost's answer.
func TestURLHostChromium(t *testing.T) {
	path := browsertest.Path(t)
	const base = "page.invalid"
	var page strings.Builder
	page.WriteString(`<!doctype html><meta charset="utf-8"><base href="http://` + base + `/dir/">`)
	for _, tc := range urlHostCases {
		// The value goes in as the attribute text: its character
		// references are the browser's to decode, only quotes are escaped.
		page.WriteString(`<a href="` + strings.ReplaceAll(tc.in, `"`, "&quot;") + `">x</a>`)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, page.String())
	}))
	defer srv.Close()

	actx, cancel := chromedp.NewExecAllocator(context.Background(), browsertest.Options(path, t.TempDir())...)
	defer cancel()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	ctx, cancel = context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.Navigate(srv.URL)); err != nil {
		t.Fatal(err)
	}
	got, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('a')].map(a => a.protocol === 'http:' || a.protocol === 'https:' ? a.hostname : '')`))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(urlHostCases) {
		t.Fatalf("Chromium read %d links, want %d", len(got), len(urlHostCases))
	}
	for i, tc := range urlHostCases {
		b := strings.TrimRight(got[i], ".")
		if b == base {
			b = ""
		}
		mine := URLHost([]byte(tc.in))
		if tc.conservative {
			if b != "" && b != mine {
				t.Errorf("%q: Chromium %q, URLHost %q (conservative case)", html.EscapeString(tc.in), got[i], mine)
			}
			continue
		}
		if b != mine {
			t.Errorf("%q: Chromium %q, URLHost %q", tc.in, got[i], mine)
		}
	}
}
