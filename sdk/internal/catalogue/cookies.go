package catalogue

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"regexp"
	"strings"

	"github.com/consentry/consentry/sdk"
	"golang.org/x/net/http/httpguts"
)

// MinFilterName is the shortest name (a family's prefix without its '*')
// of a dataset cookie that the Set-Cookie and request-cookie filters act
// on: shorter ones ("uid", "_s") are too likely to be a site's own.
const MinFilterName = 5

// minPrefix is the shortest prefix of a "prefix*" family the catalogue
// takes at all.
const minPrefix = 3

// The Open Cookie Database columns used.
const (
	colPlatform    = "Platform"
	colCategory    = "Category"
	colName        = "Cookie / Data Key name"
	colDomain      = "Domain"
	colDescription = "Description"
	colRetention   = "Retention period"
	colPortal      = "User Privacy & GDPR Rights Portals"
	colWildcard    = "Wildcard match"
)

// cookieCategory maps an Open Cookie Database category to a consent
// category, for the cookies of a platform the catalogue has no vendor for.
var cookieCategory = map[string]string{
	"Functional":      sdk.Necessary,
	"Security":        sdk.Necessary,
	"Necessary":       sdk.Necessary,
	"Personalization": sdk.Preferences,
	"Analytics":       sdk.Analytics,
	"Marketing":       sdk.Advertising,
}

// filterable are the Open Cookie Database categories whose cookies may be
// filtered: functional and security cookies of a vendor the site uses are
// left to the site.
var filterable = map[string]bool{"Analytics": true, "Marketing": true, "Personalization": true}

// addCookies adds the Open Cookie Database's cookies as declarations: each
// to the vendor whose host it is set on, else the vendor its platform
// names (by Overrides.Platforms or by name), else a vendor of that
// platform with no hosts. A name the catalogue already declares keeps its
// first declaration (the hand-written one).
//
// A cookie also goes into the filters (DeclarationOnly false) only when it
// is first party (no domain given), belongs to a vendor with hosts (one we
// match), is an analytics, marketing or personalisation cookie, has a name
// of at least MinFilterName bytes, and is not one of the generic names.
func (b *builder) addCookies(cookiesCSV []byte) error {
	r := csv.NewReader(bytes.NewReader(cookiesCSV))
	rows, err := r.ReadAll()
	if err != nil {
		return fmt.Errorf("open cookie database: %w", err)
	}
	if len(rows) == 0 {
		return fmt.Errorf("open cookie database: empty")
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	for _, c := range []string{colPlatform, colCategory, colName, colDomain, colDescription, colRetention, colPortal, colWildcard} {
		if _, ok := col[c]; !ok {
			return fmt.Errorf("open cookie database: no column %q", c)
		}
	}
	for n, row := range rows[1:] {
		get := func(c string) string { return strings.TrimSpace(row[col[c]]) }
		ocdCat, ok := cookieCategory[get(colCategory)]
		if !ok {
			return fmt.Errorf("open cookie database row %d: unknown category %q (map it in cookieCategory)", n+2, get(colCategory))
		}
		name := get(colName)
		if get(colPlatform) == "" {
			continue
		}
		if get(colWildcard) == "1" && !strings.HasSuffix(name, "*") {
			name += "*"
		}
		if !cookieName(name) || b.cookies[name] {
			continue
		}
		purpose := strings.Join(strings.Fields(get(colDescription)), " ")
		if purpose == "" {
			continue
		}
		c := sdk.VendorCookie{Name: name, Purpose: purpose, Lifetime: Lifetime(get(colRetention)), Party: sdk.FirstParty}
		if d := get(colDomain); d != "" {
			h := domainHost(d)
			if h == "" {
				continue
			}
			c.Party, c.Host = sdk.ThirdParty, h
		}
		v := b.cookieVendor(get(colPlatform), c.Host, ocdCat)
		if c.Party == sdk.FirstParty && b.shadowed(name, v.Category) {
			continue
		}
		matched := len(v.Hosts) > 0 || b.base[v] != nil || b.curated[v]
		if b.curated[v] || b.base[v] != nil {
			v = b.supplement(v, sdk.SourceOpenCookieDatabase)
		}
		c.DeclarationOnly = !(c.Party == sdk.FirstParty && matched && filterable[get(colCategory)] && b.distinctive(name))
		if portal := get(colPortal); v.PrivacyURL == "" && strings.HasPrefix(portal, "https://") && !strings.ContainsAny(portal, " \"<>") {
			v.PrivacyURL = portal
		}
		v.Cookies = append(v.Cookies, c)
		b.cookies[name] = true
	}
	b.unclash()
	return nil
}

// shadowed reports whether a hand-written family of another category than
// cat matches the first-party name: the hand-written entry stands.
func (b *builder) shadowed(name, cat string) bool {
	n := strings.TrimSuffix(name, "*")
	for h, hc := range b.handWritten {
		if p, ok := strings.CutSuffix(h, "*"); ok && hc != cat && strings.HasPrefix(n, p) {
			return true
		}
	}
	return false
}

// distinctive reports whether a dataset cookie name may be filtered: at
// least MinFilterName bytes before any '*', not a generic name, and not
// holding a generic word ("consent": a consent tool's state must survive
// whatever was refused).
func (b *builder) distinctive(name string) bool {
	n := strings.ToLower(strings.TrimSuffix(name, "*"))
	if len(n) < MinFilterName || b.generic[n] {
		return false
	}
	for _, w := range b.ov.GenericWords {
		if strings.Contains(n, w) {
			return false
		}
	}
	return true
}

// cookieVendor returns the vendor of a dataset cookie of platform, set on
// host ("" for first party); ocdCat is the category of a new vendor.
func (b *builder) cookieVendor(platform, host, ocdCat string) *sdk.Vendor {
	if host != "" {
		if v := b.hostVendor(host); v != nil {
			return v
		}
	}
	if name, ok := b.ov.Platforms[platform]; ok {
		return b.byName[normName(name)]
	}
	if v := b.byName[normName(platform)]; v != nil && v.Source != sdk.SourceOpenCookieDatabase {
		return v
	}
	cats := b.byCat[platform]
	if cats == nil {
		cats = map[string]*sdk.Vendor{}
		b.byCat[platform] = cats
	}
	if v := cats[ocdCat]; v != nil {
		return v
	}
	v := &sdk.Vendor{Vendor: platform, Category: ocdCat, Source: sdk.SourceOpenCookieDatabase}
	cats[ocdCat] = v
	if len(cats) > 1 { // one vendor per category: name each by its category
		for k, o := range cats {
			o.Vendor = platform + " (" + k + ")"
		}
	}
	b.list = append(b.list, v)
	return v
}

// unclash keeps a dataset family ("prefix*") from making the filters drop
// a first-party cookie that another category declares (a necessary login
// cookie under an advertising family): such a family is declared only. A
// dataset name that a hand-written family of another category matches is
// declared only too.
func (b *builder) unclash() {
	type entry struct {
		c   *sdk.VendorCookie
		cat string
	}
	var first []entry
	for _, v := range b.list {
		for i := range v.Cookies {
			if c := &v.Cookies[i]; c.Party == sdk.FirstParty {
				first = append(first, entry{c, v.Category})
			}
		}
	}
	for _, p := range first {
		prefix, ok := strings.CutSuffix(p.c.Name, "*")
		if !ok || p.c.DeclarationOnly {
			continue
		}
		for _, o := range first {
			if o.cat == p.cat || !strings.HasPrefix(strings.TrimSuffix(o.c.Name, "*"), prefix) {
				continue
			}
			if b.handWritten[p.c.Name] == "" {
				p.c.DeclarationOnly = true
			}
		}
	}
}

// cookieName reports whether name is a cookie-name token, with at most a
// trailing '*' after a prefix of at least minPrefix bytes.
func cookieName(name string) bool {
	n, family := strings.CutSuffix(name, "*")
	if family && len(n) < minPrefix {
		return false
	}
	return n != "" && httpguts.ValidHeaderFieldName(n) && !strings.Contains(n, "*")
}

// domainHost returns the host of an Open Cookie Database domain
// (".linkedin.com", "adform.net (3rd party)", ".bing.com (3rd party) or
// …"): its first hostname, or "".
func domainHost(d string) string {
	f := strings.Fields(strings.ToLower(d))
	if len(f) == 0 {
		return ""
	}
	h := strings.TrimPrefix(strings.TrimSuffix(f[0], ","), ".")
	if !bareHostRE.MatchString(h) {
		return ""
	}
	return h
}

var lifetimeRE = regexp.MustCompile(`^(\d+) (second|minute|hour|day|week|month|year)s?$`)

// Lifetime normalises a retention period to the catalogue's form
// ("session", "2 years"), or "" when it is unknown or not a plain
// duration.
func Lifetime(s string) string {
	s = strings.ToLower(strings.Join(strings.Fields(s), " "))
	switch {
	case s == "session" || strings.HasPrefix(s, "end of session") || s == "browser session" || s == "end of browser session":
		return "session"
	case lifetimeRE.MatchString(s):
		m := lifetimeRE.FindStringSubmatch(s)
		if m[1] == "1" {
			return "1 " + m[2]
		}
		return m[1] + " " + m[2] + "s"
	}
	return ""
}
