package caddymodule

import (
	"strings"
	"testing"

	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"

	"github.com/consentry/consentry/sdk"
)

// TestGuardReachesTheEngine: "guard auto", "guard file" and "guard
// inline" become sdk.Options.Guard, which the engine accepts; no guard
// line leaves the default (auto).
func TestGuardReachesTheEngine(t *testing.T) {
	for _, tc := range []struct {
		input string
		want  sdk.GuardPlacement
	}{
		{"consent {\n guard file\n}", sdk.GuardFile},
		{"consent {\n guard inline\n}", sdk.GuardInline},
		{"consent {\n guard auto\n}", sdk.GuardAuto},
		{"consent {\n policy_version 1\n}", ""},
	} {
		var h Handler
		if err := h.UnmarshalCaddyfile(caddyfile.NewTestDispenser(tc.input)); err != nil {
			t.Fatalf("%q: %v", tc.input, err)
		}
		o, err := h.options(nil)
		if err != nil {
			t.Fatal(err)
		}
		if o.Guard != tc.want {
			t.Errorf("%q: sdk options guard %q, want %q", tc.input, o.Guard, tc.want)
		}
		if _, err := sdk.New(o); err != nil {
			t.Errorf("%q: sdk.New: %v", tc.input, err)
		}
	}
}

// TestGuardErrors: a bad guard line fails at load, naming the line.
func TestGuardErrors(t *testing.T) {
	for _, tc := range []struct{ input, want string }{
		{"consent {\n policy_version 1\n guard external\n}", `guard "external": want auto, inline or file, at Testfile:3`},
		{"consent {\n guard \"\"\n}", `guard "": want auto, inline or file, at Testfile:2`},
		{"consent {\n guard\n}", "wrong argument count or unexpected line ending after 'guard', at Testfile:2"},
		{"consent {\n guard file inline\n}", "wrong argument count or unexpected line ending after 'inline', at Testfile:2"},
		{"consent {\n guard file\n guard inline\n}", "guard: given more than once, at Testfile:3"},
	} {
		var h Handler
		err := h.UnmarshalCaddyfile(caddyfile.NewTestDispenser(tc.input))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: error %v, want %q", tc.input, err, tc.want)
		}
	}
}
