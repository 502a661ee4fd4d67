package caddymodule

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"

	"github.com/consentry/consentry/sdk"
)

// USStateConfig overrides one entry of the US state table.
type USStateConfig struct {
	// Regime is "opt-in", "opt-out" or "notice"; empty keeps opt-out.
	Regime string `json:"regime,omitempty"`
	// GPCFrom is the first day (YYYY-MM-DD) on which GPC is a binding
	// opt-out in the state; empty: it never is.
	GPCFrom string `json:"gpc_from,omitempty"`
	// Law names the statute, for the documentation of the setting.
	Law string `json:"law,omitempty"`
}

// parseUSState reads
//
//	us_state <CA|US-CA> [opt-in|opt-out|notice] [gpc <YYYY-MM-DD>|gpc off]
//
// an entry of the US state table, replacing the built-in one; what is not
// given is opt-out and GPC not binding.
func (h *Handler) parseUSState(d *caddyfile.Dispenser) error {
	args := d.RemainingArgs()
	if len(args) < 2 {
		return d.ArgErr()
	}
	if err := sdk.CheckUSState(args[0]); err != nil {
		return d.Errf("us_state %q: %v", args[0], err)
	}
	code := strings.TrimPrefix(strings.ToUpper(args[0]), "US-")
	if _, dup := h.USStates[code]; dup {
		return d.Errf("us_state %s: given more than once", code)
	}
	var sc USStateConfig
	rest := args[1:]
	if sdk.Regime(rest[0]).Valid() {
		sc.Regime, rest = rest[0], rest[1:]
	}
	switch {
	case len(rest) == 0:
	case len(rest) == 2 && rest[0] == "gpc":
		if rest[1] != "off" {
			if _, err := time.Parse(time.DateOnly, rest[1]); err != nil {
				return d.Errf("us_state %s gpc %q: want the date GPC binds from (YYYY-MM-DD) or off", code, rest[1])
			}
			sc.GPCFrom = rest[1]
		}
	default:
		return d.Errf("us_state %s %q: want [opt-in|opt-out|notice] [gpc <YYYY-MM-DD>|gpc off]", code, strings.Join(rest, " "))
	}
	if h.USStates == nil {
		h.USStates = map[string]USStateConfig{}
	}
	h.USStates[code] = sc
	return nil
}

// usStateOptions converts the us_states configuration for the engine,
// checking what JSON configurations may get wrong.
func usStateOptions(in map[string]USStateConfig) (map[string]sdk.StateLaw, error) {
	if len(in) == 0 {
		return nil, nil
	}
	out := make(map[string]sdk.StateLaw, len(in))
	for _, code := range slices.Sorted(maps.Keys(in)) {
		sc := in[code]
		if err := sdk.CheckUSState(code); err != nil {
			return nil, fmt.Errorf("us_states %q: %w", code, err)
		}
		l := sdk.StateLaw{Law: sc.Law, Regime: sdk.Regime(sc.Regime)}
		if sc.Regime != "" && !l.Regime.Valid() {
			return nil, fmt.Errorf("us_states %s: regime %q: want opt-in, opt-out or notice", code, sc.Regime)
		}
		if sc.GPCFrom != "" {
			t, err := time.Parse(time.DateOnly, sc.GPCFrom)
			if err != nil {
				return nil, fmt.Errorf("us_states %s: gpc_from %q: want YYYY-MM-DD", code, sc.GPCFrom)
			}
			l.GPCFrom = t
		}
		out[code] = l
	}
	return out, nil
}
