package storetest

import (
	"bytes"
	"reflect"
	"testing"
	"time"

	"github.com/consentry/consentry/sdk/consentlog"
)

// testRoundTrip stores a record with every field set, and one with only
// the required ones, and reads both back exactly.
func testRoundTrip(t *testing.T, s consentlog.Store) {
	berlin := time.FixedZone("CET", 3600)
	full := consentlog.Record{
		RecordID:         "5f0c6a3e9b2d4c1a8e7f6b5a4c3d2e1f",
		SchemaVersion:    consentlog.SchemaVersion,
		EventTime:        time.Date(2025, 6, 30, 23, 59, 59, 999_999_999, berlin),
		EventType:        consentlog.EventWithdrawn,
		SubjectID:        "c0ffee-subject",
		Site:             "www.example.co.jp",
		PolicyVersion:    "2025-06 \"final\"",
		Regime:           "opt-in",
		Jurisdiction:     "US-CA",
		Granted:          []string{"analytics", "necessary", "réglages"},
		Refused:          []string{"ads, partners", "social"},
		GPC:              true,
		DNT:              true,
		CollectionMethod: "custom",
		Channel:          "form",
		PagePath:         "/ja/お問い合わせ/it's",
		NoticeHash:       "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
		Language:         "ja",
		ValidUntil:       time.Date(2026, 1, 1, 0, 0, 0, 1_500, berlin),
		IP:               "2001:db8:1::/48",
		Browser:          "Firefox",
		OS:               "Linux",
		Device:           "desktop",
	}
	full.Seal([]byte("operator key"))
	// Only an id, a time and a regime; ValidUntil is the zero time.
	minimal := consentlog.Record{
		RecordID:  "00000000000000000000000000000001",
		EventTime: time.Date(2024, 2, 29, 12, 0, 0, 0, time.UTC),
		Regime:    "notice",
	}
	insert(t, s, full, minimal)

	for _, want := range []consentlog.Record{stored(full), stored(minimal)} {
		got, err := s.Find(ctx(t), consentlog.Query{RecordID: want.RecordID})
		if err != nil {
			t.Fatalf("Find(%s): %v", want.RecordID, err)
		}
		if len(got) != 1 {
			t.Fatalf("Find(%s) = %d records, want 1", want.RecordID, len(got))
		}
		if !reflect.DeepEqual(got[0], want) {
			t.Errorf("record %s did not round-trip:\n got %+v\nwant %+v", want.RecordID, got[0], want)
		}
		if got[0].EventTime.Location() != time.UTC || got[0].ValidUntil.Location() != time.UTC {
			t.Errorf("record %s: times not in UTC: %v, %v", want.RecordID, got[0].EventTime, got[0].ValidUntil)
		}
	}
	got, err := s.Find(ctx(t), consentlog.Query{RecordID: full.RecordID})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) == 1 && !got[0].Verify([]byte("operator key")) {
		t.Errorf("stored record fails its integrity check")
	}
}

// testEmptyInsert checks an Insert of nothing is no error and adds
// nothing, and that Ping answers.
func testEmptyInsert(t *testing.T, s consentlog.Store) {
	if err := s.Ping(ctx(t)); err != nil {
		t.Fatalf("Ping: %v", err)
	}
	if err := s.Insert(ctx(t), nil, nil); err != nil {
		t.Fatalf("Insert(nil, nil): %v", err)
	}
	got, err := s.Find(ctx(t), consentlog.Query{})
	if err != nil {
		t.Fatal(err)
	}
	if got == nil || len(got) != 0 {
		t.Errorf("Find on an empty store = %#v, want an empty non-nil slice", got)
	}
	stats, err := s.Stats(ctx(t), base, base.Add(time.Hour), "")
	if err != nil {
		t.Fatal(err)
	}
	if len(stats) != 0 {
		t.Errorf("Stats on an empty store = %v, want none", stats)
	}
}

// testNotices checks notices are kept once, first seen when first
// inserted, and found by hash.
func testNotices(t *testing.T, s consentlog.Store) {
	en := consentlog.NewNotice("2025-01", "en", []byte(`{"title":"We use cookies","categories":["analytics"]}`))
	de := consentlog.NewNotice("2025-01", "de", []byte(`{"title":"Wir verwenden Cookies – „Analyse“"}`))
	before := time.Now().Add(-time.Second)
	if err := s.Insert(ctx(t), []consentlog.Notice{en, en}, nil); err != nil {
		t.Fatalf("Insert(notices): %v", err)
	}
	after := time.Now().Add(time.Second)

	first, ok, err := s.Notice(ctx(t), en.Hash)
	if err != nil || !ok {
		t.Fatalf("Notice(en) = ok %v, err %v; want it found", ok, err)
	}
	if first.FirstSeen.Before(before) || first.FirstSeen.After(after) || first.FirstSeen.Location() != time.UTC {
		t.Errorf("FirstSeen = %v, want a UTC time between %v and %v", first.FirstSeen, before, after)
	}

	// The same hash again, with other metadata, and a new one with a record.
	again := en
	again.PolicyVersion = "changed"
	r := record(1, base, "opt-in", []string{"analytics"}, nil)
	r.NoticeHash = de.Hash
	if err := s.Insert(ctx(t), []consentlog.Notice{de, again}, []consentlog.Record{r}); err != nil {
		t.Fatalf("Insert(notices, record): %v", err)
	}
	for _, want := range []consentlog.Notice{en, de} {
		got, ok, err := s.Notice(ctx(t), want.Hash)
		if err != nil || !ok {
			t.Fatalf("Notice(%s) = ok %v, err %v; want it found", want.Language, ok, err)
		}
		if got.Hash != want.Hash || got.PolicyVersion != want.PolicyVersion || got.Language != want.Language || !bytes.Equal(got.Content, want.Content) {
			t.Errorf("Notice(%s) = %+v, want %+v", want.Language, got, want)
		}
	}
	got, _, _ := s.Notice(ctx(t), en.Hash)
	if !got.FirstSeen.Equal(first.FirstSeen) {
		t.Errorf("FirstSeen changed on a second insert: %v, then %v", first.FirstSeen, got.FirstSeen)
	}
	if _, ok, err := s.Notice(ctx(t), "0000"); ok || err != nil {
		t.Errorf("Notice(unknown) = ok %v, err %v; want not found, no error", ok, err)
	}
}
