package caddymodule

import (
	"net/http/httptest"
	"net/netip"
	"testing"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
)

func TestClientIP(t *testing.T) {
	for _, tt := range []struct {
		varValue any
		want     netip.Addr
	}{
		{"203.0.113.7", netip.MustParseAddr("203.0.113.7")},
		{"2001:db8::1", netip.MustParseAddr("2001:db8::1")},
		{"garbage", netip.Addr{}},
		{nil, netip.Addr{}},
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = "192.0.2.1:1234" // must not be used: Caddy's client IP honours trusted_proxies
		r = caddyhttp.PrepareRequest(r, caddy.NewReplacer(), nil, nil)
		caddyhttp.SetVar(r.Context(), caddyhttp.ClientIPVarKey, tt.varValue)
		if got := clientIP(r); got != tt.want {
			t.Errorf("clientIP with var %v = %v, want %v", tt.varValue, got, tt.want)
		}
	}
}
