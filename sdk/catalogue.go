package sdk

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sync"

	"github.com/consentry/consentry/sdk/internal/match"
)

// Vendor is one entry of the built-in catalogue: a third party with the
// hosts, inline-script patterns and cookies that belong to it.
type Vendor struct {
	// Vendor is the display name, unique in the catalogue.
	Vendor string `json:"vendor"`
	// Category is the key of the category the vendor belongs to.
	Category string `json:"category"`
	// PrivacyURL is the vendor's privacy policy (https).
	PrivacyURL string `json:"privacy_url"`
	// Hosts are the vendor's script, iframe and pixel origins; each also
	// matches its subdomains.
	Hosts []string `json:"hosts,omitempty"`
	// Patterns are substrings that mark an inline script as the vendor's:
	// its loader snippet and the calls of its queue, not its URLs.
	Patterns []string `json:"patterns,omitempty"`
	// Paths are first-party path prefixes the vendor documents as fixed
	// defaults for serving its tags from the site's own host (see
	// Category.Paths). Tag gateways and server-side tag managers let the
	// operator choose the path, so most vendors have none.
	Paths []string `json:"paths,omitempty"`
	// Cookies are the cookies the vendor sets, for the cookie declaration
	// and (first-party ones) for the Set-Cookie and Cookie filters.
	Cookies []VendorCookie `json:"cookies,omitempty"`
	// Source says where the entry comes from: "" for the hand-written
	// vendors, SourceThirdPartyWeb or SourceOpenCookieDatabase for those
	// only the datasets know and for what a dataset adds to a hand-written
	// vendor (an entry of the same name, category and privacy policy).
	Source string `json:"source,omitempty"`
}

// The values of Vendor.Source for vendors that come from a dataset
// (sdk/internal/catalogue).
const (
	// SourceThirdPartyWeb marks a vendor from third-party-web: a name, a
	// category and hosts.
	SourceThirdPartyWeb = "third-party-web"
	// SourceOpenCookieDatabase marks a vendor known only by its cookies in
	// the Open Cookie Database: no hosts, nothing blocked.
	SourceOpenCookieDatabase = "open-cookie-database"
)

// The values of VendorCookie.Party.
const (
	FirstParty = "first"
	ThirdParty = "third"
)

// VendorCookie is one cookie a vendor sets, as a cookie declaration shows it.
type VendorCookie struct {
	// Name is the exact cookie name, or a prefix followed by '*' for a
	// family of names such as "_ga_*".
	Name string `json:"name"`
	// Purpose says what the cookie is for, in English.
	Purpose string `json:"purpose"`
	// Purposes translates Purpose, keyed by bundled language tag ("de",
	// "pt-BR"); the declaration shows the visitor's, else English. The
	// built-in catalogue has none; the site's own vendors may.
	Purposes map[string]string `json:"purposes,omitempty"`
	// Lifetime is how long the cookie lives, in English ("2 years",
	// "session").
	Lifetime string `json:"lifetime"`
	// Party is FirstParty when the cookie is set on the site's own domain
	// (by the vendor's script or the site), ThirdParty when it is set on
	// the vendor's domain.
	Party string `json:"party"`
	// Host is the domain a third-party cookie is set on; empty for
	// first-party cookies.
	Host string `json:"host,omitempty"`
	// DeclarationOnly keeps a first-party cookie out of the Set-Cookie and
	// Cookie filters: it is declared, never dropped. The datasets' cookies
	// are, unless their name is distinctive and their vendor is one the
	// catalogue matches by host.
	DeclarationOnly bool `json:"declaration_only,omitempty"`
}

// filtered reports whether the Set-Cookie and Cookie filters act on c: a
// first-party cookie not marked DeclarationOnly. Third-party cookies live
// on the vendor's domain, so the site never receives or sets them.
func (c VendorCookie) filtered() bool { return c.Party != ThirdParty && !c.DeclarationOnly }

//go:generate go test ./internal/catalogue -run TestCatalogueGenerated -update

//go:embed catalogue.json
var catalogueJSON []byte

// BuiltinCatalogue returns the built-in vendor catalogue, a fresh copy the
// caller may modify.
func BuiltinCatalogue() []Vendor {
	vs := slices.Clone(builtin())
	for i := range vs {
		vs[i] = cloneVendor(vs[i])
	}
	return vs
}

// builtin is the parsed catalogue; it is never modified.
var builtin = sync.OnceValue(func() []Vendor {
	var vs []Vendor
	if err := json.Unmarshal(catalogueJSON, &vs); err != nil {
		panic("sdk: built-in catalogue.json is invalid: " + err.Error())
	}
	return vs
})

// handWritten returns the vendors of the hand-written part of the
// catalogue (Source ""): those the guard's inline table, the banner and
// the cookie declaration list. The datasets' vendors are matched on the
// server (hosts, filtered cookies) and looked up (CookieInfo, the
// inventory), not listed: thousands of them would make every page, the
// banner configuration and the consent notice tens of times larger.
func handWritten(vendors []Vendor) []Vendor {
	var out []Vendor
	for _, v := range vendors {
		if v.Source == "" {
			out = append(out, v)
		}
	}
	return out
}

// CookieInfo looks a cookie name up in the built-in catalogue and returns
// the cookie's entry and its vendor (whose Category and Vendor name the
// cookie declaration shows). See LookupCookie for the rules.
func CookieInfo(name string) (VendorCookie, Vendor, bool) {
	return LookupCookie(builtin(), name)
}

// LookupCookie finds the entry for a cookie name in vendors, with the
// precedence of every cookie lookup (match.Names): an entry whose Name
// equals name wins; otherwise the "prefix*" entry with the longest matching
// prefix (a pattern's own name, "_ga_*", finds it), the first in catalogue
// order on a tie. The returned Vendor's slices
// are copies.
func LookupCookie(vendors []Vendor, name string) (VendorCookie, Vendor, bool) {
	type ref struct{ vendor, cookie int }
	var names match.Names[ref]
	for i, v := range vendors {
		for j, c := range v.Cookies {
			names.Add(c.Name, ref{i, j})
		}
	}
	r, ok := names.Lookup(name)
	if !ok {
		return VendorCookie{}, Vendor{}, false
	}
	v := vendors[r.vendor]
	return v.Cookies[r.cookie], cloneVendor(v), true
}

// cloneCategories returns a copy of cats whose slices withCatalogue may
// append to without touching cats'.
func cloneCategories(cats []Category) []Category {
	out := slices.Clone(cats)
	for i := range out {
		out[i].Hosts = slices.Clip(out[i].Hosts)
		out[i].Patterns = slices.Clip(out[i].Patterns)
		out[i].Paths = slices.Clip(out[i].Paths)
		out[i].Cookies = slices.Clip(out[i].Cookies)
	}
	return out
}

func cloneVendor(v Vendor) Vendor {
	v.Hosts = slices.Clone(v.Hosts)
	v.Patterns = slices.Clone(v.Patterns)
	v.Paths = slices.Clone(v.Paths)
	v.Cookies = slices.Clone(v.Cookies)
	for i := range v.Cookies {
		v.Cookies[i].Purposes = maps.Clone(v.Cookies[i].Purposes)
	}
	return v
}

// withCatalogue adds the vendors' hosts, patterns and first-party cookie
// names to the categories of the same key. A vendor whose category is not
// configured is an error: the operator removed a category the catalogue
// still needs.
//
// Third-party cookies are left out of Category.Cookies: they live on the
// vendor's domain, so the site never receives or sets them, and their often
// generic names ("test_cookie", "PREF", "lang") would only make the filters
// drop the site's own cookies of the same name. So are those marked
// DeclarationOnly. Both stay in the catalogue for the cookie declaration.
func withCatalogue(cats []Category, vendors []Vendor) ([]Category, error) {
	index := make(map[string]int, len(cats))
	for i, c := range cats {
		index[c.Key] = i
	}
	for _, v := range vendors {
		i, ok := index[v.Category]
		if !ok {
			return nil, fmt.Errorf("catalogue vendor %q: unknown category %q", v.Vendor, v.Category)
		}
		c := &cats[i]
		c.Hosts = append(c.Hosts, v.Hosts...)
		c.Patterns = append(c.Patterns, v.Patterns...)
		c.Paths = append(c.Paths, v.Paths...)
		for _, ck := range v.Cookies {
			if ck.filtered() {
				c.Cookies = append(c.Cookies, ck.Name)
			}
		}
	}
	return cats, nil
}
