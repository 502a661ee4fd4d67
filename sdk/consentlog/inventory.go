package consentlog

import (
	"context"
	"errors"
	"time"
)

// InventoryRow is one cookie name or host of an inventory shared through
// the store: what one process saw of it on one site since it last merged.
type InventoryRow struct {
	Site     string // the request host it was seen on; "" for none
	Kind     string // "cookie" or "host" (sdk.KindCookie, sdk.KindHost)
	Name     string
	Category string // the category that claims it, "" for none
	Vendor   string // the catalogue vendor, "" when unknown
	First    time.Time
	Last     time.Time
	Count    int64 // observations since the last merge (0: only the site is new)
}

// InventoryStore is a Store that shares the inventory of several
// processes (the PostgreSQL store): each merges what it saw, and reads
// what all have.
type InventoryStore interface {
	// MergeInventory adds rows in one transaction: a (site, kind, name)
	// the store holds gets the counts added, the earliest first and the
	// latest last seen, and the classification of the row seen last.
	// Then the store keeps the limit rows seen most recently.
	MergeInventory(ctx context.Context, rows []InventoryRow, limit int) error
	// InventoryRows returns at most limit rows, the most recently seen
	// first.
	InventoryRows(ctx context.Context, limit int) ([]InventoryRow, error)
	// ClearInventory deletes every row.
	ClearInventory(ctx context.Context) error
}

// ErrNoInventory is the error of a store opened lazily (Lazy) that turns
// out not to share inventories.
var ErrNoInventory = errors.New("consentlog: this store does not share the inventory")
