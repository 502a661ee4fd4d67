package caddymodule

import (
	"testing"

	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
)

func TestUnmarshalRateLimit(t *testing.T) {
	tests := []struct {
		name, input      string
		perClient, perID int
	}{
		{"absent: defaults", "consent", 0, 0},
		{"both", "consent {\n rate_limit 120 20\n}", 120, 20},
		{"client only", "consent {\n rate_limit 30\n}", 30, 0},
		{"off", "consent {\n rate_limit off off\n}", -1, -1},
		{"client off", "consent {\n rate_limit off 6\n}", -1, 6},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var h Handler
			if err := h.UnmarshalCaddyfile(caddyfile.NewTestDispenser(tt.input)); err != nil {
				t.Fatal(err)
			}
			if h.DecisionsPerClient != tt.perClient || h.DecisionsPerID != tt.perID {
				t.Errorf("got %d per client, %d per id; want %d and %d", h.DecisionsPerClient, h.DecisionsPerID, tt.perClient, tt.perID)
			}
			o, err := h.options(nil)
			if err != nil {
				t.Fatal(err)
			}
			if o.DecisionsPerClient != tt.perClient || o.DecisionsPerID != tt.perID {
				t.Errorf("sdk options: %d per client, %d per id; want %d and %d", o.DecisionsPerClient, o.DecisionsPerID, tt.perClient, tt.perID)
			}
		})
	}
}

func TestUnmarshalRateLimitErrors(t *testing.T) {
	tests := []unmarshalErrorCase{
		{"empty", "consent {\n rate_limit\n}", []string{"wrong argument count", "Testfile:2"}},
		{"three", "consent {\n rate_limit 1 2 3\n}", []string{"wrong argument count", "Testfile:2"}},
		{"zero", "consent {\n rate_limit 0\n}", []string{`rate_limit "0": want decisions a minute`, "Testfile:2"}},
		{"negative", "consent {\n rate_limit 60 -5\n}", []string{`rate_limit "-5"`, "Testfile:2"}},
		{"words", "consent {\n\n rate_limit 60/min\n}", []string{`rate_limit "60/min"`, "Testfile:3"}},
		{"twice", "consent {\n rate_limit 60\n rate_limit 30\n}", []string{"rate_limit: given more than once", "Testfile:3"}},
	}
	checkUnmarshalErrors(t, tests)
}
