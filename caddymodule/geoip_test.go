package caddymodule

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/caddyserver/caddy/v2"
)

func TestGeoIPPath(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "geo.mmdb")
	if err := os.WriteFile(db, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("CONSENTRY_TEST_GEOIP", db)
	t.Setenv("CONSENTRY_TEST_EMPTY", "")
	missing := filepath.Join(dir, "missing.mmdb")
	tests := []struct {
		in, want, err string
	}{
		{"", "", ""},
		{db, db, ""},
		{"{env.CONSENTRY_TEST_GEOIP}", db, ""},
		{missing, "", "geoip_db " + missing + ": no such file"},
		{dir, "", "geoip_db " + dir + ": is a directory, want a MaxMind .mmdb file"},
		{"{env.CONSENTRY_TEST_EMPTY}", "", `geoip_db "{env.CONSENTRY_TEST_EMPTY}": empty after replacing placeholders (is the variable set?)`},
	}
	for _, tt := range tests {
		got, err := geoIPPath(tt.in, caddy.NewReplacer())
		if tt.err != "" {
			if err == nil || err.Error() != tt.err {
				t.Errorf("geoIPPath(%q) error = %v, want %q", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("geoIPPath(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}
