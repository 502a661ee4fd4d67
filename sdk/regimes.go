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

// optOutStates are the US states with comprehensive consumer privacy laws
// that give an opt-out of sale, sharing or targeted advertising (and, for
// most, require honouring GPC): in force or enacted by November 2026.
var optOutStates = []string{
	"CA", // CCPA/CPRA
	"VA", // VCDPA
	"CO", // CPA
	"CT", // CTDPA
	"UT", // UCPA
	"TX", // TDPSA
	"OR", // OCPA
	"MT", // MCDPA
	"IA", // ICDPA
	"DE", // DPDPA
	"NH", // NHPA
	"NJ", // NJDPA
	"NE", // NDPA
	"TN", // TIPA
	"MN", // MCDPA
	"MD", // MODPA
	"IN", // ICDPA
	"KY", // KCDPA
	"RI", // RIDTPPA
}

// builtinRegimes returns the built-in regime table, keyed by "CC" for a
// country or "US-XX" for a US state.
func builtinRegimes() map[string]Regime {
	t := make(map[string]Regime, len(optInCountries)+len(optOutStates))
	for _, c := range optInCountries {
		t[c] = RegimeOptIn
	}
	for _, s := range optOutStates {
		t["US-"+s] = RegimeOptOut
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
func newRegimeTable(overrides map[string]Regime, fallback Regime) (*regimeTable, error) {
	t := builtinRegimes()
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
