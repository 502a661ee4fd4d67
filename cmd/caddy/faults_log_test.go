package main

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/consentry/consentry/internal/pgtest"
)

// Faults of the consent log's store while visitors keep coming: the
// database going away (the disk filling up is in
// faults_diskfull_linux_test.go).

// TestFaultPostgresDownUnderLoad stops PostgreSQL while 4 clients load
// pages and post decisions: every request is answered, the metrics show
// the outage, and once the database is back every decision is in it
// exactly once.
func TestFaultPostgresDownUnderLoad(t *testing.T) {
	pg := pgtest.Start(t)
	dsn := pg.NewDatabase(t)
	in := startInstance(t, "pg", instanceConfig{Storage: t.TempDir(), Log: logLine(dsn, filepath.Join(t.TempDir(), "spool"))})
	st := openDB(t, dsn)

	l := startLoad(in.base, 4)
	stopped := false
	defer func() {
		if !stopped {
			l.finish()
		}
	}()
	l.waitDecisions(t, 50)
	if err := pg.Stop(); err != nil {
		t.Fatal(err)
	}
	var up, spooled float64
	waitFor(t, 30*time.Second, "the metrics do not show the outage", func() bool {
		up, spooled = in.metric("consentry_log_store_up"), in.metric("consentry_log_spool_records")
		return up == 0 && spooled > 0
	})
	l.waitDecisions(t, 50) // more decisions while the database is down
	t.Logf("during the outage: store_up %v, spool_records %v", up, spooled)
	if err := pg.Start(); err != nil {
		t.Fatal(err)
	}
	l.waitDecisions(t, 50)
	ids := l.finish()
	stopped = true
	l.checkNoFailures(t)

	checkSameIDs(t, waitRecords(t, st, len(ids)), ids)
	waitFor(t, 30*time.Second, "the spool is not empty after the replay", func() bool {
		return in.metric("consentry_log_spool_records") == 0 && in.metric("consentry_log_store_up") == 1
	})
	if v := in.metric("consentry_log_records_total", `outcome="replayed"`); v <= 0 {
		t.Errorf("records replayed = %v after the outage", v)
	}
}
