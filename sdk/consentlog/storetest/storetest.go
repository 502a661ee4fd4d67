// Package storetest is the conformance suite every consentlog.Store passes:
// the sqlite and postgres packages run it against real databases.
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) consentlog.Store {
//			s, err := sqlite.Open(filepath.Join(t.TempDir(), "consent.db"))
//			if err != nil {
//				t.Fatal(err)
//			}
//			t.Cleanup(func() { s.Close() })
//			return s
//		})
//	}
package storetest

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/consentry/consentry/sdk/consentlog"
)

// Run runs the suite. open returns an empty store for one subtest; it
// closes the store in t.Cleanup.
func Run(t *testing.T, open func(t *testing.T) consentlog.Store) {
	tests := []struct {
		name string
		test func(t *testing.T, s consentlog.Store)
	}{
		{"RoundTrip", testRoundTrip},
		{"EmptyInsert", testEmptyInsert},
		{"IdempotentInsert", testIdempotentInsert},
		{"Notices", testNotices},
		{"FindFilters", testFindFilters},
		{"FindPages", testFindPages},
		{"ByteOrder", testByteOrder},
		{"Stats", testStats},
		{"StatsSite", testStatsSite},
		{"Sites", testSites},
		{"Purge", testPurge},
		{"ConcurrentInserts", testConcurrentInserts},
		{"LargeBatch", testLargeBatch},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.test(t, open(t))
		})
	}
}

// base is the first event time the suite uses: a fixed UTC day with
// sub-microsecond digits, which stores drop.
var base = time.Date(2025, 3, 14, 9, 26, 53, 589_793_238, time.UTC)

// ctx is a context for one store call.
func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(t.Context(), time.Minute)
	t.Cleanup(cancel)
	return c
}

// id is the record id of record number i.
func id(i int) string { return fmt.Sprintf("%032x", i) }

// record is a plausible record number i at time at.
func record(i int, at time.Time, regime string, granted, refused []string) consentlog.Record {
	return consentlog.Record{
		RecordID:         id(i),
		SchemaVersion:    consentlog.SchemaVersion,
		EventTime:        at,
		EventType:        consentlog.EventGiven,
		SubjectID:        fmt.Sprintf("subject-%d", i%7),
		Site:             []string{"shop.example", "blog.example"}[i%3/2],
		PolicyVersion:    "2025-01",
		Regime:           regime,
		Granted:          granted,
		Refused:          refused,
		CollectionMethod: "custom",
		NoticeHash:       "notice",
		ValidUntil:       at.Add(180 * 24 * time.Hour),
	}
}

// stored is r as a store returns it: times in UTC at microsecond
// precision, category lists never nil.
func stored(r consentlog.Record) consentlog.Record {
	r.EventTime = r.EventTime.UTC().Truncate(time.Microsecond)
	r.ValidUntil = r.ValidUntil.UTC().Truncate(time.Microsecond)
	if r.Granted == nil {
		r.Granted = []string{}
	}
	if r.Refused == nil {
		r.Refused = []string{}
	}
	return r
}

// insert inserts records and fails the test on error.
func insert(t *testing.T, s consentlog.Store, records ...consentlog.Record) {
	t.Helper()
	if err := s.Insert(ctx(t), nil, records); err != nil {
		t.Fatalf("Insert(%d records): %v", len(records), err)
	}
}

// all lists every record in the store, page by page.
func all(t *testing.T, s consentlog.Store, q consentlog.Query) []consentlog.Record {
	t.Helper()
	var out []consentlog.Record
	for {
		page, err := s.Find(ctx(t), q)
		if err != nil {
			t.Fatalf("Find(%+v): %v", q, err)
		}
		out = append(out, page...)
		limit := q.Limit
		if limit == 0 {
			limit = consentlog.DefaultLimit
		}
		if len(page) < limit {
			return out
		}
		last := page[len(page)-1]
		q.AfterTime, q.AfterID = last.EventTime, last.RecordID
	}
}

// ids are the record ids of records.
func ids(records []consentlog.Record) []string {
	out := make([]string, len(records))
	for i, r := range records {
		out[i] = r.RecordID
	}
	return out
}

// sorted is records in the order stores list them: event time, then id.
func sorted(records []consentlog.Record) []consentlog.Record {
	out := make([]consentlog.Record, len(records))
	for i, r := range records {
		out[i] = stored(r)
	}
	slices.SortStableFunc(out, func(a, b consentlog.Record) int {
		if c := a.EventTime.Compare(b.EventTime); c != 0 {
			return c
		}
		switch {
		case a.RecordID < b.RecordID:
			return -1
		case a.RecordID > b.RecordID:
			return 1
		}
		return 0
	})
	return out
}
