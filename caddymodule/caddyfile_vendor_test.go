package caddymodule

import (
	"reflect"
	"testing"

	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"github.com/consentry/consentry/sdk"
)

func TestUnmarshalVendor(t *testing.T) {
	input := `consent {
	vendor "Nimbus Stats" {
		category analytics
		privacy_url https://stats.nimbus.example/privacy
		hosts stats.nimbus.example cdn.nimbus.example
		paths /stats/
		patterns "nimbus('init'"
		cookie _ns_id {
			purpose "Counts unique visitors"
			purpose de "Zählt eindeutige Besucher"
			lifetime 13 months
		}
		cookie ns_sync {
			purpose "Syncs visitor ids"
			lifetime session
			party third
			host nimbus.example
		}
	}
}`
	var h Handler
	if err := h.UnmarshalCaddyfile(caddyfile.NewTestDispenser(input)); err != nil {
		t.Fatal(err)
	}
	want := []sdk.Vendor{{
		Vendor: "Nimbus Stats", Category: "analytics", PrivacyURL: "https://stats.nimbus.example/privacy",
		Hosts: []string{"stats.nimbus.example", "cdn.nimbus.example"}, Paths: []string{"/stats/"}, Patterns: []string{"nimbus('init'"},
		Cookies: []sdk.VendorCookie{
			{Name: "_ns_id", Purpose: "Counts unique visitors", Purposes: map[string]string{"de": "Zählt eindeutige Besucher"}, Lifetime: "13 months", Party: sdk.FirstParty},
			{Name: "ns_sync", Purpose: "Syncs visitor ids", Lifetime: "session", Party: sdk.ThirdParty, Host: "nimbus.example"},
		},
	}}
	if !reflect.DeepEqual(h.Vendors, want) {
		t.Errorf("Vendors = %+v\nwant %+v", h.Vendors, want)
	}
	if _, err := sdk.New(sdk.Options{Vendors: h.Vendors}); err != nil {
		t.Errorf("sdk.New: %v", err)
	}
}

func TestUnmarshalVendorErrors(t *testing.T) {
	vendor := func(body string) string {
		return "consent {\n vendor \"Nimbus\" {\n category analytics\n" + body + " }\n}"
	}
	cookie := func(body string) string {
		return vendor(" cookie _ns {\n" + body + " }\n")
	}
	tests := []unmarshalErrorCase{
		{"no name", "consent {\n vendor {\n category analytics\n }\n}", []string{"wrong argument count", "Testfile:2"}},
		{"unknown subdirective", vendor(" host x.example\n"), []string{`unrecognized vendor subdirective "host"`, "Testfile:4"}},
		{"unknown category", "consent {\n policy_version 1\n vendor \"Nimbus\" {\n category analytcs\n }\n}", []string{`did you mean "analytics"`, "Testfile:3"}},
		{"no category", "consent {\n vendor \"Nimbus\" {\n hosts n.example\n }\n}", []string{"a category is required", "Testfile:2"}},
		{"bad path", vendor(" paths metrics/\n"), []string{`path "metrics/"`, "Testfile:4"}},
		{"bad party", cookie(" purpose x\n lifetime 1 day\n party 1st\n"), []string{"party: want first or third", "Testfile:7"}},
		{"no purpose", cookie(" lifetime 1 day\n"), []string{"a purpose is required", "Testfile:2"}},
		{"unreadable lifetime", cookie(" purpose x\n lifetime forever\n"), []string{`lifetime "forever"`, "Testfile:2"}},
		{"third party without host", cookie(" purpose x\n lifetime 1 day\n party third\n"), []string{"needs the host", "Testfile:2"}},
		{"unknown cookie subdirective", cookie(" purpose x\n expires 1 day\n"), []string{`unrecognized cookie subdirective "expires"`, "Testfile:6"}},
		{"declared twice", "consent {\n vendor N {\n category analytics\n }\n vendor n {\n category ads\n }\n}", []string{"declared twice", "Testfile:5"}},
	}
	checkUnmarshalErrors(t, tests)
}
