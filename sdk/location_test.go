package sdk

import (
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/consentry/consentry/internal/geotest"
)

func TestGeoIPDatabase(t *testing.T) {
	db := geotest.WriteDB(t, map[string][2]string{
		"81.2.69.0/24":   {"DE", ""},
		"2.125.160.0/24": {"US", "CA"},
		"2001:db8::/32":  {"GB", "ENG"},
		"89.160.20.0/24": {"SE", "AB"},
	})
	c := newTestConsent(t, Options{GeoIPDB: db, CountryHeader: "X-Country", DefaultRegime: RegimeNotice})
	defer c.Close()
	for _, tc := range []struct {
		remote, header string
		want           Regime
	}{
		{"81.2.69.7:1234", "", RegimeOptIn},
		{"2.125.160.216:1234", "", RegimeOptOut},
		{"[2001:db8::1]:443", "", RegimeOptIn},
		{"[::ffff:2.125.160.1]:80", "", RegimeOptOut}, // IPv4-mapped
		{"192.0.2.1:80", "", RegimeOptIn},             // not in the database: unknown
		{"2.125.160.216:1234", "JP", RegimeNotice},    // the header wins
		{"garbage", "", RegimeOptIn},
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = tc.remote
		if tc.header != "" {
			r.Header.Set("X-Country", tc.header)
		}
		if got := c.regime(r); got != tc.want {
			t.Errorf("remote %s header %q: regime %s, want %s", tc.remote, tc.header, got, tc.want)
		}
	}
	if _, err := New(Options{GeoIPDB: filepath.Join(t.TempDir(), "missing.mmdb")}); err == nil {
		t.Errorf("a missing GeoIP database was accepted")
	}
}

// TestCheckLocationKey: the one rule for regime keys, shared with the
// Caddy module.
func TestCheckLocationKey(t *testing.T) {
	const want = "want an ISO country code (BR) or country-region (US-NV)"
	for _, tc := range []struct {
		name, key, err string
	}{
		{"country", "BR", ""},
		{"state", "US-NV", ""},
		{"numeric region", "FR-75", ""},
		{"three-character region", "GB-ENG", ""},
		{"lower case", "us-nv", want + " in upper case"},
		{"country name", "Brazil", want},
		{"empty", "", want},
		{"empty region", "US-", want},
		{"long region", "US-CALI", want},
		{"digit in country", "B1", want},
		{"two dashes", "US-CA-X", want},
		{"space", " BR", want},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := CheckLocationKey(tc.key)
			got := ""
			if err != nil {
				got = err.Error()
			}
			if got != tc.err {
				t.Errorf("CheckLocationKey(%q) = %q, want %q", tc.key, got, tc.err)
			}
		})
	}
}
