package caddymodule

import (
	"errors"
	"strings"

	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"

	"github.com/consentry/consentry/sdk"
)

// parseAppearance reads
//
//	appearance {
//		theme             light|dark|auto
//		layout            bar|box|modal
//		accent            <colour>
//		button_background <colour>
//		button_text       <colour>
//		text              <colour>
//		background        <colour>
//		font              <family> [<family>...]
//		radius            <length>
//		logo              <path|data:image/…> [<alt text>]
//	}
//
// the banner's look (sdk.Appearance; docs/APPEARANCE.md). A colour is hex,
// quoted ("#1d4ed8": an unquoted # starts a comment) or without its #
// (1d4ed8). font's arguments are joined with spaces, so `font Inter,
// system-ui, sans-serif` reads as written. Each value is checked on its
// line; once the block is read, the contrast of each pair of colours a
// visitor must tell apart (sdk.CheckAppearance) is checked and an error
// names the pair and the line of the last colour of it that the block set.
func (h *Handler) parseAppearance(d *caddyfile.Dispenser) error {
	if d.NextArg() {
		return d.ArgErr()
	}
	a := new(sdk.Appearance)
	blockTok := d.Token()
	at := map[string]caddyfile.Token{} // field's name in errors → its line
	fields := map[string]*string{
		"theme": &a.Theme, "layout": &a.Layout, "accent": &a.Accent,
		"button_background": &a.ButtonBackground, "button_text": &a.ButtonText,
		"text": &a.Text, "background": &a.Background, "font": &a.Font, "radius": &a.Radius,
	}
	for nesting := d.Nesting(); d.NextBlock(nesting); {
		name := d.Val()
		tok := d.Token()
		if _, dup := at[strings.ReplaceAll(name, "_", " ")]; dup {
			return d.Errf("appearance %s: given more than once", name)
		}
		args := d.RemainingArgs()
		switch f, ok := fields[name]; {
		case name == "logo":
			if len(args) < 1 || len(args) > 2 {
				return d.ArgErr()
			}
			a.LogoURL = args[0]
			if len(args) == 2 {
				a.LogoAlt = args[1]
			}
		case !ok:
			return d.Errf("unrecognized appearance option %q (theme, layout, accent, button_background, button_text, text, background, font, radius, logo)", name)
		case name == "font":
			if len(args) == 0 {
				return d.ArgErr()
			}
			*f = strings.Join(args, " ")
		default:
			if len(args) != 1 {
				return d.ArgErr()
			}
			*f = args[0]
		}
		at[strings.ReplaceAll(name, "_", " ")] = tok
		// Each value on its own line, but for contrast, which depends on
		// the other colours and is judged once the block is read.
		if err := sdk.CheckAppearance(only(name, a)); err != nil && !errors.As(err, new(*sdk.ContrastError)) {
			return d.Errf("appearance %s: %v", name, err)
		}
	}
	if err := sdk.CheckAppearance(*a); err != nil {
		return wrapAt(contrastLine(err, at, blockTok), err)
	}
	h.Appearance = a
	return nil
}

// only returns an appearance with just the option name of a set (a logo
// with its alt text).
func only(name string, a *sdk.Appearance) sdk.Appearance {
	switch name {
	case "theme":
		return sdk.Appearance{Theme: a.Theme}
	case "layout":
		return sdk.Appearance{Layout: a.Layout}
	case "accent":
		return sdk.Appearance{Accent: a.Accent}
	case "button_background":
		return sdk.Appearance{ButtonBackground: a.ButtonBackground}
	case "button_text":
		return sdk.Appearance{ButtonText: a.ButtonText}
	case "text":
		return sdk.Appearance{Text: a.Text}
	case "background":
		return sdk.Appearance{Background: a.Background}
	case "font":
		return sdk.Appearance{Font: a.Font}
	case "radius":
		return sdk.Appearance{Radius: a.Radius}
	}
	return sdk.Appearance{LogoURL: a.LogoURL, LogoAlt: a.LogoAlt}
}

// contrastLine is the line an appearance error belongs to: for a contrast
// error, the line of whichever of its two colours the block wrote last;
// else (or when the block set neither) the appearance line itself.
func contrastLine(err error, at map[string]caddyfile.Token, block caddyfile.Token) caddyfile.Token {
	var ce *sdk.ContrastError
	if !errors.As(err, &ce) {
		return block
	}
	best := block
	for _, name := range []string{ce.Fore, ce.Back} {
		if tok, ok := at[name]; ok && tok.Line > best.Line {
			best = tok
		}
	}
	return best
}
