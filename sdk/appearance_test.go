package sdk

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// TestContrastRatio pins the WCAG 2.x arithmetic on known pairs.
func TestContrastRatio(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want float64
	}{
		{"#ffffff", "#000000", 21},
		{"#000000", "#ffffff", 21},
		{"#ffffff", "#ffffff", 1},
		{"#ffffff", "#ffff00", 1.0738},
		{"#767676", "#ffffff", 4.5422},
		{"#777777", "#ffffff", 4.4785},
		{"#1d4ed8", "#ffffff", 6.7021},
	} {
		if got := contrastRatio(tc.a, tc.b); got < tc.want-0.0005 || got > tc.want+0.0005 {
			t.Errorf("contrast(%s, %s) = %.4f, want %.4f", tc.a, tc.b, got, tc.want)
		}
	}
}

// TestAppearanceContrastRefused: a theme that puts text or a button under
// WCAG AA fails, naming the pair, its colours and the ratio rounded down.
func TestAppearanceContrastRefused(t *testing.T) {
	for _, tc := range []struct {
		name string
		a    Appearance
		want string
	}{
		{"button text on accent", Appearance{Accent: "#ff0", ButtonText: "#ffffff", Background: "#000", Text: "#fff"},
			"appearance: button text #ffffff on accent #ffff00 has contrast 1.07:1, below WCAG AA 4.5:1"},
		{"default button text on a light accent", Appearance{Accent: "#ffff00", Background: "#000000", Text: "#ffffff"},
			"appearance: button text #ffffff on accent #ffff00 has contrast 1.07:1, below WCAG AA 4.5:1"},
		{"text on background", Appearance{Text: "#777777"},
			"appearance: text #777777 on background #ffffff has contrast 4.47:1, below WCAG AA 4.5:1"},
		{"accent links on background", Appearance{Accent: "#8ab4f8", ButtonText: "#000000"},
			"appearance: accent #8ab4f8 on background #ffffff has contrast 2.10:1, below WCAG AA 4.5:1"},
		{"built-in link colour on a dark background", Appearance{Background: "#000000", Text: "#ffffff", ButtonBackground: "#ffffff", ButtonText: "#000000"},
			"appearance: link colour #1d4ed8 on background #000000 has contrast 3.13:1, below WCAG AA 4.5:1"},
		{"button text on button background", Appearance{ButtonBackground: "#0000ff", ButtonText: "#ff0000"},
			"appearance: button text #ff0000 on button background #0000ff has contrast 2.14:1, below WCAG AA 4.5:1"},
		{"button lost in the background", Appearance{ButtonBackground: "#f4f4f4", ButtonText: "#000000"},
			"appearance: button background #f4f4f4 on background #ffffff has contrast 1.09:1, below WCAG AA for controls (1.4.11) 3:1"},
		{"dark theme: dark text", Appearance{Theme: "dark", Text: "#333333"},
			"appearance: text #333333 on background #1c1c1e has contrast 1.34:1, below WCAG AA 4.5:1"},
		{"auto: the colours are the light scheme's", Appearance{Theme: "auto", Text: "#777777"},
			"appearance: text #777777 on background #ffffff has contrast 4.47:1, below WCAG AA 4.5:1 (theme auto, light scheme)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := CheckAppearance(tc.a)
			if err == nil || err.Error() != tc.want {
				t.Fatalf("CheckAppearance(%+v) = %v\nwant %s", tc.a, err, tc.want)
			}
			var ce *ContrastError
			if !errors.As(err, &ce) {
				t.Errorf("error %T, want *ContrastError", err)
			}
			if _, err := New(Options{Appearance: tc.a}); err == nil || err.Error() != tc.want {
				t.Errorf("New = %v, want %s", err, tc.want)
			}
		})
	}
}

// TestAppearanceAccepted: the built-in themes and layouts pass, and so do
// brand colours with enough contrast.
func TestAppearanceAccepted(t *testing.T) {
	for _, theme := range []string{"", "light", "dark", "auto"} {
		for _, layout := range []string{"", "bar", "box", "modal"} {
			if err := CheckAppearance(Appearance{Theme: theme, Layout: layout}); err != nil {
				t.Errorf("theme %q layout %q: %v", theme, layout, err)
			}
		}
	}
	for _, a := range []Appearance{
		{Accent: "#0b5fff"},
		{Theme: "auto", Accent: "#0b5fff", ButtonText: "#ffffff"}, // dark scheme: built-in
		{Theme: "auto", Text: "#333333"},
		{Accent: "0B5FFF", Radius: "0", Font: `"Segoe UI",  Inter ,system-ui, sans-serif`},
		{Theme: "dark", Accent: "#ffd60a", ButtonText: "#111", Radius: "1.5rem"},
		{Theme: "auto", Accent: "#6d28d9", ButtonText: "#ffffff", Text: "#1f2937", Background: "#f9fafb"},
		{Background: "#0f172a", Text: "#e2e8f0", Accent: "#7dd3fc", ButtonText: "#0f172a"},
		{LogoURL: "/brand/logo.svg", LogoAlt: "Acme"},
		{LogoURL: "data:image/png;base64,iVBORw0KGgo="},
	} {
		if err := CheckAppearance(a); err != nil {
			t.Errorf("%+v: %v", a, err)
		}
	}
}

// TestAppearanceValuesRefused: every value is checked for its form; none
// reaches the stylesheet or the page unless CSS and HTML take it as given.
func TestAppearanceValuesRefused(t *testing.T) {
	for _, tc := range []struct {
		a    Appearance
		want string
	}{
		{Appearance{Theme: "Dark"}, `theme "Dark": want light, dark or auto`},
		{Appearance{Theme: "system"}, `theme "system"`},
		{Appearance{Layout: "banner"}, `layout "banner": want bar, box or modal`},
		{Appearance{Accent: "blue"}, `accent: "blue" is not a hex colour`},
		{Appearance{Accent: "#12345"}, `not a hex colour`},
		{Appearance{Text: "#1234567"}, `text: "#1234567" is not a hex colour`},
		{Appearance{Background: "rgb(0,0,0)"}, `background:`},
		{Appearance{ButtonText: "#fff;}body{display:none"}, `button text:`},
		{Appearance{Font: "Inter;}body{display:none}"}, `is not a family name`},
		{Appearance{Font: `"Inter"; color: red`}, `is not a family name`},
		{Appearance{Font: `Inter, url(https://x.example/f)`}, `is not a family name`},
		{Appearance{Font: `"Inter`}, `is not a family name`},
		{Appearance{Font: `Inter,,serif`}, `is not a family name`},
		{Appearance{Font: "</style><script>"}, `is not a family name`},
		{Appearance{Font: strings.Repeat("a", 201)}, `longer than 200`},
		{Appearance{Radius: "8"}, `radius "8"`},
		{Appearance{Radius: "100px"}, `radius "100px"`},
		{Appearance{Radius: "-1px"}, `radius`},
		{Appearance{Radius: "8px;x:y"}, `radius`},
		{Appearance{LogoURL: "https://cdn.example/logo.svg"}, `want a path on the site`},
		{Appearance{LogoURL: "//cdn.example/logo.svg"}, `want a path on the site`},
		{Appearance{LogoURL: `/\cdn.example/logo.svg`}, `want a path on the site`},
		{Appearance{LogoURL: "javascript:alert(1)"}, `want a path on the site`},
		{Appearance{LogoURL: "logo.svg"}, `want a path on the site`},
		{Appearance{LogoURL: "/logo .svg"}, `want a path on the site`},
		{Appearance{LogoURL: `/logo".svg`}, `want a path on the site`},
		{Appearance{LogoURL: "data:text/html;base64,PHNjcmlwdD4="}, `want data:image/`},
		{Appearance{LogoURL: "data:image/svg+xml,<svg onload=alert(1)>"}, `want data:image/`},
		{Appearance{LogoURL: "data:image/png;base64," + strings.Repeat("A", 40000)}, `over 32768`},
		{Appearance{LogoAlt: "Acme"}, `without a logo URL`},
	} {
		err := CheckAppearance(tc.a)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("CheckAppearance(%+v) = %v, want an error containing %q", tc.a, err, tc.want)
		}
		if errors.As(err, new(*ContrastError)) {
			t.Errorf("%+v: a contrast error for a malformed value: %v", tc.a, err)
		}
	}
}

// TestAppearanceDerivedColoursReadable: when the text or background
// colour is set, the muted text and the borders are mixed from them, and
// always keep 4.5:1 and 3:1 against the background, whatever the pair.
func TestAppearanceDerivedColoursReadable(t *testing.T) {
	r := rand.New(rand.NewPCG(16, 16))
	checked := 0
	for range 20000 {
		fg := fmt.Sprintf("#%06x", r.IntN(1<<24))
		bg := fmt.Sprintf("#%06x", r.IntN(1<<24))
		if contrastRatio(fg, bg) < 4.5 {
			continue
		}
		checked++
		p := Appearance{Theme: "light", Text: fg, Background: bg}.schemes()[0].pal
		if c := contrastRatio(p.mute, p.bg); c < 4.5 {
			t.Fatalf("text %s on %s: muted %s has %.2f:1, want 4.5:1", fg, bg, p.mute, c)
		}
		if c := contrastRatio(p.line, p.bg); c < 3 {
			t.Fatalf("text %s on %s: border %s has %.2f:1, want 3:1", fg, bg, p.line, c)
		}
	}
	if checked < 1000 {
		t.Fatalf("only %d readable pairs drawn", checked)
	}
}

// TestAppearanceCSS: the custom properties the configuration carries.
func TestAppearanceCSS(t *testing.T) {
	css := func(a Appearance) string {
		t.Helper()
		n, err := a.normalised()
		if err != nil {
			t.Fatal(err)
		}
		return n.css()
	}
	if got := css(Appearance{}); got != "" {
		t.Errorf("default appearance css = %q, want none (banner.css's fallbacks)", got)
	}
	if got, want := css(Appearance{Accent: "#0B5FFF"}), roots+"{--consentry-button-background:#0b5fff;--consentry-accent:#0b5fff;}"; got != want {
		t.Errorf("accent css = %q\nwant %q", got, want)
	}
	dark := css(Appearance{Theme: "dark"})
	if !strings.Contains(dark, "--consentry-background:#1c1c1e;") || strings.Contains(dark, "@media") {
		t.Errorf("dark css = %q, want the dark palette, whatever the system prefers", dark)
	}
	auto := css(Appearance{Theme: "auto", Font: "Inter, sans-serif", Radius: "0", Accent: "#0b5fff"})
	if !strings.HasPrefix(auto, roots+"{--consentry-button-background:#0b5fff;--consentry-accent:#0b5fff;--consentry-font:Inter, sans-serif;--consentry-radius:0;}@media (prefers-color-scheme:dark){"+roots+"{--consentry-background:#1c1c1e;") ||
		!strings.HasSuffix(auto, "--consentry-accent:#9cc3ff;}}") {
		t.Errorf("auto css = %q, want the light scheme's accent, font and radius, then the built-in dark palette under prefers-color-scheme: dark", auto)
	}
}

// TestAppearanceInConfig: the banner configuration carries the layout, the
// layout's and logo's styles and the theme's properties; the default
// configuration carries none of them.
func TestAppearanceInConfig(t *testing.T) {
	type cfgT struct {
		Layout string          `json:"layout"`
		CSS    string          `json:"css"`
		Logo   json.RawMessage `json:"logo"`
	}
	read := func(o Options) cfgT {
		t.Helper()
		c := newTestConsent(t, o)
		var cfg cfgT
		if err := json.Unmarshal(c.texts.configJSON("en"), &cfg); err != nil {
			t.Fatal(err)
		}
		return cfg
	}
	if got := read(Options{Languages: []string{"en"}}); got.Layout != "" || got.CSS != "" || got.Logo != nil {
		t.Errorf("default config carries %+v, want no layout, css or logo", got)
	}
	got := read(Options{Languages: []string{"en"}, Appearance: Appearance{Layout: "modal", Theme: "dark",
		LogoURL: "/logo.svg", LogoAlt: "Acme"}})
	if got.Layout != "modal" || string(got.Logo) != `{"src":"/logo.svg","alt":"Acme"}` {
		t.Errorf("config layout %q logo %s, want modal and the logo", got.Layout, got.Logo)
	}
	for _, want := range []string{"#consentry-banner.cs-modal{", ".cs-logo{", "--consentry-background:#1c1c1e"} {
		if !strings.Contains(got.CSS, want) {
			t.Errorf("config css lacks %q: %s", want, got.CSS)
		}
	}
	if strings.Contains(got.CSS, ".cs-box") {
		t.Errorf("modal config carries the box layout's styles: %s", got.CSS)
	}
}
