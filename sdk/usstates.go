package sdk

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// StateLaw is what a US state's comprehensive privacy law means for the
// banner: the regime its visitors get and whether, and from when, the
// Global Privacy Control is a legally binding opt-out of sale, sharing
// and targeted advertising there. docs/US-STATES.md gives the sources.
type StateLaw struct {
	// Law names the statute ("CCPA/CPRA").
	Law string
	// Regime is the regime the state's visitors get (opt-out for every
	// built-in state).
	Regime Regime
	// InForce is the day the law took effect (UTC).
	InForce time.Time
	// GPCFrom is the first day on which the law makes businesses honour a
	// universal opt-out signal such as GPC (UTC); zero when it does not.
	GPCFrom time.Time
}

// GPCBinds reports whether GPC is a binding opt-out under the law at t.
func (l StateLaw) GPCBinds(t time.Time) bool {
	return !l.GPCFrom.IsZero() && !t.Before(l.GPCFrom)
}

func day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

// usStates is the built-in table: the states with comprehensive consumer
// privacy laws in force by 2026, keyed by USPS code. GPCFrom is zero for
// the laws that give an opt-out but do not require honouring universal
// opt-out signals.
var usStates = map[string]StateLaw{
	"CA": {Law: "CCPA/CPRA", InForce: day("2020-01-01"), GPCFrom: day("2020-08-14")},
	"CO": {Law: "CPA", InForce: day("2023-07-01"), GPCFrom: day("2024-07-01")},
	"CT": {Law: "CTDPA", InForce: day("2023-07-01"), GPCFrom: day("2025-01-01")},
	"DE": {Law: "DPDPA", InForce: day("2025-01-01"), GPCFrom: day("2026-01-01")},
	"IA": {Law: "ICDPA", InForce: day("2025-01-01")},
	"IN": {Law: "ICDPA", InForce: day("2026-01-01")},
	"KY": {Law: "KCDPA", InForce: day("2026-01-01")},
	"MD": {Law: "MODPA", InForce: day("2025-10-01"), GPCFrom: day("2025-10-01")},
	"MN": {Law: "MCDPA", InForce: day("2025-07-31"), GPCFrom: day("2025-07-31")},
	"MT": {Law: "MCDPA", InForce: day("2024-10-01"), GPCFrom: day("2025-01-01")},
	"NE": {Law: "NDPA", InForce: day("2025-01-01"), GPCFrom: day("2025-01-01")},
	"NH": {Law: "NHPA (RSA 507-H)", InForce: day("2025-01-01"), GPCFrom: day("2025-01-01")},
	"NJ": {Law: "NJDPA", InForce: day("2025-01-15"), GPCFrom: day("2025-07-15")},
	"OR": {Law: "OCPA", InForce: day("2024-07-01"), GPCFrom: day("2026-01-01")},
	"RI": {Law: "RIDTPPA", InForce: day("2026-01-01")},
	"TN": {Law: "TIPA", InForce: day("2025-07-01")},
	"TX": {Law: "TDPSA", InForce: day("2024-07-01"), GPCFrom: day("2025-01-01")},
	"UT": {Law: "UCPA", InForce: day("2023-12-31")},
	"VA": {Law: "VCDPA", InForce: day("2023-01-01")},
}

// USState returns the built-in entry for a US state ("CA" or "US-CA", any
// case), and whether there is one. The Consent method of the same name
// applies the operator's overrides (Options.USStates).
func USState(code string) (StateLaw, bool) {
	l, ok := usStates[stateCode(code)]
	if ok {
		l.Regime = RegimeOptOut
	}
	return l, ok
}

// USStates returns a copy of the built-in table, keyed by USPS code.
func USStates() map[string]StateLaw {
	out := make(map[string]StateLaw, len(usStates))
	for k := range usStates {
		out[k], _ = USState(k)
	}
	return out
}

// stateCode normalises "ca", "US-CA" or " CA " to "CA".
func stateCode(code string) string {
	code = strings.ToUpper(strings.TrimSpace(code))
	return strings.TrimPrefix(code, "US-")
}

// CheckUSState reports a state code that is not two letters ("CA" or
// "US-CA"); the caller names the setting.
func CheckUSState(code string) error {
	if !isAlpha2(stateCode(code)) {
		return errors.New("want a US state's two-letter code (CA or US-CA)")
	}
	return nil
}

// newStateTable merges the operator's overrides into the built-in table.
// An override replaces the built-in entry; an empty Regime means opt-out.
func newStateTable(overrides map[string]StateLaw) (map[string]StateLaw, error) {
	t := USStates()
	for _, k := range slices.Sorted(maps.Keys(overrides)) {
		l := overrides[k]
		if err := CheckUSState(k); err != nil {
			return nil, fmt.Errorf("US state %q: %w", k, err)
		}
		if l.Regime == "" {
			l.Regime = RegimeOptOut
		}
		if !l.Regime.Valid() {
			return nil, fmt.Errorf("US state %s: unknown regime %q (want opt-in, opt-out or notice)", k, l.Regime)
		}
		t[stateCode(k)] = l
	}
	return t, nil
}

// USState returns the state's entry with the operator's overrides
// (Options.USStates) applied, and whether there is one.
func (c *Consent) USState(code string) (StateLaw, bool) {
	l, ok := c.states[stateCode(code)]
	return l, ok
}

// gpcBinds reports whether GPC is a binding opt-out for a visitor at loc
// under regime reg at time t: where the state table knows the visitor's
// state, its law decides (by date); anywhere else (a US visitor whose state
// is unknown, a state the table does not list, no location source) it
// binds in the opt-out regime, as the regime table promises.
func (c *Consent) gpcBinds(loc Location, reg Regime, t time.Time) bool {
	if loc.Country == "US" && loc.Region != "" {
		if l, ok := c.states[loc.Region]; ok {
			return l.GPCBinds(t)
		}
	}
	return reg == RegimeOptOut
}
