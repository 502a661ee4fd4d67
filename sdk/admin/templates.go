package admin

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"html/template"
	"net/http"
	"time"
)

//go:embed templates
var templateFS embed.FS

// css is the one stylesheet, inlined in every page and allowed by its hash.
var css = func() string {
	b, err := templateFS.ReadFile("templates/admin.css")
	if err != nil {
		panic(err)
	}
	return string(bytes.TrimSpace(b))
}()

// csp allows nothing but the inline stylesheet: no script, no external
// image, font or frame; forms submit only to this origin.
var csp = func() string {
	sum := sha256.Sum256([]byte(css))
	return "default-src 'none'; style-src 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) +
		"'; img-src data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
}()

// pages are the HTML views, each the layout around its content.
var pages = map[string]*template.Template{
	"overview":  parsePage("overview.html", "inventory.html"),
	"records":   parsePage("records.html"),
	"notice":    parsePage("notice.html"),
	"inventory": parsePage("inventory_page.html", "inventory.html"),
}

func parsePage(files ...string) *template.Template {
	paths := []string{"templates/layout.html"}
	for _, f := range files {
		paths = append(paths, "templates/"+f)
	}
	return template.Must(template.New("layout").ParseFS(templateFS, paths...))
}

// page is what the layout needs; Data is the content's own.
type page struct {
	Title     string // the handler's title
	Heading   string // this page's
	Base      string // relative path to the overview: "./" or "../"
	CSS       template.CSS
	Generated string
	Data      any
}

// render writes page name, or a 500 if the template fails (a bug): the
// page is rendered to a buffer first so a failure never sends half a page.
func (h *handler) render(w http.ResponseWriter, name, heading, base string, data any) {
	var buf bytes.Buffer
	err := pages[name].ExecuteTemplate(&buf, "layout", page{
		Title: h.title, Heading: heading, Base: base, CSS: template.CSS(css),
		Generated: h.now().UTC().Format("2006-01-02 15:04"), Data: data,
	})
	if err != nil {
		h.log.Error("admin: render page", "page", name, "err", err)
		httpError(w, http.StatusInternalServerError, "internal error rendering the page")
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = w.Write(buf.Bytes())
}

// formatTime is how pages show a time: to the second, UTC.
func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02 15:04:05")
}
