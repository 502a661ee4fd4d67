package caddymodule

import (
	"strings"
	"testing"
	"time"

	"github.com/consentry/consentry/sdk"
)

// TestUnmarshalUSStatesAndReask: us_state and reask_after_refusal reach
// the engine's options through JSON, as Caddy loads them.
func TestUnmarshalUSStatesAndReask(t *testing.T) {
	input := `consent {
	us_state VA gpc 2026-07-01
	us_state us-nv opt-out gpc 2026-10-01
	us_state CA opt-in
	us_state TX gpc off
	reask_after_refusal opt-in 90d opt-out 400d
}`
	back, raw := throughJSON(t, input)
	if err := back.Validate(); err != nil {
		t.Fatal(err)
	}
	o, err := back.options(nil)
	if err != nil {
		t.Fatal(err)
	}
	c, err := sdk.New(o)
	if err != nil {
		t.Fatal(err)
	}
	day := func(s string) time.Time { d, _ := time.Parse(time.DateOnly, s); return d }
	for code, want := range map[string]struct {
		regime sdk.Regime
		from   time.Time
	}{"VA": {sdk.RegimeOptOut, day("2026-07-01")}, "NV": {sdk.RegimeOptOut, day("2026-10-01")},
		"CA": {sdk.RegimeOptIn, time.Time{}}, "TX": {sdk.RegimeOptOut, time.Time{}}} {
		l, ok := c.USState(code)
		if !ok || l.Regime != want.regime || !l.GPCFrom.Equal(want.from) {
			t.Errorf("%s: %+v, want regime %s, GPC from %s (JSON %s)", code, l, want.regime, want.from, raw)
		}
	}
	if l, _ := c.USState("CO"); l.GPCFrom.IsZero() {
		t.Error("an untouched state lost its built-in entry")
	}
	if o.ReaskAfterRefusal[sdk.RegimeOptIn] != 90*24*time.Hour || o.ReaskAfterRefusal[sdk.RegimeOptOut] != 400*24*time.Hour {
		t.Errorf("reask after refusal %v", o.ReaskAfterRefusal)
	}
}

func TestUnmarshalUSStatesErrors(t *testing.T) {
	tests := []unmarshalErrorCase{
		{"bare", "consent {\n us_state CA\n}", []string{"wrong argument count", "Testfile:2"}},
		{"bad code", "consent {\n\n us_state California gpc off\n}", []string{`us_state "California": want a US state's two-letter code`, "Testfile:3"}},
		{"bad date", "consent {\n us_state CA gpc 2026-13-01\n}", []string{`us_state CA gpc "2026-13-01": want the date`, "Testfile:2"}},
		{"bad regime", "consent {\n us_state CA opt_out\n}", []string{`us_state CA "opt_out": want [opt-in|opt-out|notice]`, "Testfile:2"}},
		{"twice", "consent {\n us_state CA gpc off\n us_state US-CA opt-in\n}", []string{"us_state CA: given more than once", "Testfile:3"}},
		{"reask regime", "consent {\n reask_after_refusal opt_in 30d\n}", []string{`reask_after_refusal: unknown regime "opt_in"`, "Testfile:2"}},
		{"reask too long", "consent {\n reask_after_refusal 401d\n}", []string{`reask_after_refusal "401d": longer than the 400 days`, "Testfile:2"}},
		{"reask words", "consent {\n reask_after_refusal six-months\n}", []string{`reask_after_refusal "six-months": not a duration`, "Testfile:2"}},
	}
	checkUnmarshalErrors(t, tests)
	// JSON configurations are checked by Validate.
	for name, h := range map[string]Handler{
		"code":   {USStates: map[string]USStateConfig{"Cal": {}}},
		"regime": {USStates: map[string]USStateConfig{"CA": {Regime: "maybe"}}},
		"date":   {USStates: map[string]USStateConfig{"CA": {GPCFrom: "soon"}}},
	} {
		if err := h.Validate(); err == nil || !strings.Contains(err.Error(), "us_states") {
			t.Errorf("%s: Validate error %v", name, err)
		}
	}
}
