package caddymodule

import (
	"net/http/httptest"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"

	"github.com/consentry/consentry/sdk"
)

// TestUnmarshalRegimes covers the location and regime subdirectives.
func TestUnmarshalRegimes(t *testing.T) {
	tests := []struct {
		name  string
		input string
		want  Handler
	}{
		{
			name:  "headers",
			input: "consent {\n country_header CF-IPCountry\n region_header CF-Region-Code\n}",
			want:  Handler{CountryHeader: "CF-IPCountry", RegionHeader: "CF-Region-Code"},
		},
		{
			name:  "geoip_db literal",
			input: "consent {\n geoip_db /var/lib/GeoLite2-City.mmdb\n}",
			want:  Handler{GeoIPDB: "/var/lib/GeoLite2-City.mmdb"},
		},
		{
			name:  "geoip_db placeholder kept for provisioning",
			input: "consent {\n geoip_db {env.GEOIP_DB}\n}",
			want:  Handler{GeoIPDB: "{env.GEOIP_DB}"},
		},
		{
			name:  "regime overrides, upper-cased",
			input: "consent {\n regime BR opt-in\n regime us-nv opt-out\n regime JP notice\n regime FR-75 notice\n}",
			want:  Handler{Regimes: map[string]string{"BR": "opt-in", "US-NV": "opt-out", "JP": "notice", "FR-75": "notice"}},
		},
		{
			name:  "max_age at the browser limit",
			input: "consent {\n max_age opt-out 400d\n}",
			want:  Handler{MaxAge: map[string]caddy.Duration{"opt-out": 400 * day}},
		},
		{
			name:  "default_regime notice",
			input: "consent {\n default_regime notice\n}",
			want:  Handler{DefaultRegime: "notice"},
		},
		{
			name:  "policy_version, cookie_domain, gpc_last_update",
			input: "consent {\n policy_version 2026-11\n cookie_domain example.com\n gpc_last_update 2026-01-15\n}",
			want:  Handler{PolicyVersion: "2026-11", CookieDomain: "example.com", GPCLastUpdate: "2026-01-15"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got Handler
			if err := got.UnmarshalCaddyfile(caddyfile.NewTestDispenser(tt.input)); err != nil {
				t.Fatalf("UnmarshalCaddyfile: %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

// TestUnmarshalRegimesErrors checks the exact error of each bad value.
func TestUnmarshalRegimesErrors(t *testing.T) {
	tests := []struct {
		name  string
		input string
		want  string
	}{
		{"country_header without value", "consent {\n country_header\n}",
			"wrong argument count or unexpected line ending after 'country_header', at Testfile:2"},
		{"country_header two values", "consent {\n country_header CF-IPCountry X-Country\n}",
			"wrong argument count or unexpected line ending after 'X-Country', at Testfile:2"},
		{"country_header not a header name", "consent {\n\n country_header CF:IPCountry\n}",
			`country_header "CF:IPCountry": not a valid header name, at Testfile:3`},
		{"country_header twice", "consent {\n country_header A\n country_header B\n}",
			"country_header: given more than once, at Testfile:3"},
		{"region_header not a header name", "consent {\n country_header CF-IPCountry\n region_header \"CF Region\"\n}",
			`region_header "CF Region": not a valid header name, at Testfile:3`},
		{"region_header without country_header", "consent {\n region_header CF-Region-Code\n}",
			"region_header given without country_header: the region is only read for a country the header names, at Testfile:2"},
		{"geoip_db without value", "consent {\n geoip_db\n}",
			"wrong argument count or unexpected line ending after 'geoip_db', at Testfile:2"},
		{"geoip_db twice", "consent {\n geoip_db a.mmdb\n geoip_db b.mmdb\n}",
			"geoip_db: given more than once, at Testfile:3"},
		{"regime one value", "consent {\n regime BR\n}",
			"wrong argument count or unexpected line ending after 'BR', at Testfile:2"},
		{"regime three values", "consent {\n regime BR opt-in now\n}",
			"wrong argument count or unexpected line ending after 'now', at Testfile:2"},
		{"regime country name", "consent {\n regime Brazil opt-in\n}",
			`regime "Brazil": want an ISO country code (BR) or country-region (US-NV), at Testfile:2`},
		{"regime empty region", "consent {\n regime US- opt-out\n}",
			`regime "US-": want an ISO country code (BR) or country-region (US-NV), at Testfile:2`},
		{"regime long region", "consent {\n regime US-CALI opt-out\n}",
			`regime "US-CALI": want an ISO country code (BR) or country-region (US-NV), at Testfile:2`},
		{"regime unknown value", "consent {\n\n\n regime BR gdpr\n}",
			`regime BR "gdpr": want opt-in, opt-out or notice, at Testfile:4`},
		{"regime twice", "consent {\n regime BR opt-in\n regime br notice\n}",
			"regime BR: given more than once, at Testfile:3"},
		{"max_age above 400 days", "consent {\n max_age opt-out 401d\n}",
			`max_age "401d": longer than the 400 days (400d) browsers keep a cookie, at Testfile:2`},
		{"max_age above 400 days for all", "consent {\n max_age 9601h\n}",
			`max_age "9601h": longer than the 400 days (400d) browsers keep a cookie, at Testfile:2`},
		{"default_regime unknown", "consent {\n default_regime strict\n}",
			`default_regime "strict": want opt-in, opt-out or notice, at Testfile:2`},
		{"log bad store", "consent {\n log mongodb://x\n}",
			`log "mongodb://x": want sqlite, postgres or off, at Testfile:2`},
		{"retention bad", "consent {\n policy_version 1\n retention 12\n}",
			`retention "12": not a duration (e.g. 400d) or forever, at Testfile:3`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var h Handler
			err := h.UnmarshalCaddyfile(caddyfile.NewTestDispenser(tt.input))
			if err == nil {
				t.Fatalf("no error, want %q", tt.want)
			}
			if err.Error() != tt.want {
				t.Errorf("error\n got %q\nwant %q", err, tt.want)
			}
		})
	}
}

// TestValidateRegimes checks the JSON config path, which skips the
// Caddyfile parser.
func TestValidateRegimes(t *testing.T) {
	tests := []struct {
		name string
		h    Handler
		want string // "" for valid
	}{
		{"valid", Handler{CountryHeader: "CF-IPCountry", RegionHeader: "CF-Region-Code",
			Regimes: map[string]string{"BR": "opt-in", "US-NV": "opt-out"}, MaxAge: map[string]caddy.Duration{"opt-out": 400 * day}}, ""},
		{"lower-case regime key", Handler{Regimes: map[string]string{"br": "opt-in"}},
			`regime "br": want an ISO country code (BR) or country-region (US-NV) in upper case`},
		{"unknown regime", Handler{Regimes: map[string]string{"BR": "strict"}}, `regime BR "strict": want opt-in, opt-out or notice`},
		{"max_age too long", Handler{MaxAge: map[string]caddy.Duration{"opt-in": 401 * day}},
			"max_age opt-in: 401d is longer than the 400 days (400d) browsers keep a cookie"},
		{"max_age zero", Handler{MaxAge: map[string]caddy.Duration{"notice": 0}}, "max_age notice: must be positive, got 0s"},
		{"bad header", Handler{CountryHeader: "CF IPCountry"}, `country_header "CF IPCountry": not a valid header name`},
		{"region alone", Handler{RegionHeader: "CF-Region-Code"},
			"region_header given without country_header: the region is only read for a country the header names"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.h.Validate()
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("Validate: %v, want no error", err)
			case tt.want != "" && (err == nil || err.Error() != tt.want):
				t.Errorf("Validate: %v, want %q", err, tt.want)
			}
		})
	}
}

// TestOptionsRegimes checks the conversion of the location and regime
// fields to sdk.Options.
func TestOptionsRegimes(t *testing.T) {
	h := Handler{
		CountryHeader: "CF-IPCountry", RegionHeader: "CF-Region-Code",
		Regimes:       map[string]string{"BR": "opt-in", "US-NV": "opt-out"},
		DefaultRegime: "notice", HonorDNT: true, PolicyVersion: "2026-11", CookieDomain: "example.com",
		GPCLastUpdate: "2026-01-15", MaxAge: map[string]caddy.Duration{"opt-in": 90 * day},
	}
	o, err := h.options(caddy.NewReplacer())
	if err != nil {
		t.Fatal(err)
	}
	if o.CountryHeader != "CF-IPCountry" || o.RegionHeader != "CF-Region-Code" || o.DefaultRegime != sdk.RegimeNotice ||
		!o.HonorDNT || o.PolicyVersion != "2026-11" || o.CookieDomain != "example.com" || o.GPCLastUpdate != "2026-01-15" {
		t.Errorf("options %+v", o)
	}
	if want := map[string]sdk.Regime{"BR": sdk.RegimeOptIn, "US-NV": sdk.RegimeOptOut}; !reflect.DeepEqual(o.Regimes, want) {
		t.Errorf("Regimes = %v, want %v", o.Regimes, want)
	}
	if want := map[sdk.Regime]time.Duration{sdk.RegimeOptIn: 90 * 24 * time.Hour}; !reflect.DeepEqual(o.MaxAge, want) {
		t.Errorf("MaxAge = %v, want %v", o.MaxAge, want)
	}
}

func TestGeoIPPath(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "geo.mmdb")
	if err := os.WriteFile(db, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("CONSENTRY_TEST_GEOIP", db)
	t.Setenv("CONSENTRY_TEST_EMPTY", "")
	missing := filepath.Join(dir, "missing.mmdb")
	tests := []struct {
		in, want, err string
	}{
		{"", "", ""},
		{db, db, ""},
		{"{env.CONSENTRY_TEST_GEOIP}", db, ""},
		{missing, "", "geoip_db " + missing + ": no such file"},
		{dir, "", "geoip_db " + dir + ": is a directory, want a MaxMind .mmdb file"},
		{"{env.CONSENTRY_TEST_EMPTY}", "", `geoip_db "{env.CONSENTRY_TEST_EMPTY}": empty after replacing placeholders (is the variable set?)`},
	}
	for _, tt := range tests {
		got, err := geoIPPath(tt.in, caddy.NewReplacer())
		if tt.err != "" {
			if err == nil || err.Error() != tt.err {
				t.Errorf("geoIPPath(%q) error = %v, want %q", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("geoIPPath(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

func TestClientIP(t *testing.T) {
	for _, tt := range []struct {
		varValue any
		want     netip.Addr
	}{
		{"203.0.113.7", netip.MustParseAddr("203.0.113.7")},
		{"2001:db8::1", netip.MustParseAddr("2001:db8::1")},
		{"garbage", netip.Addr{}},
		{nil, netip.Addr{}},
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = "192.0.2.1:1234" // must not be used: Caddy's client IP honours trusted_proxies
		r = caddyhttp.PrepareRequest(r, caddy.NewReplacer(), nil, nil)
		caddyhttp.SetVar(r.Context(), caddyhttp.ClientIPVarKey, tt.varValue)
		if got := clientIP(r); got != tt.want {
			t.Errorf("clientIP with var %v = %v, want %v", tt.varValue, got, tt.want)
		}
	}
}

// TestPlaceholders answers every placeholder from a state, and leaves keys
// that are not ours to other providers.
func TestPlaceholders(t *testing.T) {
	s := &sdk.State{ID: strings.Repeat("ab", 16), Regime: sdk.RegimeOptOut, Decided: true,
		Categories: map[string]bool{"necessary": true, "analytics": true, "advertising": false},
		Signals:    sdk.Signals{GPC: true}}
	for key, want := range map[string]string{
		"regime": "opt-out", "decided": "true", "id": s.ID, "gpc": "true", "dnt": "false",
		"categories": "analytics, necessary", "analytics": "true", "advertising": "false", "necessary": "true",
	} {
		got, ok := consentValue(s, key)
		if !ok || got != want {
			t.Errorf("{http.consent.%s} = %q, %v; want %q", key, got, ok, want)
		}
	}
	if _, ok := consentValue(s, "chat"); ok {
		t.Errorf("{http.consent.chat} answered for a category that is not configured")
	}
}
