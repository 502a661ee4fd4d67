package consentlog

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"
)

// memStore is a Store in memory that can be made to fail, with the same
// insert-once semantics as the real ones.
type memStore struct {
	mu      sync.Mutex
	records []Record
	ids     map[string]bool
	notices map[string]Notice
	down    bool            // Insert and Purge fail
	ackLost bool            // Insert commits, then reports a failure
	block   chan struct{}   // when set, Insert waits for it to close
	poison  map[string]bool // record ids whose batch the store refuses while up
	inserts int
	purges  []time.Time
}

func newMemStore() *memStore {
	return &memStore{ids: map[string]bool{}, notices: map[string]Notice{}}
}

var errDown = errors.New("store down")

func (m *memStore) setDown(down bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.down = down
}

func (m *memStore) Insert(ctx context.Context, notices []Notice, records []Record) error {
	m.mu.Lock()
	block := m.block
	m.mu.Unlock()
	if block != nil {
		select {
		case <-block:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.inserts++
	if m.down {
		return errDown
	}
	for _, r := range records {
		if m.poison[r.RecordID] {
			return fmt.Errorf("%w: value too long for type character varying(64)", ErrRefused)
		}
	}
	for _, n := range notices {
		if _, ok := m.notices[n.Hash]; !ok {
			m.notices[n.Hash] = n
		}
	}
	for _, r := range records {
		if !m.ids[r.RecordID] {
			m.ids[r.RecordID] = true
			m.records = append(m.records, r)
		}
	}
	if m.ackLost {
		m.ackLost = false
		return errors.New("connection reset after commit")
	}
	return nil
}

func (m *memStore) Purge(ctx context.Context, cutoff time.Time) (int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.purges = append(m.purges, cutoff)
	if m.down {
		return 0, errDown
	}
	n := len(m.records)
	m.records = slices.DeleteFunc(m.records, func(r Record) bool { return r.EventTime.Before(cutoff) })
	return int64(n - len(m.records)), nil
}

func (m *memStore) Find(ctx context.Context, q Query) ([]Record, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.records), nil
}

func (m *memStore) Stats(ctx context.Context, from, to time.Time, site string) ([]DayStat, error) {
	return nil, nil
}

func (m *memStore) Notice(ctx context.Context, hash string) (Notice, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	n, ok := m.notices[hash]
	return n, ok, nil
}

func (m *memStore) Ping(ctx context.Context) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.down {
		return errDown
	}
	return nil
}

func (m *memStore) Close() error { return nil }

// ids returns the stored record ids in insertion order.
func (m *memStore) recordIDs() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	var ids []string
	for _, r := range m.records {
		ids = append(ids, r.RecordID)
	}
	return ids
}
