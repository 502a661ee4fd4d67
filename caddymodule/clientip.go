package caddymodule

import (
	"net/http"
	"net/netip"

	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
)

// clientIP is the visitor's address as Caddy determined it: the connection's
// peer, or, from a proxy listed in the server's trusted_proxies, the address
// that proxy reports. The GeoIP lookup uses it.
func clientIP(r *http.Request) netip.Addr {
	s, _ := caddyhttp.GetVar(r.Context(), caddyhttp.ClientIPVarKey).(string)
	ip, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Addr{}
	}
	return ip
}
