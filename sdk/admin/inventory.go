package admin

import (
	"cmp"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/consentry/consentry/sdk"
)

// inventoryTables is the inventory as the pages show it: cookies, then
// hosts.
type inventoryTables struct {
	Summary  string
	Overflow string // "" when no name was too long
	Evicted  string // "" when nothing was dropped to make room
	Tables   []inventoryTable
}

type inventoryTable struct {
	Kind, Heading, Noun string
	Uncatalogued        int
	Items               []inventoryRow
}

type inventoryRow struct {
	Name, Category, Vendor string
	Count                  string
	FirstSeen, LastSeen    string
	Sites                  string
	Declare                string // Caddyfile lines that would declare an uncatalogued item (DeclareLines)
}

// tablesFor splits a report into its cookie and host tables, uncatalogued
// items first, then the most seen.
func tablesFor(rep sdk.InventoryReport) *inventoryTables {
	t := &inventoryTables{Summary: fmt.Sprintf("Snapshot taken %s UTC.", formatTime(rep.Generated))}
	if rep.Overflow > 0 {
		t.Overflow = thousands(rep.Overflow)
	}
	if rep.Evicted > 0 {
		t.Evicted = thousands(rep.Evicted)
	}
	items := slices.Clone(rep.Items)
	slices.SortStableFunc(items, func(a, b sdk.InventoryItem) int {
		if a.Catalogued != b.Catalogued {
			if !a.Catalogued {
				return -1
			}
			return 1
		}
		return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.Name, b.Name))
	})
	for _, kind := range []struct{ kind, heading, noun string }{
		{sdk.KindCookie, "Cookies", "cookie names"},
		{sdk.KindHost, "Third-party hosts", "hosts"},
	} {
		tb := inventoryTable{Kind: kind.kind, Heading: kind.heading, Noun: kind.noun}
		for _, it := range items {
			if it.Kind != kind.kind {
				continue
			}
			row := inventoryRow{Name: it.Name, Vendor: it.Vendor, Count: thousands(it.Count),
				FirstSeen: formatTime(it.FirstSeen), LastSeen: formatTime(it.LastSeen),
				Sites: strings.Join(it.Sites, ", ")}
			if it.Catalogued {
				row.Category = it.Category
			} else {
				tb.Uncatalogued++
				row.Declare, _ = DeclareLines(it)
			}
			tb.Items = append(tb.Items, row)
		}
		t.Tables = append(t.Tables, tb)
	}
	return t
}

// inventoryPage serves <base>/inventory: the report as JSON, or as HTML
// when asked for with ?format=html or an Accept header preferring it.
func (h *handler) inventoryPage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if err := checkParams(q, "format"); err != nil {
		httpError(w, http.StatusBadRequest, err.Error())
		return
	}
	html := false
	switch f := q.Get("format"); f {
	case "json":
	case "html":
		html = true
	case "":
		html = prefers(r.Header.Get("Accept"), "text/html", "application/json")
	default:
		httpError(w, http.StatusBadRequest, fmt.Sprintf("format: want json or html, got %q", f))
		return
	}
	if h.inventory == nil {
		httpError(w, http.StatusNotFound, "no inventory is configured for this handler")
		return
	}
	rep := h.inventory.Snapshot()
	if html {
		h.render(w, "inventory", "Inventory", "./", tablesFor(rep))
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(rep)
}

// clearInventory answers POST <base>/inventory with action=clear: it
// empties the inventory and sends the browser back to the page. Only a
// same-origin post is taken, so another site cannot make an operator's
// browser, which holds the admin credentials, clear it.
func (h *handler) clearInventory(w http.ResponseWriter, r *http.Request) {
	if !sameOrigin(r) {
		httpError(w, http.StatusForbidden, "cross-site requests are refused")
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 1<<10)
	if err := r.ParseForm(); err != nil || r.PostForm.Get("action") != "clear" || len(r.PostForm) != 1 {
		httpError(w, http.StatusBadRequest, "want a form with action=clear")
		return
	}
	if h.inventory == nil {
		httpError(w, http.StatusNotFound, "no inventory is configured for this handler")
		return
	}
	h.inventory.Clear()
	h.log.Info("admin: inventory cleared")
	http.Redirect(w, r, requestPath(r)+"?format=html", http.StatusSeeOther)
}

// sameOrigin reports whether a POST comes from a page of this host.
// Browsers send Sec-Fetch-Site and Origin with a POST; a request with
// neither is no browser's cross-site form (curl, a script) and is taken.
func sameOrigin(r *http.Request) bool {
	switch r.Header.Get("Sec-Fetch-Site") {
	case "", "same-origin":
	default:
		return false
	}
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	u, err := url.Parse(origin)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http" && r.TLS == nil) && strings.EqualFold(u.Host, r.Host)
}
