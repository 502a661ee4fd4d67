package sdk

import (
	"context"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/consentry/consentry/sdk/consentlog"
)

// DefaultInventorySync is how often a Consent whose consent log's store
// shares inventories (consentlog.InventoryStore: PostgreSQL) merges its
// Inventory into the store and reads the fleet's back
// (Options.InventorySync).
const DefaultInventorySync = 30 * time.Second

// inventoryShare is what an Inventory keeps of the store it syncs with.
type inventoryShare struct {
	// fleet are the entries every process merged, as last read, by kind
	// and name; nil until the first Sync, and after Clear.
	fleet map[inventoryKey]*InventoryItem
	// clear is set by Clear: the next Sync clears the store first.
	clear bool
}

// cleared notes a Clear; inv.mu is held.
func (s *inventoryShare) cleared() {
	s.fleet = nil
	s.clear = true
}

// Sync shares inv through store, for a fleet of processes: it merges what
// inv saw since the last Sync (counts, first and last seen, per site and
// name; see consentlog.InventoryStore) and reads back the fleet's
// entries, which Snapshot shows from then on, with what inv sees until the
// next Sync added. The store keeps the inventory's limit of rows. After a
// Clear, the store is cleared first. On an error, the counts not merged
// are kept for the next Sync. A nil Inventory or store does nothing.
func (inv *Inventory) Sync(ctx context.Context, store consentlog.InventoryStore) error {
	if inv == nil || store == nil {
		return nil
	}
	inv.mu.Lock()
	clear, gen := inv.shared.clear, inv.gen.Load()
	rows, taken := inv.takePending()
	inv.mu.Unlock()

	err := func() error {
		if clear {
			if err := store.ClearInventory(ctx); err != nil {
				return err
			}
		}
		return store.MergeInventory(ctx, rows, inv.limit)
	}()
	if err != nil {
		inv.mu.Lock()
		inv.restorePending(taken)
		inv.mu.Unlock()
		return err
	}
	// The most recently seen limit rows (rows are per site: fewer names
	// when they are seen on several).
	got, err := store.InventoryRows(ctx, inv.limit)
	inv.mu.Lock()
	defer inv.mu.Unlock()
	if clear && inv.gen.Load() == gen {
		inv.shared.clear = false
	}
	if err != nil {
		return err
	}
	fleet := make(map[inventoryKey]*InventoryItem, len(got))
	for _, r := range got {
		k := inventoryKey{r.Kind, r.Name}
		it := fleet[k]
		if it == nil {
			it = &InventoryItem{Kind: r.Kind, Name: r.Name, FirstSeen: r.First, LastSeen: r.Last, Sites: []string{}}
			fleet[k] = it
		}
		it.Count += r.Count
		if r.First.Before(it.FirstSeen) {
			it.FirstSeen = r.First
		}
		if !r.Last.Before(it.LastSeen) {
			it.LastSeen, it.Category, it.Vendor = r.Last, r.Category, r.Vendor
		}
		if r.Site != "" && len(it.Sites) < MaxInventorySites && !slices.Contains(it.Sites, r.Site) {
			it.Sites = append(it.Sites, r.Site)
		}
	}
	for _, it := range fleet {
		it.Catalogued = it.Category != ""
		slices.Sort(it.Sites)
	}
	if inv.gen.Load() == gen { // not cleared meanwhile
		inv.shared.fleet = fleet
	}
	return nil
}

// fleetVendors returns the catalogue vendors of the fleet's entries as
// last synced (none before a Sync) seen on a site for which keep is
// true, each once, sorted.
func (inv *Inventory) fleetVendors(keep func(site string) bool) []string {
	if inv == nil {
		return nil
	}
	inv.mu.Lock()
	defer inv.mu.Unlock()
	seen := map[string]bool{}
	for _, it := range inv.shared.fleet {
		if it.Vendor != "" && !seen[it.Vendor] && slices.ContainsFunc(it.Sites, keep) {
			seen[it.Vendor] = true
		}
	}
	return slices.Sorted(maps.Keys(seen))
}

// pendingTake is what takePending took from one entry, to put back.
type pendingTake struct {
	k             inventoryKey
	n             int64
	first, last   time.Time
	pushedSitesAt int
}

// takePending returns the rows of what inv saw since the last Sync and
// resets it: an entry's new observations on the site it was first seen
// on, and each site added since with a count of 0. inv.mu is held.
func (inv *Inventory) takePending() ([]consentlog.InventoryRow, []pendingTake) {
	var rows []consentlog.InventoryRow
	var taken []pendingTake
	for k, e := range inv.entries.All {
		if e.pending == 0 && e.pushedSites == e.nsites {
			continue
		}
		first, last := e.pfirst, e.plast
		if e.pending == 0 {
			first, last = e.first, e.last
		}
		row := consentlog.InventoryRow{Site: e.owner, Kind: k.kind, Name: k.name, Category: e.category, Vendor: e.vendor,
			First: first, Last: last, Count: e.pending}
		rows = append(rows, row)
		for _, s := range e.sites[e.pushedSites:e.nsites] {
			if s != e.owner {
				row.Site, row.Count = s, 0
				rows = append(rows, row)
			}
		}
		taken = append(taken, pendingTake{k, e.pending, e.pfirst, e.plast, e.pushedSites})
		e.pending, e.pushedSites = 0, e.nsites
	}
	return rows, taken
}

// restorePending puts back what takePending took, for entries still held.
// inv.mu is held.
func (inv *Inventory) restorePending(taken []pendingTake) {
	for _, t := range taken {
		e, ok := inv.entries.Peek(t.k)
		if !ok {
			continue
		}
		if t.n > 0 {
			if e.pending == 0 || t.first.Before(e.pfirst) {
				e.pfirst = t.first
			}
			if e.pending == 0 || t.last.After(e.plast) {
				e.plast = t.last
			}
			e.pending += t.n
		}
		e.pushedSites = min(e.pushedSites, t.pushedSitesAt)
	}
}

// fleetItems is the report of a synced Inventory: the fleet's entries as
// last read, with what inv saw since added; the store is the record, so
// an entry merged before and no longer in it is not shown. inv.mu is
// held.
func (inv *Inventory) fleetItems(fleet map[inventoryKey]*InventoryItem) []InventoryItem {
	items := make([]InventoryItem, 0, len(fleet)+inv.entries.Len())
	for _, it := range fleet {
		c := *it
		c.Sites = slices.Clone(it.Sites)
		items = append(items, c)
	}
	at := make(map[inventoryKey]int, len(items))
	for i, it := range items {
		at[inventoryKey{it.Kind, it.Name}] = i
	}
	for k, e := range inv.entries.All {
		i, ok := at[k]
		if !ok {
			// Not in the fleet's: new since the last Sync, or dropped
			// from the store (its limit, a Clear elsewhere) and seen
			// again since; what was merged before is gone.
			if e.pending > 0 {
				it := inventoryItem(k, e)
				it.Count, it.FirstSeen, it.LastSeen = e.pending, e.pfirst, e.plast
				items = append(items, it)
			}
			continue
		}
		it := &items[i]
		if e.pending == 0 {
			continue
		}
		it.Count += e.pending
		if e.pfirst.Before(it.FirstSeen) {
			it.FirstSeen = e.pfirst
		}
		if e.plast.After(it.LastSeen) {
			it.LastSeen, it.Category, it.Vendor = e.plast, e.category, e.vendor
			it.Catalogued = it.Category != ""
		}
		for _, s := range e.sites[:e.nsites] {
			if len(it.Sites) < MaxInventorySites && !slices.Contains(it.Sites, s) {
				it.Sites = append(it.Sites, strings.Clone(s))
			}
		}
	}
	return items
}
