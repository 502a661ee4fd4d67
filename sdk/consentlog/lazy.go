package consentlog

import (
	"context"
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

type lazyStore struct {
	name string
	open func(context.Context) (Store, error)

	mu     sync.Mutex
	store  Store
	closed bool
}

// get returns the open store, opening it if needed.
func (s *lazyStore) get(ctx context.Context) (Store, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.store != nil {
		return s.store, nil
	}
	if s.closed {
		return nil, errClosed
	}
	st, err := s.open(ctx)
	if err != nil {
		return nil, err
	}
	s.store = st
	return st, nil
}

func (s *lazyStore) Insert(ctx context.Context, notices []Notice, records []Record) error {
	st, err := s.get(ctx)
	if err != nil {
		return err
	}
	return st.Insert(ctx, notices, records)
}

func (s *lazyStore) Purge(ctx context.Context, cutoff time.Time) (int64, error) {
	st, err := s.get(ctx)
	if err != nil {
		return 0, err
	}
	return st.Purge(ctx, cutoff)
}

func (s *lazyStore) Find(ctx context.Context, q Query) ([]Record, error) {
	st, err := s.get(ctx)
	if err != nil {
		return nil, err
	}
	return st.Find(ctx, q)
}

func (s *lazyStore) Stats(ctx context.Context, from, to time.Time) ([]DayStat, error) {
	st, err := s.get(ctx)
	if err != nil {
		return nil, err
	}
	return st.Stats(ctx, from, to)
}

func (s *lazyStore) Notice(ctx context.Context, hash string) (Notice, bool, error) {
	st, err := s.get(ctx)
	if err != nil {
		return Notice{}, false, err
	}
	return st.Notice(ctx, hash)
}

func (s *lazyStore) Ping(ctx context.Context) error {
	st, err := s.get(ctx)
	if err != nil {
		return err
	}
	return st.Ping(ctx)
}

func (s *lazyStore) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	if s.store == nil {
		return nil
	}
	return s.store.Close()
}
