package sdk

import (
	"encoding/json"
	"html/template"
	"net/http"
	"strings"
)

// receipt is the visitor's own consent record.
type receipt struct {
	ID       string          `json:"consent_id"`
	Time     string          `json:"time"`
	Version  string          `json:"policy_version"`
	Regime   Regime          `json:"regime"`
	Method   Method          `json:"method"`
	Granted  []string        `json:"granted"`
	Refused  []string        `json:"refused"`
	Signals  Signals         `json:"signals"`
	Decided  bool            `json:"decided"`
	Category map[string]bool `json:"categories"`
}

func (c *Consent) serveReceipt(w http.ResponseWriter, _ *http.Request, s *State) {
	writeJSON(w, http.StatusOK, receipt{
		ID: s.ID, Time: s.Time, Version: s.Version, Regime: s.Regime, Method: s.Method,
		Granted: s.Granted(), Refused: s.Refused(), Signals: s.Signals, Decided: s.Decided,
		Category: s.Categories,
	})
}

// declaredCategory is one category of the cookie declaration.
type declaredCategory struct {
	Key         string   `json:"key"`
	Label       string   `json:"label"`
	Description string   `json:"description"`
	Cookies     []string `json:"cookies"`
	Hosts       []string `json:"hosts"`
}

var declarationPage = template.Must(template.New("cookies").Parse(`<!doctype html>
<html lang="{{.Lang}}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>{{.Title}}</title></head><body><main><h1>{{.Title}}</h1>
{{range .Categories}}<section><h2>{{.Label}}</h2><p>{{.Description}}</p>
{{if .Cookies}}<table><thead><tr><th scope="col">Cookie</th></tr></thead><tbody>{{range .Cookies}}<tr><td><code>{{.}}</code></td></tr>{{end}}</tbody></table>{{end}}
{{if .Hosts}}<p>Third parties: {{range $i, $h := .Hosts}}{{if $i}}, {{end}}{{$h}}{{end}}</p>{{end}}</section>
{{end}}</main></body></html>`))

// serveDeclaration serves the cookie declaration, as JSON when asked for.
func (c *Consent) serveDeclaration(w http.ResponseWriter, r *http.Request) {
	lang := c.texts.pick(r.Header.Get("Accept-Language"))
	var cfg struct {
		Texts      map[string]string `json:"texts"`
		Categories []bannerCategory  `json:"categories"`
	}
	_ = json.Unmarshal(c.texts.configJSON(lang, true), &cfg)
	var out []declaredCategory
	for i, cat := range c.categories {
		d := declaredCategory{Key: cat.Key, Cookies: cat.Cookies, Hosts: cat.Hosts}
		if i < len(cfg.Categories) {
			d.Label, d.Description = cfg.Categories[i].Label, cfg.Categories[i].Description
		}
		out = append(out, d)
	}
	if strings.Contains(r.Header.Get("Accept"), "application/json") {
		w.Header().Set("Vary", "Accept, Accept-Language")
		writeJSON(w, http.StatusOK, out)
		return
	}
	title := cfg.Texts["cookies_link"]
	if title == "" {
		title = "Cookie policy"
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Vary", "Accept, Accept-Language")
	_ = declarationPage.Execute(w, map[string]any{"Lang": lang, "Title": title, "Categories": out})
}
