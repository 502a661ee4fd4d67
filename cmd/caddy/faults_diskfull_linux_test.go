package main

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/consentry/consentry/sdk/consentlog"
	"github.com/consentry/consentry/sdk/consentlog/sqlite"
)

// setFileSizeLimit sets the soft RLIMIT_FSIZE of process pid: a write at or
// beyond offset limit in any file fails with EFBIG (Go ignores the
// SIGXFSZ that comes with it), which is what a full disk looks like to
// the writes that hit it. unix.RLIM_INFINITY lifts it.
func setFileSizeLimit(t *testing.T, pid int, limit uint64) {
	t.Helper()
	var old unix.Rlimit
	if err := unix.Prlimit(pid, unix.RLIMIT_FSIZE, nil, &old); err != nil {
		t.Fatal(err)
	}
	if err := unix.Prlimit(pid, unix.RLIMIT_FSIZE, &unix.Rlimit{Cur: limit, Max: old.Max}, nil); err != nil {
		t.Fatalf("prlimit RLIMIT_FSIZE %d on pid %d: %v", limit, pid, err)
	}
}

// TestFaultDiskFull fills the disk under a SQLite consent log, simulated
// with RLIMIT_FSIZE on the Caddy process (no mounts needed): first only the
// database's writes fail (the limit is the write-ahead log's size, so the
// spool's new files still fit), then every write does. Pages and
// decisions are answered throughout; the records written before stay; a
// decision made while only the database was full is spooled and reaches
// it once the disk has room again; once it has, new decisions are written.
func TestFaultDiskFull(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "consent.db")
	in := startInstance(t, "diskfull", instanceConfig{Storage: t.TempDir(), Log: fmt.Sprintf("log sqlite %s", db)})
	label := `log="sqlite:` + db + `"`
	st, err := sqlite.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()

	// post sends n decisions and GETs as many pages, all of which must be
	// answered, and returns the decisions' subject ids.
	post := func(n int) []string {
		t.Helper()
		var ids []string
		for range n {
			s, _, err := in.decision(`{"action":"reject_all"}`, "")
			if err != nil {
				t.Fatalf("a decision failed: %v", err)
			}
			ids = append(ids, s["id"].(string))
			resp, body, err := fetch(in.base + "/")
			if err != nil || resp.StatusCode != 200 {
				t.Fatalf("a page failed: %v %v %.200s", resp, err, body)
			}
		}
		return ids
	}

	// 1. The disk has room.
	before := post(10)
	checkSameIDs(t, waitRecords(t, st, len(before)), before)

	// 2. The database's disk is full; the spool's new files still fit.
	wal, err := os.Stat(db + "-wal")
	if err != nil {
		t.Fatal(err)
	}
	if wal.Size() < 32<<10 {
		t.Fatalf("the write-ahead log holds only %d bytes: too little room for the spool under that limit", wal.Size())
	}
	setFileSizeLimit(t, in.cmd.Process.Pid, uint64(wal.Size()))
	dbFull := post(10)
	rejected := false
	waitFor(t, 30*time.Second, "the metrics show neither the store down with decisions spooled nor decisions rejected", func() bool {
		rejected = in.metric("consentry_log_records_total", label, `outcome="rejected"`) > 0
		return rejected || in.metric("consentry_log_store_up", label) == 0 && in.metric("consentry_log_spool_records", label) > 0
	})
	if rejected {
		t.Errorf("with the database's disk full, decisions were set aside as refused by the store (rejected-* files, never replayed) instead of spooled for replay: store_up %v, spool_records %v",
			in.metric("consentry_log_store_up", label), in.metric("consentry_log_spool_records", label))
	}
	if recs, err := allRecords(st); err != nil {
		t.Fatal(err)
	} else {
		checkSameIDs(t, recs, before)
	}

	// 3. Every write fails: the spool too.
	setFileSizeLimit(t, in.cmd.Process.Pid, 0)
	failures := in.metric("consentry_log_failures_total", label)
	allFull := post(10)
	waitFor(t, 30*time.Second, "no failure counted with the disk full", func() bool {
		return in.metric("consentry_log_failures_total", label) > failures
	})

	// 4. The disk has room again.
	setFileSizeLimit(t, in.cmd.Process.Pid, unix.RLIM_INFINITY)
	after := post(10)
	var recs []consentlog.Record
	waitFor(t, 30*time.Second, "the decisions made after the disk had room again are not all in the database", func() bool {
		recs, err = allRecords(st)
		if err != nil {
			return false
		}
		have := map[string]bool{}
		for _, r := range recs {
			have[r.SubjectID] = true
		}
		for _, id := range after {
			if !have[id] {
				return false
			}
		}
		return in.metric("consentry_log_spool_records", label) == 0
	})
	// Decisions made with every write failing may be lost (the log says
	// so); the others must be there, and none twice.
	got := map[string]int{}
	for _, r := range recs {
		got[r.SubjectID]++
	}
	var kept []string
	for _, id := range allFull {
		if got[id] > 0 {
			kept = append(kept, id)
		}
	}
	t.Logf("with every write failing, %d of %d decisions were lost", len(allFull)-len(kept), len(allFull))
	want := slices.Concat(before, after, kept)
	if rejected {
		// Reported above; check the rest as if they had been lost.
		for _, id := range dbFull {
			if got[id] > 0 {
				want = append(want, id)
			}
		}
	} else {
		want = append(want, dbFull...)
	}
	checkSameIDs(t, recs, want)
	waitFor(t, 30*time.Second, "the store is not back up", func() bool {
		return in.metric("consentry_log_store_up", label) == 1
	})

	// Caddy survived all that and says nothing of a panic.
	in.stop()
	if out := outputOf(in); containsFold(out, "panic") {
		t.Errorf("Caddy's output mentions a panic:\n%s", out)
	}
}
