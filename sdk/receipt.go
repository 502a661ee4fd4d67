package sdk

import (
	"html/template"
	"net/http"
	"strings"
	"time"

	"github.com/consentry/consentry/banner"
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

// serveReceipt answers <prefix>/receipt: the visitor's own consent record,
// as a page in their language, or as JSON for Accept: application/json or
// ?format=json.
func (c *Consent) serveReceipt(w http.ResponseWriter, r *http.Request, s *State) {
	rc := receipt{
		ID: s.ID, Time: s.Time, Version: s.Version, Regime: s.Regime, Method: s.Method,
		Granted: s.Granted(), Refused: s.Refused(), Signals: s.Signals, Decided: s.Decided,
		Category: s.Categories,
	}
	w.Header().Set("Vary", "Accept, Accept-Language, Cookie")
	if wantsJSON(r) {
		writeJSON(w, http.StatusOK, rc)
		return
	}
	lang := c.texts.pick(r.Header.Get("Accept-Language"))
	t := c.texts.texts[lang]
	label := func(keys []string) []string {
		out := make([]string, len(keys))
		for i, k := range keys {
			out[i] = k
			for _, cat := range c.categories {
				if cat.Key == k {
					out[i], _ = categoryText(cat, t)
				}
			}
		}
		return out
	}
	when := s.Time
	if tm, err := time.Parse(time.RFC3339, s.Time); err == nil {
		when = tm.UTC().Format("2006-01-02 15:04 UTC")
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_ = receiptPage.Execute(w, map[string]any{
		"Lang": lang, "Dir": banner.Direction(lang), "T": t, "R": rc, "When": when,
		"Granted": label(rc.Granted), "Refused": label(rc.Refused), "Prefix": c.opts.Prefix,
	})
}

// wantsJSON reports whether a request asks for JSON rather than a page:
// Accept names application/json, or the query says format=json.
func wantsJSON(r *http.Request) bool {
	return strings.Contains(r.Header.Get("Accept"), "application/json") || r.URL.Query().Get("format") == "json"
}

var receiptPage = template.Must(template.New("receipt").Parse(`<!doctype html>
<html lang="{{.Lang}}" dir="{{.Dir}}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>{{.T.receipt_title}}</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:0 auto;padding:1rem;color:#1a1a1a}dt{font-weight:600}dd{margin:0 0 .75rem}code{font-size:.95em;overflow-wrap:anywhere}a{color:#1d4ed8}</style>
</head><body><main>
<h1>{{.T.receipt_title}}</h1>
{{if .R.Decided}}<dl>
<dt>{{.T.consent_id}}</dt><dd><code id="receipt-id">{{.R.ID}}</code></dd>
<dt>{{.T.consent_date}}</dt><dd><time datetime="{{.R.Time}}">{{.When}}</time></dd>
<dt>{{.T.receipt_version}}</dt><dd>{{.R.Version}}</dd>
<dt>{{.T.receipt_granted}}</dt><dd id="receipt-granted">{{range $i, $l := .Granted}}{{if $i}}, {{end}}{{$l}}{{end}}</dd>
<dt>{{.T.receipt_refused}}</dt><dd id="receipt-refused">{{range $i, $l := .Refused}}{{if $i}}, {{end}}{{$l}}{{end}}</dd>
</dl>{{else}}<p id="receipt-none">{{.T.receipt_none}}</p>{{end}}
{{if .R.Signals.GPC}}<p>{{.T.gpc_honoured}}</p>{{end}}
<p><a href="{{.Prefix}}/cookies">{{.T.receipt_change}}</a> · <a href="{{.Prefix}}/receipt?format=json" type="application/json">JSON</a></p>
</main></body></html>`))
