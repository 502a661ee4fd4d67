package sdk

import (
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/consentry/consentry/banner"
)

// declaredCookie is one row of the cookie declaration.
type declaredCookie struct {
	Name     string            `json:"name"`
	Vendor   string            `json:"vendor,omitempty"`
	Purpose  string            `json:"purpose,omitempty"`
	Lifetime string            `json:"lifetime,omitempty"`
	Party    string            `json:"party"`
	Host     string            `json:"host,omitempty"`
	own      bool              // the consent cookie itself, whose purpose the bundles word
	purposes map[string]string // Purpose translated, by bundled language (VendorCookie.Purposes)
}

// declaredCategory is one category of the cookie declaration.
type declaredCategory struct {
	Key         string           `json:"key"`
	Label       string           `json:"label"`
	Description string           `json:"description"`
	Locked      bool             `json:"locked"`
	Granted     bool             `json:"granted"`
	Cookies     []declaredCookie `json:"cookies"`
	Vendors     []string         `json:"vendors,omitempty"`
}

// declarationRows lists, per category key, the cookies the declaration
// shows: every cookie of the listed vendors in that category (a name once,
// as the first vendor declares it), then the configured cookie names no
// listed vendor describes (first party, details unknown), and the consent
// cookie itself under necessary.
func declarationRows(o Options, cats []Category, vendors []Vendor) (map[string][]declaredCookie, map[string][]string) {
	rows := map[string][]declaredCookie{}
	names := map[string][]string{}
	seen := map[string]bool{}
	for _, v := range vendors {
		if !slices.Contains(names[v.Category], v.Vendor) {
			names[v.Category] = append(names[v.Category], v.Vendor)
		}
		for _, ck := range v.Cookies {
			if seen[ck.Name] {
				continue
			}
			rows[v.Category] = append(rows[v.Category], declaredCookie{
				Name: ck.Name, Vendor: v.Vendor, Purpose: ck.Purpose, Lifetime: ck.Lifetime, Party: ck.Party, Host: ck.Host,
				purposes: ck.Purposes,
			})
			seen[ck.Name] = true
		}
	}
	for _, cat := range cats {
		for _, name := range cat.Cookies {
			if !seen[name] {
				seen[name] = true
				rows[cat.Key] = append(rows[cat.Key], declaredCookie{Name: name, Party: FirstParty})
			}
		}
	}
	consentCookie := declaredCookie{
		Name: o.CookieName, Party: FirstParty, own: true,
		Purpose:  "Remembers your cookie choice (signed; holds no personal data beyond a random consent id).",
		Lifetime: maxAgeText(o),
	}
	rows[Necessary] = append([]declaredCookie{consentCookie}, rows[Necessary]...)
	return rows, names
}

// maxAgeText renders the consent cookie's lifetime range in days.
func maxAgeText(o Options) string {
	lo, hi := -1, 0
	for _, r := range []Regime{RegimeOptIn, RegimeOptOut, RegimeNotice} {
		d, ok := o.MaxAge[r]
		if !ok {
			d = DefaultMaxAge(r)
		}
		days := int(min(d, MaxCookieAge).Hours() / 24)
		if lo < 0 || days < lo {
			lo = days
		}
		hi = max(hi, days)
	}
	if lo == hi {
		return strconv.Itoa(lo) + " days"
	}
	return strconv.Itoa(lo) + " to " + strconv.Itoa(hi) + " days"
}

// declaration returns the cookie declaration in lang, with the visitor's
// current choice.
func (c *Consent) declaration(lang string, s *State) []declaredCategory {
	t := c.texts.texts[lang]
	l := c.texts.cur.Load()
	out := make([]declaredCategory, 0, len(c.categories))
	for _, cat := range c.categories {
		label, desc := categoryText(cat, t)
		d := declaredCategory{
			Key: cat.Key, Label: label, Description: desc, Locked: cat.Key == Necessary,
			Granted: s.Allowed(cat.Key), Cookies: l.rows[lang][cat.Key], Vendors: l.vendors[cat.Key],
		}
		if d.Cookies == nil {
			d.Cookies = []declaredCookie{}
		}
		out = append(out, d)
	}
	return out
}

var declarationPage = template.Must(template.New("cookies").Parse(`<!doctype html>
<html lang="{{.Lang}}" dir="{{.Dir}}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>{{.T.decl_title}}</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:60rem;margin:0 auto;padding:1rem;color:#1a1a1a}table{border-collapse:collapse;width:100%;margin:.5rem 0 1.5rem}th,td{border:1px solid #767676;padding:.35rem .5rem;text-align:start;vertical-align:top}caption{text-align:start;font-weight:600}code{font-size:.95em}fieldset{border:1px solid #767676;margin:1rem 0}button{min-height:44px;margin:.25rem 0;margin-inline-end:.5rem;padding:.5rem 1rem;border:2px solid #1a1a1a;border-radius:6px;background:#1a1a1a;color:#fff;font:inherit;font-weight:600}a{color:#1d4ed8}</style>
</head><body><main>
<h1>{{.T.decl_title}}</h1>
<p>{{.T.decl_intro}} <a href="{{.PrivacyURL}}">{{.T.privacy_link}}</a></p>
<form method="post" action="{{.Endpoint}}" aria-labelledby="prefs-title">
<h2 id="prefs-title">{{.T.prefs_title}}</h2>
<input type="hidden" name="return" value="{{.Return}}">
<fieldset><legend>{{.T.prefs_body}}</legend>
{{range .Categories}}<div><input type="checkbox" id="c-{{.Key}}" name="categories" value="{{.Key}}"{{if or .Granted .Locked}} checked{{end}}{{if .Locked}} disabled{{end}}> <label for="c-{{.Key}}">{{.Label}}</label></div>
{{end}}</fieldset>
<button type="submit" name="action" value="custom">{{.T.save}}</button>
<button type="submit" name="action" value="accept_all">{{.T.accept_all}}</button>
<button type="submit" name="action" value="reject_all">{{.T.reject_all}}</button>
</form>
{{range .Categories}}<section aria-labelledby="h-{{.Key}}"><h2 id="h-{{.Key}}">{{.Label}}</h2><p>{{.Description}}</p>
{{if .Cookies}}<table><caption>{{$.T.cookie_list}}: {{.Label}}</caption><thead><tr><th scope="col">{{$.T.decl_cookie}}</th><th scope="col">{{$.T.decl_provider}}</th><th scope="col">{{$.T.decl_purpose}}</th><th scope="col">{{$.T.decl_lifetime}}</th><th scope="col">{{$.T.decl_party}}</th></tr></thead><tbody>
{{range .Cookies}}<tr><td><code>{{.Name}}</code></td><td>{{.Vendor}}</td><td>{{.Purpose}}</td><td>{{.Lifetime}}</td><td>{{if eq .Party "third"}}{{$.T.decl_third}}{{if .Host}} ({{.Host}}){{end}}{{else}}{{$.T.decl_first}}{{end}}</td></tr>
{{end}}</tbody></table>{{end}}</section>
{{end}}</main></body></html>`))

// serveDeclaration serves the cookie declaration in the visitor's language:
// an accessible HTML page that also lets the visitor change their choice
// without JavaScript, or JSON when asked for.
func (c *Consent) serveDeclaration(w http.ResponseWriter, r *http.Request, s *State) {
	lang := c.texts.pick(r.Header.Get("Accept-Language"))
	decl := c.declaration(lang, s)
	w.Header().Set("Vary", "Accept, Accept-Language, Cookie")
	if strings.Contains(r.Header.Get("Accept"), "application/json") {
		writeJSON(w, http.StatusOK, map[string]any{"lang": lang, "policy_version": c.opts.PolicyVersion, "categories": decl})
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_ = declarationPage.Execute(w, map[string]any{
		"Lang": lang, "Dir": banner.Direction(lang), "T": c.texts.texts[lang], "Categories": decl, "Endpoint": c.opts.Prefix,
		"PrivacyURL": c.opts.PrivacyURL, "Return": c.settingsReturn(r),
	})
}

// settingsReturn is where the declaration page's form goes back to once a
// choice is saved: the page the visitor came from (the no-JavaScript form's
// Customise sends it as ?return=, a "Cookie settings" link as the
// Referer), on this site only (safeReturn); else the declaration itself.
func (c *Consent) settingsReturn(r *http.Request) string {
	if ret := r.URL.Query().Get("return"); ret != "" {
		return safeReturn(ret)
	}
	if ref, err := url.Parse(r.Referer()); err == nil && ref.Host != "" && strings.EqualFold(ref.Host, r.Host) &&
		(ref.Scheme == "https" || ref.Scheme == "http") {
		if p := ref.RequestURI(); !strings.HasPrefix(p, c.opts.Prefix+"/cookies") {
			return safeReturn(p)
		}
	}
	return c.opts.Prefix + "/cookies"
}
