package admin

import (
	"bytes"
	"context"
	"image/png"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/consentry/consentry/internal/browsertest"
	"github.com/consentry/consentry/sdk/consentlog/sqlite"
)

// browser starts headless Chromium for the test and returns a tab's
// context. It skips without Chromium, unless CI=true.
func browser(t *testing.T) context.Context {
	t.Helper()
	opts := browsertest.Options(browsertest.Path(t), t.TempDir())
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	bctx, cancelB := chromedp.NewContext(actx)
	ctx, cancelT := context.WithTimeout(bctx, 60*time.Second)
	t.Cleanup(func() { cancelT(); cancelB(); cancelA() })
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start browser: %v", err)
	}
	return ctx
}

func eval[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// TestBrowserOverview renders the overview of 30 days of decisions in two
// regimes, kept in a real SQLite consent log, in Chromium, checks the
// charts, legend and inventory drew, and takes a full-page screenshot; with
// CONSENTRY_SCREENSHOTS=1 it is written to docs/admin.png.
func TestBrowserOverview(t *testing.T) {
	ctx := browser(t)
	const days = 30
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "consent.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.Insert(context.Background(), nil, seedDays(days)); err != nil {
		t.Fatal(err)
	}
	h := newTest(t, st)
	srv := httptest.NewServer(h)
	defer srv.Close()

	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 900),
		chromedp.Navigate(srv.URL+"/?days=30"), chromedp.WaitVisible(chromedp.CSS("svg.chart"))); err != nil {
		t.Fatal(err)
	}
	if n := eval[int](t, ctx, `document.querySelectorAll("svg.chart").length`); n != 2 {
		t.Fatalf("%d charts, want 2 (opt-in and opt-out)", n)
	}
	for _, regime := range []string{"opt-in", "opt-out"} {
		sel := `svg.chart[data-regime="` + regime + `"]`
		if n := eval[int](t, ctx, `document.querySelectorAll('`+sel+` g.series').length`); n != len(optional) {
			t.Errorf("%s: %d series, want %d", regime, n, len(optional))
		}
		if n := eval[int](t, ctx, `document.querySelectorAll('`+sel+` .pt').length`); n != len(optional)*days {
			t.Errorf("%s: %d points, want %d categories × %d days", regime, n, len(optional), days)
		}
		// The chart is laid out: wide and tall enough to read.
		if w := eval[float64](t, ctx, `document.querySelector('`+sel+`').getBoundingClientRect().width`); w < 800 {
			t.Errorf("%s: chart is %.0f px wide", regime, w)
		}
		legend := eval[[]string](t, ctx, `[...document.querySelectorAll('article[data-regime="`+regime+`"] .legend li')].filter(li => li.offsetWidth > 0).map(li => li.dataset.category)`)
		if len(legend) != len(optional) {
			t.Errorf("%s: visible legend %v, want the %d optional categories", regime, legend, len(optional))
		}
	}
	uncat := eval[[]string](t, ctx, `[...document.querySelectorAll('table.inv tr.uncatalogued th')].map(th => th.textContent)`)
	if len(uncat) != 2 || uncat[0] != "mystery_id" || uncat[1] != "tracker.unknown-cdn.net" {
		t.Errorf("uncatalogued inventory rows = %v, want mystery_id and tracker.unknown-cdn.net", uncat)
	}
	if badge := eval[string](t, ctx, `document.querySelector('tr.uncatalogued .badge').textContent`); badge != "uncatalogued" {
		t.Errorf("uncatalogued badge = %q", badge)
	}

	shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(shot))
	if err != nil {
		t.Fatalf("screenshot is not a PNG: %v", err)
	}
	if b := img.Bounds(); b.Dx() < 1000 || b.Dy() < 1500 || len(shot) < 50_000 {
		t.Errorf("screenshot is %dx%d, %d bytes: too small to hold the page", b.Dx(), b.Dy(), len(shot))
	}
	if os.Getenv("CONSENTRY_SCREENSHOTS") == "1" {
		out := filepath.Join("..", "..", "docs", "admin.png")
		if err := os.WriteFile(out, shot, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %s", out)
	}
}
