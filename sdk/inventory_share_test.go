package sdk

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/consentry/consentry/internal/pgtest"
	"github.com/consentry/consentry/sdk/consentlog"
	"github.com/consentry/consentry/sdk/consentlog/postgres"
)

// openInventoryStore opens a PostgreSQL consent store on a private
// server; without PostgreSQL the test skips, or fails when CI=true.
func openInventoryStore(t *testing.T) *postgres.Store {
	t.Helper()
	dsn := pgtest.Start(t).NewDatabase(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	st, err := postgres.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// serveOn serves page (with Set-Cookie headers sets) through c for a
// request to host.
func serveOn(c *Consent, host, page string, sets ...string) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for _, s := range sets {
			w.Header().Add("Set-Cookie", s)
		}
		w.Header().Set("Content-Type", "text/html")
		_, _ = w.Write([]byte(page))
	})
	r := httptest.NewRequest("GET", "http://"+host+"/", nil)
	r.Header.Set("Accept", "text/html")
	c.Handler(h).ServeHTTP(httptest.NewRecorder(), r)
}

func itemsByName(rep InventoryReport) map[string]InventoryItem {
	m := map[string]InventoryItem{}
	for _, it := range rep.Items {
		m[it.Kind+" "+it.Name] = it
	}
	return m
}

// TestInventorySharedThroughPostgres: two processes' Consents, each with
// its own Inventory, share one PostgreSQL store: after each syncs, either
// shows the counts summed, the earliest first and latest last seen and
// both sites, with its own observations since added; a Clear clears the
// fleet's; the store keeps the inventory's limit of rows.
func TestInventorySharedThroughPostgres(t *testing.T) {
	st := openInventoryStore(t)
	ctx := context.Background()
	t0 := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	clock := func(d time.Duration) func() time.Time { return func() time.Time { return t0.Add(d) } }
	invA, invB := NewInventory(40), NewInventory(40)
	a := newTestConsent(t, Options{Inventory: invA, Now: clock(0)})
	b := newTestConsent(t, Options{Inventory: invB, Now: clock(time.Hour)})
	page := `<script src="https://www.googletagmanager.com/gtag/js?id=G-1"></script><img src="https://px.mystery-tracker.example/p.gif">`
	serveOn(a, "shop.example", page, "_ga=1", "mystery_id=1")
	serveOn(a, "shop.example", page, "_ga=2")
	serveOn(b, "blog.example", page, "_ga=3", "only_b=1")

	for _, inv := range []*Inventory{invA, invB, invA} {
		if err := inv.Sync(ctx, st); err != nil {
			t.Fatal(err)
		}
	}
	for name, inv := range map[string]*Inventory{"A": invA, "B": invB} {
		got := itemsByName(inv.Snapshot())
		ga := got["cookie _ga"]
		if ga.Count != 3 || ga.Category != Analytics || !ga.FirstSeen.Equal(t0) || !ga.LastSeen.Equal(t0.Add(time.Hour)) ||
			fmt.Sprint(ga.Sites) != "[blog.example shop.example]" {
			t.Errorf("%s: _ga = %+v; want 3 seen on both sites, from A's first to B's last", name, ga)
		}
		if host := got["host px.mystery-tracker.example"]; host.Count != 3 || host.Catalogued {
			t.Errorf("%s: mystery host = %+v", name, host)
		}
		if got["cookie mystery_id"].Count != 1 || got["cookie only_b"].Count != 1 {
			t.Errorf("%s: each process's own cookies: %+v, %+v", name, got["cookie mystery_id"], got["cookie only_b"])
		}
	}
	// B only learns A's second sync at its next; its own new observations
	// show at once.
	serveOn(b, "blog.example", page, "_ga=4")
	if got := itemsByName(invB.Snapshot())["cookie _ga"]; got.Count != 4 {
		t.Errorf("B after a new _ga: count %d, want 4 (3 synced and its own since)", got.Count)
	}
	if err := invB.Sync(ctx, st); err != nil {
		t.Fatal(err)
	}
	if err := invA.Sync(ctx, st); err != nil {
		t.Fatal(err)
	}
	if got := itemsByName(invA.Snapshot())["cookie _ga"]; got.Count != 4 {
		t.Errorf("A after B's sync: count %d, want 4", got.Count)
	}

	// Bounded: a flood of names on one process leaves at most the limit
	// of rows in the store.
	for i := range 200 {
		serveOn(a, "shop.example", "", fmt.Sprintf("junk_%d=1", i))
	}
	if err := invA.Sync(ctx, st); err != nil {
		t.Fatal(err)
	}
	rows, err := st.InventoryRows(ctx, 1000)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) > 40 {
		t.Errorf("store holds %d rows, limit 40", len(rows))
	}

	// Clear on one process clears the fleet's at its next sync.
	invA.Clear()
	if err := invA.Sync(ctx, st); err != nil {
		t.Fatal(err)
	}
	if err := invB.Sync(ctx, st); err != nil {
		t.Fatal(err)
	}
	if n := len(invB.Snapshot().Items); n != 0 {
		t.Errorf("B after A cleared: %d items", n)
	}
}

// TestInventorySyncedByConsentLog: a Consent whose consent log is on
// PostgreSQL merges its inventory into it by itself, and on Close; one
// without keeps its inventory in process.
func TestInventorySyncedByConsentLog(t *testing.T) {
	st := openInventoryStore(t)
	l, err := consentlog.Open(consentlog.Options{Store: st, SpoolDir: t.TempDir(), Retention: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close(context.Background())
	c := newTestConsent(t, Options{ConsentLog: l, InventorySync: time.Hour})
	serveOn(c, "shop.example", "", "mystery_id=1")
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	rows, err := st.InventoryRows(context.Background(), 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 || rows[0].Name != "mystery_id" || rows[0].Site != "shop.example" || rows[0].Count != 1 {
		t.Errorf("store after Close: %+v", rows)
	}

	alone := newTestConsent(t, Options{})
	serveOn(alone, "shop.example", "", "mystery_id=1")
	if got := itemsByName(alone.Inventory().Snapshot())["cookie mystery_id"]; got.Count != 1 {
		t.Errorf("in-process inventory: %+v", got)
	}
	if err := alone.Close(); err != nil {
		t.Fatal(err)
	}
}

// failingStore refuses merges while fail is set, and records the rest.
type failingStore struct {
	fail   bool
	merged []consentlog.InventoryRow
}

func (s *failingStore) MergeInventory(_ context.Context, rows []consentlog.InventoryRow, _ int) error {
	if s.fail {
		return fmt.Errorf("store down")
	}
	s.merged = append(s.merged, rows...)
	return nil
}
func (s *failingStore) InventoryRows(context.Context, int) ([]consentlog.InventoryRow, error) {
	return s.merged, nil
}
func (s *failingStore) ClearInventory(context.Context) error { s.merged = nil; return nil }

// TestInventorySyncKeepsCountsOnError: counts a failed Sync could not
// merge are merged by the next, once.
func TestInventorySyncKeepsCountsOnError(t *testing.T) {
	inv := NewInventory(0)
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	inv.Observe(KindCookie, "x_id", "a.example", "", "", now)
	inv.Observe(KindCookie, "x_id", "b.example", "", "", now.Add(time.Minute))
	st := &failingStore{fail: true}
	if err := inv.Sync(context.Background(), st); err == nil {
		t.Fatal("no error from a failing store")
	}
	inv.Observe(KindCookie, "x_id", "a.example", "", "", now.Add(2*time.Minute))
	st.fail = false
	for range 2 {
		if err := inv.Sync(context.Background(), st); err != nil {
			t.Fatal(err)
		}
	}
	var total int64
	sites := map[string]bool{}
	for _, r := range st.merged {
		total += r.Count
		sites[r.Site] = true
	}
	if total != 3 || len(sites) != 2 {
		t.Errorf("merged %+v: want 3 observations once, both sites", st.merged)
	}
}

// TestFleetVendorsListed: a catalogue vendor one process of a fleet sees
// is listed by the others at their next sync, on the sites they serve
// only: B (every site) lists what A saw on shop.example; C, configured for
// blog.example alone, does not.
func TestFleetVendorsListed(t *testing.T) {
	st := openInventoryStore(t)
	a := newTestConsent(t, Options{Inventory: NewInventory(100)})
	b := newTestConsent(t, Options{Inventory: NewInventory(100)})
	c := newTestConsent(t, Options{Inventory: NewInventory(100), Sites: []string{"blog.example"}})
	serveOn(a, "shop.example", `<script src="https://connect.facebook.net/en_US/fbevents.js"></script>`)
	meta := a.hostVendor("connect.facebook.net", Advertising)
	if meta == "" {
		t.Fatal("connect.facebook.net has no advertising vendor in the catalogue")
	}
	if got := a.listedVendors(); !slices.Equal(got, []string{meta}) {
		t.Fatalf("A listed %v, want [%s]", got, meta)
	}
	if got := b.listedVendors(); len(got) != 0 {
		t.Fatalf("B listed %v before any sync", got)
	}
	a.syncInventory(st)
	script := b.texts.scriptName("en")
	b.syncInventory(st)
	c.syncInventory(st)
	if got := b.listedVendors(); !slices.Equal(got, []string{meta}) {
		t.Errorf("B listed %v after the sync, want [%s]", got, meta)
	}
	b.awaitListing()
	if b.texts.scriptName("en") == script {
		t.Errorf("B's configuration script kept its name %s: the listing was not rebuilt", script)
	}
	if got := c.listedVendors(); len(got) != 0 {
		t.Errorf("C (blog.example only) listed %v, seen on shop.example", got)
	}
}
