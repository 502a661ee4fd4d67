package caddymodule

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig"
)

// loadErr adapts a Caddyfile and provisions it as loading it would,
// without starting servers, and returns the error.
func loadErr(t *testing.T, caddyfileText string) error {
	t.Helper()
	out, _, err := caddyconfig.GetAdapter("caddyfile").Adapt([]byte(caddyfileText), map[string]any{"filename": "Caddyfile"})
	if err != nil {
		return err
	}
	var cfg caddy.Config
	if err := json.Unmarshal(out, &cfg); err != nil {
		t.Fatalf("adapted config: %v", err)
	}
	return caddy.Validate(&cfg)
}

// TestProvisionErrorsNameTheLine: values that can only be checked when the
// config loads (placeholders resolved, files opened) still fail with the
// subdirective, the value and the Caddyfile line (issue 12).
func TestProvisionErrorsNameTheLine(t *testing.T) {
	t.Setenv("CONSENTRY_TEST_EMPTY", "")
	t.Setenv("CONSENTRY_TEST_NOT_HEX", strings.Repeat("g", 64))
	site := func(lines string) string {
		return "{\n\tadmin off\n}\nhttp://localhost:9099 {\n\tconsent {\n\t\tlog off\n" + lines + "\t}\n\trespond ok\n}\n"
	}
	key := "\t\thash_key " + hash32Hex + "\n"
	for _, tc := range []struct {
		name  string
		lines string
		want  []string
	}{
		{"missing geoip database", key + "\t\tgeoip_db /nonexistent/GeoLite2-City.mmdb\n",
			[]string{"geoip_db", "/nonexistent/GeoLite2-City.mmdb", "no such file", "Caddyfile:8"}},
		{"geoip database not a database", key + "\t\tgeoip_db " + t.TempDir() + "\n", []string{"geoip_db", "directory", "Caddyfile:8"}},
		{"empty hash key", "\t\thash_key {env.CONSENTRY_TEST_EMPTY}\n", []string{"hash_key", "empty", "Caddyfile:7"}},
		{"hash key, 64 characters not hex", "\t\thash_key {env.CONSENTRY_TEST_NOT_HEX}\n", []string{"hash_key", "not hex", "base64", "Caddyfile:7"}},
		{"empty block key", key + "\t\tblock_key {env.CONSENTRY_TEST_EMPTY}\n", []string{"block_key", "empty", "Caddyfile:8"}},
		{"empty rotation key", key + "\t\tkey " + hash32Hex + "\n\t\tkey {env.CONSENTRY_TEST_EMPTY}\n", []string{"hash_key", "empty", "Caddyfile:9"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := loadErr(t, site(tc.lines))
			if err == nil {
				t.Fatalf("loaded, want an error containing %q", tc.want)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}

	// The log's store is resolved when the config loads too.
	err := loadErr(t, "{\n\tadmin off\n}\nhttp://localhost:9099 {\n\tconsent {\n\t\thash_key "+hash32Hex+
		"\n\t\tlog postgres {env.CONSENTRY_TEST_EMPTY}\n\t}\n\trespond ok\n}\n")
	if err == nil || !strings.Contains(err.Error(), "log postgres") || !strings.Contains(err.Error(), "Caddyfile:7") {
		t.Errorf("empty log DSN: error %v, want one naming log postgres and Caddyfile:7", err)
	}
}
