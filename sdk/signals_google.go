package sdk

import (
	"fmt"
	"slices"
	"sort"
	"strings"
)

// GoogleSignals are the Google Consent Mode v2 options (SignalOptions.Google).
type GoogleSignals struct {
	// WaitForUpdate is the wait_for_update of the default, in
	// milliseconds: how long Google tags wait for an update before
	// firing. The server already knows the state, so the default is the
	// answer and nothing needs to wait. Default: 0 (not sent).
	WaitForUpdate int

	// URLPassthrough sets url_passthrough: while ad_storage or
	// analytics_storage is denied, Google tags carry ad-click ids (gclid,
	// dclid…) in the URLs of links instead of cookies. Default: false.
	URLPassthrough bool

	// NoAdsDataRedaction leaves ads_data_redaction unset. By default it is
	// set while ad_storage is denied, so Google's ad tags redact ad-click
	// ids from what they send. Default: false (redaction on).
	NoAdsDataRedaction bool

	// RegionDefaults adds, for a visitor who has not chosen, a default
	// per regime with its locations as the region parameter (the regime
	// table: built-in plus Options.Regimes), the consent that regime
	// gives before a choice; Google applies the one matching its own
	// geolocation of the visitor, the visitor's own default everywhere
	// else. Useful for Google tags in advanced mode when Consentry has no
	// location source. Default: false.
	RegionDefaults bool

	// Advanced are the categories whose Google tags run in Consent Mode's
	// advanced mode: they are not held, and load at once with the
	// visitor's denied defaults, sending Google cookieless pings
	// (docs/SIGNALS.md says what that costs the visitor's privacy). The
	// other categories are basic: Google's tags are held until the
	// category is granted. Default: none (every category basic).
	Advanced []string
}

// checkGoogleSignals checks g against the configured category keys.
func checkGoogleSignals(g GoogleSignals, keys map[string]bool) error {
	if g.WaitForUpdate < 0 {
		return fmt.Errorf("google wait_for_update %d: want milliseconds, 0 or more", g.WaitForUpdate)
	}
	for _, k := range g.Advanced {
		if !keys[k] {
			return fmt.Errorf("google advanced %q: unknown category", k)
		}
		if err := CheckGoogleAdvanced(k); err != nil {
			return fmt.Errorf("google advanced %q: %w", k, err)
		}
	}
	return nil
}

// CheckGoogleAdvanced reports a category GoogleSignals.Advanced cannot
// name: one no Google tag belongs to (necessary among them).
func CheckGoogleAdvanced(key string) error {
	if _, ok := googleTag[key]; !ok {
		return fmt.Errorf("no Google tag belongs to it (advanced applies to %s)", strings.Join(googleTagCategories(), ", "))
	}
	return nil
}

// googleTag lists, per catalogue category, the hosts and inline patterns
// of the Google tag: gtag.js and Tag Manager, Google Analytics 4, Google
// Ads conversions and remarketing, which read Consent Mode. In advanced
// mode for the category they are not held. AdSense and Ad Manager
// (googlesyndication.com, securepubads.g.doubleclick.net, adsbygoogle)
// stay held: they are not driven by these Consent Mode defaults.
// googletagmanager.com serves the Google tag for every product, and the
// catalogue puts it, and the gtag('config') snippet, in analytics: advanced
// advertising without advanced analytics still waits for analytics.
var googleTag = map[string]struct{ hosts, patterns []string }{
	Analytics: {
		hosts:    []string{"googletagmanager.com", "google-analytics.com", "analytics.google.com"},
		patterns: []string{"gtag('config'", `gtag("config"`},
	},
	Advertising: {
		hosts: []string{"googleadservices.com", "googleads.g.doubleclick.net", "ad.doubleclick.net"},
		patterns: []string{"gtag('event', 'conversion'", `gtag("event", "conversion"`,
			"google_conversion_id"},
	},
}

// googleTagCategories lists the categories googleTag has, for errors.
func googleTagCategories() []string {
	var out []string
	for k := range googleTag {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// googleAdvanced applies advanced mode to the held view of the categories:
// it returns cats with the Google tag's patterns removed from each
// advanced category (cats itself is not changed), and per advanced
// category the Google tag's hosts, which the matcher and the guard must
// let through even where a parent domain is held
// (googleads.g.doubleclick.net under doubleclick.net).
func googleAdvanced(cats []Category, advanced []string) (held, pass []Category) {
	if len(advanced) == 0 {
		return cats, nil
	}
	held = slices.Clone(cats)
	for i := range held {
		c := &held[i]
		if !slices.Contains(advanced, c.Key) {
			continue
		}
		tag := googleTag[c.Key]
		c.Patterns = slices.DeleteFunc(slices.Clone(c.Patterns), func(p string) bool {
			return slices.Contains(tag.patterns, p)
		})
		pass = append(pass, Category{Key: c.Key, Hosts: tag.hosts})
	}
	return held, pass
}

// locations returns the table's keys per regime, sorted: the region
// lists of GoogleSignals.RegionDefaults ("US-CA" is ISO 3166-2, as
// Google's region parameter wants).
func (t *regimeTable) locations() map[Regime][]string {
	out := map[Regime][]string{}
	for k, r := range t.table {
		out[r] = append(out[r], k)
	}
	for _, l := range out {
		sort.Strings(l)
	}
	return out
}
