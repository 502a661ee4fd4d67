package catalogue

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/consentry/consentry/sdk"
	"golang.org/x/net/publicsuffix"
)

// builder collects the catalogue: the hand-written vendors first, then the
// datasets' vendors.
type builder struct {
	ov      Overrides
	list    []*sdk.Vendor          // catalogue order
	byName  map[string]*sdk.Vendor // normName(vendor or entity name) → vendor
	curated map[*sdk.Vendor]bool
	owner   map[string]*sdk.Vendor // host → vendor
	never   map[string]bool
	generic map[string]bool
	byCat   map[string]map[string]*sdk.Vendor // platform-only vendors: platform → category → vendor
	cookies map[string]bool                   // every declared cookie name
	// handWritten are the cookie names of the hand-written vendors.
	handWritten map[string]string // → category
	// base maps a supplement to its hand-written vendor (supplement).
	base map[*sdk.Vendor]*sdk.Vendor
	// supplements maps a hand-written vendor and a source to its supplement.
	supplements map[supplementKey]*sdk.Vendor
}

type supplementKey struct {
	v      *sdk.Vendor
	source string
}

// supplement returns the entry that holds what a dataset (source) adds to
// the hand-written vendor v: the same name, category and privacy policy,
// with Source set, so that what a visitor is shown of v stays what we
// wrote (sdk's handWritten) while the matcher gets all of it.
func (b *builder) supplement(v *sdk.Vendor, source string) *sdk.Vendor {
	if bv := b.base[v]; bv != nil {
		v = bv
	}
	k := supplementKey{v, source}
	if s := b.supplements[k]; s != nil {
		return s
	}
	s := &sdk.Vendor{Vendor: v.Vendor, Category: v.Category, PrivacyURL: v.PrivacyURL, Source: source}
	b.supplements[k] = s
	b.base[s] = v
	b.list = append(b.list, s)
	return s
}

func newBuilder(ov Overrides) (*builder, error) {
	b := &builder{ov: ov, byName: map[string]*sdk.Vendor{}, curated: map[*sdk.Vendor]bool{},
		owner: map[string]*sdk.Vendor{}, never: map[string]bool{}, generic: map[string]bool{},
		byCat: map[string]map[string]*sdk.Vendor{}, cookies: map[string]bool{}, handWritten: map[string]string{},
		base: map[*sdk.Vendor]*sdk.Vendor{}, supplements: map[supplementKey]*sdk.Vendor{}}
	for _, h := range ov.NeverBlock {
		b.never[h] = true
	}
	for _, n := range ov.GenericCookies {
		b.generic[strings.ToLower(n)] = true
	}
	for i := range ov.Vendors {
		v := &ov.Vendors[i]
		if err := b.addVendor(v); err != nil {
			return nil, err
		}
		b.curated[v] = true
		for _, h := range v.Hosts {
			if o, dup := b.owner[h]; dup {
				return nil, fmt.Errorf("overrides.json: host %q of %q already belongs to %q", h, v.Vendor, o.Vendor)
			}
			b.owner[h] = v
		}
		for _, c := range v.Cookies {
			b.cookies[c.Name] = true
			b.handWritten[c.Name] = v.Category
		}
	}
	for name, e := range ov.Entities {
		if e.Vendor != "" && b.byName[normName(e.Vendor)] == nil {
			return nil, fmt.Errorf("overrides.json: entity %q: no vendor %q", name, e.Vendor)
		}
		if _, ok := CategoryOf(e.Category); e.Category != "" && e.Category != None && !isCategory(e.Category) && !ok {
			return nil, fmt.Errorf("overrides.json: entity %q: unknown category %q", name, e.Category)
		}
	}
	for p, name := range ov.Platforms {
		if b.byName[normName(name)] == nil {
			return nil, fmt.Errorf("overrides.json: platform %q: no vendor %q", p, name)
		}
	}
	return b, nil
}

func isCategory(k string) bool {
	return slices.Contains([]string{sdk.Preferences, sdk.Analytics, sdk.Advertising, sdk.Social}, k)
}

// addVendor appends v to the catalogue; its name must be new.
func (b *builder) addVendor(v *sdk.Vendor) error {
	k := normName(v.Vendor)
	if k == "" {
		return fmt.Errorf("vendor %q: empty name", v.Vendor)
	}
	if o, dup := b.byName[k]; dup {
		return fmt.Errorf("vendor %q: name already taken by %q", v.Vendor, o.Vendor)
	}
	b.byName[k] = v
	b.list = append(b.list, v)
	return nil
}

// tpwEntity is one entity of third-party-web's entities JSON.
type tpwEntity struct {
	Name     string   `json:"name"`
	Category string   `json:"category"`
	Domains  []string `json:"domains"`
}

var bareHostRE = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$`)

// addEntities adds third-party-web's entities of a blocked category: an
// entity that is a hand-written vendor (by Entity.Vendor or by name) adds
// its hosts to it; any other becomes a vendor of its own.
func (b *builder) addEntities(entitiesJSON []byte) error {
	var entities []tpwEntity
	if err := json.Unmarshal(entitiesJSON, &entities); err != nil {
		return fmt.Errorf("third-party-web: %w", err)
	}
	taken := map[string]*sdk.Vendor{} // dataset host → vendor
	for _, e := range entities {
		cat, ok := CategoryOf(e.Category)
		if !ok {
			return fmt.Errorf("third-party-web entity %q: unknown category %q (map it in CategoryOf)", e.Name, e.Category)
		}
		o := b.ov.Entities[e.Name]
		if o.Category == None {
			continue
		}
		if o.Category != "" {
			cat = o.Category
		}
		target := b.byName[normName(e.Name)]
		if o.Vendor != "" {
			target = b.byName[normName(o.Vendor)]
		}
		if target != nil && !b.curated[target] {
			return fmt.Errorf("third-party-web entity %q: name already taken by %q", e.Name, target.Vendor)
		}
		if target == nil && cat == "" {
			continue
		}
		var hosts []string
		for _, d := range e.Domains {
			h := strings.ToLower(strings.TrimPrefix(d, "*."))
			if b.keepHost(h) && taken[h] == nil && !slices.Contains(hosts, h) {
				hosts = append(hosts, h)
			}
		}
		if len(hosts) == 0 {
			continue
		}
		var v *sdk.Vendor
		if target == nil {
			v = &sdk.Vendor{Vendor: e.Name, Category: cat, Source: sdk.SourceThirdPartyWeb}
			if err := b.addVendor(v); err != nil {
				return fmt.Errorf("third-party-web: %w", err)
			}
		} else {
			v = b.supplement(target, sdk.SourceThirdPartyWeb)
			b.byName[normName(e.Name)] = target // so the cookie database's platform of that name finds it
		}
		for _, h := range hosts {
			v.Hosts = append(v.Hosts, h)
			taken[h] = v
		}
	}
	// A dataset host under another catalogued host is left to the parent.
	for h, v := range taken {
		if p := parentIn(h, taken); p != "" {
			v.Hosts = slices.DeleteFunc(v.Hosts, func(x string) bool { return x == h })
		}
	}
	for h, v := range taken {
		if slices.Contains(v.Hosts, h) {
			b.owner[h] = v
		}
	}
	b.list = slices.DeleteFunc(b.list, func(v *sdk.Vendor) bool { return len(v.Hosts) == 0 && !b.curated[v] })
	for k, v := range b.supplements {
		if len(v.Hosts) == 0 {
			delete(b.supplements, k)
		}
	}
	for k, v := range b.byName {
		if len(v.Hosts) == 0 && !b.curated[v] {
			delete(b.byName, k)
		}
	}
	return nil
}

// keepHost reports whether a dataset host may be catalogued: a bare
// hostname that is not a public suffix, not a never-blocked domain or a
// parent of one, and not equal to, under or above a hand-written vendor's
// host (the hand-written vendors say exactly which of a company's hosts
// carry which purpose).
func (b *builder) keepHost(h string) bool {
	if !bareHostRE.MatchString(h) {
		return false
	}
	if ps, _ := publicsuffix.PublicSuffix(h); ps == h {
		return false
	}
	if b.never[h] || parentIn(h, b.owner) != "" || b.owner[h] != nil {
		return false
	}
	for n := range b.never {
		if strings.HasSuffix(n, "."+h) {
			return false
		}
	}
	for o := range b.owner {
		if strings.HasSuffix(o, "."+h) {
			return false
		}
	}
	return true
}

// parentIn returns the closest parent domain of h that is a key of m, or "".
func parentIn[V any](h string, m map[string]V) string {
	for {
		i := strings.IndexByte(h, '.')
		if i < 0 {
			return ""
		}
		h = h[i+1:]
		if _, ok := m[h]; ok {
			return h
		}
	}
}

// hostVendor returns the catalogued vendor of h or of its closest
// catalogued parent, or nil.
func (b *builder) hostVendor(h string) *sdk.Vendor {
	if v := b.owner[h]; v != nil {
		return v
	}
	if p := parentIn(h, b.owner); p != "" {
		return b.owner[p]
	}
	return nil
}

// vendors returns the catalogue: the hand-written and third-party-web
// vendors in order, then the platform-only vendors by name.
func (b *builder) vendors() []sdk.Vendor {
	out := make([]sdk.Vendor, 0, len(b.list))
	var rest []sdk.Vendor
	for _, v := range b.list {
		if v.Source == sdk.SourceOpenCookieDatabase {
			rest = append(rest, *v)
			continue
		}
		out = append(out, *v)
	}
	sort.SliceStable(rest, func(i, j int) bool { return rest[i].Vendor < rest[j].Vendor })
	return append(out, rest...)
}
