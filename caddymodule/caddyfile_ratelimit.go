package caddymodule

import (
	"strconv"

	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
)

// parseRateLimit reads
//
//	rate_limit <per_client>|off [<per_id>|off]
//
// the decisions recorded per minute from one client network and for one
// consent id (DecisionsPerClient, DecisionsPerID); off is no limit, and a
// missing per_id keeps its default.
func (h *Handler) parseRateLimit(d *caddyfile.Dispenser) error {
	args := d.RemainingArgs()
	if len(args) < 1 || len(args) > 2 {
		return d.ArgErr()
	}
	for i, dst := range []*int{&h.DecisionsPerClient, &h.DecisionsPerID}[:len(args)] {
		if args[i] == "off" {
			*dst = -1
			continue
		}
		n, err := strconv.Atoi(args[i])
		if err != nil || n <= 0 {
			return d.Errf("rate_limit %q: want decisions a minute (a positive number) or off", args[i])
		}
		*dst = n
	}
	return nil
}
