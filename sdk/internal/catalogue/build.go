package catalogue

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/consentry/consentry/sdk"
)

// Overrides is overrides.json: our corrections and hand-written knowledge,
// which win over the datasets.
type Overrides struct {
	// Vendors are the hand-written vendors, written to the catalogue first
	// and unchanged but for cookies and hosts the datasets add. A dataset
	// host equal to, under or above one of their hosts is left out.
	Vendors []sdk.Vendor `json:"vendors"`
	// Entities correct third-party-web entities, by entity name.
	Entities map[string]Entity `json:"entities"`
	// Platforms ties an Open Cookie Database platform to the hand-written
	// vendor it is, where the names differ.
	Platforms map[string]string `json:"platforms"`
	// NeverBlock are domains that serve far more than one vendor's tags or
	// the sites' own resources: neither they nor a parent of them may come
	// from a dataset.
	NeverBlock []string `json:"never_block"`
	// GenericCookies are cookie names (compared without case; a prefix of
	// a family is compared without its '*') that sites use for their own
	// cookies: declared, never filtered.
	GenericCookies []string `json:"generic_cookies"`
	// GenericWords are lowercase substrings that keep a dataset cookie
	// name out of the filters wherever they appear ("consent", "optout").
	GenericWords []string `json:"generic_words"`
}

// Entity corrects one third-party-web entity.
type Entity struct {
	// Category replaces the mapped category: a category key, or None for
	// an entity that is never blocked.
	Category string `json:"category,omitempty"`
	// Vendor names the hand-written vendor the entity is: its hosts join
	// that vendor, in the vendor's category.
	Vendor string `json:"vendor,omitempty"`
	// Note says why.
	Note string `json:"note,omitempty"`
}

// None is the Entity.Category of an entity that is never blocked.
const None = "none"

// CategoryOf maps a third-party-web category to a consent category; "" is
// never blocked (CDNs, hosting, utilities, consent tools, content). ok is
// false for a category this mapping does not know, so a new one in a
// refreshed dataset stops the build instead of passing unblocked.
func CategoryOf(tpw string) (category string, ok bool) {
	switch tpw {
	case "ad":
		return sdk.Advertising, true
	case "analytics", "marketing", "tag-manager":
		return sdk.Analytics, true
	case "social", "video":
		return sdk.Social, true
	case "customer-success":
		return sdk.Preferences, true
	case "cdn", "hosting", "utility", "consent-provider", "content", "other":
		return "", true
	}
	return "", false
}

// Build makes the catalogue from third-party-web's entities JSON, the Open
// Cookie Database CSV and overrides.json, in catalogue order: the
// hand-written vendors, then third-party-web's in its order, then the
// vendors known only by their cookies, by name.
func Build(entitiesJSON, cookiesCSV, overridesJSON []byte) ([]sdk.Vendor, error) {
	var ov Overrides
	dec := json.NewDecoder(bytes.NewReader(overridesJSON))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&ov); err != nil {
		return nil, fmt.Errorf("overrides.json: %w", err)
	}
	b, err := newBuilder(ov)
	if err != nil {
		return nil, err
	}
	if err := b.addEntities(entitiesJSON); err != nil {
		return nil, err
	}
	if err := b.addCookies(cookiesCSV); err != nil {
		return nil, err
	}
	return b.vendors(), nil
}

// Encode renders the catalogue as sdk/catalogue.json holds it: a JSON
// array with one vendor per line, so a refresh diffs vendor by vendor.
func Encode(vendors []sdk.Vendor) ([]byte, error) {
	var out bytes.Buffer
	out.WriteString("[\n")
	for i, v := range vendors {
		line, err := json.Marshal(v)
		if err != nil {
			return nil, err
		}
		out.Write(line)
		if i < len(vendors)-1 {
			out.WriteByte(',')
		}
		out.WriteByte('\n')
	}
	out.WriteString("]\n")
	return out.Bytes(), nil
}

// normName folds a vendor or platform name for comparison: lowercase
// letters and digits only.
func normName(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}
