package admin

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/consentry/consentry/sdk"
	"github.com/consentry/consentry/sdk/consentlog"
)

// Options configures the admin handler.
type Options struct {
	// Store is the consent log to read. Required.
	Store consentlog.Store
	// Inventory is the live cookie and host inventory to show. Default:
	// none; the overview says so and <base>/inventory answers 404.
	Inventory *sdk.Inventory
	// Title heads every page. Default: "Consentry".
	Title string
	// Logger receives store errors. Default: slog.Default().
	Logger *slog.Logger
	// Now is the clock, for "the last N days". Default: time.Now.
	Now func() time.Time
	// Sites are sites sharing the log (the consent handler's sites, as
	// recorded: "shop.example.com", "*.example.com"), offered as
	// suggestions in the overview's site fields, with those the store
	// lists for the period when it is a consentlog.SiteLister. Default:
	// none; any site can still be typed.
	Sites []string
}

// Defaults and limits.
const (
	// DefaultTitle is the page title when Options.Title is empty.
	DefaultTitle = "Consentry"
	// DefaultDays is how many days the overview and stats cover.
	DefaultDays = 30
	// MaxDays is the most days ?days= accepts.
	MaxDays = 400
	// ExportCap is the most records one CSV or JSON export returns; an
	// export that stops there says so and how to continue.
	ExportCap = 1_000_000
	// DefaultPageSize is how many records an HTML lookup page shows.
	DefaultPageSize = 100
)

// handler serves the admin views.
type handler struct {
	store     consentlog.Store
	inventory *sdk.Inventory // nil: none
	title     string
	log       *slog.Logger
	now       func() time.Time
	sites     []string // Options.Sites, lower case, sorted, once each
	exportCap int      // ExportCap; lowered by tests
	pageSize  int      // store page size for exports; consentlog.DefaultLimit
}

// New returns the admin handler. It answers GET and HEAD, and POST to
// <base>/inventory to clear the inventory (same-origin only), and must be
// mounted behind the operator's authentication.
func New(o Options) (http.Handler, error) {
	if o.Store == nil {
		return nil, errors.New("admin: Options.Store is required")
	}
	h := &handler{store: o.Store, inventory: o.Inventory, title: o.Title, log: o.Logger, now: o.Now,
		exportCap: ExportCap, pageSize: consentlog.DefaultLimit}
	if h.title == "" {
		h.title = DefaultTitle
	}
	for _, site := range o.Sites {
		if !validSite(site) {
			return nil, fmt.Errorf("admin: Options.Sites: %q is not a site name (a host name, or *.host)", site)
		}
		h.sites = append(h.sites, strings.ToLower(site))
	}
	slices.Sort(h.sites)
	h.sites = slices.Compact(h.sites)
	if h.log == nil {
		h.log = slog.Default()
	}
	if h.now == nil {
		h.now = time.Now
	}
	return h, nil
}

// ServeHTTP sets the security headers and routes on the end of the path,
// so the handler works under any prefix.
func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	hd.Set("Cache-Control", "no-store")
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Referrer-Policy", "no-referrer")
	hd.Set("Content-Security-Policy", csp)
	hd.Set("X-Frame-Options", "DENY")
	if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/inventory") {
		h.clearInventory(w, r)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		hd.Set("Allow", "GET, HEAD")
		httpError(w, http.StatusMethodNotAllowed, "method not allowed: use GET")
		return
	}
	p := r.URL.Path
	if p == "" {
		// Mounted with http.StripPrefix and asked for the prefix itself.
		http.Redirect(w, r, requestPath(r)+"/", http.StatusMovedPermanently)
		return
	}
	rest, last, _ := cut(p)
	_, prev, _ := cut(rest)
	switch {
	case prev == "notices":
		h.notice(w, r, last)
	case last == "":
		h.overview(w, r)
	case last == "records":
		h.records(w, r)
	case last == "stats":
		h.stats(w, r)
	case last == "inventory":
		h.inventoryPage(w, r)
	default:
		httpError(w, http.StatusNotFound, "not found")
	}
}

// cut splits p at its last slash.
func cut(p string) (rest, last string, ok bool) {
	i := strings.LastIndexByte(p, '/')
	if i < 0 {
		return "", p, false
	}
	return p[:i], p[i+1:], true
}

// requestPath is the path the client asked for, before any prefix was
// stripped, escaped.
func requestPath(r *http.Request) string {
	if u, err := url.ParseRequestURI(r.RequestURI); err == nil && u.Path != "" {
		return u.EscapedPath()
	}
	return r.URL.EscapedPath()
}

// httpError writes a short plain-text error.
func httpError(w http.ResponseWriter, code int, msg string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(code)
	_, _ = w.Write([]byte(msg + "\n"))
}

// storeError logs err and answers 503. A request the client gave up on is
// not logged as an error.
func (h *handler) storeError(w http.ResponseWriter, r *http.Request, op string, err error) {
	if errors.Is(err, context.Canceled) && r.Context().Err() != nil {
		h.log.Debug("admin: request canceled", "op", op, "err", err)
	} else {
		h.log.Error("admin: consent log store failed", "op", op, "err", err)
	}
	httpError(w, http.StatusServiceUnavailable, "the consent log store is unavailable; try again later")
}

// wantsJSON reports whether the request asks for JSON: ?format=json, or an
// Accept header that prefers application/json over text/html.
func wantsJSON(r *http.Request) bool {
	switch r.URL.Query().Get("format") {
	case "json":
		return true
	case "html":
		return false
	}
	return prefers(r.Header.Get("Accept"), "application/json", "text/html")
}
