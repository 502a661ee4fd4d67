package caddymodule

import (
	"strings"
	"testing"

	"github.com/consentry/consentry/sdk"
)

// TestPlaceholders answers every placeholder from a state, and leaves keys
// that are not ours to other providers.
func TestPlaceholders(t *testing.T) {
	s := &sdk.State{ID: strings.Repeat("ab", 16), Regime: sdk.RegimeOptOut, Decided: true,
		Categories: map[string]bool{"necessary": true, "analytics": true, "advertising": false},
		Signals:    sdk.Signals{GPC: true}}
	for key, want := range map[string]string{
		"regime": "opt-out", "decided": "true", "id": s.ID, "gpc": "true", "dnt": "false",
		"categories": "analytics, necessary", "analytics": "true", "advertising": "false", "necessary": "true",
	} {
		got, ok := consentValue(s, key)
		if !ok || got != want {
			t.Errorf("{http.consent.%s} = %q, %v; want %q", key, got, ok, want)
		}
	}
	if _, ok := consentValue(s, "chat"); ok {
		t.Errorf("{http.consent.chat} answered for a category that is not configured")
	}
}
