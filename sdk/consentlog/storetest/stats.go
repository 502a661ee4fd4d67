package storetest

import (
	"cmp"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/consentry/consentry/sdk/consentlog"
)

// testStats seeds a mix of regimes, days and categories, including times
// given in zones where the local day is not the UTC one, and compares
// Stats with the same counts computed in Go.
func testStats(t *testing.T, s consentlog.Store) {
	rng := rand.New(rand.NewPCG(1, 2))
	regimes := []string{"opt-in", "opt-out", "notice"}
	categories := []string{"necessary", "analytics", "ads", "social"}
	zones := []*time.Location{time.UTC, time.FixedZone("PST", -8*3600), time.FixedZone("JST", 9*3600)}
	day := base.Truncate(24 * time.Hour)
	var records []consentlog.Record
	for i := range 600 {
		at := day.Add(time.Duration(rng.Int64N(int64(5 * 24 * time.Hour))))
		var granted, refused []string
		for _, c := range categories {
			switch rng.IntN(3) {
			case 0:
				granted = append(granted, c)
			case 1:
				refused = append(refused, c)
			}
		}
		records = append(records, record(i, at.In(zones[i%len(zones)]), regimes[rng.IntN(len(regimes))], granted, refused))
	}
	// Records right at midnight UTC, and one a microsecond before.
	records = append(records,
		record(1000, day.Add(24*time.Hour), "opt-in", []string{"analytics"}, nil),
		record(1001, day.Add(24*time.Hour-time.Microsecond), "opt-in", []string{"analytics"}, nil),
	)
	insert(t, s, records...)

	assertStats(t, s, records, day, day.Add(5*24*time.Hour))
	// A range that starts and ends inside days counts by event time.
	assertStats(t, s, records, day.Add(30*time.Hour+17*time.Minute), day.Add(78*time.Hour+time.Microsecond))
	// Bounds in another zone mean the same instants.
	assertStats(t, s, records, day.Add(24*time.Hour).In(zones[1]), day.Add(48*time.Hour).In(zones[2]))
}

// testStatsSite: several sites share one log; Stats for one site counts
// only that site's decisions, as recorded (a wildcard site is one site
// named "*.example"), an empty site counts every site, and a site no
// record has, or one that would be SQL if pasted into the query, counts
// nothing.
func testStatsSite(t *testing.T, s consentlog.Store) {
	day := base.Truncate(24 * time.Hour)
	var records []consentlog.Record
	sites := []string{"shop.example", "blog.example", "*.example", "SHOP.example"}
	for i := range 200 {
		at := day.Add(time.Duration(i) * 37 * time.Minute)
		r := record(i, at, []string{"opt-in", "opt-out"}[i%2], []string{"analytics"}[:i%2], []string{"ads"}[:(i/2)%2])
		r.Site = sites[i%7%len(sites)]
		records = append(records, r)
	}
	insert(t, s, records...)
	from, to := day, day.Add(10*24*time.Hour)
	for _, site := range append(sites, "") {
		assertSiteStats(t, s, records, from, to, site)
	}
	all, err := s.Stats(ctx(t), from, to, "")
	if err != nil {
		t.Fatal(err)
	}
	var shop, blog, every int64
	for _, st := range expectStats(records, from, to, "shop.example") {
		shop += st.Total
	}
	for _, st := range expectStats(records, from, to, "blog.example") {
		blog += st.Total
	}
	for _, st := range all {
		every += st.Total
	}
	if shop == 0 || blog == 0 || every <= shop+blog {
		t.Fatalf("bad test: shop %d, blog %d, every site %d", shop, blog, every)
	}
	for _, site := range []string{"nowhere.example", "example", "shop.example' OR '1'='1", "%", "*"} {
		got, err := s.Stats(ctx(t), from, to, site)
		if err != nil {
			t.Errorf("Stats(site %q): %v", site, err)
		} else if len(got) != 0 {
			t.Errorf("Stats(site %q) = %v, want nothing", site, got)
		}
	}
}

// assertStats checks Stats(from, to) of every site against expectStats.
func assertStats(t *testing.T, s consentlog.Store, records []consentlog.Record, from, to time.Time) {
	t.Helper()
	assertSiteStats(t, s, records, from, to, "")
}

// assertSiteStats checks Stats(from, to, site) against expectStats.
func assertSiteStats(t *testing.T, s consentlog.Store, records []consentlog.Record, from, to time.Time, site string) {
	t.Helper()
	got, err := s.Stats(ctx(t), from, to, site)
	if err != nil {
		t.Fatalf("Stats: %v", err)
	}
	want := expectStats(records, from, to, site)
	if len(want) == 0 {
		t.Fatalf("bad test: no decisions of site %q in [%v, %v)", site, from, to)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Stats(%v, %v, %q):\n got %v\nwant %v", from, to, site, got, want)
	}
}

// expectStats is what Stats should answer for records (the first record
// of each id counts) over [from, to): per UTC day, regime and category,
// decisions naming the category and those granting it, of one site or of
// every site when site is "". Stores keep microseconds, of the bounds too.
func expectStats(records []consentlog.Record, from, to time.Time, site string) []consentlog.DayStat {
	from, to = from.Truncate(time.Microsecond), to.Truncate(time.Microsecond)
	type key struct {
		day              time.Time
		regime, category string
	}
	counts := map[key]*consentlog.DayStat{}
	seen := map[string]bool{}
	for _, r := range records {
		if seen[r.RecordID] {
			continue
		}
		seen[r.RecordID] = true
		if site != "" && r.Site != site {
			continue
		}
		at := r.EventTime.Truncate(time.Microsecond)
		if at.Before(from) || !at.Before(to) {
			continue
		}
		u := at.UTC()
		day := time.Date(u.Year(), u.Month(), u.Day(), 0, 0, 0, 0, time.UTC)
		named := map[string]bool{}
		count := func(c string, granted bool) {
			if named[c] {
				return
			}
			named[c] = true
			k := key{day, r.Regime, c}
			st := counts[k]
			if st == nil {
				st = &consentlog.DayStat{Day: day, Regime: r.Regime, Category: c}
				counts[k] = st
			}
			st.Total++
			if granted {
				st.Granted++
			}
		}
		for _, c := range r.Granted {
			count(c, true)
		}
		for _, c := range r.Refused {
			count(c, false)
		}
	}
	out := []consentlog.DayStat{}
	for _, st := range counts {
		out = append(out, *st)
	}
	slices.SortFunc(out, func(a, b consentlog.DayStat) int {
		return cmp.Or(a.Day.Compare(b.Day), cmp.Compare(a.Regime, b.Regime), cmp.Compare(a.Category, b.Category))
	})
	return out
}
