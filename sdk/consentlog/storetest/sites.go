package storetest

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/consentry/consentry/sdk/consentlog"
)

// testSites: a store that is a consentlog.SiteLister lists the sites of
// the records in a period, sorted, once each, as recorded (case and
// wildcard kept), none for records made with no site, and at most
// consentlog.MaxSites. A store that is not one skips.
func testSites(t *testing.T, s consentlog.Store) {
	l, ok := s.(consentlog.SiteLister)
	if !ok {
		t.Skip("not a consentlog.SiteLister")
	}
	day := base.Truncate(24 * time.Hour)
	sites := []string{"shop.example", "blog.example", "*.example", "SHOP.example", ""}
	var records []consentlog.Record
	for i := range 50 {
		r := record(i, day.Add(time.Duration(i)*time.Hour), "opt-in", []string{"analytics"}, nil)
		r.Site = sites[i%len(sites)]
		records = append(records, r)
	}
	// A site with a record only on the third day.
	late := record(100, day.Add(50*time.Hour), "opt-in", nil, []string{"ads"})
	late.Site = "late.example"
	insert(t, s, append(records, late)...)
	for _, tc := range []struct {
		from, to time.Time
		want     []string
	}{
		{day, day.Add(48 * time.Hour), []string{"*.example", "SHOP.example", "blog.example", "shop.example"}},
		{day, day.Add(72 * time.Hour), []string{"*.example", "SHOP.example", "blog.example", "late.example", "shop.example"}},
		{day.Add(50 * time.Hour), day.Add(51 * time.Hour), []string{"late.example"}},
		{day.Add(-48 * time.Hour), day, []string{}},
		{time.Time{}, time.Time{}, []string{"*.example", "SHOP.example", "blog.example", "late.example", "shop.example"}},
	} {
		got, err := l.Sites(ctx(t), tc.from, tc.to)
		if err != nil {
			t.Fatalf("Sites(%s, %s): %v", tc.from, tc.to, err)
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("Sites(%s, %s) = %q, want %q (in byte order)", tc.from, tc.to, got, tc.want)
		}
	}

	// At most MaxSites, whatever the log holds.
	var many []consentlog.Record
	for i := range consentlog.MaxSites + 20 {
		r := record(1000+i, day.Add(100*time.Hour), "opt-in", nil, nil)
		r.Site = fmt.Sprintf("s%04d.example", i)
		many = append(many, r)
	}
	insert(t, s, many...)
	got, err := l.Sites(ctx(t), day.Add(100*time.Hour), day.Add(101*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != consentlog.MaxSites || got[0] != "s0000.example" {
		t.Errorf("Sites of %d sites: %d listed, first %q; want the first %d", consentlog.MaxSites+20, len(got), got[0], consentlog.MaxSites)
	}
}
