package sdk

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
	"unsafe"
)

var t0 = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

// item returns the report's entry of kind and name.
func item(t *testing.T, rep InventoryReport, kind, name string) InventoryItem {
	t.Helper()
	for _, it := range rep.Items {
		if it.Kind == kind && it.Name == name {
			return it
		}
	}
	t.Fatalf("inventory lacks %s %q; has %v", kind, name, itemNames(rep))
	return InventoryItem{}
}

func itemNames(rep InventoryReport) []string {
	var out []string
	for _, it := range rep.Items {
		out = append(out, it.Kind+":"+it.Name)
	}
	return out
}

func TestInventoryObserve(t *testing.T) {
	inv := NewInventory(0)
	inv.Observe(KindCookie, "_ga", "shop.example", "analytics", "Google Analytics", t0.Add(time.Minute))
	inv.Observe(KindCookie, "_ga", "blog.example", "analytics", "Google Analytics", t0)
	inv.Observe(KindCookie, "_ga", "shop.example", "analytics", "Google Analytics", t0.Add(2*time.Minute))
	inv.Observe(KindHost, "_ga", "shop.example", "", "", t0) // same name, other kind
	inv.Observe(KindCookie, "mystery", "", "", "", t0)
	inv.Observe("script", "ignored", "shop.example", "", "", t0)
	inv.Observe(KindCookie, "", "shop.example", "", "", t0)

	rep := inv.Snapshot()
	if got, want := itemNames(rep), []string{"cookie:_ga", "cookie:mystery", "host:_ga"}; !slices.Equal(got, want) {
		t.Fatalf("items = %v, want %v", got, want)
	}
	ga := item(t, rep, KindCookie, "_ga")
	if ga.Count != 3 || !ga.FirstSeen.Equal(t0) || !ga.LastSeen.Equal(t0.Add(2*time.Minute)) {
		t.Errorf("_ga count %d first %v last %v", ga.Count, ga.FirstSeen, ga.LastSeen)
	}
	if ga.Category != "analytics" || ga.Vendor != "Google Analytics" || !ga.Catalogued {
		t.Errorf("_ga classified %+v", ga)
	}
	if !slices.Equal(ga.Sites, []string{"shop.example", "blog.example"}) {
		t.Errorf("_ga sites = %q", ga.Sites)
	}
	m := item(t, rep, KindCookie, "mystery")
	if m.Catalogued || m.Category != "" || m.Count != 1 || m.Sites == nil || len(m.Sites) != 0 {
		t.Errorf("mystery = %+v", m)
	}
	if rep.Limit != DefaultInventoryLimit || rep.Overflow != 0 || rep.Generated.IsZero() {
		t.Errorf("limit %d overflow %d generated %v", rep.Limit, rep.Overflow, rep.Generated)
	}

	// The latest classification wins.
	inv.Observe(KindCookie, "mystery", "", "functional", "", t0)
	if m := item(t, inv.Snapshot(), KindCookie, "mystery"); m.Category != "functional" || !m.Catalogued {
		t.Errorf("reclassified mystery = %+v", m)
	}
}

func TestInventoryLimitAndOverflow(t *testing.T) {
	inv := NewInventory(3)
	inv.perSite = 3 // one site may fill it: this is about the whole
	for i := range 10 {
		inv.Observe(KindHost, fmt.Sprintf("h%d.example", i), "site", "", "", t0)
	}
	inv.Observe(KindHost, "h8.example", "site", "", "", t0) // known: still counted
	inv.Observe(KindCookie, strings.Repeat("x", MaxInventoryName+1), "site", "", "", t0)
	rep := inv.Snapshot()
	if got, want := itemNames(rep), []string{"host:h7.example", "host:h8.example", "host:h9.example"}; !slices.Equal(got, want) {
		t.Errorf("items = %v, want %v (the latest)", got, want)
	}
	if rep.Overflow != 1 || rep.Evicted != 7 || rep.Limit != 3 {
		t.Errorf("overflow = %d, evicted = %d, limit = %d; want 1, 7, 3", rep.Overflow, rep.Evicted, rep.Limit)
	}
	if h8 := item(t, rep, KindHost, "h8.example"); h8.Count != 2 {
		t.Errorf("h8 count = %d, want 2", h8.Count)
	}

	// A name of exactly the maximum length is kept.
	inv = NewInventory(0)
	inv.Observe(KindCookie, strings.Repeat("y", MaxInventoryName), "", "", "", t0)
	if n := len(inv.Snapshot().Items); n != 1 {
		t.Errorf("%d items, want 1", n)
	}
}

func TestInventorySitesCapped(t *testing.T) {
	inv := NewInventory(0)
	var want []string
	for i := range MaxInventorySites + 5 {
		site := fmt.Sprintf("s%02d.example", i)
		if i < MaxInventorySites {
			want = append(want, site)
		}
		inv.Observe(KindCookie, "sid", site, "", "", t0)
		inv.Observe(KindCookie, "sid", site, "", "", t0) // repeated: listed once
	}
	inv.Observe(KindCookie, "sid", strings.Repeat("a", maxSiteLen+1), "", "", t0)
	it := item(t, inv.Snapshot(), KindCookie, "sid")
	if !slices.Equal(it.Sites, want) {
		t.Errorf("sites = %q, want %q", it.Sites, want)
	}
	if it.Count != 2*(MaxInventorySites+5)+1 {
		t.Errorf("count = %d", it.Count)
	}
}

// TestInventoryKeepsNoInput checks that names and sites are copied, not
// kept as slices of the (possibly large) strings they came from.
func TestInventoryKeepsNoInput(t *testing.T) {
	inv := NewInventory(0)
	line := "abc=" + strings.Repeat("v", 4096)
	host := "Host: shop.example"
	inv.Observe(KindCookie, line[:3], host[6:], "", "", t0)
	inv.mu.Lock()
	defer inv.mu.Unlock()
	for k, e := range inv.entries.All {
		if k.name != "abc" || e.nsites != 1 || e.sites[0] != "shop.example" {
			t.Fatalf("entry %q sites %q", k.name, e.sites[:e.nsites])
		}
		if unsafe.StringData(k.name) == unsafe.StringData(line) {
			t.Error("the entry's name shares memory with the Set-Cookie line")
		}
		for site := range inv.sites {
			if unsafe.StringData(site) == unsafe.StringData(host[6:]) {
				t.Error("the site's share is keyed by its input")
			}
		}
		for own := range inv.sites["shop.example"].All {
			if unsafe.StringData(own.name) == unsafe.StringData(line) {
				t.Error("the site's share keeps the name's input")
			}
		}
		if unsafe.StringData(e.sites[0]) == unsafe.StringData(host[6:]) || unsafe.StringData(e.owner) == unsafe.StringData(host[6:]) {
			t.Error("the entry's site shares memory with its input")
		}
	}
}

func TestInventoryNil(t *testing.T) {
	var inv *Inventory
	inv.Observe(KindCookie, "a", "b", "", "", t0)
	if rep := inv.Snapshot(); rep.Items == nil || len(rep.Items) != 0 {
		t.Errorf("nil inventory snapshot = %+v", rep)
	}
}

func TestInventoryConcurrent(t *testing.T) {
	inv := NewInventory(50)
	var wg sync.WaitGroup
	const workers, each = 8, 500
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				inv.Observe(KindCookie, fmt.Sprintf("c%d", i%100), fmt.Sprintf("site%d", w), "", "", t0.Add(time.Duration(i)*time.Second))
				if i%50 == 0 {
					_ = inv.Snapshot()
				}
			}
		})
	}
	wg.Wait()
	rep := inv.Snapshot()
	var total int64
	for _, it := range rep.Items {
		total += it.Count
		if len(it.Sites) == 0 || len(it.Sites) > workers {
			t.Errorf("%s seen on %d sites, want 1 to %d", it.Name, len(it.Sites), workers)
		}
	}
	if len(rep.Items) != 50 || rep.Overflow != 0 || total > workers*each {
		t.Errorf("%d items, %d counted, %d overflow; want 50 items and at most %d observations", len(rep.Items), total, rep.Overflow, workers*each)
	}
	inv.mu.Lock()
	defer inv.mu.Unlock()
	shares := 0
	for site, own := range inv.sites {
		shares += own.Len()
		if own.Len() > inv.perSite {
			t.Errorf("site %s holds %d entries, over its share of %d", site, own.Len(), inv.perSite)
		}
	}
	if shares != inv.entries.Len() {
		t.Errorf("the sites' shares hold %d entries, the whole %d", shares, inv.entries.Len())
	}
}

func TestInventoryReportJSON(t *testing.T) {
	inv := NewInventory(0)
	inv.Observe(KindHost, "cdn.tracker.example", "shop.example", "", "", t0)
	b, err := json.Marshal(inv.Snapshot())
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"generated":`, `"overflow":0`, `"limit":5000`, `"items":[{`, `"kind":"host"`,
		`"name":"cdn.tracker.example"`, `"category":""`, `"catalogued":false`, `"first_seen":"2025-03-01T12:00:00Z"`,
		`"last_seen":"2025-03-01T12:00:00Z"`, `"count":1`, `"sites":["shop.example"]`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("JSON lacks %s: %s", want, b)
		}
	}
	b, _ = json.Marshal(NewInventory(0).Snapshot())
	if !strings.Contains(string(b), `"items":[]`) {
		t.Errorf("empty report JSON: %s", b)
	}
}

func TestInventoryObserveAllocs(t *testing.T) {
	inv := NewInventory(0)
	inv.Observe(KindCookie, "_ga", "shop.example", "analytics", "Google Analytics", t0)
	allocs := testing.AllocsPerRun(100, func() {
		inv.Observe(KindCookie, "_ga", "shop.example", "analytics", "Google Analytics", t0)
	})
	if allocs != 0 {
		t.Errorf("Observe of a known entry and site allocates %.1f times", allocs)
	}
}

func BenchmarkInventoryObserve(b *testing.B) {
	b.Run("known", func(b *testing.B) {
		inv := NewInventory(0)
		b.ReportAllocs()
		for b.Loop() {
			inv.Observe(KindCookie, "_ga", "shop.example", "analytics", "Google Analytics", t0)
		}
	})
	b.Run("known-parallel", func(b *testing.B) {
		inv := NewInventory(0)
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				inv.Observe(KindHost, "www.googletagmanager.com", "shop.example", "analytics", "Google Tag Manager", t0)
			}
		})
	})
	b.Run("full", func(b *testing.B) {
		inv := NewInventory(1)
		inv.Observe(KindCookie, "a", "", "", "", t0)
		b.ReportAllocs()
		for b.Loop() {
			inv.Observe(KindCookie, "b", "shop.example", "", "", t0)
		}
	})
}
