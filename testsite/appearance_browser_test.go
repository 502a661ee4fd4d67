package testsite

import (
	"bytes"
	"cmp"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// The appearance variants of the demo: each layout under theme auto (so
// the emulated prefers-color-scheme picks light or dark), the box with a
// logo and rounder corners, the modal with another font; and a brand
// theme, dark whatever the system prefers, with its own colours.
var appearanceVariants = map[string]*demoVariant{
	"bar":   newDemoVariant("look_bar", withAppearance("theme auto")),
	"box":   newDemoVariant("look_box", withAppearance("theme auto", "layout box", "radius 12px", `logo /logo.svg "Nimbus Phones"`)),
	"modal": newDemoVariant("look_modal", withAppearance("theme auto", "layout modal", "font `Georgia, serif`")),
	"brand": newDemoVariant("look_brand", withAppearance("theme dark", "layout box", `accent "#ffd60a"`,
		`button_text "#111111"`, "background 0f172a", "text e2e8f0", "radius 0")),
}

// withAppearance adds an appearance block with lines to the demo site's
// consent block.
func withAppearance(lines ...string) func(string) (string, error) {
	return func(caddyfile string) (string, error) {
		const block = "\tconsent {\n"
		if n := strings.Count(caddyfile, block); n != 1 {
			return "", fmt.Errorf("want one %q in the Caddyfile, found %d", block, n)
		}
		return strings.Replace(caddyfile, block, block+"\t\tappearance {\n\t\t\t"+strings.Join(lines, "\n\t\t\t")+"\n\t\t}\n", 1), nil
	}
}

// appearanceViews are the viewports every layout is checked in; desktop
// screenshots are scaled to 800 px wide.
var appearanceViews = []struct {
	name          string
	width, height int64
	scale         float64
}{
	{"desktop", 1280, 800, 0.625},
	{"phone", 390, 844, 1},
}

// prefersScheme makes the tab's prefers-color-scheme light or dark.
func (b *browser) prefersScheme(scheme string) {
	b.t.Helper()
	ctx, cancel := b.step()
	defer cancel()
	if _, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
		Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}},
	}); err != nil {
		b.t.Fatalf("prefers-color-scheme %s: %v", scheme, err)
	}
}

// panelJS returns the first layer's visible box: the banner itself, or for
// the modal layout the dialog inside the dimmed backdrop.
const panelJS = `(() => { const b = document.getElementById('consentry-banner');
	return b.classList.contains('cs-modal') ? b.querySelector('.cs-in') : b; })()`

// lookReport is what the page reports of a layout in a theme.
type lookReport struct {
	Background string  `json:"background"`
	Layout     string  `json:"layout"`
	Role       string  `json:"role"`
	Height     float64 `json:"height"`
	Screen     float64 `json:"screen"`
	Same       bool    `json:"same"`
	InView     bool    `json:"inView"`
	Area       float64 `json:"area"`
	Logo       string  `json:"logo"`
}

const lookJS = `(() => {
	const p = ` + panelJS + `, b = document.getElementById('consentry-banner');
	const btns = [...b.querySelectorAll('[data-consent-action]')];
	const st = (e) => { const s = getComputedStyle(e); return [e.tagName, s.backgroundColor, s.color, s.fontSize, s.fontWeight, s.borderTopColor, s.borderTopWidth, s.borderRadius, s.paddingTop].join('|'); };
	const rs = btns.map((e) => e.getBoundingClientRect());
	const area = (x) => x.width * x.height;
	const logo = b.querySelector('img.cs-logo');
	return {
		background: getComputedStyle(p).backgroundColor, layout: b.className, role: b.getAttribute('role'),
		height: p.getBoundingClientRect().height, screen: innerHeight,
		same: btns.length === 3 && btns.every((e) => st(e) === st(btns[0])),
		inView: rs.length === 3 && rs.every((x) => x.top >= 0 && x.left >= 0 && x.bottom <= innerHeight && x.right <= innerWidth),
		area: Math.min(area(rs[0]), area(rs[1])) / Math.max(area(rs[0]), area(rs[1])),
		logo: logo ? logo.alt + '|' + logo.complete + '|' + logo.naturalWidth : '',
	};
})()`

// TestBrowserAppearanceLayouts: every layout (bar, box, modal) in the
// light and the dark theme, on a desktop and a phone, passes the banner
// checks: the theme asked for; Accept, Reject and Customise styled alike,
// the same size and on screen; axe-core finds nothing in the first layer
// or the preference centre; focus stays in the modal first layer and in
// the preference centre; no layout shift; nothing render-blocking. On the
// phone the first layer takes at most a third of the screen, and the
// preference centre's Save stays in view (sticky) however long its lists.
// A brand theme (dark whatever the system prefers, its own colours) passes
// the same. With CONSENTRY_SCREENSHOTS=1 it writes
// docs/screenshots/layout-<layout>-<theme>-<view>.png.
func TestBrowserAppearanceLayouts(t *testing.T) {
	write := os.Getenv("CONSENTRY_SCREENSHOTS") == "1"
	for _, layout := range []string{"bar", "box", "modal", "brand"} {
		t.Run(layout, func(t *testing.T) {
			b := newBrowserFor(t, 4*testTimeout)
			v := appearanceVariants[layout]
			schemes := []string{"light", "dark"}
			if layout == "brand" {
				schemes = []string{"light"} // the system's; the theme is dark
			}
			for _, scheme := range schemes {
				for _, view := range appearanceViews {
					name := layout + "-" + scheme + "-" + view.name
					t.Run(scheme+"/"+view.name, func(t *testing.T) {
						b := &browser{t: t, ctx: b.ctx, net: b.net}
						b.prefersScheme(scheme)
						b.do("viewport", chromedp.EmulateViewport(view.width, view.height))
						b.open(v.url(t, "/"))
						b.do("banner visible", chromedp.WaitVisible(chromedp.CSS(bannerSel)))
						if write && layout != "brand" {
							b.shootScaled(t, "layout-"+name+".png", view.width, view.height, view.scale)
						}
						b.checkLook(layout, scheme, view.name)
						b.checkPrefs(view.name == "phone", func() {
							if write && layout == "bar" {
								b.shootScaled(t, "prefs-"+scheme+"-"+view.name+".png", view.width, view.height, view.scale)
							}
						})
					})
				}
			}
		})
	}
}

// checkLook makes the first layer's checks of TestBrowserAppearanceLayouts.
func (b *browser) checkLook(layout, scheme, view string) {
	t := b.t
	t.Helper()
	b.settle()
	got := eval[lookReport](b, lookJS)
	wantBg := map[string]string{"light": "rgb(255, 255, 255)", "dark": "rgb(28, 28, 30)", "brand": "rgb(15, 23, 42)"}[scheme]
	if layout == "brand" {
		wantBg = "rgb(15, 23, 42)"
	}
	if got.Background != wantBg {
		t.Errorf("first layer background %s, want %s (%s theme)", got.Background, wantBg, scheme)
	}
	wantClass := map[string]string{"bar": "cs-bar", "box": "cs-box", "modal": "cs-modal", "brand": "cs-box"}[layout]
	if got.Layout != wantClass {
		t.Errorf("banner class %q, want %q", got.Layout, wantClass)
	}
	if wantRole := map[bool]string{true: "dialog", false: "region"}[layout == "modal"]; got.Role != wantRole {
		t.Errorf("banner role %q, want %q", got.Role, wantRole)
	}
	if !got.Same {
		t.Errorf("Accept, Reject and Customise are not styled alike")
	}
	if !got.InView || got.Area < 0.9 {
		t.Errorf("choice buttons in view %v, Reject/Accept area ratio %.2f: want all in view and at least 0.9", got.InView, got.Area)
	}
	if view == "phone" && got.Height > got.Screen/3 {
		t.Errorf("first layer %.0f px high on a %.0f px screen: more than a third", got.Height, got.Screen)
	}
	t.Logf("first layer %.0f px of %.0f", got.Height, got.Screen)
	if layout == "box" && !strings.HasPrefix(got.Logo, "Nimbus Phones|true|") || layout == "box" && strings.HasSuffix(got.Logo, "|0") {
		t.Errorf("logo (alt|loaded|width) = %q, want Nimbus Phones, loaded", got.Logo)
	}

	// No layout shift, nothing render-blocking.
	ctx, cancel := b.step()
	defer cancel()
	cls, err := chromedp.Run(ctx, chromedp.Evaluate[layoutShifts](layoutShiftJS, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	if cls.Sum != 0 {
		t.Errorf("cumulative layout shift %.4f over %d shifts, want 0", cls.Sum, cls.N)
	}
	if blocking := eval[[]string](b, `performance.getEntriesByType('resource').filter(e => e.name.includes('/_consent/') && e.renderBlockingStatus !== 'non-blocking').map(e => e.name)`); len(blocking) > 0 {
		t.Errorf("render-blocking banner resources: %v", blocking)
	}

	if os.Getenv("CONSENTRY_AXE_JS") != "" || os.Getenv("CI") == "true" {
		loadAxe(t, b)
		axeAudit(t, b, "first layer", `[['#consentry-banner']]`)
	}

	if layout == "modal" {
		// Focus starts in the modal and stays there.
		b.do("define controlName", chromedp.Evaluate[chromedp.Void](controlNameJS))
		if got := eval[string](b, focusedJS); got != "banner:consentry-banner" {
			t.Errorf("focus on a modal first layer = %s, want the dialog", got)
		}
		n := eval[int](b, `document.querySelectorAll('#consentry-banner a[href], #consentry-banner button').length`)
		for i := range 2*n + 1 {
			opt := []chromedp.KeyOption{}
			if i > n {
				opt = append(opt, chromedp.KeyModifiers(chromedp.ModifierShift))
			}
			if got := b.press(kb.Tab, opt...); !strings.HasPrefix(got, "banner:") || got == "banner:consentry-banner" {
				t.Fatalf("Tab %d: focus on %s, want a control of the modal first layer", i+1, got)
			}
		}
		if !eval[bool](b, `document.elementFromPoint(5, 5).closest('#consentry-banner') !== null`) {
			t.Errorf("the page is not covered by the modal's backdrop")
		}
	}
}

// checkPrefs opens the preference centre with every list unfolded, calls
// shoot (before any key moves focus), keeps focus inside it, audits it with axe-core and, on a phone, checks Save is
// in view and on top without scrolling, with the lists long enough to
// scroll.
func (b *browser) checkPrefs(phone bool, shoot func()) {
	t := b.t
	t.Helper()
	b.click(customiseSel)
	b.do("preference centre", chromedp.WaitVisible(chromedp.CSS(prefsSel)),
		chromedp.Evaluate[chromedp.Void](`document.querySelectorAll('#consentry-prefs details').forEach(d => { d.open = true })`))
	b.settle()
	shoot()
	b.do("define controlName", chromedp.Evaluate[chromedp.Void](controlNameJS))
	n := eval[int](b, `document.querySelectorAll('#consentry-prefs a[href], #consentry-prefs button, #consentry-prefs input:not(:disabled), #consentry-prefs summary').length`)
	for i := range n + 1 {
		if got := b.press(kb.Tab); !strings.HasPrefix(got, "prefs:") {
			t.Fatalf("Tab %d in the preference centre: focus on %s", i+1, got)
		}
	}
	if phone {
		type save struct {
			Overflow bool    `json:"overflow"`
			InView   bool    `json:"inView"`
			OnTop    bool    `json:"onTop"`
			Bottom   float64 `json:"bottom"`
		}
		got := eval[save](b, `(() => { const d = document.querySelector('`+prefsSel+`'), s = document.querySelector('`+saveSel+`');
			const body = d.querySelector('.cs-in'); body.scrollTop = 0; const r = s.getBoundingClientRect();
			return {overflow: body.scrollHeight > body.clientHeight + 100, bottom: r.bottom,
				inView: r.top >= 0 && r.bottom <= innerHeight && r.bottom <= d.getBoundingClientRect().bottom,
				onTop: document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2) === s}; })()`)
		if !got.Overflow {
			t.Errorf("the unfolded preference centre fits the phone screen: the test shows nothing about Save")
		}
		if !got.InView || !got.OnTop {
			t.Errorf("Save at the top of the preference centre: in view %v, on top %v (bottom %.0f): want it reachable without scrolling", got.InView, got.OnTop, got.Bottom)
		}
	}
	if os.Getenv("CONSENTRY_AXE_JS") != "" || os.Getenv("CI") == "true" {
		loadAxe(t, b)
		axeAudit(t, b, "preference centre", `[['#consentry-prefs']]`)
	}
	b.escapePrefs()
}

// shootScaled captures the viewport scaled by scale and, re-encoded at
// the best PNG compression, writes it to docs/screenshots/name.
func (b *browser) shootScaled(t *testing.T, name string, width, height int64, scale float64) {
	t.Helper()
	b.settle()
	ctx, cancel := b.step()
	defer cancel()
	res, err := chromedp.Call(ctx, page.CaptureScreenshot, page.CaptureScreenshotParams{
		Clip: &page.Viewport{Width: float64(width), Height: float64(height), Scale: scale}})
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	buf := res.Data
	img, err := png.Decode(bytes.NewReader(buf))
	if err != nil {
		t.Fatalf("decode %s: %v", name, err)
	}
	var out bytes.Buffer
	if err := (&png.Encoder{CompressionLevel: png.BestCompression}).Encode(&out, paletted(img)); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("..", "docs", "screenshots", name)
	if err := os.WriteFile(path, out.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %s (%v, %d bytes)", path, img.Bounds().Size(), out.Len())
}

// TestBrowserThemeLightByDefault: without an appearance the banner is
// light even when the system prefers dark (a light site keeps a light
// banner); theme auto is what follows the system.
func TestBrowserThemeLightByDefault(t *testing.T) {
	b := newBrowser(t)
	b.prefersScheme("dark")
	b.open(demo.url(t, "/"))
	b.do("banner visible", chromedp.WaitVisible(chromedp.CSS(bannerSel)))
	if got := eval[string](b, `getComputedStyle(document.getElementById('consentry-banner')).backgroundColor`); got != "rgb(255, 255, 255)" {
		t.Errorf("default banner background with the system dark = %s, want rgb(255, 255, 255)", got)
	}
	b = newBrowser(t)
	b.prefersScheme("dark")
	b.open(appearanceVariants["bar"].url(t, "/"))
	b.do("banner visible", chromedp.WaitVisible(chromedp.CSS(bannerSel)))
	if got := eval[string](b, `getComputedStyle(document.getElementById('consentry-banner')).backgroundColor`); got != "rgb(28, 28, 30)" {
		t.Errorf("theme auto banner background with the system dark = %s, want rgb(28, 28, 30)", got)
	}
}

// paletted returns img in its 256 most frequent colours, the rest drawn
// with the nearest of them: a screenshot of flat surfaces and text keeps
// its look at about a third of the bytes.
func paletted(img image.Image) *image.Paletted {
	count := map[color.RGBA]int{}
	bounds := img.Bounds()
	for y := bounds.Min.Y; y < bounds.Max.Y; y++ {
		for x := bounds.Min.X; x < bounds.Max.X; x++ {
			count[color.RGBAModel.Convert(img.At(x, y)).(color.RGBA)]++
		}
	}
	cs := slices.SortedFunc(maps.Keys(count), func(a, b color.RGBA) int {
		if d := count[b] - count[a]; d != 0 {
			return d
		}
		return cmp.Compare(uint32(a.R)<<16|uint32(a.G)<<8|uint32(a.B), uint32(b.R)<<16|uint32(b.G)<<8|uint32(b.B))
	})
	pal := make(color.Palette, 0, 256)
	for _, c := range cs[:min(256, len(cs))] {
		pal = append(pal, c)
	}
	out := image.NewPaletted(bounds, pal)
	draw.Draw(out, bounds, img, bounds.Min, draw.Src)
	return out
}
