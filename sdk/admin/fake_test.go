package admin

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/consentry/consentry/sdk"
	"github.com/consentry/consentry/sdk/consentlog"
)

// fakeStore is an in-memory consentlog.Store with the SQL stores' order
// and limits, and switches to fail.
type fakeStore struct {
	mu       sync.Mutex
	records  []consentlog.Record // sorted by (EventTime, RecordID)
	notices  map[string]consentlog.Notice
	err      error // every call fails with it
	findOK   int   // with err: Find calls that still succeed first
	finds    []consentlog.Query
	maxLimit int // the largest Limit Find was asked for
}

var errDown = errors.New("database is down")

func newFakeStore(recs ...consentlog.Record) *fakeStore {
	s := &fakeStore{notices: map[string]consentlog.Notice{}}
	_ = s.Insert(context.Background(), []consentlog.Notice{testNotice}, recs)
	return s
}

func less(a, b consentlog.Record) int {
	return cmp.Or(a.EventTime.Compare(b.EventTime), cmp.Compare(a.RecordID, b.RecordID))
}

func (s *fakeStore) Insert(_ context.Context, notices []consentlog.Notice, recs []consentlog.Record) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, n := range notices {
		s.notices[n.Hash] = n
	}
	s.records = append(s.records, recs...)
	slices.SortFunc(s.records, less)
	return nil
}

func (s *fakeStore) Purge(context.Context, time.Time) (int64, error) { return 0, nil }

func (s *fakeStore) Find(_ context.Context, q consentlog.Query) ([]consentlog.Record, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.finds = append(s.finds, q)
	s.maxLimit = max(s.maxLimit, q.Limit)
	if s.err != nil {
		if s.findOK <= 0 {
			return nil, s.err
		}
		s.findOK--
	}
	limit := q.Limit
	if limit <= 0 {
		limit = consentlog.DefaultLimit
	}
	limit = min(limit, consentlog.MaxLimit)
	var out []consentlog.Record
	for _, r := range s.records {
		switch {
		case q.SubjectID != "" && r.SubjectID != q.SubjectID,
			q.RecordID != "" && r.RecordID != q.RecordID,
			q.Site != "" && r.Site != q.Site,
			!q.From.IsZero() && r.EventTime.Before(q.From),
			!q.To.IsZero() && !r.EventTime.Before(q.To),
			!q.AfterTime.IsZero() && less(r, consentlog.Record{EventTime: q.AfterTime, RecordID: q.AfterID}) <= 0:
			continue
		}
		out = append(out, r)
		if len(out) == limit {
			break
		}
	}
	return out, nil
}

func (s *fakeStore) Stats(_ context.Context, from, to time.Time, site string) ([]consentlog.DayStat, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return nil, s.err
	}
	type dr struct {
		day    time.Time
		regime string
	}
	totals := map[dr]int64{}
	granted := map[dr]map[string]int64{}
	var keys []dr
	for _, r := range s.records {
		if r.EventTime.Before(from) || !r.EventTime.Before(to) || site != "" && r.Site != site {
			continue
		}
		k := dr{r.EventTime.UTC().Truncate(24 * time.Hour), r.Regime}
		if totals[k] == 0 {
			keys = append(keys, k)
			granted[k] = map[string]int64{}
		}
		totals[k]++
		for _, c := range r.Granted {
			granted[k][c]++
		}
		for _, c := range r.Refused {
			granted[k][c] += 0
		}
	}
	var out []consentlog.DayStat
	for _, k := range keys {
		cats := make([]string, 0, len(granted[k]))
		for c := range granted[k] {
			cats = append(cats, c)
		}
		slices.Sort(cats)
		for _, c := range cats {
			out = append(out, consentlog.DayStat{Day: k.day, Regime: k.regime, Category: c, Granted: granted[k][c], Total: totals[k]})
		}
	}
	return out, nil
}

func (s *fakeStore) Notice(_ context.Context, hash string) (consentlog.Notice, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return consentlog.Notice{}, false, s.err
	}
	n, ok := s.notices[hash]
	return n, ok, nil
}

func (s *fakeStore) Ping(context.Context) error { return s.err }
func (s *fakeStore) Close() error               { return nil }

var _ consentlog.Store = (*fakeStore)(nil)

// now is the tests' clock: noon on 2026-11-24 UTC.
var now = time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)

// optional are the default optional categories.
var optional = []string{"preferences", "analytics", "advertising", "social"}

// record makes a record at t granting granted and refusing the other
// optional categories.
func record(i int, t time.Time, regime string, granted ...string) consentlog.Record {
	r := consentlog.Record{
		RecordID: fmt.Sprintf("%032x", i), SchemaVersion: consentlog.SchemaVersion, EventTime: t,
		EventType: consentlog.EventGiven, SubjectID: fmt.Sprintf("subj%04d", i%97), Site: "shop.example",
		PolicyVersion: "2026-11", Regime: regime, Granted: append([]string{"necessary"}, granted...),
		CollectionMethod: "custom", Channel: "banner", PagePath: "/", NoticeHash: testNotice.Hash,
		Language: "en", ValidUntil: t.AddDate(0, 6, 0), IP: "203.0.113.0/24", Browser: "Firefox", OS: "Linux", Device: "desktop",
	}
	for _, c := range optional {
		if !slices.Contains(granted, c) {
			r.Refused = append(r.Refused, c)
		}
	}
	return r
}

// seq makes n records a minute apart from start, all in opt-in.
func seq(n int, start time.Time) []consentlog.Record {
	out := make([]consentlog.Record, n)
	for i := range out {
		// Pairs share a time so the record id breaks ties.
		out[i] = record(i, start.Add(time.Duration(i/2)*time.Minute), "opt-in", "analytics")
	}
	return out
}

// seedDays makes, for each of the last days days up to the test clock's
// day, 20 to 40 decisions in the opt-in regime and 10 to 20 in opt-out, each
// category granted at its own rate plus a slow drift, from a fixed seed.
func seedDays(days int) []consentlog.Record {
	rates := map[string][]float64{
		"opt-in":  {0.52, 0.36, 0.18, 0.27},
		"opt-out": {0.95, 0.9, 0.72, 0.84},
	}
	rng := rand.New(rand.NewPCG(1, 2))
	var out []consentlog.Record
	i := 0
	today := now.Truncate(24 * time.Hour)
	for d := days - 1; d >= 0; d-- {
		t := today.AddDate(0, 0, -d).Add(8 * time.Hour)
		drift := 0.08 * float64(days-d) / float64(days)
		for _, regime := range []string{"opt-in", "opt-out"} {
			n := 20 + rng.IntN(21)
			if regime == "opt-out" {
				n /= 2
			}
			for k := 0; k < n; k++ {
				var g []string
				for ci, c := range optional {
					if rng.Float64() < rates[regime][ci]+drift*float64(ci%2*2-1) {
						g = append(g, c)
					}
				}
				out = append(out, record(i, t.Add(time.Duration(k)*7*time.Minute), regime, g...))
				i++
			}
		}
	}
	return out
}

var testNotice = consentlog.NewNotice("2026-11", "en",
	[]byte(`{"texts": {"title": "We use cookies", "body": "Choose <b>what</b> to allow."},
 "categories": [{"key": "necessary", "locked": true}, {"key": "analytics", "hosts": ["google-analytics.com"]}], "version": 2}`))

// testInventory has a catalogued and an uncatalogued cookie and host.
func testInventory() *sdk.Inventory {
	inv := sdk.NewInventory(0)
	t := now.Add(-48 * time.Hour)
	inv.Observe(sdk.KindCookie, "_ga", "shop.example", "analytics", "Google Analytics", t)
	inv.Observe(sdk.KindCookie, "_ga", "blog.example", "analytics", "Google Analytics", now)
	inv.Observe(sdk.KindCookie, "mystery_id", "shop.example", "", "", t)
	inv.Observe(sdk.KindHost, "www.googletagmanager.com", "shop.example", "analytics", "Google Tag Manager", t)
	inv.Observe(sdk.KindHost, "tracker.unknown-cdn.net", "shop.example", "", "", now)
	return inv
}

// newTest returns the handler over store, with the test clock, the test
// inventory and a discarded log.
func newTest(t *testing.T, store consentlog.Store) *handler {
	t.Helper()
	h, err := New(Options{Store: store, Inventory: testInventory(), Title: "Shop admin",
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	return h.(*handler)
}

var _ http.Handler = (*handler)(nil)
