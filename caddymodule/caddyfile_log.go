package caddymodule

import (
	"strconv"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
)

// parseLog reads
//
//	log sqlite [<path>] | postgres <dsn> | off [{
//		spool      <dir>
//		ip         truncate|hash|off
//		queue_size <n>
//	}]
func parseLog(d *caddyfile.Dispenser) (*LogConfig, error) {
	args := d.RemainingArgs()
	if len(args) == 0 {
		return nil, d.ArgErr()
	}
	lc := &LogConfig{Store: args[0]}
	switch lc.Store {
	case storeSQLite:
		if len(args) > 2 {
			return nil, d.ArgErr()
		}
		if len(args) == 2 {
			lc.Path = args[1]
		}
	case storePostgres:
		if len(args) != 2 {
			return nil, d.Errf("log postgres: want one connection string, e.g. {env.CONSENT_DATABASE_URL}")
		}
		lc.DSN = args[1]
	case storeOff:
		if len(args) != 1 {
			return nil, d.ArgErr()
		}
	default:
		return nil, d.Errf("log %q: want sqlite, postgres or off", lc.Store)
	}
	for nesting := d.Nesting(); d.NextBlock(nesting); {
		name := d.Val()
		if lc.Store == storeOff {
			return nil, d.Errf("log off takes no options, got %q", name)
		}
		v, err := oneArg(d)
		if err != nil {
			return nil, err
		}
		switch name {
		case "spool":
			lc.Spool = v
		case "ip":
			if err := checkIPMode(v); err != nil {
				return nil, d.WrapErr(err)
			}
			lc.IP = v
		case "queue_size":
			n, err := strconv.Atoi(v)
			if err != nil || n <= 0 {
				return nil, d.Errf("log queue_size %q: want a positive number", v)
			}
			lc.QueueSize = n
		default:
			return nil, d.Errf("unrecognized log option %q", name)
		}
	}
	return lc, nil
}

// parseRetention reads "retention <duration>|forever".
func parseRetention(d *caddyfile.Dispenser) (caddy.Duration, error) {
	v, err := oneArg(d)
	if err != nil {
		return 0, err
	}
	if v == "forever" {
		return -1, nil
	}
	dur, err := caddy.ParseDuration(v)
	if err != nil {
		return 0, d.Errf("retention %q: not a duration (e.g. 400d) or forever", v)
	}
	if err := checkRetention(dur); err != nil {
		return 0, d.Errf("retention %q: %v", v, err)
	}
	return caddy.Duration(dur), nil
}
