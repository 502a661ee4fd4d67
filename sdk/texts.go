package sdk

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/consentry/consentry/banner"
)

// textSet holds, per offered language, the banner configuration JSON that
// goes into every page, rendered once at start.
type textSet struct {
	offered []string
	forced  string
	config  map[string][2][]byte         // lang → {hidden, shown} config JSON
	noJS    map[string][2]string         // lang → the no-JavaScript form, split around its return path
	texts   map[string]map[string]string // lang → every text, overrides applied
	details map[string]cookieDetails     // lang → the cookie tables' details
	byName  map[string]*cookieDetails    // file name → details, for serving
}

// cookieDetails is the full cookie table of every category in one language
// (name, purpose, lifetime, party), which the preference centre fetches
// when it opens: the page itself carries only the cookie names. Its file
// name holds a hash of its body, so it is cached for good.
type cookieDetails struct {
	name string // e.g. "cookies.en.3f9a1c2b4d5e.json"
	body []byte // category key → []bannerCookie
	etag string
}

// bannerConfig is the page's #consent-config JSON, read by banner.js.
type bannerConfig struct {
	Endpoint   string            `json:"endpoint"`
	PrivacyURL string            `json:"privacyUrl"`
	CookieURL  string            `json:"cookieUrl"`
	Lang       string            `json:"lang"`
	Show       bool              `json:"show"`
	Floating   bool              `json:"floating"`
	CookieData string            `json:"cookieData,omitempty"`
	Texts      map[string]string `json:"texts"`
	Categories []bannerCategory  `json:"categories"`
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
// centre, served in cookieDetails.
type bannerCookie struct {
	Name     string `json:"name"`
	Purpose  string `json:"purpose,omitempty"`
	Lifetime string `json:"lifetime,omitempty"`
	Party    string `json:"party"`
}

// decl holds the declared cookies per category (declarationRows).
func newTextSet(o Options, cats []Category, decl map[string][]declaredCookie) (*textSet, error) {
	bundled := banner.Languages()
	ts := &textSet{offered: o.Languages, config: map[string][2][]byte{}, noJS: map[string][2]string{},
		texts: map[string]map[string]string{}, details: map[string]cookieDetails{}, byName: map[string]*cookieDetails{}}
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
			Floating:   o.FloatingButton,
			Texts:      bannerTexts(texts),
		}
		full := map[string][]bannerCookie{}
		for _, c := range cats {
			bc := bannerCategory{Key: c.Key, Label: c.Label, Description: c.Description, Locked: c.Key == Necessary}
			for _, h := range c.Hosts {
				if h = normaliseHost(h); h != "" {
					bc.Hosts = append(bc.Hosts, h)
				}
			}
			for _, d := range decl[c.Key] {
				bc.Cookies = append(bc.Cookies, d.Name)
				full[c.Key] = append(full[c.Key], bannerCookie{Name: d.Name, Purpose: d.Purpose, Lifetime: d.Lifetime, Party: d.Party})
			}
			if bc.Label == "" {
				bc.Label = texts["cat."+c.Key+".label"]
			}
			if bc.Label == "" {
				bc.Label = c.Key
			}
			if bc.Description == "" {
				bc.Description = texts["cat."+c.Key+".description"]
			}
			cfg.Categories = append(cfg.Categories, bc)
		}
		body, err := json.Marshal(full)
		if err != nil {
			return nil, err
		}
		sum := sha256.Sum256(body)
		d := cookieDetails{name: "cookies." + lang + "." + hex.EncodeToString(sum[:])[:12] + ".json", body: body,
			etag: `"` + hex.EncodeToString(sum[:16]) + `"`}
		ts.details[lang] = d
		ts.byName[d.name] = &d
		if len(full) > 0 {
			cfg.CookieData = o.Prefix + "/" + d.name
		}
		hidden, err := json.Marshal(cfg)
		if err != nil {
			return nil, err
		}
		cfg.Show = true
		shown, err := json.Marshal(cfg)
		if err != nil {
			return nil, err
		}
		ts.config[lang] = [2][]byte{hidden, shown}
		ts.noJS[lang] = noJSForm(o, lang, texts)
	}
	return ts, nil
}

// pick returns the language for an Accept-Language header value.
func (ts *textSet) pick(acceptLanguage string) string {
	if ts.forced != "" {
		return ts.forced
	}
	return banner.Negotiate(acceptLanguage, ts.offered, ts.offered[0])
}

// configJSON returns the banner configuration for lang; show is false for
// crawlers, who get no banner.
func (ts *textSet) configJSON(lang string, show bool) []byte {
	c := ts.config[lang]
	if show {
		return c[1]
	}
	return c[0]
}

// cookieDetailsJSON returns the full cookie tables for lang, by category.
func (ts *textSet) cookieDetailsJSON(lang string) []byte {
	return ts.details[lang].body
}

// serveCookieDetails answers GET /_consent/cookies.<lang>.<hash>.json with
// the cookie tables' details, cached for good like the banner assets. It
// reports false, writing nothing, when name is no such file.
func (ts *textSet) serveCookieDetails(w http.ResponseWriter, r *http.Request, name string) bool {
	d, ok := ts.byName[name]
	if !ok {
		return false
	}
	h := w.Header()
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		h.Set("Allow", "GET, HEAD")
		http.Error(w, http.StatusText(http.StatusMethodNotAllowed), http.StatusMethodNotAllowed)
		return true
	}
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "public, max-age=31536000, immutable")
	h.Set("ETag", d.etag)
	h.Set("X-Content-Type-Options", "nosniff")
	http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(d.body))
	return true
}

// noJSForm renders the plain HTML form that lets a visitor without
// JavaScript accept or reject; the request's path goes between the halves.
func noJSForm(o Options, lang string, t map[string]string) [2]string {
	e := html.EscapeString
	head := `<noscript><form method="post" action="` + e(o.Prefix) + `" id="consentry-nojs" class="consentry-nojs" lang="` + e(lang) +
		`" aria-label="` + e(t["title"]) + `"><p><strong>` + e(t["title"]) + `</strong> ` + e(t["body"]) +
		` <a href="` + e(o.PrivacyURL) + `">` + e(t["privacy_link"]) + `</a> <a href="` + e(o.CookieURL) + `">` + e(t["cookies_link"]) +
		`</a></p><input type="hidden" name="return" value="`
	tail := `"><button type="submit" name="action" value="accept_all">` + e(t["accept_all"]) +
		`</button> <button type="submit" name="action" value="reject_all">` + e(t["reject_all"]) + `</button></form></noscript>`
	return [2]string{head, tail}
}

// noJSFormFor returns the no-JavaScript form for lang, returning to path.
func (ts *textSet) noJSFormFor(lang, path string) []byte {
	f := ts.noJS[lang]
	return []byte(f[0] + html.EscapeString(path) + f[1])
}

// bannerTexts leaves out the texts only server-rendered pages use (the
// cookie declaration's), so every page carries just what the banner shows.
func bannerTexts(all map[string]string) map[string]string {
	out := make(map[string]string, len(all))
	for k, v := range all {
		if !strings.HasPrefix(k, "decl_") {
			out[k] = v
		}
	}
	return out
}
