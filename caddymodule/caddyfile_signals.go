package caddymodule

import (
	"strconv"

	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"

	"github.com/consentry/consentry/sdk"
)

// parseSignals reads
//
//	signals [<vendor>...|off] [{
//		map                <vendor>.<signal> <category>
//		advanced           <category...>
//		wait_for_update    <milliseconds>
//		url_passthrough    [on|off]
//		ads_data_redaction [on|off]
//		region_defaults    [on|off]
//	}]
//
// the vendors whose consent signals pages carry (google, uet, clarity,
// meta, tiktok; none listed keeps the default, google; off is none) and
// their options. The categories map and advanced name are checked once the
// whole consent block is read (they may be defined after it); refs gets
// where each was written.
func (h *Handler) parseSignals(d *caddyfile.Dispenser, refs *[]signalRef) error {
	s := new(Signals)
	args := d.RemainingArgs()
	if len(args) == 1 && args[0] == "off" {
		s.Vendors = []string{}
	} else if len(args) > 0 {
		for _, v := range args {
			if err := checkValue(d, "signals", v, sdk.CheckSignalVendor); err != nil {
				return err
			}
			s.Vendors = append(s.Vendors, v)
		}
	}
	seen := map[string]bool{}
	for nesting := d.Nesting(); d.NextBlock(nesting); {
		name := d.Val()
		tok := d.Token()
		if seen[name] && name != "map" && name != "advanced" {
			return d.Errf("signals %s: given more than once", name)
		}
		seen[name] = true
		var err error
		switch name {
		case "map":
			args := d.RemainingArgs()
			if len(args) != 2 {
				return d.ArgErr()
			}
			if err := checkValue(d, "signals map", args[0], sdk.CheckSignalName); err != nil {
				return err
			}
			if s.Map == nil {
				s.Map = map[string]string{}
			}
			s.Map[args[0]] = args[1]
			*refs = append(*refs, signalRef{what: "map " + args[0], key: args[1], at: tok})
		case "advanced":
			args := d.RemainingArgs()
			if len(args) == 0 {
				return d.ArgErr()
			}
			for _, k := range args {
				if err := checkValue(d, "signals advanced", k, sdk.CheckGoogleAdvanced); err != nil {
					return err
				}
				*refs = append(*refs, signalRef{what: "advanced", key: k, at: tok})
			}
			s.Advanced = append(s.Advanced, args...)
		case "wait_for_update":
			var v string
			if v, err = oneArg(d); err == nil {
				n, perr := strconv.Atoi(v)
				if perr != nil || n < 0 {
					return d.Errf("signals wait_for_update %q: want milliseconds (0 or more)", v)
				}
				s.WaitForUpdate = n
			}
		case "url_passthrough":
			s.URLPassthrough, err = parseBool(d)
		case "ads_data_redaction":
			var on bool
			on, err = parseBool(d)
			s.NoAdsDataRedaction = !on
		case "region_defaults":
			s.RegionDefaults, err = parseBool(d)
		default:
			return d.Errf("unrecognized signals subdirective %q", name)
		}
		if err != nil {
			return err
		}
	}
	h.Signals = s
	return nil
}

// signalRef is where a category was named in the signals block (what:
// "advanced" or "map <signal>").
type signalRef struct {
	what, key string
	at        caddyfile.Token
}
