package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/consentry/consentry/internal/pgtest"
	"github.com/consentry/consentry/sdk/consentlog"
	"github.com/consentry/consentry/sdk/consentlog/postgres"
)

// logLine is the consent block's log configuration for a PostgreSQL
// database, with the spool in dir.
func logLine(dsn, spool string) string {
	return fmt.Sprintf("log postgres %q {\n\t\t\tspool %s\n\t\t}", dsn, spool)
}

// openDB opens the test database as the admin view would.
func openDB(t *testing.T, dsn string) consentlog.Store {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	st, err := postgres.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// allRecords returns every record in the store.
func allRecords(st consentlog.Store) ([]consentlog.Record, error) {
	var all []consentlog.Record
	q := consentlog.Query{Limit: consentlog.MaxLimit}
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		page, err := st.Find(ctx, q)
		cancel()
		if err != nil {
			return nil, err
		}
		all = append(all, page...)
		if len(page) < q.Limit {
			return all, nil
		}
		last := page[len(page)-1]
		q.AfterTime, q.AfterID = last.EventTime, last.RecordID
	}
}

// waitRecords polls the store until it holds n records, riding out the
// errors of connections the database dropped when it restarted.
func waitRecords(t *testing.T, st consentlog.Store, n int) []consentlog.Record {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		all, err := allRecords(st)
		if err == nil && len(all) >= n {
			return all
		}
		if time.Now().After(deadline) {
			t.Fatalf("the store holds %d records after 60s, want %d (last error: %v)", len(all), n, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestTwoInstancesShareKeysAndLog starts two Caddy processes with one
// storage directory and one PostgreSQL database: a choice made through one
// is honoured by the other, and both write to the one log.
func TestTwoInstancesShareKeysAndLog(t *testing.T) {
	pg := pgtest.Start(t)
	dsn := pg.NewDatabase(t)
	storage := t.TempDir()
	a := startInstance(t, "A", instanceConfig{Storage: storage, Log: logLine(dsn, filepath.Join(t.TempDir(), "spool"))})
	b := startInstance(t, "B", instanceConfig{Storage: storage, Log: logLine(dsn, filepath.Join(t.TempDir(), "spool"))})

	stateA, cookie, err := a.decision(`{"action":"custom","categories":["analytics"]}`, "")
	if err != nil {
		t.Fatal(err)
	}
	stateB := b.state(cookie)
	if stateB["decided"] != true || stateB["id"] != stateA["id"] {
		t.Fatalf("instance B does not honour A's cookie: A %v, B %v", stateA, stateB)
	}
	if cats := stateB["categories"].(map[string]any); cats["analytics"] != true || cats["advertising"] != false {
		t.Fatalf("instance B sees categories %v", cats)
	}
	if _, _, err := b.decision(`{"action":"accept_all"}`, cookie); err != nil {
		t.Fatal(err)
	}

	st := openDB(t, dsn)
	recs := waitRecords(t, st, 2)
	if len(recs) != 2 {
		t.Fatalf("the shared log holds %d records, want 2", len(recs))
	}
	if recs[0].SubjectID != stateA["id"] || recs[1].SubjectID != stateA["id"] ||
		recs[0].CollectionMethod != "custom" || recs[1].CollectionMethod != "accept_all" ||
		recs[1].EventType != consentlog.EventUpdated {
		t.Errorf("records: %+v", recs)
	}
	for _, in := range []*instance{a, b} {
		if v := in.metric("consentry_log_records_total", `log="postgres:`, `outcome="written"`); v != 1 {
			t.Errorf("instance %s wrote %v records itself, want 1", in.name, v)
		}
	}
	if v := a.metric("consentry_decisions_total", `action="custom"`, `regime="opt-in"`); v != 1 {
		t.Errorf("A's decisions metric: %v", v)
	}
}

// TestPostgresOutage stops PostgreSQL in the middle of a burst of
// decisions: every request is still answered, and once the database is
// back every decision is in it exactly once. Then the same with Caddy
// restarted while its spool holds decisions.
func TestPostgresOutage(t *testing.T) {
	pg := pgtest.Start(t)
	dsn := pg.NewDatabase(t)
	spool := filepath.Join(t.TempDir(), "spool")
	cfg := instanceConfig{Storage: t.TempDir(), Log: logLine(dsn, spool)}
	a := startInstance(t, "A", cfg)
	st := openDB(t, dsn)

	var (
		mu  sync.Mutex
		ids []string
	)
	// burst posts n decisions from 4 clients, every one of which must be
	// answered; marks[k] is closed when the k-th answer is in.
	burst := func(n int, marks map[int]chan struct{}) {
		var wg sync.WaitGroup
		work := make(chan struct{})
		for range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range work {
					s, _, err := a.decision(`{"action":"reject_all"}`, "")
					if err != nil {
						t.Errorf("a decision failed: %v", err)
						continue
					}
					mu.Lock()
					ids = append(ids, s["id"].(string))
					if ch, ok := marks[len(ids)]; ok {
						close(ch)
					}
					mu.Unlock()
				}
			}()
		}
		for range n {
			work <- struct{}{}
		}
		close(work)
		wg.Wait()
	}
	checkExactlyOnce := func(want int) {
		t.Helper()
		recs := waitRecords(t, st, want)
		got := make([]string, 0, len(recs))
		for _, r := range recs {
			got = append(got, r.SubjectID)
		}
		sort.Strings(got)
		mu.Lock()
		posted := slices.Clone(ids)
		mu.Unlock()
		sort.Strings(posted)
		if len(posted) != want {
			t.Fatalf("%d decisions answered, want %d", len(posted), want)
		}
		if !slices.Equal(got, posted) {
			t.Fatalf("the database holds %d records for %d decisions (each must be there exactly once)", len(got), len(posted))
		}
	}

	// 1. PostgreSQL stops while the burst runs, after 100 answers, and
	// starts again after 200.
	at100, at200 := make(chan struct{}), make(chan struct{})
	done := make(chan struct{})
	go func() { defer close(done); burst(300, map[int]chan struct{}{100: at100, 200: at200}) }()
	<-at100
	if err := pg.Stop(); err != nil {
		t.Fatal(err)
	}
	<-at200
	if v := a.metric("consentry_log_store_up"); v != 0 {
		t.Errorf("store_up = %v while PostgreSQL is down", v)
	}
	if v := a.metric("consentry_log_spool_records"); v <= 0 {
		t.Errorf("spool_records = %v while PostgreSQL is down", v)
	}
	if err := pg.Start(); err != nil {
		t.Fatal(err)
	}
	<-done
	checkExactlyOnce(300)

	// 2. PostgreSQL stops; Caddy is restarted with decisions in its spool.
	if err := pg.Stop(); err != nil {
		t.Fatal(err)
	}
	burst(100, nil)
	a.stop()
	files, _ := filepath.Glob(filepath.Join(spool, "spool-*"))
	if len(files) == 0 {
		t.Fatal("Caddy stopped with PostgreSQL down but left no spool files")
	}
	if err := pg.Start(); err != nil {
		t.Fatal(err)
	}
	a.start()
	checkExactlyOnce(400)
	deadline := time.Now().Add(30 * time.Second)
	for {
		files, _ = filepath.Glob(filepath.Join(spool, "spool-*"))
		if len(files) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("spool files left after replay: %v", files)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if _, err := os.Stat(spool); err != nil {
		t.Fatal(err)
	}
}
