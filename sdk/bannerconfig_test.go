package sdk

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/consentry/consentry/sdk/rewrite"
)

// TestConfigCarriesServerTables: every language's banner configuration
// carries the server's own tables, so that banner.js keeps no copy: the
// Consent Mode table the inline defaults come from (consentModeTypes) and
// the attributes the rewriter renames (rewrite.RenamedAttrs), which the
// banner restores on a grant.
func TestConfigCarriesServerTables(t *testing.T) {
	c := newTestConsent(t, Options{Languages: []string{"en", "de"}})
	var wantMode [][2]string
	for _, m := range consentModeTypes {
		wantMode = append(wantMode, [2]string{m.name, m.category})
	}
	wantAttrs := rewrite.RenamedAttrs()
	if len(wantAttrs) == 0 {
		t.Fatal("rewrite.RenamedAttrs() is empty")
	}
	for _, lang := range []string{"en", "de"} {
		t.Run(lang, func(t *testing.T) {
			var cfg struct {
				ConsentMode [][2]string `json:"consentMode"`
				Attrs       []string    `json:"attrs"`
			}
			if err := json.Unmarshal(c.texts.configJSON(lang), &cfg); err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(cfg.ConsentMode, wantMode) {
				t.Errorf("consentMode = %v\nwant          %v", cfg.ConsentMode, wantMode)
			}
			if !slices.Equal(cfg.Attrs, wantAttrs) {
				t.Errorf("attrs = %v\nwant    %v", cfg.Attrs, wantAttrs)
			}
		})
	}
}
