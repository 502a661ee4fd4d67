package caddymodule

import "github.com/consentry/consentry/sdk"

// Signals configures the vendor consent signals (sdk.SignalOptions): the
// stubs injected first in <head> with the defaults of the visitor's state,
// and the updates the banner sends on every choice.
type Signals struct {
	// Vendors are the vendors whose signals pages carry: google, uet,
	// clarity, meta, tiktok. Each costs every page its stub, so list only
	// those the site uses; an empty list turns every signal off.
	// Default (null): google only.
	Vendors []string `json:"vendors"`

	// Map overrides the category that grants a signal, keyed
	// "<vendor>.<signal>" ("clarity.analytics_Storage", "meta.consent"),
	// valued a category key ("necessary" for always granted). Default: the
	// built-in table (docs/SIGNALS.md).
	Map map[string]string `json:"map,omitempty"`

	// Advanced are the categories (analytics, advertising) whose Google
	// tags run in Consent Mode's advanced mode: not held, loading at once
	// with denied defaults and sending Google cookieless pings. Default:
	// none (basic: Google's tags are held until their category is granted).
	Advanced []string `json:"advanced,omitempty"`

	// WaitForUpdate is Consent Mode's wait_for_update, in milliseconds.
	// Default: 0 (not sent).
	WaitForUpdate int `json:"wait_for_update,omitempty"`

	// URLPassthrough sets Consent Mode's url_passthrough. Default: false.
	URLPassthrough bool `json:"url_passthrough,omitempty"`

	// NoAdsDataRedaction leaves ads_data_redaction unset. Default: false
	// (set while ad_storage is denied).
	NoAdsDataRedaction bool `json:"no_ads_data_redaction,omitempty"`

	// RegionDefaults adds, before a choice, a Consent Mode default per
	// regime with its locations as the region parameter. Default: false.
	RegionDefaults bool `json:"region_defaults,omitempty"`
}

// options converts s to sdk.SignalOptions; a nil s is the default.
func (s *Signals) options() sdk.SignalOptions {
	if s == nil {
		return sdk.SignalOptions{}
	}
	return sdk.SignalOptions{
		Vendors: s.Vendors,
		Map:     s.Map,
		Google: sdk.GoogleSignals{
			WaitForUpdate:      s.WaitForUpdate,
			URLPassthrough:     s.URLPassthrough,
			NoAdsDataRedaction: s.NoAdsDataRedaction,
			RegionDefaults:     s.RegionDefaults,
			Advanced:           s.Advanced,
		},
	}
}
