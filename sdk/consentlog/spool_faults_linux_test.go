//go:build linux

package consentlog

import (
	"context"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// limitFileSize caps the size of files this process writes (RLIMIT_FSIZE:
// a write past it is cut short and the next fails with EFBIG, as on a full
// disk) and returns a function that lifts the cap.
func limitFileSize(t *testing.T, n uint64) func() {
	t.Helper()
	var old syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_FSIZE, &old); err != nil {
		t.Skip(err)
	}
	if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &syscall.Rlimit{Cur: n, Max: old.Max}); err != nil {
		t.Skip(err)
	}
	lift := func() {
		if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &old); err != nil {
			t.Error(err)
		}
	}
	t.Cleanup(lift) // the limit is process-wide: never leave it behind
	return lift
}

// A spool write cut short (disk full) must not leave a torn line that the
// next append runs into: the next record, acknowledged by the spool, must
// be replayed.
func TestTornSpoolWriteSparesTheNextRecord(t *testing.T) {
	dir := t.TempDir()
	st := newMemStore()
	st.setDown(true)
	// A long backoff: the failed replay that would seal the file is not due
	// while the three appends run.
	l := openTestLog(t, st, dir, func(o *Options) { o.RetryMin, o.RetryMax = 2*time.Second, 2*time.Second })
	l.Append(testRecord(0))
	syncLog(t, l)
	b, _ := l.spool.size()
	if b == 0 {
		t.Fatal("nothing spooled")
	}

	lift := limitFileSize(t, uint64(b)+40) // room for part of one more line
	l.Append(testRecord(1))
	// Store down, spool write cut short: Sync reports record 1 lost.
	if err := l.Sync(context.Background()); err == nil || !strings.Contains(err.Error(), "file too large") {
		t.Skipf("the spool write was not cut short (%v; spool %d bytes before, files %v): the writer sealed the file first", err, b, spoolFiles(t, dir))
	}
	lift()
	l.Append(testRecord(2)) // the disk has room again
	syncLog(t, l)

	st.setDown(false)
	eventually(t, "the spool to drain", func() bool { return !l.spool.pending() })
	closeLog(t, l)
	got := st.recordIDs()
	if !slices.Contains(got, testRecord(2).RecordID) {
		t.Fatalf("record 2 was spooled without error after the disk freed up, but the store holds only %v (damaged lines: %d)", got, l.Stats().Damaged)
	}
}

// While older records wait in the spool, new batches go to the spool even
// when the store is up; if the spool cannot be written they must go to the
// store, not be dropped.
func TestSpoolFailureFallsBackToTheStore(t *testing.T) {
	dir := t.TempDir()
	st := newMemStore()
	st.setDown(true)
	l := openTestLog(t, st, dir, func(o *Options) { o.RetryMin, o.RetryMax = 2*time.Second, 2*time.Second })
	l.Append(testRecord(0))
	syncLog(t, l)

	lift := limitFileSize(t, 10) // the spool disk is full
	st.setDown(false)            // and the store is back
	l.Append(testRecord(1))
	if err := l.Sync(context.Background()); err != nil {
		t.Errorf("Sync reports %v, but the store took the record the spool could not", err)
	}
	eventually(t, "the spool to drain", func() bool { return !l.spool.pending() })
	lift()
	closeLog(t, l)
	if got := st.recordIDs(); !slices.Contains(got, testRecord(1).RecordID) {
		t.Fatalf("store is up but holds only %v: record 1 was dropped because the spool was full", got)
	}
}
