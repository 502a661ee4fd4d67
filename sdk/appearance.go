package sdk

import (
	"fmt"

	"regexp"
	"strings"

	"github.com/consentry/consentry/banner"
)

// Appearance is the banner's look: theme, layout, colours, font, corner
// radius and an optional logo. Every field is optional; the zero value is
// today's banner (light, a bar at the bottom, the system font). Colours are
// hex, "#rgb" or "#rrggbb" ("#" may be left out). New refuses an
// appearance whose text or buttons would fall under WCAG AA contrast (see
// CheckAppearance). docs/APPEARANCE.md lists the options and the CSS
// custom properties they set.
type Appearance struct {
	// Theme is "light" (the default), "dark", or "auto" (dark when the
	// visitor's system prefers it: prefers-color-scheme). The colours
	// below apply to the theme; under auto, to its light scheme, the dark
	// one keeping the built-in dark palette.
	Theme string `json:"theme,omitempty"`
	// Layout of the first layer: "bar" (the default, across the bottom),
	// "box" (a box in the bottom corner at the end of the line) or "modal"
	// (centred over a dimmed page, focus kept inside until a choice).
	Layout string `json:"layout,omitempty"`
	// Accent colours links and the focus ring, and the choice buttons when
	// ButtonBackground is unset.
	Accent string `json:"accent,omitempty"`
	// ButtonBackground and ButtonText colour the choice buttons (Accept,
	// Reject and Customise alike) and the switches that are on.
	ButtonBackground string `json:"button_background,omitempty"`
	ButtonText       string `json:"button_text,omitempty"`
	// Text and Background colour the banner and the preference centre.
	Text       string `json:"text,omitempty"`
	Background string `json:"background,omitempty"`
	// Font is a CSS font-family list, e.g. `Inter, system-ui, sans-serif`.
	// Default: the system font.
	Font string `json:"font,omitempty"`
	// Radius rounds the buttons and the boxes: 0, or up to 32px (px, em
	// or rem). Default: 6px.
	Radius string `json:"radius,omitempty"`
	// LogoURL is shown above the first layer's title: a path on the site
	// itself ("/brand/logo.svg") or a data:image/ URL. Other hosts are
	// refused: the logo loads before any choice, and a request to another
	// host then would tell it of the visitor.
	LogoURL string `json:"logo_url,omitempty"`
	// LogoAlt is the logo's alternative text; empty marks it decorative.
	LogoAlt string `json:"logo_alt,omitempty"`
}

// Themes and layouts Appearance accepts.
var (
	appearanceThemes  = []string{"light", "dark", "auto"}
	appearanceLayouts = []string{"bar", "box", "modal"}
)

// palette is one scheme's colours, each "#rrggbb", by custom property.
type palette struct {
	bg, fg, mute, line, btn, btnFg, accent string
}

// Built-in palettes; banner.css holds the light one as the fallbacks of
// its custom properties.
var (
	lightPalette = palette{bg: "#ffffff", fg: "#1a1a1a", mute: "#4a4a4a", line: "#767676",
		btn: "#1a1a1a", btnFg: "#ffffff", accent: "#1d4ed8"}
	darkPalette = palette{bg: "#1c1c1e", fg: "#f2f2f2", mute: "#c7c7c7", line: "#8e8e93",
		btn: "#f2f2f2", btnFg: "#111111", accent: "#9cc3ff"}
)

// cssVar names the custom properties, in the order they are written.
var cssVars = []struct {
	name string
	get  func(palette) string
}{
	{"--consentry-background", func(p palette) string { return p.bg }},
	{"--consentry-text", func(p palette) string { return p.fg }},
	{"--consentry-muted", func(p palette) string { return p.mute }},
	{"--consentry-border", func(p palette) string { return p.line }},
	{"--consentry-button-background", func(p palette) string { return p.btn }},
	{"--consentry-button-text", func(p palette) string { return p.btnFg }},
	{"--consentry-accent", func(p palette) string { return p.accent }},
}

// roots are the banner's elements that hold the custom properties; :where
// keeps the configured values at zero specificity, so a site's own rule
// on #consentry-banner (say) still wins.
const roots = ":where(#consentry-banner,#consentry-prefs,#consentry-settings,.consentry-placeholder)"

var (
	hexColour = regexp.MustCompile(`^#?([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$`)
	radiusRe  = regexp.MustCompile(`^(0|(\d{1,2}(\.\d{1,3})?)(px|em|rem))$`)
	// A family name: quoted, or words of letters, digits, '-' and '_'.
	fontItem = regexp.MustCompile(`^("[A-Za-z0-9 _-]+"|'[A-Za-z0-9 _-]+'|[A-Za-z_-][A-Za-z0-9_-]*( [A-Za-z0-9_-]+)*)$`)
	logoData = regexp.MustCompile(`^data:image/(png|jpeg|gif|webp|avif|svg\+xml);base64,[A-Za-z0-9+/]+={0,2}$`)
	logoPath = regexp.MustCompile(`^/[A-Za-z0-9._~!$&()*+,;=:@%/?-]*$`)
)

// maxLogoData bounds a data: logo, which every language's configuration
// script carries.
const maxLogoData = 32 << 10

// normalColour returns a hex colour as "#rrggbb" in lower case.
func normalColour(s string) (string, error) {
	s = strings.TrimSpace(s)
	if !hexColour.MatchString(s) {
		return "", fmt.Errorf("%q is not a hex colour (#rgb or #rrggbb)", s)
	}
	s = strings.ToLower(strings.TrimPrefix(s, "#"))
	if len(s) == 3 {
		s = string([]byte{s[0], s[0], s[1], s[1], s[2], s[2]})
	}
	return "#" + s, nil
}

// appearanceColours are the colour fields with the names errors use.
func (a *Appearance) colours() []struct {
	name string
	v    *string
} {
	return []struct {
		name string
		v    *string
	}{
		{"accent", &a.Accent}, {"button background", &a.ButtonBackground}, {"button text", &a.ButtonText},
		{"text", &a.Text}, {"background", &a.Background},
	}
}

// CheckAppearance reports the first problem with a: an unknown theme or
// layout, a colour that is not hex, a font list or radius CSS would not
// take as given, a logo that is neither a path on the site nor a
// data:image/ URL, or a theme that puts text or a button under WCAG AA
// contrast (4.5:1 for text, 3:1 for a button against the banner), naming
// the pair, e.g. "button text #ffffff on accent #ffff00 has contrast
// 1.07:1, below WCAG AA 4.5:1". With theme auto both schemes are checked.
func CheckAppearance(a Appearance) error {
	_, err := a.normalised()
	return err
}

// normalised returns a with colours as "#rrggbb" and the defaults filled
// in, or the first problem (see CheckAppearance).
func (a Appearance) normalised() (Appearance, error) {
	if a.Theme == "" {
		a.Theme = "light"
	}
	if !oneOf(a.Theme, appearanceThemes) {
		return a, fmt.Errorf("theme %q: want light, dark or auto", a.Theme)
	}
	if a.Layout == "" {
		a.Layout = "bar"
	}
	if !oneOf(a.Layout, appearanceLayouts) {
		return a, fmt.Errorf("layout %q: want bar, box or modal", a.Layout)
	}
	for _, c := range a.colours() {
		if *c.v == "" {
			continue
		}
		v, err := normalColour(*c.v)
		if err != nil {
			return a, fmt.Errorf("%s: %w", c.name, err)
		}
		*c.v = v
	}
	if a.Font != "" {
		font, err := normalFont(a.Font)
		if err != nil {
			return a, err
		}
		a.Font = font
	}
	if a.Radius != "" && !radiusRe.MatchString(a.Radius) {
		return a, fmt.Errorf("radius %q: want 0 or a length up to 99 in px, em or rem (e.g. 8px)", a.Radius)
	}
	if err := checkLogo(a.LogoURL); err != nil {
		return a, err
	}
	if a.LogoURL == "" && a.LogoAlt != "" {
		return a, fmt.Errorf("logo alt text %q without a logo URL", a.LogoAlt)
	}
	for _, s := range a.schemes() {
		if err := s.pal.contrast(s.derived); err != nil {
			if a.Theme == "auto" {
				err.Scheme = s.name
			}
			return a, err
		}
	}
	return a, nil
}

func oneOf(s string, list []string) bool {
	for _, x := range list {
		if s == x {
			return true
		}
	}
	return false
}

// normalFont checks a font-family list and returns it with single spaces
// after its commas.
func normalFont(s string) (string, error) {
	if len(s) > 200 {
		return "", fmt.Errorf("font: longer than 200 characters")
	}
	var items []string
	for item := range strings.SplitSeq(s, ",") {
		item = strings.Join(strings.Fields(item), " ")
		if !fontItem.MatchString(item) {
			return "", fmt.Errorf("font %q: %q is not a family name (letters, digits, spaces, - and _, quoted or not)", s, item)
		}
		items = append(items, item)
	}
	return strings.Join(items, ", "), nil
}

// checkLogo accepts "", a path on the site or a bounded data:image/ URL.
func checkLogo(u string) error {
	switch {
	case u == "":
		return nil
	case strings.HasPrefix(u, "data:"):
		if len(u) > maxLogoData {
			return fmt.Errorf("logo: data URL of %d bytes, over %d", len(u), maxLogoData)
		}
		if !logoData.MatchString(u) {
			return fmt.Errorf("logo: want data:image/<png|jpeg|gif|webp|avif|svg+xml>;base64,…")
		}
		return nil
	case strings.HasPrefix(u, "//") || strings.HasPrefix(u, "/\\") || !logoPath.MatchString(u):
		return fmt.Errorf("logo %q: want a path on the site (/logo.svg) or a data:image/ URL; another host would learn of every visitor before any choice", u)
	}
	return nil
}

// scheme is one palette an appearance shows, with which colours were
// derived from others (for the names in errors).
type scheme struct {
	name    string
	pal     palette
	derived derivation
}

type derivation struct {
	btnFromAccent bool
	accentSet     bool
}

// schemes returns the palettes a normalised appearance shows, with the
// configured colours: one for light and dark, two for auto (the colours
// in its light scheme only).
func (a Appearance) schemes() []scheme {
	var bases []scheme
	switch a.Theme {
	case "dark":
		bases = []scheme{{name: "dark", pal: darkPalette}}
	case "auto":
		bases = []scheme{{name: "light", pal: lightPalette}, {name: "dark", pal: darkPalette}}
	default:
		bases = []scheme{{name: "light", pal: lightPalette}}
	}
	// The colours configured are the light scheme's under theme auto:
	// one colour cannot read both on white and on near-black (an accent
	// would need 4.5:1 against both), so the dark scheme keeps its own.
	if a.Theme == "auto" {
		bases[0].applyColours(a)
		return bases
	}
	for i := range bases {
		bases[i].applyColours(a)
	}
	return bases
}

// applyColours sets the configured colours in s's palette.
func (s *scheme) applyColours(a Appearance) {
	{
		p := &s.pal
		if a.Background != "" {
			p.bg = a.Background
		}
		if a.Text != "" {
			p.fg = a.Text
		}
		if a.Background != "" || a.Text != "" {
			// The muted text and the borders follow the new pair: the
			// mix of text into background nearest the background that
			// still reads (4.5:1) or shows as a control's edge (3:1).
			p.mute = mixUntil(p.fg, p.bg, 4.5, 0.7)
			p.line = mixUntil(p.fg, p.bg, 3, 0.5)
		}
		if a.Accent != "" {
			p.accent = a.Accent
			s.derived.accentSet = true
			if a.ButtonBackground == "" {
				p.btn = a.Accent
				s.derived.btnFromAccent = true
			}
		}
		if a.ButtonBackground != "" {
			p.btn = a.ButtonBackground
		}
		if a.ButtonText != "" {
			p.btnFg = a.ButtonText
		}
	}
}

// contrast checks the pairs a visitor must tell apart.
func (p palette) contrast(d derivation) *ContrastError {
	btn, accent := "button background", "link colour"
	if d.btnFromAccent {
		btn = "accent"
	}
	if d.accentSet {
		accent = "accent"
	}
	for _, c := range []struct {
		fg, fgName, bg, bgName string
		min                    float64
	}{
		{p.fg, "text", p.bg, "background", 4.5},
		{p.accent, accent, p.bg, "background", 4.5},
		{p.btnFg, "button text", p.btn, btn, 4.5},
		{p.btn, btn, p.bg, "background", 3},
	} {
		if r := contrastRatio(c.fg, c.bg); r < c.min {
			return &ContrastError{Fore: c.fgName, ForeColour: c.fg, Back: c.bgName, BackColour: c.bg, Ratio: r, Min: c.min}
		}
	}
	return nil
}

// ContrastError is an Appearance whose colours put a pair a visitor must
// tell apart under WCAG AA contrast.
type ContrastError struct {
	// Fore and Back name the colours as Appearance's options do ("text",
	// "background", "button text", "button background", "accent"), or
	// "link colour" for the built-in one; ForeColour and BackColour are
	// their values, "#rrggbb".
	Fore, ForeColour, Back, BackColour string
	// Ratio is their contrast, Min the least WCAG AA allows: 4.5 for
	// text, 3 for a control against what surrounds it.
	Ratio, Min float64
	// Scheme is "light" or "dark" when theme auto shows both, else "".
	Scheme string
}

func (e *ContrastError) Error() string {
	what := "WCAG AA"
	if e.Min == 3 {
		what = "WCAG AA for controls (1.4.11)"
	}
	s := fmt.Sprintf("appearance: %s %s on %s %s has contrast %s:1, below %s %s:1",
		e.Fore, e.ForeColour, e.Back, e.BackColour, floor2(e.Ratio), what, trimFloat(e.Min))
	if e.Scheme != "" {
		s += " (theme auto, " + e.Scheme + " scheme)"
	}
	return s
}

// floor2 formats r with two decimals, rounded down, so that a ratio just
// under a limit never prints as the limit.
func floor2(r float64) string {
	return fmt.Sprintf("%.2f", float64(int(r*100))/100)
}

func trimFloat(f float64) string {
	return strings.TrimSuffix(fmt.Sprintf("%.1f", f), ".0")
}

// css renders the custom properties a normalised appearance sets: the
// properties that differ from the light palette (banner.css's fallbacks),
// the font and the radius, and for theme auto the dark scheme's under
// prefers-color-scheme: dark. Empty for the default appearance.
func (a Appearance) css() string {
	var b strings.Builder
	ss := a.schemes()
	decls := func(p palette, all bool) string {
		var d strings.Builder
		for _, v := range cssVars {
			if val := v.get(p); all || val != v.get(lightPalette) {
				d.WriteString(v.name + ":" + val + ";")
			}
		}
		return d.String()
	}
	first := decls(ss[0].pal, false)
	if a.Font != "" {
		first += "--consentry-font:" + a.Font + ";"
	}
	if a.Radius != "" {
		first += "--consentry-radius:" + a.Radius + ";"
	}
	if first != "" {
		b.WriteString(roots + "{" + first + "}")
	}
	if len(ss) == 2 {
		b.WriteString("@media (prefers-color-scheme:dark){" + roots + "{" + decls(ss[1].pal, true) + "}}")
	}
	return b.String()
}

// extraCSS is what a normalised appearance adds to the banner's styles:
// its layout's and its logo's (banner.ExtraCSS), then its custom
// properties (css).
func (a Appearance) extraCSS() string {
	out := banner.ExtraCSS(a.Layout)
	if a.LogoURL != "" {
		out += banner.ExtraCSS("logo")
	}
	return out + a.css()
}
