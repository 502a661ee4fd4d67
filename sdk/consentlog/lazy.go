package consentlog

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// Lazy returns a Store that opens the real one on first use, and again after
// a failed open, so a server can start while its database is down: the
// Log's writes fail, go to the spool, and are replayed once open succeeds.
// name is used in errors. Queries fail while the store cannot be opened.
func Lazy(name string, open func(context.Context) (Store, error)) Store {
	return &lazyStore{name: name, open: open}
}

// lazyStore opens its store on first use. One open runs at a time, outside
// the lock, so a caller waits for it only as long as its own context allows.
type lazyStore struct {
	name string
	open func(context.Context) (Store, error)

	mu      sync.Mutex
	store   Store
	closed  bool
	opening chan struct{} // closed when the open in flight ends; nil if none
	openErr error         // the last open's error
}

// lazyOpenTimeout bounds one attempt to open the store.
const lazyOpenTimeout = 30 * time.Second

// get returns the open store, opening it if needed.
func (s *lazyStore) get(ctx context.Context) (Store, error) {
	s.mu.Lock()
	if s.store != nil {
		st := s.store
		s.mu.Unlock()
		return st, nil
	}
	if s.closed {
		s.mu.Unlock()
		return nil, errClosed
	}
	if s.opening == nil {
		ch := make(chan struct{})
		s.opening = ch
		go s.openNow(ch)
	}
	ch := s.opening
	s.mu.Unlock()
	select {
	case <-ch:
	case <-ctx.Done():
		return nil, fmt.Errorf("%s: opening: %w", s.name, ctx.Err())
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.store != nil {
		return s.store, nil
	}
	if s.openErr != nil {
		return nil, s.openErr
	}
	return nil, errClosed
}

// openNow runs one open, outside the lock, and closes ch when it ends.
func (s *lazyStore) openNow(ch chan struct{}) {
	ctx, cancel := context.WithTimeout(context.Background(), lazyOpenTimeout)
	defer cancel()
	st, err := s.open(ctx)
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case err != nil:
		s.openErr = err
	case s.closed:
		st.Close()
	default:
		s.store, s.openErr = st, nil
	}
	s.opening = nil
	close(ch)
}

// Insert opens the store if needed and inserts.
func (s *lazyStore) Insert(ctx context.Context, notices []Notice, records []Record) error {
	st, err := s.get(ctx)
	if err != nil {
		return err
	}
	return st.Insert(ctx, notices, records)
}

// Purge opens the store if needed and calls its Purge.
func (s *lazyStore) Purge(ctx context.Context, cutoff time.Time) (int64, error) {
	st, err := s.get(ctx)
	if err != nil {
		return 0, err
	}
	return st.Purge(ctx, cutoff)
}

// Find opens the store if needed and calls its Find.
func (s *lazyStore) Find(ctx context.Context, q Query) ([]Record, error) {
	st, err := s.get(ctx)
	if err != nil {
		return nil, err
	}
	return st.Find(ctx, q)
}

// Stats opens the store if needed and calls its Stats.
func (s *lazyStore) Stats(ctx context.Context, from, to time.Time, site string) ([]DayStat, error) {
	st, err := s.get(ctx)
	if err != nil {
		return nil, err
	}
	return st.Stats(ctx, from, to, site)
}

// Sites opens the store if needed and calls its Sites, when it is a
// SiteLister; otherwise it lists none.
func (s *lazyStore) Sites(ctx context.Context, from, to time.Time) ([]string, error) {
	st, err := s.get(ctx)
	if err != nil {
		return nil, err
	}
	if l, ok := st.(SiteLister); ok {
		return l.Sites(ctx, from, to)
	}
	return nil, nil
}

// Notice opens the store if needed and calls its Notice.
func (s *lazyStore) Notice(ctx context.Context, hash string) (Notice, bool, error) {
	st, err := s.get(ctx)
	if err != nil {
		return Notice{}, false, err
	}
	return st.Notice(ctx, hash)
}

// Ping opens the store if needed and calls its Ping.
func (s *lazyStore) Ping(ctx context.Context) error {
	st, err := s.get(ctx)
	if err != nil {
		return err
	}
	return st.Ping(ctx)
}

// Close closes the store, or the one an open in flight returns.
func (s *lazyStore) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	if s.store == nil {
		return nil
	}
	return s.store.Close()
}

// inventory opens the store if needed and returns it as an
// InventoryStore, or ErrNoInventory.
func (s *lazyStore) inventory(ctx context.Context) (InventoryStore, error) {
	st, err := s.get(ctx)
	if err != nil {
		return nil, err
	}
	is, ok := st.(InventoryStore)
	if !ok {
		return nil, ErrNoInventory
	}
	return is, nil
}

// MergeInventory opens the store if needed and merges into its inventory.
func (s *lazyStore) MergeInventory(ctx context.Context, rows []InventoryRow, limit int) error {
	is, err := s.inventory(ctx)
	if err != nil {
		return err
	}
	return is.MergeInventory(ctx, rows, limit)
}

// InventoryRows opens the store if needed and reads its inventory.
func (s *lazyStore) InventoryRows(ctx context.Context, limit int) ([]InventoryRow, error) {
	is, err := s.inventory(ctx)
	if err != nil {
		return nil, err
	}
	return is.InventoryRows(ctx, limit)
}

// ClearInventory opens the store if needed and clears its inventory.
func (s *lazyStore) ClearInventory(ctx context.Context) error {
	is, err := s.inventory(ctx)
	if err != nil {
		return err
	}
	return is.ClearInventory(ctx)
}
