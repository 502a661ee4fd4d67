package sdk

import (
	"fmt"
	"slices"
	"strings"
)

// The vendors whose consent signals the page can carry (SignalOptions.Vendors).
const (
	SignalGoogle  = "google"  // Google Consent Mode v2: gtag('consent', …)
	SignalUET     = "uet"     // Microsoft Advertising UET: uetq.push('consent', …)
	SignalClarity = "clarity" // Microsoft Clarity: clarity('consentv2', …)
	SignalMeta    = "meta"    // Meta pixel: fbq('consent', 'grant'|'revoke')
	SignalTikTok  = "tiktok"  // TikTok pixel: ttq.grantConsent() / ttq.revokeConsent()
)

// signalVendors are the vendors, in the order their stubs are written.
var signalVendors = []string{SignalGoogle, SignalUET, SignalClarity, SignalMeta, SignalTikTok}

// signalRow maps one vendor signal to the category that grants it.
type signalRow struct{ vendor, name, category string }

// key is the row's name in SignalOptions.Map: "<vendor>.<signal>".
func (r signalRow) key() string { return r.vendor + "." + r.name }

// signalTable is the one table every vendor signal comes from: the page's
// defaults (signals_stub.go) and the banner's update on a choice
// (bannerConfig.Signals). A signal is "granted" when its category is;
// Necessary is always granted. SignalOptions.Map overrides the category of
// any row. Meta and TikTok have one switch each, named "consent".
var signalTable = []signalRow{
	{SignalGoogle, "ad_storage", Advertising},
	{SignalGoogle, "ad_user_data", Advertising},
	{SignalGoogle, "ad_personalization", Advertising},
	{SignalGoogle, "analytics_storage", Analytics},
	{SignalGoogle, "functionality_storage", Preferences},
	{SignalGoogle, "personalization_storage", Preferences},
	{SignalGoogle, "security_storage", Necessary},
	{SignalUET, "ad_storage", Advertising},
	{SignalClarity, "ad_Storage", Advertising}, // sic: Clarity spells them with a capital S
	{SignalClarity, "analytics_Storage", Analytics},
	{SignalMeta, "consent", Advertising},
	{SignalTikTok, "consent", Advertising},
}

// SignalOptions configures the vendor consent signals: the stubs injected
// first in <head>, before any tag, with the defaults the visitor's state
// gives, and the updates the banner sends after every choice.
type SignalOptions struct {
	// Vendors are the vendors whose signals pages carry (SignalGoogle,
	// SignalUET, SignalClarity, SignalMeta, SignalTikTok). Each costs
	// every page its stub, so list only the vendors the site uses. A
	// non-nil empty list turns every signal off. Default (nil): Google
	// only.
	Vendors []string

	// Map overrides the category that grants a signal, keyed
	// "<vendor>.<signal>" ("clarity.analytics_Storage", "meta.consent"):
	// the value is a category key, or "necessary" for always granted.
	// Default: the built-in table (docs/SIGNALS.md).
	Map map[string]string

	// Google holds the Google Consent Mode v2 options.
	Google GoogleSignals
}

// CheckSignalVendor reports a vendor name SignalOptions.Vendors does not know.
func CheckSignalVendor(v string) error {
	if slices.Contains(signalVendors, v) {
		return nil
	}
	return fmt.Errorf("unknown signal vendor%s (vendors: %s)", didYouMean(v, signalVendors), strings.Join(signalVendors, ", "))
}

// CheckSignalName reports a key of SignalOptions.Map that names no signal
// of the table.
func CheckSignalName(name string) error {
	var names []string
	for _, r := range signalTable {
		if r.key() == name {
			return nil
		}
		names = append(names, r.key())
	}
	return fmt.Errorf("unknown signal%s (signals: %s)", didYouMean(name, names), strings.Join(names, ", "))
}

// signalSet is the resolved signal configuration of a Consent.
type signalSet struct {
	on     map[string]bool // vendor → its stub is injected
	rows   []signalRow     // the table with Map applied, enabled vendors only
	google GoogleSignals
	// regions are the regime table's locations per regime, for
	// GoogleSignals.RegionDefaults.
	regions map[Regime][]string
}

// newSignalSet checks o against the configured category keys and resolves
// the table.
func newSignalSet(o SignalOptions, keys map[string]bool, regimes *regimeTable) (*signalSet, error) {
	vendors := o.Vendors
	if vendors == nil {
		vendors = []string{SignalGoogle}
	}
	s := &signalSet{on: map[string]bool{}, google: o.Google}
	for _, v := range vendors {
		if err := CheckSignalVendor(v); err != nil {
			return nil, fmt.Errorf("signals %q: %w", v, err)
		}
		s.on[v] = true
	}
	for name, cat := range o.Map {
		if err := CheckSignalName(name); err != nil {
			return nil, fmt.Errorf("signal map %q: %w", name, err)
		}
		if !keys[cat] {
			return nil, fmt.Errorf("signal map %s %q: unknown category", name, cat)
		}
	}
	for _, r := range signalTable {
		if !s.on[r.vendor] {
			continue
		}
		if cat, ok := o.Map[r.key()]; ok {
			r.category = cat
		}
		s.rows = append(s.rows, r)
	}
	if err := checkGoogleSignals(o.Google, keys); err != nil {
		return nil, err
	}
	if o.Google.RegionDefaults {
		s.regions = regimes.locations()
	}
	return s, nil
}

// vendorRows returns the rows of one vendor.
func (s *signalSet) vendorRows(vendor string) []signalRow {
	var out []signalRow
	for _, r := range s.rows {
		if r.vendor == vendor {
			out = append(out, r)
		}
	}
	return out
}

// triples returns the rows as [vendor, signal, category] triples, the
// form the banner configuration carries them in (bannerConfig.Signals).
func (s *signalSet) triples() [][3]string {
	out := make([][3]string, len(s.rows))
	for i, r := range s.rows {
		out[i] = [3]string{r.vendor, r.name, r.category}
	}
	return out
}
