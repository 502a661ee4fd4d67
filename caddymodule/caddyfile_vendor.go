package caddymodule

import (
	"strings"

	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"github.com/consentry/consentry/banner"
	"github.com/consentry/consentry/sdk"
)

// parseVendor reads a site's own vendor:
//
//	vendor "Nimbus Stats" {
//		category analytics
//		privacy_url https://stats.example/privacy
//		hosts stats.example
//		paths /stats/
//		patterns "nimbus('init'"
//		cookie _ns_id {
//			purpose "Counts unique visitors"
//			purpose de "Zählt eindeutige Besucher"
//			lifetime "13 months"
//			party first
//		}
//	}
//
// A purpose with two arguments, the first a bundled language tag,
// translates it; an English purpose of several words is quoted. party is
// first (the default) or third; a third-party cookie names its host.
func (h *Handler) parseVendor(d *caddyfile.Dispenser) error {
	args := d.RemainingArgs()
	if len(args) != 1 {
		return d.ArgErr()
	}
	v := sdk.Vendor{Vendor: args[0]}
	for nesting := d.Nesting(); d.NextBlock(nesting); {
		name := d.Val()
		if name == "cookie" {
			ck, err := parseVendorCookie(d)
			if err != nil {
				return err
			}
			v.Cookies = append(v.Cookies, ck)
			continue
		}
		args := d.RemainingArgs()
		if len(args) == 0 {
			return d.ArgErr()
		}
		switch name {
		case "category":
			if len(args) != 1 {
				return d.ArgErr()
			}
			v.Category = args[0]
		case "privacy_url":
			if len(args) != 1 {
				return d.ArgErr()
			}
			v.PrivacyURL = args[0]
		case "hosts":
			v.Hosts = append(v.Hosts, args...)
		case "patterns":
			v.Patterns = append(v.Patterns, args...)
		case "paths":
			for _, p := range args {
				if err := sdk.CheckPath(p); err != nil {
					return d.Errf("vendor %q: paths: %v", v.Vendor, err)
				}
			}
			v.Paths = append(v.Paths, args...)
		default:
			return d.Errf("unrecognized vendor subdirective %q", name)
		}
	}
	h.Vendors = append(h.Vendors, v)
	return nil
}

// parseVendorCookie reads "cookie <name> { … }" inside a vendor block.
func parseVendorCookie(d *caddyfile.Dispenser) (sdk.VendorCookie, error) {
	args := d.RemainingArgs()
	if len(args) != 1 {
		return sdk.VendorCookie{}, d.ArgErr()
	}
	ck := sdk.VendorCookie{Name: args[0], Party: sdk.FirstParty}
	for nesting := d.Nesting(); d.NextBlock(nesting); {
		name := d.Val()
		args := d.RemainingArgs()
		if len(args) == 0 {
			return ck, d.ArgErr()
		}
		switch name {
		case "purpose":
			if b, ok := banner.Bundled(args[0]); len(args) == 2 && ok && b == args[0] {
				if ck.Purposes == nil {
					ck.Purposes = map[string]string{}
				}
				ck.Purposes[args[0]] = args[1]
				continue
			}
			ck.Purpose = strings.Join(args, " ")
		case "lifetime":
			ck.Lifetime = strings.Join(args, " ")
		case "party":
			if len(args) != 1 || args[0] != sdk.FirstParty && args[0] != sdk.ThirdParty {
				return ck, d.Errf("cookie %s: party: want first or third", ck.Name)
			}
			ck.Party = args[0]
		case "host":
			if len(args) != 1 {
				return ck, d.ArgErr()
			}
			ck.Host = args[0]
		default:
			return ck, d.Errf("unrecognized cookie subdirective %q", name)
		}
	}
	return ck, nil
}
