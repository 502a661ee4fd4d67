package testsite

import (
	"os"
	"testing"

	"github.com/chromedp/chromedp"
)

// loadAxe injects axe-core (CONSENTRY_AXE_JS, the path of axe.min.js) into
// the browser's page. Without it the test skips, or fails when CI=true.
func loadAxe(t *testing.T, b *browser) {
	t.Helper()
	path := os.Getenv("CONSENTRY_AXE_JS")
	if path == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("CONSENTRY_AXE_JS (path of axe.min.js) not set; CI needs the axe-core audit")
		}
		t.Skip("CONSENTRY_AXE_JS (path of axe.min.js) not set")
	}
	axe, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	b.do("load axe-core", chromedp.Evaluate[chromedp.Void](string(axe)))
}

// axeAudit runs axe-core (WCAG 2.x A/AA and best practices) over the
// elements matching include (a JSON array of selector lists, as axe.run
// takes) once the banner's animations are over, and reports each violation
// as an error naming what.
func axeAudit(t *testing.T, b *browser, what, include string) {
	t.Helper()
	// Colours are only final once the fade-in is over.
	b.waitJS("animations done", `document.getAnimations().every(a => a.playState !== "running")`)
	ctx, cancel := b.step()
	defer cancel()
	got, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`axe.run({include: `+include+`},
		{runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice']})
		.then(r => r.violations.map(v => v.id + ": " + v.nodes.map(n => n.target.join(" ") + " " + n.failureSummary).join(", ")))`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("axe on the %s: %v", what, err)
	}
	for _, v := range got {
		t.Errorf("axe, %s: %s", what, v)
	}
}

// openPrefsUnfolded opens the preference centre and unfolds every cookie
// table in it.
func openPrefsUnfolded(b *browser) {
	b.click(customiseSel)
	b.do("preference centre", chromedp.WaitVisible(chromedp.CSS(prefsSel)),
		chromedp.Evaluate[chromedp.Void](`document.querySelectorAll('#consentry-prefs details').forEach(d => { d.open = true })`))
}
