package sdk

import (
	"fmt"
	"strings"
)

// optInCountries are where prior consent is the law for cookies that are
// not strictly necessary: the EEA (ePrivacy Directive), the United Kingdom
// (PECR) and Switzerland (revFADP, following EDPB practice).
var optInCountries = []string{
	// EU
	"AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE",
	"IT", "LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE",
	// rest of the EEA
	"IS", "LI", "NO",
	"GB", "CH",
}

// builtinRegimes returns the regime table before the operator's Regimes,
// keyed by "CC" for a country or "US-XX" for a US state: the opt-in
// countries and the US state table (usstates.go, with Options.USStates).
func builtinRegimes(states map[string]StateLaw) map[string]Regime {
	t := make(map[string]Regime, len(optInCountries)+len(states))
	for _, c := range optInCountries {
		t[c] = RegimeOptIn
	}
	for s, l := range states {
		t["US-"+s] = l.Regime
	}
	return t
}

// regimeTable decides regimes from locations.
type regimeTable struct {
	table    map[string]Regime
	fallback Regime
}

// newRegimeTable merges the operator's overrides ("DE", "US-CA", "US")
// into the built-in table.
func newRegimeTable(overrides map[string]Regime, fallback Regime, states map[string]StateLaw) (*regimeTable, error) {
	t := builtinRegimes(states)
	for k, r := range overrides {
		key := strings.ToUpper(strings.TrimSpace(k))
		if err := CheckLocationKey(key); err != nil {
			return nil, fmt.Errorf("regime override %q: %w", k, err)
		}
		if !r.Valid() {
			return nil, fmt.Errorf("regime override %s: unknown regime %q (want opt-in, opt-out or notice)", k, r)
		}
		t[key] = r
	}
	return &regimeTable{table: t, fallback: fallback}, nil
}

// regime returns the regime for a location. An unknown location gets the
// strictest regime, opt-in. A known location with no entry of its own takes
// its country's entry, then the fallback (Options.DefaultRegime), except
// that a US visitor whose state is unknown gets opt-out: no US law asks for
// more before a choice, and opt-out keeps GPC binding.
func (t *regimeTable) regime(l Location) Regime {
	if l.Country == "" {
		return RegimeOptIn
	}
	if l.Region != "" {
		if r, ok := t.table[l.Country+"-"+l.Region]; ok {
			return r
		}
	}
	if r, ok := t.table[l.Country]; ok {
		return r
	}
	if l.Country == "US" && l.Region == "" {
		return RegimeOptOut
	}
	return t.fallback
}
