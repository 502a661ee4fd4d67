package sdk

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/consentry/consentry/sdk/rewrite"
)

// TestConfigCarriesServerTables: every language's banner configuration
// carries the server's own tables, so that banner.js keeps no copy: the
// vendor signal table the inline defaults come from (signalTable, by
// default Google's seven Consent Mode types only) and
// the attributes the rewriter renames (rewrite.RenamedAttrs), which the
// banner restores on a grant.
func TestConfigCarriesServerTables(t *testing.T) {
	c := newTestConsent(t, Options{Languages: []string{"en", "de"}})
	var wantSignals [][3]string
	for _, r := range signalTable {
		if r.vendor == SignalGoogle {
			wantSignals = append(wantSignals, [3]string{r.vendor, r.name, r.category})
		}
	}
	if len(wantSignals) != 7 {
		t.Fatalf("Google Consent Mode v2 has seven types, the table %d", len(wantSignals))
	}
	wantAttrs := rewrite.RenamedAttrs()
	if len(wantAttrs) == 0 {
		t.Fatal("rewrite.RenamedAttrs() is empty")
	}
	for _, lang := range []string{"en", "de"} {
		t.Run(lang, func(t *testing.T) {
			var cfg struct {
				Signals [][3]string `json:"signals"`
				Attrs   []string    `json:"attrs"`
			}
			if err := json.Unmarshal(c.texts.configJSON(lang), &cfg); err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(cfg.Signals, wantSignals) {
				t.Errorf("signals = %v\nwant      %v", cfg.Signals, wantSignals)
			}
			if !slices.Equal(cfg.Attrs, wantAttrs) {
				t.Errorf("attrs = %v\nwant    %v", cfg.Attrs, wantAttrs)
			}
		})
	}
}
