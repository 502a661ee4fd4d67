package consentlog

import (
	"context"
	"runtime"
	"slices"
	"testing"
	"time"
)

// Append after Close (an in-flight request during a Caddy reload) must
// write to a spool file the next Log on the directory can adopt, not to one
// the closed Log keeps locked.
func TestAppendAfterCloseIsReplayedByTheNextLog(t *testing.T) {
	dir := t.TempDir()
	st := newMemStore()
	old := openTestLog(t, st, dir)
	closeLog(t, old)
	old.Append(testRecord(1)) // a request still running on the old config

	l := openTestLog(t, st, dir)
	defer closeLog(t, l)
	l.Append(testRecord(2))
	syncLog(t, l)
	deadline := time.Now().Add(3 * time.Second)
	for time.Now().Before(deadline) {
		if _, err := l.spool.adopt(); err != nil {
			t.Fatal(err)
		}
		l.Append(testRecord(3)) // wakes the writer to replay
		syncLog(t, l)
		if slices.Contains(st.recordIDs(), testRecord(1).RecordID) {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	runtime.KeepAlive(old) // else the GC may close its file and release the lock
	t.Fatalf("a record appended after Close is still not in the store (files %v): it sits in a file the closed Log holds locked", spoolFiles(t, dir))
}

// Close with a deadline while the store hangs must still release the spool
// files, so another Log can replay them.
func TestCloseTimeoutReleasesTheSpool(t *testing.T) {
	dir := t.TempDir()
	st := newMemStore()
	st.block = make(chan struct{}) // the store hangs
	l := openTestLog(t, st, dir, func(o *Options) {
		o.WriteTimeout = 300 * time.Millisecond
		o.RetryMin = time.Hour
		o.RetryMax = time.Hour
	})
	for i := range 10 {
		l.Append(testRecord(i))
	}

	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := l.Close(ctx); err == nil {
		t.Fatal("Close returned nil with the store hanging")
	}
	<-l.done // the writer gives up on its own after WriteTimeout
	other := openTestLog(t, newMemStore(), t.TempDir())
	defer closeLog(t, other)
	other.spool.dir = dir
	n, err := other.spool.adopt()
	if err != nil {
		t.Fatal(err)
	}
	if n == 0 {
		runtime.KeepAlive(l) // else the GC may close its files and release the locks
		t.Fatalf("after the timed-out Close finished, its spool files %v are still locked by a Log nobody will close", spoolFiles(t, dir))
	}
}
