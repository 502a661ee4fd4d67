package testsite

import (
	"os"
	"slices"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/consentry/consentry/banner"
)

// rtlLayout is what the page reports of the banner's layout: the first
// layer's lang and dir, the title's computed direction, the left edges of
// the three choice buttons (Accept, Reject, Customise in document order)
// and of the two policy links.
const rtlLayout = `(() => {
	const b = document.querySelector('#consentry-banner');
	const left = (s) => [...b.querySelectorAll(s)].map((e) => e.getBoundingClientRect().left);
	return {lang: b.lang, dir: b.dir, titleDir: getComputedStyle(b.querySelector('.cs-h')).direction,
		align: getComputedStyle(b.querySelector('.cs-p')).textAlign,
		buttons: left('[data-consent-action]'), links: left('.cs-links a')};
})()`

type layout struct {
	Lang     string    `json:"lang"`
	Dir      string    `json:"dir"`
	TitleDir string    `json:"titleDir"`
	Align    string    `json:"align"`
	Buttons  []float64 `json:"buttons"`
	Links    []float64 `json:"links"`
}

// descending reports whether xs has at least two values and each is left
// of the one before (laid out right to left).
func descending(xs []float64) bool {
	for i := 1; i < len(xs); i++ {
		if xs[i] >= xs[i-1] {
			return false
		}
	}
	return len(xs) > 1
}

// TestBrowserBannerRTL: in Arabic and Hebrew (from Accept-Language) the
// banner is laid out right to left — it carries lang and dir="rtl", the
// title's computed direction is rtl, text starts at the right, and the
// choice buttons and policy links run from right to left (Accept
// rightmost); the preference centre mirrors too (the close button at the
// left of its title, the switches' knobs flipped). An English banner stays
// left to right on a page that is itself right to left. With
// CONSENTRY_SCREENSHOTS=1 it writes docs/screenshots/banner-{ar,he}-{desktop,phone}.png
// and prefs-ar-desktop.png.
func TestBrowserBannerRTL(t *testing.T) {
	write := os.Getenv("CONSENTRY_SCREENSHOTS") == "1"
	for _, lang := range []string{"ar", "he"} {
		t.Run(lang, func(t *testing.T) {
			b := newBrowser(t)
			b.sendHeaders(map[string]string{"Accept-Language": lang + ",en;q=0.5"})
			texts := banner.Texts(lang)
			for _, v := range screenshotViews {
				b.do("viewport", chromedp.EmulateViewport(v.width, v.height))
				b.open(demo.url(t, "/"))
				b.do("banner visible", chromedp.WaitVisible(chromedp.CSS(bannerSel)))
				if got := eval[string](b, `document.querySelector('`+acceptSel+`').textContent`); got != texts["accept_all"] {
					t.Errorf("%s: Accept reads %q, want %q", v.name, got, texts["accept_all"])
				}
				l := eval[layout](b, rtlLayout)
				if l.Lang != lang || l.Dir != "rtl" || l.TitleDir != "rtl" || (l.Align != "start" && l.Align != "right") {
					t.Errorf("%s: lang %q dir %q, title direction %q, text-align %q; want %s, rtl, rtl, start",
						v.name, l.Lang, l.Dir, l.TitleDir, l.Align, lang)
				}
				if len(l.Buttons) != 3 {
					t.Fatalf("%s: %d choice buttons, want 3", v.name, len(l.Buttons))
				}
				// On a phone the buttons stack in one column: same left edge.
				if v.name == "desktop" && !descending(l.Buttons) {
					t.Errorf("%s: button left edges %v (Accept, Reject, Customise): not right to left", v.name, l.Buttons)
				}
				if !descending(l.Links) {
					t.Errorf("%s: policy link left edges %v: not right to left", v.name, l.Links)
				}
				b.shoot(t, "banner-"+lang+"-"+v.name+".png", v.width, v.height, write)
				if v.name != "desktop" {
					continue
				}
				b.click(customiseSel)
				b.do("preference centre", chromedp.WaitVisible(chromedp.CSS(prefsSel)))
				p := eval[map[string]any](b, `(() => {
					const d = document.querySelector('#consentry-prefs');
					const x = d.querySelector('.cs-x').getBoundingClientRect(), h = d.querySelector('#cs-pt').getBoundingClientRect();
					return {dir: d.dir, closeLeft: x.right <= h.left,
						knob: getComputedStyle(d.querySelector('input[role=switch]')).transform};
				})()`)
				if p["dir"] != "rtl" || p["closeLeft"] != true || p["knob"] != "matrix(-1, 0, 0, 1, 0, 0)" {
					t.Errorf("preference centre: %v; want dir rtl, the close button left of the title, the switch mirrored", p)
				}
				if lang == "ar" {
					b.shoot(t, "prefs-ar-desktop.png", v.width, v.height, write)
				}
			}
		})
	}
	t.Run("en on a right-to-left page", func(t *testing.T) {
		b := newBrowser(t)
		b.sendHeaders(map[string]string{"Accept-Language": "en"})
		b.open(demo.url(t, "/"))
		b.do("banner visible", chromedp.WaitVisible(chromedp.CSS(bannerSel)))
		eval[bool](b, `(document.documentElement.dir = 'rtl', true)`)
		l := eval[layout](b, rtlLayout)
		if l.Dir != "ltr" || l.TitleDir != "ltr" {
			t.Errorf("dir %q, title direction %q on an rtl page; want ltr, ltr", l.Dir, l.TitleDir)
		}
		if len(l.Buttons) != 3 || l.Buttons[0] >= l.Buttons[1] || l.Buttons[1] >= l.Buttons[2] {
			t.Errorf("button left edges %v: not left to right", l.Buttons)
		}
	})
}

// TestBrowserAxeRTL runs the axe-core audit of TestBrowserAxeDemo over the
// Arabic banner: the first layer, then the preference centre with every
// cookie table unfolded. It skips without CONSENTRY_AXE_JS, or fails when
// CI=true.
func TestBrowserAxeRTL(t *testing.T) {
	b := newBrowser(t)
	b.sendHeaders(map[string]string{"Accept-Language": "ar"})
	b.open(demo.url(t, "/"))
	b.do("banner visible", chromedp.WaitVisible(chromedp.CSS(bannerSel)))
	loadAxe(t, b)
	const include = `[['#consentry-banner'], ['#consentry-prefs']]`
	axeAudit(t, b, "Arabic first layer", include)
	openPrefsUnfolded(b)
	axeAudit(t, b, "Arabic preference centre", include)
}

// TestBrowserEveryLanguage opens the demo in each bundled language, on a
// phone (360×640) and a desktop (1280×800), and checks the first layer: it
// is in that language (lang, dir and the three choice buttons' texts), and
// Accept all, Reject all and Customise keep equal weight — the same width
// and height, all three on screen — however long the language's words.
func TestBrowserEveryLanguage(t *testing.T) {
	b := newBrowser(t)
	for _, v := range screenshotViews {
		b.do("viewport", chromedp.EmulateViewport(v.width, v.height))
		for _, lang := range banner.Languages() {
			b.sendHeaders(map[string]string{"Accept-Language": lang})
			b.open(demo.url(t, "/"))
			b.do("banner visible", chromedp.WaitVisible(chromedp.CSS(bannerSel)))
			got := eval[struct {
				Lang, Dir string
				Texts     []string
				Boxes     [][4]float64
			}](b, `(() => {
				const bn = document.querySelector('#consentry-banner');
				const bs = [...bn.querySelectorAll('[data-consent-action]')];
				return {Lang: bn.lang, Dir: bn.dir, Texts: bs.map((e) => e.textContent),
					Boxes: bs.map((e) => { const r = e.getBoundingClientRect(); return [r.left, r.top, r.width, r.height]; })};
			})()`)
			tx := banner.Texts(lang)
			if got.Lang != lang || got.Dir != banner.Direction(lang) {
				t.Errorf("%s %s: lang %q dir %q", v.name, lang, got.Lang, got.Dir)
			}
			if want := []string{tx["accept_all"], tx["reject_all"], tx["customise"]}; !slices.Equal(got.Texts, want) {
				t.Errorf("%s %s: buttons read %q, want %q", v.name, lang, got.Texts, want)
			}
			if len(got.Boxes) != 3 {
				continue
			}
			for i, bx := range got.Boxes {
				if bx[0] < 0 || bx[1] < 0 || bx[0]+bx[2] > float64(v.width) || bx[1]+bx[3] > float64(v.height) {
					t.Errorf("%s %s: button %q at %v is not on screen", v.name, lang, got.Texts[i], bx)
				}
				if bx[2] != got.Boxes[0][2] || bx[3] != got.Boxes[0][3] {
					t.Errorf("%s %s: button %q is %gx%g, Accept all %gx%g: unequal weight",
						v.name, lang, got.Texts[i], bx[2], bx[3], got.Boxes[0][2], got.Boxes[0][3])
				}
			}
		}
	}
}
