package sdk

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestInventoryEvictsLeastRecentlySeen: when full, a new name takes the
// place of the entry seen least recently, not of the oldest, and is never
// refused.
func TestInventoryEvictsLeastRecentlySeen(t *testing.T) {
	inv := NewInventory(4)
	inv.perSite = 4
	for i, name := range []string{"a", "b", "c", "d"} {
		inv.Observe(KindCookie, name, "shop.example", "", "", t0.Add(time.Duration(i)*time.Second))
	}
	inv.Observe(KindCookie, "a", "shop.example", "", "", t0.Add(time.Minute)) // a is seen again
	inv.Observe(KindCookie, "e", "shop.example", "", "", t0.Add(2*time.Minute))
	inv.Observe(KindCookie, "f", "blog.example", "", "", t0.Add(3*time.Minute))
	rep := inv.Snapshot()
	if got, want := itemNames(rep), []string{"cookie:a", "cookie:d", "cookie:e", "cookie:f"}; !slices.Equal(got, want) {
		t.Errorf("items = %v, want %v: b, then c, seen least recently, make room", got, want)
	}
	if rep.Evicted != 2 || rep.Overflow != 0 {
		t.Errorf("evicted %d, overflow %d; want 2, 0", rep.Evicted, rep.Overflow)
	}
	if a := item(t, rep, KindCookie, "a"); a.Count != 2 || !a.FirstSeen.Equal(t0) {
		t.Errorf("a = %+v: a kept entry keeps its history", a)
	}
}

// TestInventorySiteShare: a site that has filled its share makes room
// among its own entries; the other sites' entries stay.
func TestInventorySiteShare(t *testing.T) {
	inv := NewInventory(8) // share: 2
	if inv.perSite != 8/InventorySiteShare {
		t.Fatalf("share %d, want %d", inv.perSite, 8/InventorySiteShare)
	}
	inv.Observe(KindHost, "cdn.blog-vendor.example", "blog.example", "", "", t0)
	inv.Observe(KindCookie, "_ga", "shop.example", "analytics", "", t0)
	for i := range 50 {
		inv.Observe(KindHost, fmt.Sprintf("junk%d.example", i), "shop.example", "", "", t0.Add(time.Duration(i)*time.Second))
	}
	// _ga, first seen on shop.example, made room for shop.example's junk;
	// seen again on blog.example, it is back, in blog.example's share.
	inv.Observe(KindCookie, "_ga", "blog.example", "analytics", "", t0.Add(time.Hour))
	inv.Observe(KindHost, "junk50.example", "shop.example", "", "", t0.Add(2*time.Hour))
	rep := inv.Snapshot()
	if got, want := itemNames(rep), []string{"cookie:_ga", "host:cdn.blog-vendor.example", "host:junk49.example", "host:junk50.example"}; !slices.Equal(got, want) {
		t.Errorf("items = %v, want %v", got, want)
	}
	if rep.SiteLimit != 2 || rep.Evicted != 50 {
		t.Errorf("site limit %d, evicted %d; want 2 and 50", rep.SiteLimit, rep.Evicted)
	}
}

// TestInventoryClear: Clear forgets entries and counts; recording goes on.
func TestInventoryClear(t *testing.T) {
	inv := NewInventory(2)
	for i := range 5 {
		inv.Observe(KindCookie, fmt.Sprint("c", i), "", "", "", t0)
	}
	inv.Observe(KindCookie, strings.Repeat("x", MaxInventoryName+1), "", "", "", t0)
	inv.Clear()
	rep := inv.Snapshot()
	if len(rep.Items) != 0 || rep.Evicted != 0 || rep.Overflow != 0 || rep.Limit != 2 {
		t.Errorf("after Clear: %d items, evicted %d, overflow %d, limit %d", len(rep.Items), rep.Evicted, rep.Overflow, rep.Limit)
	}
	inv.Observe(KindCookie, "new", "shop.example", "", "", t0)
	if got := itemNames(inv.Snapshot()); !slices.Equal(got, []string{"cookie:new"}) {
		t.Errorf("after Clear and Observe: %v", got)
	}
	var none *Inventory
	none.Clear()
}

// reflectingPage is an upstream page that writes its query string,
// unescaped, into an inline script: a search page that echoes the term,
// as many do.
var reflectingPage = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	q, _ := url.QueryUnescape(r.URL.RawQuery)
	fmt.Fprintf(w, `<!doctype html><html><head><title>Search</title></head><body><script>var q = "%s";</script>%s</body></html>`,
		strings.ReplaceAll(q, `"`, ``), r.Header.Get("X-Test-Markup"))
})

// TestAttackInventoryReflectedQuery is issue 12's inventory pollution: 22
// requests to a page that reflects its query into an inline script, each
// naming 240 made-up hosts, used to fill the process-wide inventory (5,000
// entries), after which a real new tracker was not listed. Now hosts named
// only in text, and no category's, are not listed at all (and would fill
// at most the site's share); another site's entries stay, and a tracker
// the site then loads is listed.
func TestAttackInventoryReflectedQuery(t *testing.T) {
	c := newTestConsent(t, Options{})
	h := c.Handler(reflectingPage)
	page := func(site, query, markup string) {
		t.Helper()
		r := httptest.NewRequest("GET", "http://"+site+"/search?"+query, nil)
		r.Header.Set("X-Test-Markup", markup)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != http.StatusOK {
			t.Fatalf("status %d", w.Code)
		}
	}
	page("blog.example", "", `<img src="https://pixel.blog-vendor.example/p.gif">`)
	for req := range 22 {
		var q strings.Builder
		for i := range 240 {
			fmt.Fprintf(&q, "//r%d-%d.attacker.example ", req, i)
		}
		page("shop.example", url.QueryEscape(q.String()), "")
	}
	page("shop.example", "q=shoes", `<script src="https://cdn.new-tracker.example/t.js"></script>`)

	rep := c.Inventory().Snapshot()
	perSite := map[string]int{}
	for _, it := range rep.Items {
		if len(it.Sites) > 0 {
			perSite[it.Sites[0]]++
		}
	}
	if n := perSite["shop.example"]; n > DefaultInventoryLimit/InventorySiteShare || len(rep.Items) >= DefaultInventoryLimit {
		t.Errorf("the attacked site holds %d entries (share %d), the inventory %d of %d",
			n, DefaultInventoryLimit/InventorySiteShare, len(rep.Items), DefaultInventoryLimit)
	}
	for _, it := range rep.Items {
		if strings.HasSuffix(it.Name, ".attacker.example") {
			t.Errorf("the inventory lists %s, named only in reflected script text", it.Name)
			break
		}
	}
	item(t, rep, KindHost, "cdn.new-tracker.example")
	item(t, rep, KindHost, "pixel.blog-vendor.example")
	t.Logf("after the attack: %d entries, %d of them shop.example's, %d evicted", len(rep.Items), perSite["shop.example"], rep.Evicted)
}

// TestObserveHostsBySource: hosts inline text names are recorded only when
// a category claims them; the hosts fetching attributes point at, always.
func TestObserveHostsBySource(t *testing.T) {
	c := newTestConsent(t, Options{})
	hosts := map[string]string{
		"r1.attacker.example":      "", // named in a script only
		"www.googletagmanager.com": "", // named in a script only, catalogued
		"cdn.new-tracker.example":  "", // a <script src>
		"static.shop.example":      "", // first party
	}
	fetched := func(h string) bool { return h == "cdn.new-tracker.example" || h == "static.shop.example" }
	c.observeHosts(httptest.NewRequest("GET", "http://shop.example/", nil), hosts, fetched)
	rep := c.Inventory().Snapshot()
	if got, want := itemNames(rep), []string{"host:cdn.new-tracker.example", "host:www.googletagmanager.com"}; !slices.Equal(got, want) {
		t.Errorf("items = %v, want %v", got, want)
	}
	if g := item(t, rep, KindHost, "www.googletagmanager.com"); g.Category != Analytics {
		t.Errorf("googletagmanager = %+v", g)
	}
}
