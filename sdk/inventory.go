package sdk

import (
	"cmp"
	"slices"
	"strings"
	"sync"
	"time"
)

// The kinds of inventory entries.
const (
	// KindCookie is a cookie name an upstream response set.
	KindCookie = "cookie"
	// KindHost is a third-party host a rewritten page loads from or names.
	KindHost = "host"
)

// Bounds of an Inventory.
const (
	// DefaultInventoryLimit is the number of entries NewInventory keeps
	// when given no limit.
	DefaultInventoryLimit = 5000
	// MaxInventorySites is how many distinct sites an entry lists.
	MaxInventorySites = 8
	// MaxInventoryName is the longest name recorded, in bytes; longer
	// names count as overflow.
	MaxInventoryName = 256
)

// maxSiteLen is the longest site (a host name) an entry lists.
const maxSiteLen = 253

// Inventory is a live list of the cookie names and third-party hosts the
// engine has seen, for operators: what no category claims is an
// uncatalogued tracker to look at. It is safe for concurrent use, and
// several Consents may share one (each classifies with its own
// categories). Its size is bounded: past its limit, new names are counted
// in the overflow instead of recorded, so traffic naming random cookies or
// hosts cannot grow it without end.
type Inventory struct {
	mu       sync.Mutex
	limit    int
	cookies  map[string]*inventoryEntry
	hosts    map[string]*inventoryEntry
	overflow int64
}

type inventoryEntry struct {
	name        string
	category    string
	vendor      string
	first, last time.Time
	count       int64
	nsites      int
	sites       [MaxInventorySites]string
}

// NewInventory returns an empty Inventory that keeps at most limit
// entries (DefaultInventoryLimit when limit <= 0).
func NewInventory(limit int) *Inventory {
	if limit <= 0 {
		limit = DefaultInventoryLimit
	}
	return &Inventory{limit: limit, cookies: make(map[string]*inventoryEntry), hosts: make(map[string]*inventoryEntry)}
}

// Observe records that a cookie (kind KindCookie) or host (KindHost)
// called name was seen at now on site (the request's host without port;
// "" for none). category is the category that claims it ("" for none)
// and vendor its catalogue vendor ("" for none); the latest observation's
// classification is kept, so a configuration change shows at once. Other
// kinds, empty names and a nil Inventory are ignored; a name longer than
// MaxInventoryName, or a new name once the Inventory is full, is not
// recorded and counts as overflow.
//
// It takes one lock and allocates only for a new entry or a new site.
func (inv *Inventory) Observe(kind, name, site, category, vendor string, now time.Time) {
	if inv == nil || name == "" {
		return
	}
	inv.mu.Lock()
	defer inv.mu.Unlock()
	var items map[string]*inventoryEntry
	switch kind {
	case KindCookie:
		items = inv.cookies
	case KindHost:
		items = inv.hosts
	default:
		return
	}
	e := items[name]
	if e == nil {
		if len(name) > MaxInventoryName || len(inv.cookies)+len(inv.hosts) >= inv.limit {
			inv.overflow++
			return
		}
		// Clone: name is often a slice of a longer header or page.
		e = &inventoryEntry{name: strings.Clone(name), first: now, last: now}
		items[e.name] = e
	}
	e.count++
	if now.Before(e.first) {
		e.first = now
	}
	if now.After(e.last) {
		e.last = now
	}
	e.category, e.vendor = category, vendor
	if site == "" || len(site) > maxSiteLen || e.nsites == MaxInventorySites {
		return
	}
	for _, s := range e.sites[:e.nsites] {
		if s == site {
			return
		}
	}
	e.sites[e.nsites] = strings.Clone(site)
	e.nsites++
}

// InventoryReport is a snapshot of an Inventory, as the admin page and its
// JSON show it.
type InventoryReport struct {
	// Generated is when the snapshot was taken.
	Generated time.Time `json:"generated"`
	// Limit is the most entries the Inventory keeps.
	Limit int `json:"limit"`
	// Overflow counts the observations not recorded: new names once the
	// Inventory was full, and names longer than MaxInventoryName.
	Overflow int64 `json:"overflow"`
	// Items are the entries, sorted by kind then name.
	Items []InventoryItem `json:"items"`
}

// InventoryItem is one cookie name or host in an InventoryReport.
type InventoryItem struct {
	// Kind is KindCookie or KindHost.
	Kind string `json:"kind"`
	// Name is the cookie name or the host.
	Name string `json:"name"`
	// Category is the key of the category that claims it, "" for none.
	Category string `json:"category"`
	// Vendor is the catalogue vendor it belongs to, "" when unknown.
	Vendor string `json:"vendor,omitempty"`
	// Catalogued is false when no category claims it: an uncatalogued
	// cookie or host to review.
	Catalogued bool `json:"catalogued"`
	// FirstSeen and LastSeen are the times of the earliest and latest
	// observation.
	FirstSeen time.Time `json:"first_seen"`
	LastSeen  time.Time `json:"last_seen"`
	// Count is how many times it was seen (once per response or page).
	Count int64 `json:"count"`
	// Sites are the first MaxInventorySites distinct sites (request
	// hosts) where it was seen.
	Sites []string `json:"sites"`
}

// Snapshot returns the current entries, sorted by kind then name. A nil
// Inventory gives an empty report.
func (inv *Inventory) Snapshot() InventoryReport {
	rep := InventoryReport{Generated: time.Now().UTC(), Items: []InventoryItem{}}
	if inv == nil {
		return rep
	}
	inv.mu.Lock()
	rep.Limit, rep.Overflow = inv.limit, inv.overflow
	rep.Items = make([]InventoryItem, 0, len(inv.cookies)+len(inv.hosts))
	for kind, items := range map[string]map[string]*inventoryEntry{KindCookie: inv.cookies, KindHost: inv.hosts} {
		for _, e := range items {
			rep.Items = append(rep.Items, inventoryItem(kind, e))
		}
	}
	inv.mu.Unlock()
	slices.SortFunc(rep.Items, func(a, b InventoryItem) int {
		return cmp.Or(cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.Name, b.Name))
	})
	return rep
}

// inventoryItem is e as a report shows it.
func inventoryItem(kind string, e *inventoryEntry) InventoryItem {
	sites := make([]string, e.nsites)
	copy(sites, e.sites[:e.nsites])
	return InventoryItem{
		Kind:       kind,
		Name:       e.name,
		Category:   e.category,
		Vendor:     e.vendor,
		Catalogued: e.category != "",
		FirstSeen:  e.first,
		LastSeen:   e.last,
		Count:      e.count,
		Sites:      sites,
	}
}
