package caddymodule

import (
	"errors"
	"fmt"
	"time"

	"github.com/consentry/consentry/sdk"
	"golang.org/x/net/http/httpguts"
)

// errRegionAlone reports a region_header without a country_header: the
// sdk reads the region only for a country the country header names.
var errRegionAlone = errors.New("region_header given without country_header: the region is only read for a country the header names")

// errBlockAlone reports a block_key without a hash_key: the block key
// only encrypts, and a cookie must be signed.
var errBlockAlone = errors.New("block_key given without hash_key")

// checkMaxAge reports a lifetime that is not positive or longer than
// browsers keep a cookie: such a value would be silently cut, so the
// operator hears about it at load instead.
func checkMaxAge(d time.Duration) error {
	if d <= 0 {
		return fmt.Errorf("must be positive, got %s", d)
	}
	if d > sdk.MaxCookieAge {
		return fmt.Errorf("%s is longer than the 400 days (400d) browsers keep a cookie", formatDays(d))
	}
	return nil
}

// formatDays renders whole days as "401d", anything else as Go does.
func formatDays(d time.Duration) string {
	const day = 24 * time.Hour
	if d%day == 0 {
		return fmt.Sprintf("%dd", d/day)
	}
	return d.String()
}

// checkRegimeOverride checks one entry of the regimes table: a location
// key as sdk.CheckLocationKey wants it (upper case, as the Caddyfile
// stores it) and a known regime.
func checkRegimeOverride(loc, regime string) error {
	if err := sdk.CheckLocationKey(loc); err != nil {
		return fmt.Errorf("regime %q: %w", loc, err)
	}
	if !sdk.Regime(regime).Valid() {
		return fmt.Errorf("regime %s %q: want opt-in, opt-out or notice", loc, regime)
	}
	return nil
}

// checkHeaderName reports a country_header or region_header value that
// cannot be an HTTP header name.
func checkHeaderName(name, v string) error {
	if !httpguts.ValidHeaderFieldName(v) {
		return fmt.Errorf("%s %q: not a valid header name", name, v)
	}
	return nil
}

// checkIPMode reports a log ip value that is not an sdk.IPMode.
func checkIPMode(v string) error {
	if !sdk.IPMode(v).Valid() {
		return fmt.Errorf("log ip %q: want truncate, hash or off", v)
	}
	return nil
}

// checkRetention rejects a consent-log retention too short to be proof: at
// least a day (negative means forever).
func checkRetention(d time.Duration) error {
	if d >= 0 && d < 24*time.Hour {
		return errors.New("must be at least a day (1d), or forever")
	}
	return nil
}
