package sdk

import (
	"slices"
	"strings"
	"sync"
	"sync/atomic"
)

// MaxSeenVendors bounds the catalogue vendors the inventory adds to what a
// Consent lists (vendorListing): each one seen rebuilds the banner
// configuration and the cookie tables of every language once, so pages
// that name random catalogued hosts cannot make the engine rebuild without
// end, nor the preference centre grow past this many vendors.
const MaxSeenVendors = 64

// vendorListing decides which vendors the preference centre, the cookie
// declaration and the notice list: the site's own (Options.Vendors), with
// the catalogue's entries of a vendor they name, and the catalogue
// vendors the inventory has seen on the site's pages and responses, not
// the whole catalogue.
//
// A vendor is seen when a catalogued host of its is loaded or named by a
// rewritten page (observeHosts), or a first-party cookie of its is set by
// a response (observeSetCookie), with the category the catalogue gives
// it. The first time, the listing is rebuilt (textSet.list) and replaces
// the old one whole: the configuration scripts and details get new names
// (their hashes change), so do the page fingerprint and the notices, which
// are registered with the consent log. Seen vendors are listed in name
// order, so processes that have seen the same vendors serve the same
// files. Clearing the inventory forgets them.
type vendorListing struct {
	mu       sync.Mutex
	declared []Vendor   // the site's own vendors, then the catalogue's entries of their names
	cats     []Category // the configured categories with the site's own vendors, for declarationRows
	seen     []string   // catalogue vendor names seen, sorted
	view     atomic.Pointer[seenView]

	dirty   bool      // seen changed since the running rebuild took it
	running bool      // relistLoop runs
	idle    sync.Cond // broadcast when relistLoop ends; L is &mu
}

// seenView is what noteVendor checks without the lock.
type seenView struct {
	gen   uint64          // the Inventory's generation (Clear) the names belong to
	names map[string]bool // seen, or declared
	full  bool            // MaxSeenVendors seen
}

// catalogueByName indexes the built-in catalogue's entries by vendor name
// (a hand-written vendor and what the datasets add to it share one).
var catalogueByName = sync.OnceValue(func() map[string][]int {
	m := map[string][]int{}
	for i, v := range builtin() {
		m[v.Vendor] = append(m[v.Vendor], i)
	}
	return m
})

// catalogueEntries returns copies of the built-in catalogue's entries
// named name.
func catalogueEntries(name string) []Vendor {
	var out []Vendor
	for _, i := range catalogueByName()[name] {
		out = append(out, cloneVendor(builtin()[i]))
	}
	return out
}

// newVendorListing starts the listing with the site's own vendors own
// (siteVendors) and cats, the configured categories with them. A vendor
// of own named as a catalogue vendor (any case) brings that vendor's
// catalogue entries too, unless noCatalogue.
func newVendorListing(own []Vendor, cats []Category, noCatalogue bool) *vendorListing {
	l := &vendorListing{declared: slices.Clone(own), cats: cats}
	l.idle.L = &l.mu
	names := map[string]bool{}
	if !noCatalogue {
		for _, v := range own {
			for name := range catalogueByName() {
				if strings.EqualFold(name, v.Vendor) && !names[name] {
					names[name] = true
					l.declared = append(l.declared, catalogueEntries(name)...)
				}
			}
		}
	}
	l.view.Store(&seenView{names: names})
	return l
}

// vendors returns the vendors listed: the declared ones, then the seen
// ones. l.mu is held or l is new.
func (l *vendorListing) vendors() []Vendor {
	out := slices.Clone(l.declared)
	for _, name := range l.seen {
		out = append(out, catalogueEntries(name)...)
	}
	return out
}

// relist renders and publishes the listing of l's vendors: the banner
// configuration, the cookie tables and the declaration of every language,
// and their notices. c is being made, or relistLoop calls it.
func (c *Consent) relist() error {
	c.listed.mu.Lock()
	vendors := c.listed.vendors()
	c.listed.mu.Unlock()
	return c.relistWith(vendors)
}

// relistWith renders and publishes the listing of vendors.
func (c *Consent) relistWith(vendors []Vendor) error {
	rows, names := declarationRows(c.opts, c.listed.cats, vendors)
	lst, err := c.texts.list(rows, names, vendors)
	if err != nil {
		return err
	}
	lst.notices = map[string]string{}
	for lang, n := range c.notices(lst) {
		lst.notices[lang] = n.Hash
		if c.opts.ConsentLog != nil {
			c.opts.ConsentLog.AddNotice(n)
		}
	}
	c.texts.cur.Store(lst)
	return nil
}

// noteVendor lists the catalogue vendor name, seen on the site, if it is
// not yet listed (see vendorListing). It takes no lock when it is.
func (c *Consent) noteVendor(name string) {
	if name == "" {
		return
	}
	gen := c.opts.Inventory.generation()
	if v := c.listed.view.Load(); v.gen == gen && (v.names[name] || v.full) {
		return
	}
	l := c.listed
	l.mu.Lock()
	defer l.mu.Unlock()
	v := l.view.Load()
	if v.gen != gen {
		// The inventory was cleared: what it had seen is forgotten.
		names := map[string]bool{}
		for _, d := range l.declared {
			names[d.Vendor] = true
		}
		v = &seenView{gen: gen, names: names}
		if l.seen != nil {
			l.seen = nil
			c.scheduleRelist()
		}
	}
	if v.names[name] || v.full {
		l.view.Store(v)
		return
	}
	if len(catalogueByName()[name]) == 0 {
		return // not a catalogue vendor
	}
	i, _ := slices.BinarySearch(l.seen, name)
	l.seen = slices.Insert(l.seen, i, name)
	names := make(map[string]bool, len(v.names)+1)
	for k := range v.names {
		names[k] = true
	}
	names[name] = true
	c.scheduleRelist()
	l.view.Store(&seenView{gen: gen, names: names, full: len(l.seen) >= MaxSeenVendors})
}

// scheduleRelist has the listing rebuilt in the background, so the
// request that sees a new vendor does not wait for it (every language's
// files are rendered and compressed: tens to hundreds of milliseconds);
// vendors seen while a rebuild runs are taken by the next, one for all.
// c.listed.mu is held.
func (c *Consent) scheduleRelist() {
	l := c.listed
	l.dirty = true
	if l.running {
		return
	}
	l.running = true
	go c.relistLoop()
}

// relistLoop rebuilds the listing until no vendor is waiting.
func (c *Consent) relistLoop() {
	l := c.listed
	for {
		l.mu.Lock()
		if !l.dirty {
			l.running = false
			l.idle.Broadcast()
			l.mu.Unlock()
			return
		}
		l.dirty = false
		vendors := l.vendors()
		l.mu.Unlock()
		if err := c.relistWith(vendors); err != nil {
			c.log.Error("consent: listing the vendors the inventory saw", "error", err)
		}
	}
}

// awaitListing waits until no rebuild of the listing is running or
// waiting, for tests and benchmarks.
func (c *Consent) awaitListing() {
	l := c.listed
	l.mu.Lock()
	defer l.mu.Unlock()
	for l.running {
		l.idle.Wait()
	}
}

// listedVendors returns the names of the catalogue vendors the inventory
// has seen and the listing shows, sorted.
func (c *Consent) listedVendors() []string {
	c.listed.mu.Lock()
	defer c.listed.mu.Unlock()
	return slices.Clone(c.listed.seen)
}
