package storetest

import (
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/consentry/consentry/sdk/consentlog"
)

// testPurge deletes the records before a cutoff: exactly those go, with
// their purposes rows, and Stats reflects it.
func testPurge(t *testing.T, s consentlog.Store) {
	day := base.Truncate(24 * time.Hour)
	var records []consentlog.Record
	for i := range 300 {
		at := day.Add(time.Duration(i) * 23 * time.Minute)
		records = append(records, record(i, at, []string{"opt-in", "opt-out"}[i%2], []string{"analytics"}, []string{"ads"}))
	}
	insert(t, s, records...)
	want := sorted(records)
	cutoff := want[123].EventTime

	n, err := s.Purge(ctx(t), cutoff)
	if err != nil {
		t.Fatalf("Purge: %v", err)
	}
	if n != 123 {
		t.Errorf("Purge deleted %d records, want 123", n)
	}
	kept := want[123:]
	if got := all(t, s, consentlog.Query{}); !reflect.DeepEqual(got, kept) {
		t.Errorf("after Purge: %d records from %v, want %d from %v", len(got), ids(got[:1]), len(kept), ids(kept[:1]))
	}
	end := day.Add(300 * 23 * time.Minute)
	assertStats(t, s, kept, day, end)

	if n, err := s.Purge(ctx(t), cutoff); err != nil || n != 0 {
		t.Errorf("second Purge = %d, %v; want 0, nil", n, err)
	}

	// A purged record inserted again, with other categories, counts only
	// with its new ones: its old purposes rows are gone.
	again := want[0]
	again.Granted, again.Refused = []string{"ads"}, []string{"analytics", "social"}
	insert(t, s, again)
	assertStats(t, s, slices.Concat([]consentlog.Record{again}, kept), day, end)
}
