package caddymodule

import (
	"reflect"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/consentry/consentry/sdk"
)

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
