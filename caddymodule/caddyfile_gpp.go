package caddymodule

import (
	"strconv"

	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"

	"github.com/consentry/consentry/sdk"
)

// GPP configures the IAB Global Privacy Platform (sdk.GPPOptions).
type GPP struct {
	// States are the US states (CA, VA, CO, UT, CT, MT, OR, TX, or all)
	// whose own section follows usnat for visitors located there.
	// Default: none.
	States []string `json:"states,omitempty"`

	// Notices overrides notice fields, keyed by their IAB names
	// (SaleOptOutNotice…), valued 0 (not applicable), 1 (provided) or 2
	// (not provided).
	Notices map[string]int `json:"notices,omitempty"`

	// MSPA is the site's place under the Multi-State Privacy Agreement:
	// "" (not covered), "opt-out" or "service-provider".
	MSPA string `json:"mspa,omitempty"`

	// CmpID is the CMP id the page's API reports. Default: 1.
	CmpID int `json:"cmp_id,omitempty"`
}

// options converts the configuration; nil is off.
func (g *GPP) options() sdk.GPPOptions {
	if g == nil {
		return sdk.GPPOptions{}
	}
	return sdk.GPPOptions{On: true, States: g.States, Notices: g.Notices, MSPA: g.MSPA, CmpID: g.CmpID}
}

// gppMSPA maps the Caddyfile's mspa words to sdk.GPPOptions.MSPA.
var gppMSPA = map[string]string{"off": "", "opt_out": sdk.GPPMSPAOptOut, "service_provider": sdk.GPPMSPAServiceProvider}

// gppNoticeWords are the words a notice value may be written as.
var gppNoticeWords = map[string]int{"n/a": 0, "0": 0, "yes": 1, "1": 1, "no": 2, "2": 2}

// parseGPP reads
//
//	gpp [off] [{
//		states  <state...>|all
//		notice  <Field> yes|no|n/a
//		mspa    off|opt_out|service_provider
//		cmp_id  <id>
//	}]
//
// gpp turns the Global Privacy Platform on (off, or no gpp line, leaves
// it off). Every value is checked here, naming its line.
func (h *Handler) parseGPP(d *caddyfile.Dispenser) error {
	args := d.RemainingArgs()
	switch {
	case len(args) == 1 && args[0] == "off":
		h.GPP = nil
		if d.NextBlock(d.Nesting()) {
			return d.Errf("gpp off: takes no block")
		}
		return nil
	case len(args) > 0:
		return d.ArgErr()
	}
	g := new(GPP)
	seen := map[string]bool{}
	for nesting := d.Nesting(); d.NextBlock(nesting); {
		name := d.Val()
		if seen[name] && name != "notice" && name != "states" {
			return d.Errf("gpp %s: given more than once", name)
		}
		seen[name] = true
		switch name {
		case "states":
			args := d.RemainingArgs()
			if len(args) == 0 {
				return d.ArgErr()
			}
			for _, st := range args {
				if err := checkValue(d, "gpp states", st, sdk.CheckGPPState); err != nil {
					return err
				}
			}
			g.States = append(g.States, args...)
		case "notice":
			args := d.RemainingArgs()
			if len(args) != 2 {
				return d.ArgErr()
			}
			v, ok := gppNoticeWords[args[1]]
			if !ok {
				return d.Errf("gpp notice %s %q: want yes (provided), no (not provided) or n/a", args[0], args[1])
			}
			if err := sdk.CheckGPPNotice(args[0], v); err != nil {
				return d.Errf("gpp notice %q: %w", args[0], err)
			}
			if g.Notices == nil {
				g.Notices = map[string]int{}
			}
			g.Notices[args[0]] = v
		case "mspa":
			v, err := oneArg(d)
			if err != nil {
				return err
			}
			m, ok := gppMSPA[v]
			if !ok {
				return d.Errf("gpp mspa %q: want off, opt_out or service_provider", v)
			}
			g.MSPA = m
		case "cmp_id":
			v, err := oneArg(d)
			if err != nil {
				return err
			}
			n, perr := strconv.Atoi(v)
			if perr != nil || n < 1 || n > 4095 {
				return d.Errf("gpp cmp_id %q: want a number from 1 to 4095", v)
			}
			g.CmpID = n
		default:
			return d.Errf("unrecognized gpp subdirective %q", name)
		}
	}
	h.GPP = g
	return nil
}
