package banner

import (
	"context"
	"os"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// TestAxe runs an axe-core audit (WCAG 2.x A/AA and best practices) over the
// first layer, the preference centre and a placeholder. It needs the path
// of axe.min.js in CONSENTRY_AXE_JS (test.sh installs the npm package and
// sets it); it skips without it locally and fails without it when CI=true.
func TestAxe(t *testing.T) {
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
	tab := browser(t)
	for _, tc := range []struct {
		name, open string
		dark       bool
		optOut     bool // the opt-out regime: its texts and the Do Not Sell control
	}{
		{name: "first layer"},
		{name: "opt-out first layer", optOut: true},
		{name: "opt-out preference centre", open: openAll, optOut: true},
		{name: "preference centre", open: openAll},
		// The default theme is light whatever the system prefers; the
		// dark theme comes with the configuration's styles (sdk
		// Appearance), audited in ../testsite (TestBrowserAppearanceLayouts).
		{name: "first layer, system prefers dark", dark: true},
		{name: "preference centre, system prefers dark", open: openAll, dark: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := newState(false)
			st["signals"] = map[string]bool{"gpc": true, "dnt": false}
			if tc.optOut {
				st = newState(false, "preferences", "analytics", "advertising", "social")
				st["regime"] = "opt-out"
			}
			s := &site{t: t, state: st, show: true, cookies: []map[string]string{
				{"name": "_ga", "purpose": "Distinguishes visitors", "lifetime": "2 years", "party": "first"},
				{"name": "IDE", "purpose": "Serves ads", "lifetime": "13 months", "party": "third"},
			}}
			ctx := tab()
			if tc.dark {
				do(t, ctx, emulateDark())
			}
			do(t, ctx, chromedp.Navigate(s.start()), chromedp.WaitVisible(chromedp.CSS("#consentry-banner")))
			if tc.open != "" {
				do(t, ctx, chromedp.Evaluate[chromedp.Void](tc.open), chromedp.WaitVisible(chromedp.CSS("#consentry-prefs")))
			}
			if tc.optOut && !eval[bool](t, ctx, `!!document.querySelector('#consentry-banner [data-consent-action=opt_out]')`) {
				t.Fatal("no Do Not Sell control to audit")
			}
			// Colours are only final once the fade-in is over.
			waitFor(t, ctx, `document.getAnimations().every(a => a.playState !== 'running')`)
			do(t, ctx, chromedp.Evaluate[chromedp.Void](string(axe)))
			got, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`axe.run({include: ['#consentry-banner', '#consentry-prefs', '.consentry-placeholder']}, {runOnly: ['wcag2a','wcag2aa','wcag21a','wcag21aa','wcag22aa','best-practice']}).then(r => r.violations.map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', ')))`, chromedp.EvalAwaitPromise))
			if err != nil {
				t.Fatal(err)
			}
			for _, v := range got {
				t.Errorf("axe: %s", v)
			}
		})
	}
}

// openAll opens the preference centre with every cookie table unfolded.
const openAll = `consentry.open(); document.querySelectorAll('#consentry-prefs details').forEach(d => { d.open = true })`

// emulateDark makes the tab prefer a dark colour scheme.
func emulateDark() chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
			Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: "dark"}},
		})
		return err
	})
}
