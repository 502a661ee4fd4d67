package caddymodule

import (
	"testing"

	"github.com/caddyserver/caddy/v2"
)

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
