package sdk

import (
	"fmt"
	"strings"

	"github.com/consentry/consentry/banner"
)

// CheckVendor reports what is wrong with the site's own vendor vs[i]
// (Options.Vendors), given the configured categories cs: a name, a
// category that exists, valid first-party paths, and cookies with a valid
// name, a party of FirstParty or ThirdParty (a third-party cookie names
// the host it is set on), a lifetime the declaration can show in every
// language ("session", "<n> <unit>" or "<a> to <b>", units from seconds
// to years), and purpose translations keyed by a bundled language. The
// Caddyfile adapter calls it per vendor block, to report the block's line.
func CheckVendor(vs []Vendor, i int, cs []Category) error {
	v := vs[i]
	if strings.TrimSpace(v.Vendor) == "" {
		return fmt.Errorf("vendor: a name is required")
	}
	for j := range i {
		if strings.EqualFold(vs[j].Vendor, v.Vendor) {
			return fmt.Errorf("vendor %q: declared twice", v.Vendor)
		}
	}
	if v.Category == "" {
		return fmt.Errorf("vendor %q: a category is required", v.Vendor)
	}
	if err := CheckCategoryKey(normalKey(v.Category), cs); err != nil {
		return fmt.Errorf("vendor %q: %w", v.Vendor, err)
	}
	for _, p := range v.Paths {
		if err := CheckPath(p); err != nil {
			return fmt.Errorf("vendor %q: paths: %w", v.Vendor, err)
		}
	}
	for _, ck := range v.Cookies {
		if err := checkSiteCookie(ck); err != nil {
			return fmt.Errorf("vendor %q: cookie %q: %w", v.Vendor, ck.Name, err)
		}
	}
	return nil
}

// checkSiteCookie checks one cookie of a site's own vendor.
func checkSiteCookie(ck VendorCookie) error {
	name := strings.TrimSuffix(ck.Name, "*")
	if name == "" || strings.ContainsAny(name, " \t\r\n;,=\"*") {
		return fmt.Errorf("not a cookie name (an exact name, or a prefix and '*')")
	}
	switch ck.Party {
	case FirstParty:
		if ck.Host != "" {
			return fmt.Errorf("a first-party cookie is set on the site's own domain: leave host out")
		}
	case ThirdParty:
		if ck.Host == "" {
			return fmt.Errorf("a third-party cookie needs the host it is set on")
		}
	default:
		return fmt.Errorf("party %q: want %q or %q", ck.Party, FirstParty, ThirdParty)
	}
	if ck.Purpose == "" {
		return fmt.Errorf("a purpose is required (in English; translations in purposes)")
	}
	if ck.Lifetime == "" || !lifetimeReadable(ck.Lifetime) {
		return fmt.Errorf("lifetime %q: want \"session\", \"<n> <unit>\" or \"<a> to <b> <unit>\", units seconds to years", ck.Lifetime)
	}
	for lang := range ck.Purposes {
		if b, ok := banner.Bundled(lang); !ok || b != lang {
			return fmt.Errorf("purpose in %q: not a bundled language", lang)
		}
	}
	return nil
}

// lifetimeReadable reports whether localLifetime can render the English
// lifetime s from the bundles' units (it is then readable in every
// language).
func lifetimeReadable(s string) bool {
	t := banner.Texts(banner.DefaultLanguage)
	if from, to, ok := strings.Cut(s, " to "); ok {
		_, a := lifetimePart(banner.DefaultLanguage, t, from, to)
		_, b := lifetimePart(banner.DefaultLanguage, t, to, "")
		return a && b
	}
	_, ok := lifetimePart(banner.DefaultLanguage, t, s, "")
	return ok
}

// siteVendors returns the site's own vendors with their keys and cookie
// names normalised, ready for withCatalogue.
func siteVendors(vs []Vendor) []Vendor {
	out := make([]Vendor, len(vs))
	for i, v := range vs {
		v = cloneVendor(v)
		v.Category = normalKey(v.Category)
		out[i] = v
	}
	return out
}
