package caddymodule

import (
	"reflect"
	"testing"

	"github.com/consentry/consentry/sdk"
)

func TestUnmarshalSignals(t *testing.T) {
	tests := []struct {
		name, input string
		want        sdk.SignalOptions
	}{
		{"absent: google", "consent", sdk.SignalOptions{}},
		{"bare: google", "consent {\n signals\n}", sdk.SignalOptions{}},
		{"off", "consent {\n signals off\n}", sdk.SignalOptions{Vendors: []string{}}},
		{"vendors", "consent {\n signals google uet clarity meta tiktok\n}",
			sdk.SignalOptions{Vendors: []string{"google", "uet", "clarity", "meta", "tiktok"}}},
		{"block", `consent {
	signals google clarity {
		map clarity.analytics_Storage preferences
		map google.security_storage necessary
		advanced analytics
		advanced advertising
		wait_for_update 500
		url_passthrough
		ads_data_redaction off
		region_defaults on
	}
}`, sdk.SignalOptions{Vendors: []string{"google", "clarity"},
			Map: map[string]string{"clarity.analytics_Storage": "preferences", "google.security_storage": "necessary"},
			Google: sdk.GoogleSignals{WaitForUpdate: 500, URLPassthrough: true, NoAdsDataRedaction: true,
				RegionDefaults: true, Advanced: []string{"analytics", "advertising"}}}},
		{"map to a category defined after", `consent {
	signals meta {
		map meta.consent marketing
	}
	category marketing {
		label Marketing
	}
}`, sdk.SignalOptions{Vendors: []string{"meta"}, Map: map[string]string{"meta.consent": "marketing"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Through JSON, as Caddy loads it: a null vendor list stays
			// the default, an empty one stays none.
			back, raw := throughJSON(t, tt.input)
			o, err := back.options(nil)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(o.Signals, tt.want) {
				t.Errorf("signals = %#v\nwant      %#v\n(JSON %s)", o.Signals, tt.want, raw)
			}
			if _, err := sdk.New(o); err != nil {
				t.Errorf("sdk.New: %v", err)
			}
		})
	}
}

func TestUnmarshalSignalsErrors(t *testing.T) {
	tests := []unmarshalErrorCase{
		{"unknown vendor", "consent {\n signals google facebook\n}", []string{`signals "facebook": unknown signal vendor`, "Testfile:2"}},
		{"off with others", "consent {\n signals off google\n}", []string{`signals "off": unknown signal vendor`, "Testfile:2"}},
		{"twice", "consent {\n signals\n signals uet\n}", []string{"signals: given more than once", "Testfile:3"}},
		{"unknown subdirective", "consent {\n signals {\n  wait 500\n }\n}", []string{`unrecognized signals subdirective "wait"`, "Testfile:3"}},
		{"map arity", "consent {\n signals {\n  map clarity.ad_Storage\n }\n}", []string{"wrong argument count", "Testfile:3"}},
		{"map unknown signal", "consent {\n signals clarity {\n\n  map clarity.analytics_storage analytics\n }\n}",
			[]string{`signals map "clarity.analytics_storage": unknown signal; did you mean "clarity.analytics_Storage"?`, "Testfile:4"}},
		{"map unknown category", "consent {\n signals uet {\n  map uet.ad_storage ads\n }\n}",
			[]string{`signals map uet.ad_storage "ads": unknown category`, "Testfile:3"}},
		{"advanced social", "consent {\n signals {\n  advanced analytics social\n }\n}",
			[]string{`signals advanced "social": no Google tag belongs to it`, "Testfile:3"}},
		{"advanced empty", "consent {\n signals {\n  advanced\n }\n}", []string{"wrong argument count", "Testfile:3"}},
		{"wait words", "consent {\n signals {\n  wait_for_update 1s\n }\n}", []string{`signals wait_for_update "1s": want milliseconds`, "Testfile:3"}},
		{"wait negative", "consent {\n signals {\n  wait_for_update -5\n }\n}", []string{`signals wait_for_update "-5"`, "Testfile:3"}},
		{"setting twice", "consent {\n signals {\n  url_passthrough\n  url_passthrough off\n }\n}", []string{"signals url_passthrough: given more than once", "Testfile:4"}},
		{"bad bool", "consent {\n signals {\n  region_defaults maybe\n }\n}", []string{`region_defaults "maybe": want on or off`, "Testfile:3"}},
	}
	checkUnmarshalErrors(t, tests)
}
