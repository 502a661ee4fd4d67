package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/consentry/consentry/sdk/consentlog"
)

// Store is a consentlog.Store over database/sql. It is safe for concurrent
// use.
type Store struct {
	d     *Dialect
	write *sql.DB // Insert, Purge, Migrate
	read  *sql.DB // Find, Stats, Notice; may be write
	now   func() time.Time
	// refused tells a driver error that refuses the data (Insert wraps it
	// in consentlog.ErrRefused) from an outage; nil: none does.
	refused func(error) bool
}

// New returns a store over the given pools: write for Insert, Purge and
// Migrate, read for the queries (the same pool when the database needs no
// split). The store owns the pools: Close closes them. Call Migrate before
// anything else. refused reports the driver errors that refuse the data
// itself (a constraint, a value the column cannot hold); it may be nil.
func New(d *Dialect, write, read *sql.DB, refused func(error) bool) *Store {
	if read == nil {
		read = write
	}
	if refused == nil {
		refused = func(error) bool { return false }
	}
	return &Store{d: d, write: write, read: read, now: time.Now, refused: refused}
}

// Ping checks both pools answer.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.write.PingContext(ctx); err != nil {
		return s.d.errorf("ping: %w", err)
	}
	if s.read != s.write {
		if err := s.read.PingContext(ctx); err != nil {
			return s.d.errorf("ping: %w", err)
		}
	}
	return nil
}

// Close closes the pools.
func (s *Store) Close() error {
	err := s.write.Close()
	if s.read != s.write {
		err = errors.Join(err, s.read.Close())
	}
	if err != nil {
		return s.d.errorf("close: %w", err)
	}
	return nil
}

var _ consentlog.Store = (*Store)(nil)

// WriteDB is the write pool, for tests that inspect the database.
func (s *Store) WriteDB() *sql.DB { return s.write }
