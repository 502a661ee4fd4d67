package sdk

import (
	"cmp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/consentry/consentry/sdk/internal/bounded"
)

// The kinds of inventory entries.
const (
	// KindCookie is a cookie name an upstream response set.
	KindCookie = "cookie"
	// KindHost is a third-party host a rewritten page loads from or names,
	// or a first-party tag path it loads from (Category.Paths), named by
	// the site's host followed by the path prefix:
	// "www.example.com/metrics/".
	KindHost = "host"
)

// Bounds of an Inventory.
const (
	// DefaultInventoryLimit is the number of entries NewInventory keeps
	// when given no limit.
	DefaultInventoryLimit = 5000
	// InventorySiteShare divides the limit into what one site may hold:
	// a quarter (1,250 of the default 5,000), so one site's pages, say one
	// that reflects its query string into a tag, cannot crowd out the
	// others.
	InventorySiteShare = 4
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
// categories). Its size is bounded, so traffic naming random cookies or
// hosts cannot grow it without end, nor keep a new tracker out: a new
// entry takes the place of the least recently seen one, of its own site
// once that site holds its share (limit / InventorySiteShare), else of any
// site once the Inventory holds its limit. An entry belongs to the site
// it was first seen on.
type Inventory struct {
	mu       sync.Mutex
	limit    int
	perSite  int
	entries  *bounded.LRU[inventoryKey, *inventoryEntry]     // by last seen
	sites    map[string]*bounded.LRU[inventoryKey, struct{}] // each site's own entries, by last seen
	overflow int64
	evicted  int64
	gen      atomic.Uint64 // counts Clear calls, for what Consents derive from the entries

	shared inventoryShare // what Sync merged and read (inventory_share.go)
}

type inventoryKey struct{ kind, name string }

type inventoryEntry struct {
	owner       string // the site it was first seen on; its share holds it
	category    string
	vendor      string
	first, last time.Time
	count       int64
	nsites      int
	sites       [MaxInventorySites]string

	// Since the last Sync: observations, and how many of sites the store
	// has been told of.
	pending       int64
	pfirst, plast time.Time
	pushedSites   int
}

// NewInventory returns an empty Inventory that keeps at most limit
// entries (DefaultInventoryLimit when limit <= 0), at most a share
// (limit / InventorySiteShare, at least 1) of them first seen on one site.
func NewInventory(limit int) *Inventory {
	if limit <= 0 {
		limit = DefaultInventoryLimit
	}
	inv := &Inventory{limit: limit, perSite: max(limit/InventorySiteShare, 1)}
	inv.reset()
	return inv
}

// reset empties inv; inv.mu is held or inv is new.
func (inv *Inventory) reset() {
	inv.entries = bounded.NewLRU[inventoryKey, *inventoryEntry](inv.limit)
	inv.sites = make(map[string]*bounded.LRU[inventoryKey, struct{}])
	inv.overflow, inv.evicted = 0, 0
}

// Clear forgets every entry and count, for an operator who wants to see
// what is seen from now on (after a configuration change, or after junk
// got in). A nil Inventory is left alone.
func (inv *Inventory) Clear() {
	if inv == nil {
		return
	}
	inv.mu.Lock()
	defer inv.mu.Unlock()
	inv.reset()
	inv.gen.Add(1)
	inv.shared.cleared()
}

// generation counts the Clear calls; 0 for a nil Inventory.
func (inv *Inventory) generation() uint64 {
	if inv == nil {
		return 0
	}
	return inv.gen.Load()
}

// Observe records that a cookie (kind KindCookie) or host (KindHost)
// called name was seen at now on site (the request's host without port;
// "" for none). category is the category that claims it ("" for none)
// and vendor its catalogue vendor ("" for none); the latest observation's
// classification is kept, so a configuration change shows at once. Other
// kinds, empty names and a nil Inventory are ignored; a name longer than
// MaxInventoryName is not recorded and counts as overflow. A new name
// takes the place of the least recently seen entry when site's share or
// the Inventory is full (see Inventory).
//
// It takes one lock and allocates only for a new entry or a new site.
func (inv *Inventory) Observe(kind, name, site, category, vendor string, now time.Time) {
	if inv == nil || name == "" || (kind != KindCookie && kind != KindHost) {
		return
	}
	if len(site) > maxSiteLen {
		site = "" // not a host name: recorded, without a site
	}
	inv.mu.Lock()
	defer inv.mu.Unlock()
	k := inventoryKey{kind, name}
	e, ok := inv.entries.Get(k)
	if ok {
		if own := inv.sites[e.owner]; own != nil {
			own.Get(k) // seen now: the last its site would give up
		}
	} else {
		if len(name) > MaxInventoryName {
			inv.overflow++
			return
		}
		e = inv.add(kind, name, site, now)
	}
	e.count++
	if e.pending == 0 || now.Before(e.pfirst) {
		e.pfirst = now
	}
	if e.pending == 0 || now.After(e.plast) {
		e.plast = now
	}
	e.pending++
	if now.Before(e.first) {
		e.first = now
	}
	if now.After(e.last) {
		e.last = now
	}
	e.category, e.vendor = category, vendor
	if site == "" || e.nsites == MaxInventorySites {
		return
	}
	for _, s := range e.sites[:e.nsites] {
		if s == site {
			return
		}
	}
	if site == e.owner {
		e.sites[e.nsites] = e.owner // already a copy
	} else {
		e.sites[e.nsites] = strings.Clone(site)
	}
	e.nsites++
}

// add makes the entry of a new name first seen on site, making room for
// it: in site's share first, else in the whole. inv.mu is held.
func (inv *Inventory) add(kind, name, site string, now time.Time) *inventoryEntry {
	if own := inv.sites[site]; own != nil && own.Len() >= inv.perSite {
		k, _, _ := own.Oldest()
		e, _ := inv.entries.Peek(k)
		inv.drop(k, e)
	} else if inv.entries.Len() >= inv.limit {
		k, e, _ := inv.entries.Oldest()
		inv.drop(k, e)
	}
	// Clone: name and site are often slices of a longer header or page.
	k := inventoryKey{kind, strings.Clone(name)}
	e := &inventoryEntry{owner: strings.Clone(site), first: now, last: now}
	inv.entries.Put(k, e)
	own := inv.sites[e.owner]
	if own == nil {
		own = bounded.NewLRU[inventoryKey, struct{}](inv.perSite)
		inv.sites[e.owner] = own
	}
	own.Put(k, struct{}{})
	return e
}

// drop removes an entry from the whole and from its site's share, to make
// room.
func (inv *Inventory) drop(k inventoryKey, e *inventoryEntry) {
	inv.entries.Delete(k)
	if own := inv.sites[e.owner]; own != nil {
		own.Delete(k)
		if own.Len() == 0 {
			delete(inv.sites, e.owner)
		}
	}
	inv.evicted++
}

// InventoryReport is a snapshot of an Inventory, as the admin page and its
// JSON show it.
type InventoryReport struct {
	// Generated is when the snapshot was taken.
	Generated time.Time `json:"generated"`
	// Limit is the most entries the Inventory keeps.
	Limit int `json:"limit"`
	// SiteLimit is the most entries first seen on one site.
	SiteLimit int `json:"site_limit"`
	// Overflow counts the names not recorded for being longer than
	// MaxInventoryName.
	Overflow int64 `json:"overflow"`
	// Evicted counts the entries dropped, least recently seen first, to
	// make room for new ones.
	Evicted int64 `json:"evicted"`
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
	rep.Limit, rep.SiteLimit, rep.Overflow, rep.Evicted = inv.limit, inv.perSite, inv.overflow, inv.evicted
	if fleet := inv.shared.fleet; fleet != nil {
		rep.Items = inv.fleetItems(fleet)
	} else {
		rep.Items = make([]InventoryItem, 0, inv.entries.Len())
		for k, e := range inv.entries.All {
			rep.Items = append(rep.Items, inventoryItem(k, e))
		}
	}
	inv.mu.Unlock()
	slices.SortFunc(rep.Items, func(a, b InventoryItem) int {
		return cmp.Or(cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.Name, b.Name))
	})
	return rep
}

// inventoryItem is e as a report shows it.
func inventoryItem(k inventoryKey, e *inventoryEntry) InventoryItem {
	sites := make([]string, e.nsites)
	copy(sites, e.sites[:e.nsites])
	return InventoryItem{
		Kind:       k.kind,
		Name:       k.name,
		Category:   e.category,
		Vendor:     e.vendor,
		Catalogued: e.category != "",
		FirstSeen:  e.first,
		LastSeen:   e.last,
		Count:      e.count,
		Sites:      sites,
	}
}
