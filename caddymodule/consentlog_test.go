package caddymodule

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/caddyserver/caddy/v2"
)

// TestLogConfigResolved: placeholders in the DSN, path and spool are
// replaced, defaults land in Caddy's data directory, an empty DSN (an
// unset variable) is an error, and the label never carries the password.
func TestLogConfigResolved(t *testing.T) {
	t.Setenv("CONSENT_TEST_DSN", "postgres://consent:s3cret@db.internal:5432/consent?sslmode=require")
	t.Setenv("CONSENT_TEST_DIR", "/srv/consentry")
	repl := caddy.NewReplacer()

	lc, err := LogConfig{Store: "postgres", DSN: "{env.CONSENT_TEST_DSN}", Spool: "{env.CONSENT_TEST_DIR}/spool"}.resolved(repl)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(lc.DSN, "postgres://consent:s3cret@") || lc.Spool != "/srv/consentry/spool" {
		t.Errorf("resolved %+v", lc)
	}
	if l := lc.label(); l != "postgres:db.internal:5432/consent" || strings.Contains(l, "s3cret") {
		t.Errorf("label %q", l)
	}
	kv, _ := LogConfig{Store: "postgres", DSN: "host=db.internal dbname=consent user=consent password=s3cret"}.resolved(repl)
	if l := kv.label(); l != "postgres:db.internal/consent" {
		t.Errorf("key=value label %q", l)
	}

	if _, err := (LogConfig{Store: "postgres", DSN: "{env.CONSENT_TEST_UNSET}"}).resolved(repl); err == nil ||
		!strings.Contains(err.Error(), "empty connection string") {
		t.Errorf("unset variable: %v", err)
	}

	def, err := LogConfig{}.resolved(repl)
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(caddy.AppDataDir(), "consentry", "consent.db"); def.Store != "sqlite" || def.Path != want || def.Spool != want+".spool" {
		t.Errorf("default %+v, want sqlite at %s", def, want)
	}
	pg, _ := LogConfig{Store: "postgres", DSN: "postgres://x@y/z"}.resolved(repl)
	if want := filepath.Join(caddy.AppDataDir(), "consentry", "spool"); pg.Spool != want {
		t.Errorf("postgres spool %q, want %q", pg.Spool, want)
	}
	for _, bad := range []LogConfig{{Store: "mysql"}, {Store: "sqlite", IP: "full"}, {Store: "sqlite", QueueSize: -1}} {
		if _, err := bad.resolved(repl); err == nil {
			t.Errorf("%+v resolved without error", bad)
		}
	}
}
