package storetest

import (
	"fmt"
	"maps"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/consentry/consentry/sdk/consentlog"
)

// testIdempotentInsert inserts a batch twice, then a batch overlapping it
// whose overlapping records differ: the store keeps one copy of each
// record, the first it received, and counts it once.
func testIdempotentInsert(t *testing.T, s consentlog.Store) {
	var a []consentlog.Record
	for i := range 10 {
		a = append(a, record(i, base.Add(time.Duration(i)*time.Minute), "opt-in", []string{"analytics", "necessary"}, []string{"ads"}))
	}
	insert(t, s, a...)
	insert(t, s, a...)
	if got := all(t, s, consentlog.Query{}); !reflect.DeepEqual(got, sorted(a)) {
		t.Fatalf("after inserting one batch twice: %d records %v, want %d %v", len(got), ids(got), len(a), ids(a))
	}

	// b overlaps a on records 5-9 with other contents, and holds record 14
	// twice.
	var b []consentlog.Record
	for i := 5; i < 15; i++ {
		r := record(i, base.Add(time.Duration(i)*time.Minute+time.Second), "opt-out", []string{"ads"}, []string{"analytics", "social"})
		r.EventType = consentlog.EventUpdated
		b = append(b, r)
	}
	dup := b[len(b)-1]
	dup.Regime = "notice"
	b = append(b, dup)
	insert(t, s, b...)

	want := slices.Concat(a, b[5:10])
	if got := all(t, s, consentlog.Query{}); !reflect.DeepEqual(got, sorted(want)) {
		t.Fatalf("after an overlapping batch: %v, want %v", ids(got), ids(sorted(want)))
	}
	assertStats(t, s, want, base.Add(-time.Hour), base.Add(time.Hour))
}

// testConcurrentInserts runs overlapping batches from several goroutines
// at once, some in reverse order: every insert succeeds (no deadlock, no
// conflict error) and each record is stored once.
func testConcurrentInserts(t *testing.T, s consentlog.Store) {
	const workers, batches, size = 8, 10, 20
	var wg sync.WaitGroup
	var mu sync.Mutex
	want := map[string]consentlog.Record{}
	for w := range workers {
		wg.Go(func() {
			for k := range batches {
				// Batch k of worker w overlaps batch k+1 and worker
				// w+1's first batch.
				first := w*batches*size/2 + k*size/2
				var batch []consentlog.Record
				for i := first; i < first+size; i++ {
					batch = append(batch, record(i, base.Add(time.Duration(i)*time.Second), "opt-in", []string{"analytics"}, []string{"ads"}))
				}
				if w%2 == 1 {
					slices.Reverse(batch)
				}
				if err := s.Insert(ctx(t), nil, batch); err != nil {
					t.Errorf("worker %d, batch %d: Insert: %v", w, k, err)
					return
				}
				mu.Lock()
				for _, r := range batch {
					want[r.RecordID] = r
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	got := all(t, s, consentlog.Query{Limit: consentlog.MaxLimit})
	if !reflect.DeepEqual(got, sorted(slices.Collect(maps.Values(want)))) {
		t.Errorf("after concurrent inserts: %d records, want %d", len(got), len(want))
	}
}

// testLargeBatch inserts 5000 records in one call.
func testLargeBatch(t *testing.T, s consentlog.Store) {
	const n = 5000
	records := make([]consentlog.Record, n)
	for i := range records {
		records[i] = record(i, base.Add(time.Duration(i)*time.Second), []string{"opt-in", "opt-out"}[i%2],
			[]string{"analytics", "necessary"}, []string{"ads", "social"})
		records[i].PagePath = fmt.Sprintf("/products/%d", i)
	}
	insert(t, s, records...)
	got := all(t, s, consentlog.Query{Limit: consentlog.MaxLimit})
	if !reflect.DeepEqual(got, sorted(records)) {
		t.Fatalf("after a batch of %d: %d records read back, or not equal", n, len(got))
	}
	assertStats(t, s, records, base, base.Add(n*time.Second))
}
