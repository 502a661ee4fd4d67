package storetest

import (
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/consentry/consentry/sdk/consentlog"
)

// testFindFilters checks each filter of Query and their combination
// against the same filter in Go.
func testFindFilters(t *testing.T, s consentlog.Store) {
	var records []consentlog.Record
	for i := range 60 {
		at := base.Add(time.Duration(i)*37*time.Minute + time.Duration(i)*time.Microsecond)
		records = append(records, record(i, at, "opt-in", []string{"analytics"}, nil))
	}
	// Listed out of order, so the store must sort.
	slices.Reverse(records)
	insert(t, s, records...)
	want := sorted(records)

	from, to := want[10].EventTime, want[40].EventTime
	tests := []struct {
		name string
		q    consentlog.Query
		keep func(consentlog.Record) bool
	}{
		{"all", consentlog.Query{}, func(consentlog.Record) bool { return true }},
		{"subject", consentlog.Query{SubjectID: "subject-3"}, func(r consentlog.Record) bool { return r.SubjectID == "subject-3" }},
		{"unknown subject", consentlog.Query{SubjectID: "nobody"}, func(consentlog.Record) bool { return false }},
		{"record", consentlog.Query{RecordID: id(17)}, func(r consentlog.Record) bool { return r.RecordID == id(17) }},
		{"site", consentlog.Query{Site: "blog.example"}, func(r consentlog.Record) bool { return r.Site == "blog.example" }},
		{"other site", consentlog.Query{Site: "shop.example"}, func(r consentlog.Record) bool { return r.Site == "shop.example" }},
		{"unknown site", consentlog.Query{Site: "nowhere.example"}, func(consentlog.Record) bool { return false }},
		{"site from to", consentlog.Query{Site: "blog.example", From: from, To: to}, func(r consentlog.Record) bool {
			return r.Site == "blog.example" && !r.EventTime.Before(from) && r.EventTime.Before(to)
		}},
		{"unknown record", consentlog.Query{RecordID: id(999)}, func(consentlog.Record) bool { return false }},
		{"from", consentlog.Query{From: from}, func(r consentlog.Record) bool { return !r.EventTime.Before(from) }},
		{"to", consentlog.Query{To: to}, func(r consentlog.Record) bool { return r.EventTime.Before(to) }},
		{"from to", consentlog.Query{From: from, To: to}, func(r consentlog.Record) bool {
			return !r.EventTime.Before(from) && r.EventTime.Before(to)
		}},
		{"from to in another zone", consentlog.Query{From: from.In(time.FixedZone("PST", -8*3600)), To: to.In(time.FixedZone("JST", 9*3600))}, func(r consentlog.Record) bool {
			return !r.EventTime.Before(from) && r.EventTime.Before(to)
		}},
		{"subject from to", consentlog.Query{SubjectID: "subject-2", From: from, To: to}, func(r consentlog.Record) bool {
			return r.SubjectID == "subject-2" && !r.EventTime.Before(from) && r.EventTime.Before(to)
		}},
		{"after", consentlog.Query{AfterTime: want[20].EventTime, AfterID: want[20].RecordID}, func(r consentlog.Record) bool {
			return r.EventTime.After(want[20].EventTime)
		}},
		{"limit", consentlog.Query{Limit: 5}, func(r consentlog.Record) bool { return !r.EventTime.After(want[4].EventTime) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.Find(ctx(t), tc.q)
			if err != nil {
				t.Fatalf("Find: %v", err)
			}
			expect := slices.DeleteFunc(slices.Clone(want), func(r consentlog.Record) bool { return !tc.keep(r) })
			if !reflect.DeepEqual(ids(got), ids(expect)) || !reflect.DeepEqual(got, expect) {
				t.Errorf("Find(%+v) = %v, want %v", tc.q, ids(got), ids(expect))
			}
		})
	}
}

// testFindPages lists more than MaxLimit records, many sharing an event
// time: Limit defaults and caps as documented, and keyset pages cover every
// record once, in order.
func testFindPages(t *testing.T, s consentlog.Store) {
	n := consentlog.MaxLimit + 50
	records := make([]consentlog.Record, n)
	for i := range records {
		// Three records per second, ids not in time order.
		records[i] = record(n-i, base.Add(time.Duration(i/3)*time.Second), "opt-out", nil, []string{"ads"})
	}
	for part := range slices.Chunk(records, 2000) {
		insert(t, s, part...)
	}
	want := sorted(records)

	got, err := s.Find(ctx(t), consentlog.Query{})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != consentlog.DefaultLimit || !reflect.DeepEqual(ids(got), ids(want[:consentlog.DefaultLimit])) {
		t.Errorf("Find with no limit = %d records, want the first %d", len(got), consentlog.DefaultLimit)
	}
	got, err = s.Find(ctx(t), consentlog.Query{Limit: consentlog.MaxLimit + 1000})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != consentlog.MaxLimit {
		t.Errorf("Find with a limit over MaxLimit = %d records, want %d", len(got), consentlog.MaxLimit)
	}

	got = all(t, s, consentlog.Query{Limit: 500})
	if !reflect.DeepEqual(ids(got), ids(want)) {
		t.Errorf("pages of 500, ending amid records of one time: %d records, want %d in order", len(got), len(want))
	}

	// Pages of one subject within a time range.
	from, to := want[1000].EventTime, want[9000].EventTime
	got = all(t, s, consentlog.Query{SubjectID: "subject-4", From: from, To: to, Limit: 100})
	expect := slices.DeleteFunc(slices.Clone(want), func(r consentlog.Record) bool {
		return r.SubjectID != "subject-4" || r.EventTime.Before(from) || !r.EventTime.Before(to)
	})
	if len(expect) < 500 || !reflect.DeepEqual(ids(got), ids(expect)) {
		t.Errorf("pages of one subject in a range: %d records, want %d in order", len(got), len(expect))
	}
}

// testByteOrder lists records sharing an event time, regime and day whose
// ids and categories differ in case and punctuation: ids and categories
// sort by bytes, whatever the database's locale.
func testByteOrder(t *testing.T, s consentlog.Store) {
	var records []consentlog.Record
	for i, rid := range []string{"b", "B", "a", "_a", "a-b", "ab", "Z9", "é", "a b"} {
		r := record(i, base, "opt-in", []string{"b", "B", "_x", "a-b", "ab", "é"}[i%6:i%6+1], nil)
		r.RecordID = rid
		records = append(records, r)
	}
	insert(t, s, records...)
	want := sorted(records)
	got, err := s.Find(ctx(t), consentlog.Query{})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(ids(got), ids(want)) {
		t.Errorf("Find order = %q, want byte order %q", ids(got), ids(want))
	}
	// Keyset pages of 2 must agree with that order.
	if got := all(t, s, consentlog.Query{Limit: 2}); !reflect.DeepEqual(ids(got), ids(want)) {
		t.Errorf("pages of 2 = %q, want %q", ids(got), ids(want))
	}
	assertStats(t, s, records, base, base.Add(time.Second))
}
