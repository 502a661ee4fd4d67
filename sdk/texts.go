package sdk

import (
	"bytes"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"html"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/consentry/consentry/banner"
	"github.com/consentry/consentry/sdk/internal/bounded"
	"github.com/consentry/consentry/sdk/internal/httpfield"
	"github.com/consentry/consentry/sdk/rewrite"
)

// textSet holds, per offered language, what pages refer to: the banner
// configuration and the files made of it, rendered once at start.
type textSet struct {
	offered []string
	forced  string
	noJS    map[string][]string          // lang → the no-JavaScript form, in parts around its return path (noJSForm)
	noJSOut map[string][]string          // lang → the same for the opt-out regime
	texts   map[string]map[string]string // lang → every text, overrides applied
	hosts   []byte                       // {"category": ["/path-prefix", …]}: the guard's inline part of its table
	table   *banner.File                 // hosts.<hash>.json: {"category": [host, …]}, the guard's host table (hostTable)

	picked bounded.Map[string] // Accept-Language value → language (pick)

	// What lists the site's vendors (vendors_listed.go): replaced whole
	// when the inventory sees a new one.
	cur atomic.Pointer[listing]

	// The inputs of a listing besides the declared cookies.
	opts    Options
	cats    []Category
	signals [][3]string
	attrs   []string
}

// listing is what a textSet renders from the declared cookies, per
// offered language: the banner configuration and the files made of it,
// the cookie declaration's rows, and the hashes of the notices.
type listing struct {
	config  map[string][]byte                      // lang → banner configuration JSON
	scripts map[string]*banner.File                // lang → configuration script (banner.ConfigScript)
	details map[string]*banner.File                // lang → the cookie tables' details
	byName  map[string]*banner.File                // file name → configuration script or details, for serving
	rows    map[string]map[string][]declaredCookie // lang → category → declared cookies, in lang
	vendors map[string][]string                    // category → the listed vendors' names
	notices map[string]string                      // lang → hash of the notice (Consent.notices)
	stamp   string                                 // changes with every file above, for stateTag
}

// bannerConfig is the banner configuration, self.consentryConfig in the
// deferred configuration script (banner.ConfigScript), read by banner.js. The
// cookie tables' details are a file of their own (cookieData), fetched when
// the preference centre opens.
type bannerConfig struct {
	Endpoint   string `json:"endpoint"`
	PrivacyURL string `json:"privacyUrl"`
	CookieURL  string `json:"cookieUrl"`
	Lang       string `json:"lang"`
	Dir        string `json:"dir"` // "ltr" or "rtl" (banner.Direction), for the banner's dir attribute
	Floating   bool   `json:"floating"`
	// Layout is the first layer's layout (Appearance.Layout), CSS the
	// custom properties of the theme (Appearance.css), added to the
	// banner's styles, and Logo the first layer's logo.
	Layout     string            `json:"layout,omitempty"`
	CSS        string            `json:"css,omitempty"`
	Logo       *bannerLogo       `json:"logo,omitempty"`
	CookieData string            `json:"cookieData,omitempty"`
	Texts      map[string]string `json:"texts"`
	Categories []bannerCategory  `json:"categories"`
	// Signals is the vendor signal table the inline defaults come from
	// (signalTable with SignalOptions applied, enabled vendors only), as
	// [vendor, signal, category] triples, for the updates the banner
	// sends on a choice.
	Signals [][3]string `json:"signals"`
	// Attrs are the attributes the rewriter renames to data-* on a
	// neutralised tag (rewrite.RenamedAttrs), which the banner restores on
	// a grant.
	Attrs []string `json:"attrs"`
	// Vendors lists the hosts of each vendor the banner names (the site's
	// own, then the catalogue's hand-written ones), by name: the
	// click-to-load placeholder of a held embed says whose it is.
	Vendors map[string][]string `json:"vendors,omitempty"`
}

// bannerLogo is the logo above the first layer's title.
type bannerLogo struct {
	Src string `json:"src"`
	Alt string `json:"alt"`
}

type bannerCategory struct {
	Key         string   `json:"key"`
	Label       string   `json:"label"`
	Description string   `json:"description"`
	Locked      bool     `json:"locked"`
	Cookies     []string `json:"cookies,omitempty"` // names only; details in cookieDetails
}

// bannerCookie is one row of a category's cookie table in the preference
// centre, served in the details file.
type bannerCookie struct {
	Name     string `json:"name"`
	Purpose  string `json:"purpose,omitempty"`
	Lifetime string `json:"lifetime,omitempty"`
	Party    string `json:"party"`
}

// newTextSet renders what does not depend on the vendors listed: cats
// are the categories the banner lists, all the categories the matcher
// gets (the whole catalogue and the site's own vendors), for the guard's
// table; pass are the hosts the guard must let through under a held
// parent domain (googleAdvanced), signals the vendor signal table. The
// listing (list) is stored by Consent.relist.
func newTextSet(o Options, cats, all, pass []Category, signals [][3]string) (*textSet, error) {
	o = withBundledTags(o)
	bundled := banner.Languages()
	ts := &textSet{offered: o.Languages, noJS: map[string][]string{}, noJSOut: map[string][]string{}, texts: map[string]map[string]string{},
		opts: o, cats: cats, signals: signals, attrs: rewrite.RenamedAttrs()}
	if len(ts.offered) == 0 {
		ts.offered = bundled
	}
	for _, l := range ts.offered {
		if !slices.Contains(bundled, l) {
			return nil, fmt.Errorf("language %q: not bundled (bundled: %v)", l, bundled)
		}
	}
	if o.Language != "" {
		if !slices.Contains(bundled, o.Language) {
			return nil, fmt.Errorf("language %q: not bundled (bundled: %v)", o.Language, bundled)
		}
		ts.forced = o.Language
		ts.offered = []string{o.Language}
	}
	var err error
	if ts.hosts, ts.table, err = hostTable(all, pass); err != nil {
		return nil, err
	}
	for _, lang := range ts.offered {
		texts := banner.Texts(lang)
		for _, over := range []map[string]string{o.Texts[""], o.Texts[lang]} {
			for k, v := range over {
				texts[k] = v
			}
		}
		ts.texts[lang] = texts
		ts.noJS[lang] = noJSForm(o, lang, texts, nil)
		ts.noJSOut[lang] = noJSForm(o, lang, texts, cats)
	}
	return ts, nil
}

// list renders the listing of the declared cookies decl and the vendors'
// names by category; named are the vendors whose hosts the banner's
// placeholders name (vendorNames). It does not store it.
func (ts *textSet) list(decl map[string][]declaredCookie, vendors map[string][]string, named []Vendor) (*listing, error) {
	o, cats := ts.opts, ts.cats
	names := vendorNames(named)
	l := &listing{config: map[string][]byte{}, scripts: map[string]*banner.File{}, details: map[string]*banner.File{},
		byName: map[string]*banner.File{}, rows: map[string]map[string][]declaredCookie{}, vendors: vendors}
	stamp := fnv.New64a()
	for _, lang := range ts.offered {
		texts := ts.texts[lang]
		cfg := bannerConfig{
			Endpoint:   o.Prefix,
			PrivacyURL: o.PrivacyURL,
			CookieURL:  o.CookieURL,
			Lang:       lang,
			Dir:        banner.Direction(lang),
			Floating:   o.FloatingButton,
			CSS:        o.Appearance.extraCSS(),
			Texts:      bannerTexts(texts),
			Signals:    ts.signals,
			Attrs:      ts.attrs,
			Vendors:    names,
		}
		if o.Appearance.Layout != "bar" && o.Appearance.Layout != "" {
			cfg.Layout = o.Appearance.Layout
		}
		if o.Appearance.LogoURL != "" {
			cfg.Logo = &bannerLogo{Src: o.Appearance.LogoURL, Alt: o.Appearance.LogoAlt}
		}
		full := map[string][]bannerCookie{}
		rows := localRows(lang, texts, decl)
		l.rows[lang] = rows
		for _, c := range cats {
			label, desc := categoryText(c, texts)
			bc := bannerCategory{Key: c.Key, Label: label, Description: desc, Locked: c.Key == Necessary}
			for _, d := range rows[c.Key] {
				bc.Cookies = append(bc.Cookies, d.Name)
				full[c.Key] = append(full[c.Key], bannerCookie{Name: d.Name, Purpose: d.Purpose, Lifetime: d.Lifetime, Party: d.Party})
			}
			cfg.Categories = append(cfg.Categories, bc)
		}
		body, err := json.Marshal(full)
		if err != nil {
			return nil, err
		}
		d := banner.NewFile("cookies."+lang, ".json", "application/json", body)
		l.details[lang] = d
		l.byName[d.Name()] = d
		if len(full) > 0 {
			cfg.CookieData = o.Prefix + "/" + d.Name()
		}
		config, err := json.Marshal(cfg)
		if err != nil {
			return nil, err
		}
		l.config[lang] = config
		sc := banner.ConfigScript(lang, config)
		l.scripts[lang] = sc
		l.byName[sc.Name()] = sc
		stamp.Write([]byte(sc.Name() + "\x00"))
	}
	l.stamp = strconv.FormatUint(stamp.Sum64(), 36)
	return l, nil
}

// hostTable returns the guard's table in its two parts: inline, each
// category's first-party path prefixes (few, and bounded by the
// configuration: entries starting with '/', which the guard matches
// against the path of URLs on the page's own origin); and the file
// hosts.<hash>.json, each category's hosts (the whole catalogue and the
// site's own vendors, thousands), which the guard fetches at start and
// which is cached for good, so that the bytes every page carries do not
// grow with the catalogue. The guard takes the closest match and never
// holds for necessary, which the state always grants: pass hosts are
// listed under it, first. Each host or prefix is listed once, under the
// first category that names it.
func hostTable(cats, pass []Category) ([]byte, *banner.File, error) {
	paths, hosts := map[string][]string{}, map[string][]string{}
	seen := map[string]bool{}
	add := func(m map[string][]string, k, v string) {
		if v != "" && !seen[v] {
			seen[v] = true
			m[k] = append(m[k], v)
		}
	}
	for _, p := range pass {
		for _, h := range p.Hosts {
			add(hosts, Necessary, httpfield.ConfigHost(h))
		}
	}
	for _, c := range cats {
		if c.Key == Necessary {
			continue
		}
		for _, h := range c.Hosts {
			add(hosts, c.Key, httpfield.ConfigHost(h))
		}
		for _, p := range c.Paths {
			add(paths, c.Key, rewrite.NormalisePath(p))
		}
	}
	inline, err := json.Marshal(paths)
	if err != nil {
		return nil, nil, err
	}
	file, err := json.Marshal(hosts)
	if err != nil {
		return nil, nil, err
	}
	return inline, banner.NewFile("hosts", ".json", "application/json", file), nil
}

// vendorNames lists the hosts of each of vendors (of a category other
// than necessary) by the vendor's name; a host goes to the first vendor
// that names it. (The banner needs no other host list: the guard has its
// own, #consent-hosts.)
func vendorNames(vendors []Vendor) map[string][]string {
	out := map[string][]string{}
	seen := map[string]bool{}
	for _, v := range vendors {
		if v.Category == Necessary {
			continue
		}
		for _, h := range v.Hosts {
			if h = httpfield.ConfigHost(h); h != "" && !seen[h] {
				seen[h] = true
				out[v.Vendor] = append(out[v.Vendor], h)
			}
		}
	}
	return out
}

// withBundledTags returns o with each configured language tag spelled as
// the bundle that serves it ("zh-TW" → "zh-Hant", "no" → "nb", "de-AT" →
// "de"; see banner.Bundled), in Languages (without repeats), Language and
// the keys of Texts (texts for two tags of one bundle merge, in tag
// order). A tag no bundle serves is left as it is, for newTextSet and
// checkTexts to refuse.
func withBundledTags(o Options) Options {
	tag := func(l string) string {
		if b, ok := banner.Bundled(l); ok {
			return b
		}
		return l
	}
	var langs []string
	for _, l := range o.Languages {
		if b := tag(l); !slices.Contains(langs, b) {
			langs = append(langs, b)
		}
	}
	o.Languages = langs
	if o.Language != "" {
		o.Language = tag(o.Language)
	}
	if o.Texts != nil {
		texts := make(map[string]map[string]string, len(o.Texts))
		for _, l := range slices.Sorted(maps.Keys(o.Texts)) {
			b := l
			if l != "" {
				b = tag(l)
			}
			if texts[b] == nil {
				texts[b] = map[string]string{}
			}
			maps.Copy(texts[b], o.Texts[l])
		}
		o.Texts = texts
	}
	return o
}

// pick returns the language for an Accept-Language header value. A site
// sees few distinct values, so answers are kept (values up to 256 bytes,
// at most maxLanguageAnswers, then the cache starts over).
func (ts *textSet) pick(acceptLanguage string) string {
	if ts.forced != "" {
		return ts.forced
	}
	if lang, ok := ts.picked.Load(acceptLanguage); ok {
		return lang
	}
	lang := banner.Negotiate(acceptLanguage, ts.offered, ts.offered[0])
	if len(acceptLanguage) <= 256 {
		ts.picked.Store(acceptLanguage, lang, maxLanguageAnswers)
	}
	return lang
}

// maxLanguageAnswers bounds the Accept-Language values pick remembers.
const maxLanguageAnswers = 4096

// configJSON returns the banner configuration for lang.
func (ts *textSet) configJSON(lang string) []byte { return ts.cur.Load().config[lang] }

// scriptName returns the file name of the configuration script for lang.
func (ts *textSet) scriptName(lang string) string { return ts.cur.Load().scripts[lang].Name() }

// cookieDetailsJSON returns the full cookie tables for lang, by category.
func (ts *textSet) cookieDetailsJSON(lang string) []byte {
	return ts.cur.Load().details[lang].Body()
}

// serveFile answers GET /_consent/<name> for the configuration scripts
// (config.<lang>.<hash>.js), the cookie tables' details
// (cookies.<lang>.<hash>.json) and the guard's host table
// (hosts.<hash>.json), cached for good like the banner assets.
// A configuration script, details or host table under another hash (a
// page rendered before the configuration or the listed vendors changed,
// or by another instance) gets the current file, revalidated on every
// use. serveFile reports false,
// writing nothing, when name is no such file.
func (ts *textSet) serveFile(w http.ResponseWriter, r *http.Request, name string) bool {
	l := ts.cur.Load()
	if f, ok := l.byName[name]; ok {
		f.Serve(w, r, true)
		return true
	}
	if name == ts.table.Name() {
		ts.table.Serve(w, r, true)
		return true
	}
	if strings.HasPrefix(name, "hosts.") && strings.HasSuffix(name, ".json") {
		// The guard's table of an older page: the current one, revalidated.
		ts.table.Serve(w, r, false)
		return true
	}
	files := l.scripts
	rest, ok := strings.CutPrefix(name, "config.")
	if ok && !strings.HasSuffix(rest, ".js") {
		return false
	}
	if !ok {
		// The details a configuration script of an older listing names
		// (vendors_listed.go): the current ones, as for the script.
		if rest, ok = strings.CutPrefix(name, "cookies."); !ok || !strings.HasSuffix(rest, ".json") {
			return false
		}
		files = l.details
	}
	lang, _, _ := strings.Cut(rest, ".")
	if f, ok := files[lang]; ok {
		f.Serve(w, r, false)
		return true
	}
	return false
}

// noJSForm renders the plain HTML form that lets a visitor without
// JavaScript accept, reject or customise (on the declaration page), in
// parts between which the request's path goes (appendNoJSForm).
// The page carries it inside <noscript>.
//
// With optOut, the categories, it is the opt-out regime's form (US state
// laws; what banner/js/optout.js shows): that regime's title and body
// and, when there is an advertising category, the one-step "Do Not Sell
// or Share" button, which grants every category but advertising. The
// button and those categories (hidden fields) belong to a form of their
// own, #consentry-nojs-dns, empty after the visible one (their form
// attribute), so neither Customise's GET nor the other choices carry them.
func noJSForm(o Options, lang string, t map[string]string, optOut []Category) []string {
	e := html.EscapeString
	text := func(k string) string {
		if v := t[k+"."+string(RegimeOptOut)]; optOut != nil && v != "" {
			return v
		}
		return t[k]
	}
	parts := []string{`<form method="post" action="` + e(o.Prefix) + `" id="consentry-nojs" class="consentry-nojs" lang="` + e(lang) +
		`" dir="` + banner.Direction(lang) + `" aria-label="` + e(text("title")) + `"><p><strong>` + e(text("title")) + `</strong> ` + e(text("body")) +
		` <a href="` + e(o.PrivacyURL) + `">` + e(t["privacy_link"]) + `</a> <a href="` + e(o.CookieURL) + `">` + e(t["cookies_link"]) +
		`</a></p><input type="hidden" name="return" value="`}
	var dns strings.Builder
	if slices.ContainsFunc(optOut, func(c Category) bool { return c.Key == Advertising }) {
		for _, c := range optOut {
			if c.Key != Advertising && c.Key != Necessary {
				dns.WriteString(`<input type="hidden" form="consentry-nojs-dns" name="category" value="` + e(c.Key) + `">`)
			}
		}
		dns.WriteString(`<button type="submit" form="consentry-nojs-dns" name="action" value="custom">` + e(t["do_not_sell"]) + `</button> `)
	}
	// Customise goes, by GET with the return path, to the declaration
	// page: one checkbox per category and Save, posting to the endpoint.
	tail := `">` + dns.String() + `<button type="submit" name="action" value="accept_all">` + e(t["accept_all"]) +
		`</button> <button type="submit" name="action" value="reject_all">` + e(t["reject_all"]) +
		`</button> <button type="submit" formmethod="get" formaction="` + e(o.Prefix) + `/cookies">` + e(t["customise"]) + `</button></form>`
	if dns.Len() == 0 {
		return append(parts, tail)
	}
	return append(parts, tail+`<form method="post" action="`+e(o.Prefix)+`" id="consentry-nojs-dns"><input type="hidden" name="return" value="`,
		`"></form>`)
}

// appendNoJSForm appends the no-JavaScript form for lang and the regime
// reg, returning to path, to b.
func (ts *textSet) appendNoJSForm(b *bytes.Buffer, lang string, reg Regime, path string) {
	f := ts.noJS[lang]
	if reg == RegimeOptOut {
		f = ts.noJSOut[lang]
	}
	path = html.EscapeString(path)
	for i, part := range f {
		if i > 0 {
			b.WriteString(path)
		}
		b.WriteString(part)
	}
}

// localRows returns the declared cookies with their lifetimes (and the
// consent cookie's purpose, and the purposes the site's own vendors
// translate) in lang; the catalogue's purposes are English.
func localRows(lang string, t map[string]string, decl map[string][]declaredCookie) map[string][]declaredCookie {
	out := make(map[string][]declaredCookie, len(decl))
	for cat, list := range decl {
		local := make([]declaredCookie, len(list))
		for i, d := range list {
			d.Lifetime = localLifetime(lang, t, d.Lifetime)
			if d.own && t["consent_cookie_purpose"] != "" {
				d.Purpose = t["consent_cookie_purpose"]
			}
			if p := d.purposes[lang]; p != "" {
				d.Purpose = p
			}
			local[i] = d
		}
		out[cat] = local
	}
	return out
}

// bannerTexts leaves out the texts only the server uses (the cookie
// declaration's, the receipt page's, the lifetimes' units, the consent
// cookie's purpose), so every page carries just what the banner shows.
func bannerTexts(all map[string]string) map[string]string {
	out := make(map[string]string, len(all))
	for k, v := range all {
		if !strings.HasPrefix(k, "decl_") && !strings.HasPrefix(k, "life.") && !strings.HasPrefix(k, "receipt_") &&
			k != "consent_cookie_purpose" {
			out[k] = v
		}
	}
	return out
}
