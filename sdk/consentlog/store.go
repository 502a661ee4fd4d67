package consentlog

import (
	"context"
	"errors"
	"time"
)

// Store keeps records and notices. Implementations: sqlite.Open and
// postgres.Open. They must be safe for concurrent use.
type Store interface {
	// Insert adds notices and records in one transaction. A notice or
	// record whose hash or id the store already holds is skipped, not an
	// error, so a batch can be retried or replayed. When the store refuses
	// the data itself (a constraint, a value it cannot hold), the error
	// wraps ErrRefused; any other error counts as an outage.
	Insert(ctx context.Context, notices []Notice, records []Record) error
	// Purge deletes records whose event time is before cutoff and returns
	// how many it deleted.
	Purge(ctx context.Context, cutoff time.Time) (int64, error)
	// Find returns the records matching q, oldest first.
	Find(ctx context.Context, q Query) ([]Record, error)
	// Stats counts decisions per day (UTC), regime and category over
	// [from, to), of one site (Record.Site, as written, like Query.Site)
	// or of every site when site is empty.
	Stats(ctx context.Context, from, to time.Time, site string) ([]DayStat, error)
	// Notice returns the notice with the given hash; ok is false when the
	// store has none.
	Notice(ctx context.Context, hash string) (n Notice, ok bool, err error)
	// Ping checks the store answers.
	Ping(ctx context.Context) error
	// Close releases the store's connections.
	Close() error
}

// SiteLister is a Store that can list the sites its records were made on.
// The sqlite and postgres stores are; the admin view offers the sites it
// lists in its site fields (and only the configured ones for a store that
// is not).
type SiteLister interface {
	// Sites returns, in byte order and once each, the sites (Record.Site, as
	// written) of the records with an event time in [from, to), at most
	// MaxSites; a zero from or to leaves that side open. Records made
	// with no site count for none.
	Sites(ctx context.Context, from, to time.Time) ([]string, error)
}

// MaxSites caps SiteLister.Sites: a log of more sites than that is
// filtered by typing the site.
const MaxSites = 500

// ErrRefused marks an Insert error caused by the data, not by the store
// being unavailable: retrying the same batch would fail forever.
var ErrRefused = errors.New("the store refuses the data")

// Query selects records. Zero fields do not filter.
type Query struct {
	// SubjectID selects one visitor's decisions.
	SubjectID string
	// RecordID selects one record.
	RecordID string
	// Site selects the decisions made on one site (Record.Site, as
	// written: "shop.example.com", "*.example.com"), for a log several
	// sites share.
	Site string
	// From and To bound the event time: From <= t < To.
	From, To time.Time
	// AfterTime and AfterID continue a listing: only records after this
	// one in (event time, record id) order.
	AfterTime time.Time
	AfterID   string
	// Limit caps the number of records; 0 means DefaultLimit, and no more
	// than MaxLimit are returned.
	Limit int
}

// Limits of Query.Limit.
const (
	DefaultLimit = 1000
	MaxLimit     = 10000
)

// DayStat is the number of decisions on one day under one regime, and how
// many of them granted one category.
type DayStat struct {
	// Day is midnight UTC of the day.
	Day      time.Time `json:"day"`
	Regime   string    `json:"regime"`
	Category string    `json:"category"`
	Granted  int64     `json:"granted"`
	Total    int64     `json:"total"`
}
