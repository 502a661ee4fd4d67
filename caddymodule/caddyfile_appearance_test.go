package caddymodule

import (
	"fmt"
	"strings"
	"testing"

	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"

	"github.com/consentry/consentry/sdk"
)

func TestUnmarshalAppearance(t *testing.T) {
	in := "consent {\n\tappearance {\n\t\tfont `\"Segoe UI\", Inter, sans-serif`\n" + `
		theme auto
		layout modal
		accent "#0B5FFF"
		button_text ffffff
		text "#1f2937"
		background "#f9fafb"
		radius 10px
		logo /brand/logo.svg "Acme Ltd"
	}
}`
	want := sdk.Appearance{Theme: "auto", Layout: "modal", Accent: "#0B5FFF", ButtonText: "ffffff",
		Text: "#1f2937", Background: "#f9fafb", Font: `"Segoe UI", Inter, sans-serif`, Radius: "10px",
		LogoURL: "/brand/logo.svg", LogoAlt: "Acme Ltd"}
	back, raw := throughJSON(t, in)
	if back.Appearance == nil || *back.Appearance != want {
		t.Errorf("through JSON: %+v, want %+v", back.Appearance, want)
	}
	if !strings.Contains(string(raw), `"appearance":{"theme":"auto","layout":"modal","accent":"#0B5FFF"`) {
		t.Errorf("JSON = %s", raw)
	}
	if got := back.appearance(); got != want {
		t.Errorf("options appearance = %+v", got)
	}
}

// TestUnmarshalAppearanceErrors: each bad line fails at load, naming it;
// contrast fails once the block is read, naming the pair and the line of
// the pair's colour written last.
func TestUnmarshalAppearanceErrors(t *testing.T) {
	for _, tc := range []struct {
		name, block, want string
		line              int
	}{
		{"unknown option", "\t\tcolour red", `unrecognized appearance option "colour"`, 3},
		{"theme", "\t\ttheme system", `appearance theme: theme "system": want light, dark or auto`, 3},
		{"layout", "\t\ttheme dark\n\t\tlayout popup", `appearance layout: layout "popup": want bar, box or modal`, 4},
		{"not a colour", "\t\taccent blue", `appearance accent: accent: "blue" is not a hex colour`, 3},
		{"unquoted # is a comment", "\t\taccent #1d4ed8", `wrong argument count`, 3},
		{"two colours", "\t\ttext 000 111", `wrong argument count`, 3},
		{"font", "\t\tfont Inter;}body{display:none}", `appearance font: font`, 3},
		{"radius", "\t\tradius 8", `appearance radius: radius "8"`, 3},
		{"logo host", "\t\tlogo https://cdn.example/l.svg Acme", `appearance logo: logo "https://cdn.example/l.svg": want a path on the site`, 3},
		{"logo args", "\t\tlogo", `wrong argument count`, 3},
		{"twice", "\t\ttheme dark\n\t\ttheme light", `appearance theme: given more than once`, 4},
		{"contrast at the later colour", "\t\tbackground 000\n\t\ttext fff\n\t\tbutton_text \"#ffffff\"\n\t\tlayout box\n\t\taccent \"#ffff00\"",
			`appearance: button text #ffffff on accent #ffff00 has contrast 1.07:1, below WCAG AA 4.5:1`, 7},
		{"contrast at the earlier colour written last", "\t\taccent \"#ffff00\"\n\t\tbutton_text \"#ffffff\"\n\t\tbackground 000\n\t\ttext fff",
			`appearance: button text #ffffff on accent #ffff00 has contrast 1.07:1, below WCAG AA 4.5:1`, 4},
		{"contrast with a built-in colour", "\t\ttheme dark\n\t\ttext 333",
			`appearance: text #333333 on background #1c1c1e has contrast 1.34:1, below WCAG AA 4.5:1`, 4},
		{"contrast in the light scheme of auto", "\t\ttext 777\n\t\ttheme auto",
			`appearance: text #777777 on background #ffffff has contrast 4.47:1, below WCAG AA 4.5:1 (theme auto, light scheme)`, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := "consent {\n\tappearance {\n" + tc.block + "\n\t}\n}"
			var h Handler
			err := h.UnmarshalCaddyfile(caddyfile.NewTestDispenser(in))
			if err == nil || !strings.HasPrefix(err.Error(), tc.want) || !strings.HasSuffix(err.Error(), fmt.Sprintf(", at Testfile:%d", tc.line)) {
				t.Errorf("error = %v\nwant %s…, at Testfile:%d", err, tc.want, tc.line)
			}
		})
	}
	var h Handler
	if err := h.UnmarshalCaddyfile(caddyfile.NewTestDispenser("consent {\n\tappearance dark\n}")); err == nil || !strings.Contains(err.Error(), "Testfile:2") {
		t.Errorf("appearance with an argument: %v, want an error on line 2", err)
	}
	if err := h.UnmarshalCaddyfile(caddyfile.NewTestDispenser("consent {\n\tappearance\n\tappearance\n}")); err == nil || !strings.Contains(err.Error(), "appearance: given more than once, at Testfile:3") {
		t.Errorf("appearance twice: %v", err)
	}
}
