package sdk

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html"
	"maps"
	"net/http"
	"slices"
	"strings"

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
	config  map[string][]byte            // lang → banner configuration JSON
	scripts map[string]*banner.File      // lang → configuration script (banner.ConfigScript)
	noJS    map[string][2]string         // lang → the no-JavaScript form, split around its return path
	texts   map[string]map[string]string // lang → every text, overrides applied
	details map[string]*banner.File      // lang → the cookie tables' details
	byName  map[string]*banner.File      // file name → configuration script or details, for serving
	hosts   []byte                       // {"category": [host, …]} of every category but necessary, for the guard

	picked bounded.Map[string] // Accept-Language value → language (pick)

	rows map[string]map[string][]declaredCookie // lang → category → declared cookies, in lang
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
	Hosts       []string `json:"hosts,omitempty"`
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

// decl holds the declared cookies per category (declarationRows); pass
// are the hosts the guard must let through under a held parent domain
// (googleAdvanced), signals the vendor signal table.
func newTextSet(o Options, cats, pass []Category, signals [][3]string, decl map[string][]declaredCookie) (*textSet, error) {
	o = withBundledTags(o)
	bundled := banner.Languages()
	ts := &textSet{offered: o.Languages, config: map[string][]byte{}, scripts: map[string]*banner.File{},
		noJS: map[string][2]string{}, texts: map[string]map[string]string{}, details: map[string]*banner.File{},
		byName: map[string]*banner.File{}, rows: map[string]map[string][]declaredCookie{}}
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
	// The guard's table: each category's hosts, and its first-party path
	// prefixes as entries starting with '/', which the guard matches
	// against the path of URLs on the page's own origin.
	hosts := map[string][]string{}
	// The guard takes the longest match and never holds for necessary,
	// which the state always grants.
	for _, p := range pass {
		hosts[Necessary] = append(hosts[Necessary], p.Hosts...)
	}
	for _, c := range cats {
		if c.Key == Necessary {
			continue
		}
		for _, h := range c.Hosts {
			if h = httpfield.ConfigHost(h); h != "" {
				hosts[c.Key] = append(hosts[c.Key], h)
			}
		}
		for _, p := range c.Paths {
			hosts[c.Key] = append(hosts[c.Key], rewrite.NormalisePath(p))
		}
	}
	var err error
	if ts.hosts, err = json.Marshal(hosts); err != nil {
		return nil, err
	}
	attrs := rewrite.RenamedAttrs()
	for _, lang := range ts.offered {
		texts := banner.Texts(lang)
		for _, over := range []map[string]string{o.Texts[""], o.Texts[lang]} {
			for k, v := range over {
				texts[k] = v
			}
		}
		ts.texts[lang] = texts
		cfg := bannerConfig{
			Endpoint:   o.Prefix,
			PrivacyURL: o.PrivacyURL,
			CookieURL:  o.CookieURL,
			Lang:       lang,
			Dir:        banner.Direction(lang),
			Floating:   o.FloatingButton,
			CSS:        o.Appearance.extraCSS(),
			Texts:      bannerTexts(texts),
			Signals:    signals,
			Attrs:      attrs,
		}
		if o.Appearance.Layout != "bar" && o.Appearance.Layout != "" {
			cfg.Layout = o.Appearance.Layout
		}
		if o.Appearance.LogoURL != "" {
			cfg.Logo = &bannerLogo{Src: o.Appearance.LogoURL, Alt: o.Appearance.LogoAlt}
		}
		full := map[string][]bannerCookie{}
		rows := localRows(lang, texts, decl)
		ts.rows[lang] = rows
		for _, c := range cats {
			label, desc := categoryText(c, texts)
			bc := bannerCategory{Key: c.Key, Label: label, Description: desc, Locked: c.Key == Necessary}
			for _, h := range c.Hosts {
				if h = httpfield.ConfigHost(h); h != "" {
					bc.Hosts = append(bc.Hosts, h)
				}
			}
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
		ts.details[lang] = d
		ts.byName[d.Name()] = d
		if len(full) > 0 {
			cfg.CookieData = o.Prefix + "/" + d.Name()
		}
		config, err := json.Marshal(cfg)
		if err != nil {
			return nil, err
		}
		ts.config[lang] = config
		sc := banner.ConfigScript(lang, config)
		ts.scripts[lang] = sc
		ts.byName[sc.Name()] = sc
		ts.noJS[lang] = noJSForm(o, lang, texts)
	}
	return ts, nil
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
func (ts *textSet) configJSON(lang string) []byte { return ts.config[lang] }

// scriptName returns the file name of the configuration script for lang.
func (ts *textSet) scriptName(lang string) string { return ts.scripts[lang].Name() }

// cookieDetailsJSON returns the full cookie tables for lang, by category.
func (ts *textSet) cookieDetailsJSON(lang string) []byte {
	return ts.details[lang].Body()
}

// serveFile answers GET /_consent/<name> for the configuration scripts
// (config.<lang>.<hash>.js) and the cookie tables' details
// (cookies.<lang>.<hash>.json), cached for good like the banner assets.
// A configuration script of an offered language under another hash (a
// page rendered before the configuration changed, or by another instance)
// gets the current script, revalidated on every use. serveFile reports false,
// writing nothing, when name is no such file.
func (ts *textSet) serveFile(w http.ResponseWriter, r *http.Request, name string) bool {
	if f, ok := ts.byName[name]; ok {
		f.Serve(w, r, true)
		return true
	}
	rest, ok := strings.CutPrefix(name, "config.")
	if !ok || !strings.HasSuffix(rest, ".js") {
		return false
	}
	lang, _, _ := strings.Cut(rest, ".")
	if f, ok := ts.scripts[lang]; ok {
		f.Serve(w, r, false)
		return true
	}
	return false
}

// noJSForm renders the plain HTML form that lets a visitor without
// JavaScript accept or reject; the request's path goes between the halves.
// The page carries it inside <noscript>.
func noJSForm(o Options, lang string, t map[string]string) [2]string {
	e := html.EscapeString
	head := `<form method="post" action="` + e(o.Prefix) + `" id="consentry-nojs" class="consentry-nojs" lang="` + e(lang) +
		`" dir="` + banner.Direction(lang) + `" aria-label="` + e(t["title"]) + `"><p><strong>` + e(t["title"]) + `</strong> ` + e(t["body"]) +
		` <a href="` + e(o.PrivacyURL) + `">` + e(t["privacy_link"]) + `</a> <a href="` + e(o.CookieURL) + `">` + e(t["cookies_link"]) +
		`</a></p><input type="hidden" name="return" value="`
	tail := `"><button type="submit" name="action" value="accept_all">` + e(t["accept_all"]) +
		`</button> <button type="submit" name="action" value="reject_all">` + e(t["reject_all"]) + `</button></form>`
	return [2]string{head, tail}
}

// appendNoJSForm appends the no-JavaScript form for lang, returning to
// path, to b.
func (ts *textSet) appendNoJSForm(b *bytes.Buffer, lang, path string) {
	f := ts.noJS[lang]
	b.WriteString(f[0])
	b.WriteString(html.EscapeString(path))
	b.WriteString(f[1])
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
// declaration's, the lifetimes' units, the consent cookie's purpose), so
// every page carries just what the banner shows.
func bannerTexts(all map[string]string) map[string]string {
	out := make(map[string]string, len(all))
	for k, v := range all {
		if !strings.HasPrefix(k, "decl_") && !strings.HasPrefix(k, "life.") && k != "consent_cookie_purpose" {
			out[k] = v
		}
	}
	return out
}
