package caddymodule

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"github.com/consentry/consentry/sdk"
	"github.com/consentry/consentry/sdk/admin"
)

// parseDeclared reads lines (admin.DeclareLines) as an operator's
// Caddyfile would hold them, inside a site's consent block, with the real
// Caddyfile parser (environment placeholders, comments, quoting), then
// the vendor directive.
func parseDeclared(t *testing.T, lines string) (*Handler, error) {
	t.Helper()
	src := "example.com {\n\tconsent {\n" + indent(lines) + "\t}\n}\n"
	blocks, err := caddyfile.Parse("Caddyfile", []byte(src))
	if err != nil {
		return nil, err
	}
	if len(blocks) != 1 || len(blocks[0].Segments) != 1 {
		t.Fatalf("%d blocks for:\n%s", len(blocks), src)
	}
	var h Handler
	return &h, h.UnmarshalCaddyfile(caddyfile.NewDispenser(blocks[0].Segments[0]))
}

func indent(s string) string {
	var b strings.Builder
	for _, l := range strings.SplitAfter(s, "\n") {
		if l != "" {
			b.WriteString("\t\t" + l)
		}
	}
	return b.String()
}

// TestDeclareLinesParse: the lines the admin inventory offers for an
// uncatalogued cookie or host are a vendor block the Caddy module reads
// back to exactly that cookie or host, which sdk.New takes; a name no
// block can hold unchanged gets no lines. Names include the Caddyfile's
// own syntax (comments, placeholders, quotes, heredocs, braces) and
// random bytes.
func TestDeclareLinesParse(t *testing.T) {
	names := []string{"_xyz", "sess-id", "__Host-pref", "a#b", "#start", "<<EOF", "{$HOME}", "{env.HOME}", "a}b", "x\"y", "x`y",
		`back\slash`, "with space", "tab\tname", "semi;colon", "a=b", "star*", "ünïcode", "new\nline", "$HOME", "a{b", "(paren)",
		"[brackets]", "'single'", "a:b@c/d?e", "%41", "a,b", ""}
	rng := rand.New(rand.NewPCG(14, 14))
	const alphabet = "ab_-.#{}$\"'`\\ \t;=*<>/:%!~^|&+"
	for range 300 {
		n := 1 + rng.IntN(8)
		b := make([]byte, n)
		for i := range b {
			b[i] = alphabet[rng.IntN(len(alphabet))]
		}
		names = append(names, string(b))
	}
	hosts := []string{"cdn.trackly.io", "px.ads.example.co.uk", "localhost", "10.0.0.1", "www.example.com/metrics/"}
	offered := 0
	check := func(kind, name string) {
		lines, ok := admin.DeclareLines(sdk.InventoryItem{Kind: kind, Name: name})
		if !ok {
			if kind == sdk.KindCookie && strings.Trim(name, "abcdefghijklmnopqrstuvwxyz_-.") == "" && name != "" {
				t.Errorf("%s %q: no lines offered for a plain name", kind, name)
			}
			return
		}
		offered++
		h, err := parseDeclared(t, lines)
		if err != nil {
			t.Errorf("%s %q: the offered lines do not parse: %v\n%s", kind, name, err, lines)
			return
		}
		if len(h.Vendors) != 1 {
			t.Fatalf("%s %q: %d vendors", kind, name, len(h.Vendors))
		}
		v := h.Vendors[0]
		switch kind {
		case sdk.KindCookie:
			if len(v.Cookies) != 1 || v.Cookies[0].Name != name {
				t.Errorf("cookie %q: read back as %+v", name, v.Cookies)
			}
		case sdk.KindHost:
			if !slices.Equal(v.Hosts, []string{name}) {
				t.Errorf("host %q: read back as %v", name, v.Hosts)
			}
		}
		if err := sdk.CheckVendor(h.Vendors, 0, nil); err != nil {
			t.Errorf("%s %q: the offered block fails the checks: %v\n%s", kind, name, err, lines)
		}
		if _, err := sdk.New(sdk.Options{Vendors: h.Vendors, Keys: []sdk.KeyPair{{Hash: make([]byte, 64), Block: make([]byte, 32)}}}); err != nil {
			t.Errorf("%s %q: sdk.New: %v", kind, name, err)
		}
	}
	for _, n := range names {
		check(sdk.KindCookie, n)
	}
	for _, h := range hosts {
		check(sdk.KindHost, h)
	}
	if _, ok := admin.DeclareLines(sdk.InventoryItem{Kind: sdk.KindCookie, Name: "_ga", Catalogued: true, Category: sdk.Analytics}); ok {
		t.Errorf("lines offered for a catalogued cookie")
	}
	if _, ok := admin.DeclareLines(sdk.InventoryItem{Kind: sdk.KindHost, Name: "www.example.com/metrics/"}); ok {
		t.Errorf("lines offered for a first-party tag path")
	}
	if offered < 50 {
		t.Errorf("only %d names got lines", offered)
	}
	t.Logf("%d of %d names got lines", offered, len(names)+len(hosts))
}
