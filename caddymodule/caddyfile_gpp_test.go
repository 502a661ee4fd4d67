package caddymodule

import (
	"reflect"
	"strings"
	"testing"

	"github.com/caddyserver/caddy/v2/caddytest"

	"github.com/consentry/consentry/sdk"
)

func TestUnmarshalGPP(t *testing.T) {
	tests := []struct {
		name, input string
		want        sdk.GPPOptions
	}{
		{"absent: off", "consent", sdk.GPPOptions{}},
		{"off", "consent {\n gpp off\n}", sdk.GPPOptions{}},
		{"bare: on", "consent {\n gpp\n}", sdk.GPPOptions{On: true}},
		{"block", `consent {
	gpp {
		states CA VA
		states TX
		notice SaleOptOutNotice no
		notice SensitiveDataLimitUseNotice yes
		notice ProcessingNotice n/a
		mspa service_provider
		cmp_id 300
	}
}`, sdk.GPPOptions{On: true, States: []string{"CA", "VA", "TX"}, MSPA: sdk.GPPMSPAServiceProvider, CmpID: 300,
			Notices: map[string]int{"SaleOptOutNotice": 2, "SensitiveDataLimitUseNotice": 1, "ProcessingNotice": 0}}},
		{"all, opt_out", "consent {\n gpp {\n  states all\n  mspa opt_out\n }\n}",
			sdk.GPPOptions{On: true, States: []string{"all"}, MSPA: sdk.GPPMSPAOptOut}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			back, raw := throughJSON(t, tt.input)
			o, err := back.options(nil)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(o.GPP, tt.want) {
				t.Errorf("gpp = %#v\nwant  %#v\n(JSON %s)", o.GPP, tt.want, raw)
			}
			if _, err := sdk.New(o); err != nil {
				t.Errorf("sdk.New: %v", err)
			}
		})
	}
}

func TestUnmarshalGPPErrors(t *testing.T) {
	tests := []unmarshalErrorCase{
		{"argument", "consent {\n gpp on\n}", []string{"wrong argument count", "Testfile:2"}},
		{"off with a block", "consent {\n gpp off {\n  mspa opt_out\n }\n}", []string{"gpp off: takes no block", "Testfile:3"}},
		{"twice", "consent {\n gpp\n gpp\n}", []string{"gpp: given more than once", "Testfile:3"}},
		{"unknown subdirective", "consent {\n gpp {\n  cmp 3\n }\n}", []string{`unrecognized gpp subdirective "cmp"`, "Testfile:3"}},
		{"unknown state", "consent {\n gpp {\n\n  states CA NY\n }\n}", []string{`gpp states "NY": no GPP section for state "NY"`, "Testfile:4"}},
		{"lower-case state", "consent {\n gpp {\n  states ca\n }\n}", []string{`gpp states "ca"`, "Testfile:3"}},
		{"no states", "consent {\n gpp {\n  states\n }\n}", []string{"wrong argument count", "Testfile:3"}},
		{"unknown notice", "consent {\n gpp {\n  notice SaleNotice yes\n }\n}", []string{`gpp notice "SaleNotice": unknown notice field`, "Testfile:3"}},
		{"notice value", "consent {\n gpp {\n  notice SaleOptOutNotice 3\n }\n}", []string{`gpp notice SaleOptOutNotice "3": want yes`, "Testfile:3"}},
		{"notice arity", "consent {\n gpp {\n  notice SaleOptOutNotice\n }\n}", []string{"wrong argument count", "Testfile:3"}},
		{"mspa", "consent {\n gpp {\n  mspa covered\n }\n}", []string{`gpp mspa "covered": want off, opt_out or service_provider`, "Testfile:3"}},
		{"mspa twice", "consent {\n gpp {\n  mspa off\n  mspa opt_out\n }\n}", []string{"gpp mspa: given more than once", "Testfile:4"}},
		{"cmp_id", "consent {\n gpp {\n  cmp_id 0\n }\n}", []string{`gpp cmp_id "0": want a number from 1 to 4095`, "Testfile:3"}},
		{"cmp_id words", "consent {\n gpp {\n  cmp_id ten\n }\n}", []string{`gpp cmp_id "ten"`, "Testfile:3"}},
	}
	checkUnmarshalErrors(t, tests)
}

// TestIntegrationGPP: through the built module, the placeholders carry
// the visitor's GPP string and section ids, the ones the state has.
func TestIntegrationGPP(t *testing.T) {
	cfg := regimesSite("country_header CF-IPCountry\n\t\tregion_header CF-Region-Code\n\t\tgpp {\n\t\t\tstates CA\n\t\t}")
	cfg = strings.Replace(cfg, "\thandle /state {\n", "\thandle /gpp {\n\t\trespond \"{http.consent.gpp}|{http.consent.gpp_sid}\"\n\t}\n\thandle /state {\n", 1)
	tester := caddytest.NewTester(t)
	tester.InitServer(cfg, "caddyfile")
	if t.Failed() {
		t.FailNow()
	}
	for _, tc := range []struct {
		header map[string]string
		sid    string
	}{
		{map[string]string{"CF-IPCountry": "US", "CF-Region-Code": "CA", "Sec-GPC": "1"}, "7,8"},
		{map[string]string{"CF-IPCountry": "US", "CF-Region-Code": "TX"}, "7"},
		{map[string]string{"CF-IPCountry": "DE"}, "-1"},
	} {
		s := getState(t, tc.header)
		if s.GPP == nil {
			t.Fatalf("%v: no GPP in the state", tc.header)
		}
		want := s.GPP.String + "|" + tc.sid
		if _, got := getWith(t, "/gpp", tc.header); got != want || s.GPP.SIDList() != tc.sid {
			t.Errorf("/gpp with %v = %q, want %q (state sid %s)", tc.header, got, want, s.GPP.SIDList())
		}
	}
}
