package sdk

import (
	"context"
	"sync"
	"time"

	"github.com/consentry/consentry/sdk/consentlog"
)

// inventorySyncLoop runs Inventory.Sync every Options.InventorySync while
// the Consent is open.
type inventorySyncLoop struct {
	once sync.Once
	stop chan struct{}
	done chan struct{}
}

// inventoryStore returns the consent log's store as an InventoryStore,
// or nil when there is no log or its store does not share inventories.
func (c *Consent) inventoryStore() consentlog.InventoryStore {
	if c.opts.ConsentLog == nil {
		return nil
	}
	is, _ := c.opts.ConsentLog.Store().(consentlog.InventoryStore)
	return is
}

// startInventorySync starts the loop when the consent log's store shares
// inventories and Options.InventorySync is not negative.
func (c *Consent) startInventorySync() {
	store := c.inventoryStore()
	every := c.opts.InventorySync
	if every == 0 {
		every = DefaultInventorySync
	}
	if store == nil || every < 0 {
		return
	}
	l := &c.invSync
	l.stop, l.done = make(chan struct{}), make(chan struct{})
	go func() {
		defer close(l.done)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-l.stop:
				return
			case <-t.C:
				c.syncInventory(store)
			}
		}
	}()
}

// stopInventorySync stops the loop and merges what is left, so a reload
// loses no counts.
func (c *Consent) stopInventorySync() {
	l := &c.invSync
	if l.stop == nil {
		return
	}
	l.once.Do(func() {
		close(l.stop)
		<-l.done
		c.syncInventory(c.inventoryStore())
	})
}

// syncInventory runs one Inventory.Sync, bounded in time; an error is
// logged, and the counts kept for the next.
func (c *Consent) syncInventory(store consentlog.InventoryStore) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.opts.Inventory.Sync(ctx, store); err != nil {
		c.log.Warn("consent: sharing the inventory through the consent log's store", "error", err)
		return
	}
	c.listFleetVendors()
}

// listFleetVendors lists (noteVendor) the catalogue vendors that the
// fleet's inventory, as last synced, saw on a site this Consent serves, so
// that every process of a fleet lists the same vendors, not only those
// its own pages showed it.
func (c *Consent) listFleetVendors() {
	for _, v := range c.opts.Inventory.fleetVendors(c.servesSite) {
		c.noteVendor(v)
	}
}
