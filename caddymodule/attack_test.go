package caddymodule

import (
	"encoding/json"
	"log/slog"
	"strings"
	"testing"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"

	"github.com/consentry/consentry/sdk"
)

// loadHandler runs the checks a Caddyfile goes through short of Provision:
// parsing, Validate, the conversion to engine options and the engine's
// own construction (no I/O: no log, no GeoIP database). It returns the
// first error.
func loadHandler(input string) (*Handler, error) {
	tokens, err := caddyfile.Tokenize([]byte(input), "Caddyfile")
	if err != nil {
		return nil, err
	}
	var h Handler
	if err := h.UnmarshalCaddyfile(caddyfile.NewDispenser(tokens)); err != nil {
		return nil, err
	}
	if err := h.Validate(); err != nil {
		return &h, err
	}
	o, err := h.options(caddy.NewReplacer())
	if err != nil {
		return &h, err
	}
	o.GeoIPDB = ""
	o.Logger = slog.New(slog.DiscardHandler)
	c, err := sdk.New(o)
	if err != nil {
		return &h, err
	}
	_ = c.Close()
	return &h, nil
}

// TestAttackCaddyfileRefusesHostileValues: values that would break a
// response header, the cookie or the injected markup fail at load, naming
// the subdirective.
func TestAttackCaddyfileRefusesHostileValues(t *testing.T) {
	for _, tc := range []struct{ input, names string }{
		{"consent {\n cookie_name \"con;sent\"\n}", "cookie_name"},
		{"consent {\n cookie_name \"consent\\r\\nX-Evil: 1\"\n}", "cookie_name"},
		{"consent {\n cookie_name \"a b\"\n}", "cookie_name"},
		{"consent {\n prefix \"/_c\\\"><script>\"\n}", "prefix"},
		{"consent {\n prefix //evil.example\n}", "prefix"},
		{"consent {\n country_header \"CF IPCountry\"\n}", "country_header"},
		{"consent {\n country_header \"X:Y\"\n}", "country_header"},
		{"consent {\n region_header \"X\\nY\"\n country_header CF-IPCountry\n}", "region_header"},
		{"consent {\n default_regime opt-maybe\n}", "default_regime"},
		{"consent {\n max_age opt-in 9999d\n}", "max_age"},
		{"consent {\n max_age opt-in -1d\n}", "max_age"},
		{"consent {\n category \"<script>\" {\n hosts evil.example\n }\n}", "category"},
		{"consent {\n languages xx\n}", "languages"},
		{"consent {\n hash_key short\n}", "hash_key"},
	} {
		_, err := loadHandler(tc.input)
		if err == nil {
			t.Errorf("%q loaded", tc.input)
			continue
		}
		if !strings.Contains(strings.ToLower(err.Error()), strings.ReplaceAll(tc.names, "_", "")) &&
			!strings.Contains(err.Error(), tc.names) {
			t.Logf("%q: error %q does not name %s", tc.input, err, tc.names)
		}
	}
}

// TestAttackCaddyfileRefusesBadCookieDomain: a cookie_domain that is not a
// domain name fails at load. Today it loads, and every Set-Cookie silently
// loses its Domain (http.Cookie.String drops an invalid one and prints a
// line to the standard logger on each response).
func TestAttackCaddyfileRefusesBadCookieDomain(t *testing.T) {
	for _, d := range []string{`"example.com; Secure"`, `"exa mple.com"`, `"example.com\r\nX: y"`, `-example.com`, `"ex,ample.com"`} {
		if _, err := loadHandler("consent {\n cookie_domain " + d + "\n}"); err == nil {
			t.Errorf("cookie_domain %s loaded", d)
		}
	}
	if _, err := loadHandler("consent {\n cookie_domain example.com\n}"); err != nil {
		t.Errorf("cookie_domain example.com: %v", err)
	}
}

// FuzzCaddyfile feeds arbitrary text to the consent directive's parser:
// it never panics; when parsing succeeds, Validate, the conversion to
// engine options and the engine's construction don't panic either, and
// the parsed handler survives a JSON round trip (what Caddy does with it).
func FuzzCaddyfile(f *testing.F) {
	f.Add("consent")
	f.Add("consent {\n policy_version 2022-08\n category analytics {\n hosts a.example\n cookies _a _a_*\n }\n}")
	f.Add("consent {\n country_header X-C\n gpp {\n  states CA all\n  notice SaleOptOutNotice no\n  mspa opt_out\n  cmp_id 7\n }\n}")
	f.Fuzz(func(t *testing.T, input string) {
		tokens, err := caddyfile.Tokenize([]byte(input), "Caddyfile")
		if err != nil {
			return
		}
		var h Handler
		if err := h.UnmarshalCaddyfile(caddyfile.NewDispenser(tokens)); err != nil {
			return
		}
		if err := h.Validate(); err != nil {
			return
		}
		b, err := json.Marshal(&h)
		if err != nil {
			t.Fatalf("a parsed handler does not marshal: %v", err)
		}
		var back Handler
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatalf("a parsed handler does not come back from JSON: %v\n%s", err, b)
		}
		if err := back.Validate(); err != nil {
			t.Fatalf("valid before the JSON round trip, not after: %v\n%s", err, b)
		}
		o, err := h.options(caddy.NewReplacer())
		if err != nil {
			return
		}
		o.GeoIPDB = ""
		o.Logger = slog.New(slog.DiscardHandler)
		if c, err := sdk.New(o); err == nil {
			_ = c.Close()
		}
	})
}
