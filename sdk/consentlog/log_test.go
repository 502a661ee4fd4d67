package consentlog

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

func testRecord(i int) Record {
	return Record{
		RecordID:         fmt.Sprintf("r%06d", i),
		SchemaVersion:    SchemaVersion,
		EventTime:        time.Date(2026, 11, 24, 8, 0, 0, i*1000, time.UTC),
		EventType:        EventGiven,
		SubjectID:        fmt.Sprintf("s%d", i%7),
		Regime:           "opt-in",
		Granted:          []string{"analytics", "necessary"},
		Refused:          []string{"advertising"},
		CollectionMethod: "custom",
		NoticeHash:       "notice-1",
	}
}

func ids(from, to int) []string {
	var s []string
	for i := from; i < to; i++ {
		s = append(s, fmt.Sprintf("r%06d", i))
	}
	return s
}

func openTestLog(t *testing.T, st Store, dir string, tweak ...func(*Options)) *Log {
	t.Helper()
	o := Options{Logger: slog.New(slog.DiscardHandler), Store: st, SpoolDir: dir, RetryMin: time.Millisecond, RetryMax: 20 * time.Millisecond,
		BatchSize: 50, WriteTimeout: time.Second, Retention: -1}
	for _, f := range tweak {
		f(&o)
	}
	l, err := Open(o)
	if err != nil {
		t.Fatal(err)
	}
	l.AddNotice(Notice{Hash: "notice-1", PolicyVersion: "1", Language: "en", Content: []byte(`{"title":"Cookies"}`)})
	return l
}

func closeLog(t *testing.T, l *Log) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := l.Close(ctx); err != nil {
		t.Fatal(err)
	}
}

func syncLog(t *testing.T, l *Log) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := l.Sync(ctx); err != nil {
		t.Fatal(err)
	}
}

// eventually polls cond until it holds or ten seconds pass.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func spoolFiles(t *testing.T, dir string) []string {
	t.Helper()
	names, err := filepath.Glob(filepath.Join(dir, spoolPrefix+"*"))
	if err != nil {
		t.Fatal(err)
	}
	return names
}

func TestLogWritesInBatches(t *testing.T) {
	st := newMemStore()
	l := openTestLog(t, st, t.TempDir())
	for i := range 1000 {
		l.Append(testRecord(i))
	}
	syncLog(t, l)
	if got := st.recordIDs(); !slices.Equal(got, ids(0, 1000)) {
		t.Fatalf("store holds %d records, want the 1000 appended in order", len(got))
	}
	if st.inserts >= 1000 || st.inserts < 20 {
		t.Errorf("%d inserts for 1000 records with batches of 50", st.inserts)
	}
	if _, ok := st.notices["notice-1"]; !ok {
		t.Error("the notice the records name was not stored")
	}
	s := l.Stats()
	if s.Written != 1000 || s.Spooled != 0 || s.StoreDown {
		t.Errorf("stats %+v", s)
	}
	closeLog(t, l)
	if f := spoolFiles(t, l.o.SpoolDir); len(f) != 0 {
		t.Errorf("spool files left after a clean run: %v", f)
	}
}

func TestLogSpoolsWhileStoreIsDownAndReplaysInOrder(t *testing.T) {
	st := newMemStore()
	l := openTestLog(t, st, t.TempDir())
	l.Append(testRecord(0))
	syncLog(t, l)

	st.setDown(true)
	for i := 1; i < 500; i++ {
		l.Append(testRecord(i))
	}
	syncLog(t, l)
	s := l.Stats()
	if !s.StoreDown || s.SpoolRecords == 0 || s.Failures == 0 || s.SpoolBytes == 0 {
		t.Fatalf("store down, but stats %+v", s)
	}
	if n := len(st.recordIDs()); n != 1 {
		t.Fatalf("store holds %d records while down", n)
	}
	st.setDown(false)
	eventually(t, "the spool to drain", func() bool { return !l.spool.pending() })
	for i := 500; i < 600; i++ {
		l.Append(testRecord(i))
	}
	syncLog(t, l)
	if got := st.recordIDs(); !slices.Equal(got, ids(0, 600)) {
		t.Fatalf("after recovery the store holds %d records (want 600 in order): first %v", len(got), got[:min(5, len(got))])
	}
	s = l.Stats()
	if s.StoreDown || s.SpoolRecords != 0 || s.SpoolBytes != 0 || s.Replayed != 499 {
		t.Errorf("after recovery, stats %+v", s)
	}
	closeLog(t, l)
}

func TestLogReplaysSpoolOfEarlierRun(t *testing.T) {
	dir := t.TempDir()
	st := newMemStore()
	st.setDown(true)
	l := openTestLog(t, st, dir)
	for i := range 300 {
		l.Append(testRecord(i))
	}
	closeLog(t, l) // the store is down: everything goes to the spool
	if f := spoolFiles(t, dir); len(f) == 0 || len(f) > 2 {
		t.Fatalf("want one or two spool files after closing with the store down, got %v", f)
	}

	// A new process: a fresh store connection (same data), now up.
	st.setDown(false)
	l2 := openTestLog(t, st, dir, func(o *Options) {})
	eventually(t, "the adopted spool to replay", func() bool { return len(st.recordIDs()) == 300 })
	syncLog(t, l2)
	if got := st.recordIDs(); !slices.Equal(got, ids(0, 300)) {
		t.Fatalf("replayed %d records, want the 300 in order", len(got))
	}
	if _, ok := st.notices["notice-1"]; !ok {
		t.Error("the notice was not replayed from the spool")
	}
	closeLog(t, l2)
	if f := spoolFiles(t, dir); len(f) != 0 {
		t.Errorf("spool files left after replay: %v", f)
	}
}

func TestLogExactlyOnceWhenAckIsLost(t *testing.T) {
	st := newMemStore()
	l := openTestLog(t, st, t.TempDir())
	st.mu.Lock()
	st.ackLost = true // the first batch commits but the client sees an error
	st.mu.Unlock()
	for i := range 120 {
		l.Append(testRecord(i))
	}
	syncLog(t, l)
	eventually(t, "the spool to drain", func() bool { return !l.spool.pending() })
	if got := st.recordIDs(); !slices.Equal(got, ids(0, 120)) {
		t.Fatalf("store holds %d records, want 120 once each", len(got))
	}
	closeLog(t, l)
}

func TestLogAppendNeverWaitsForTheStore(t *testing.T) {
	st := newMemStore()
	st.block = make(chan struct{})
	l := openTestLog(t, st, t.TempDir(), func(o *Options) { o.QueueSize = 10; o.WriteTimeout = time.Minute })
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range 200 {
			l.Append(testRecord(i))
		}
	}()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("Append waited for a blocked store")
	}
	if s := l.Stats(); s.Overflowed == 0 || s.SpoolRecords == 0 {
		t.Fatalf("a full queue must spill to the spool: %+v", s)
	}
	close(st.block)
	syncLog(t, l)
	eventually(t, "the spool to drain", func() bool { return !l.spool.pending() })
	got := st.recordIDs()
	slices.Sort(got)
	if !slices.Equal(got, ids(0, 200)) {
		t.Fatalf("store holds %d records, want each of the 200 once", len(got))
	}
	closeLog(t, l)
}

func TestLogSkipsDamagedSpoolLines(t *testing.T) {
	dir := t.TempDir()
	var good strings.Builder
	for _, l := range []spoolLine{{Record: ptr(testRecord(1))}, {Record: ptr(testRecord(2))}} {
		buf := new(bytes.Buffer)
		if err := encodeLine(buf, l); err != nil {
			t.Fatal(err)
		}
		good.Write(buf.Bytes())
	}
	lines := strings.SplitAfter(good.String(), "\n")
	flipped := []byte(lines[1])
	flipped[20] ^= 1                                                         // a bit flip in the second record
	content := lines[0] + "garbage line\n" + string(flipped) + lines[0][:30] // and a torn last write
	name := filepath.Join(dir, spoolPrefix+"00000000000000000001-aaaa"+spoolSuffix)
	if err := os.WriteFile(name, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	st := newMemStore()
	l := openTestLog(t, st, dir)
	eventually(t, "the spool to replay", func() bool { return !l.spool.pending() })
	if got := st.recordIDs(); !slices.Equal(got, []string{"r000001"}) {
		t.Fatalf("replayed %v, want only the intact record", got)
	}
	if s := l.Stats(); s.Damaged != 3 {
		t.Errorf("damaged lines counted %d, want 3 (garbage, bit flip, torn)", s.Damaged)
	}
	closeLog(t, l)
}

func TestLogsSharingASpoolDirectory(t *testing.T) {
	dir := t.TempDir()
	down := newMemStore()
	down.setDown(true)
	a := openTestLog(t, down, dir)
	for i := range 10 {
		a.Append(testRecord(i))
	}
	syncLog(t, a)

	up := newMemStore()
	b := openTestLog(t, up, dir)
	if n, err := b.spool.adopt(); err != nil || n != 0 {
		t.Fatalf("adopted %d files of a live Log (err %v)", n, err)
	}
	closeLog(t, a) // a stops with its records spooled
	if n, err := b.spool.adopt(); err != nil || n == 0 {
		t.Fatalf("adopted %d files after the other Log stopped, want its one or two (err %v)", n, err)
	}
	b.Append(testRecord(100)) // wakes the writer, which replays
	eventually(t, "the adopted file to replay", func() bool { return len(up.recordIDs()) == 11 })
	closeLog(t, b)
}

func TestLogPurgesPastRetention(t *testing.T) {
	st := newMemStore()
	now := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
	old, fresh := testRecord(1), testRecord(2)
	old.EventTime = now.Add(-401 * 24 * time.Hour)
	fresh.EventTime = now.Add(-24 * time.Hour)
	if err := st.Insert(context.Background(), nil, []Record{old, fresh}); err != nil {
		t.Fatal(err)
	}
	l := openTestLog(t, st, t.TempDir(), func(o *Options) {
		o.Retention = 0 // the default, 400 days
		o.Now = func() time.Time { return now }
	})
	eventually(t, "a purge", func() bool { return l.Stats().Purged == 1 })
	if got := st.recordIDs(); !slices.Equal(got, []string{fresh.RecordID}) {
		t.Fatalf("after purge the store holds %v", got)
	}
	st.mu.Lock()
	cutoff := st.purges[0]
	st.mu.Unlock()
	if want := now.Add(-DefaultRetention); !cutoff.Equal(want) {
		t.Errorf("purge cutoff %v, want %v", cutoff, want)
	}
	closeLog(t, l)
}

func TestLogConcurrentAppends(t *testing.T) {
	st := newMemStore()
	l := openTestLog(t, st, t.TempDir(), func(o *Options) { o.QueueSize = 64 })
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 250 {
				l.Append(testRecord(g*1000 + i))
			}
		}()
	}
	wg.Wait()
	syncLog(t, l)
	eventually(t, "the spool to drain", func() bool { return !l.spool.pending() })
	if n := len(st.recordIDs()); n != 2000 {
		t.Fatalf("store holds %d records, want 2000", n)
	}
	closeLog(t, l)
}

func TestRecordIntegrity(t *testing.T) {
	r := testRecord(1)
	r.Seal([]byte("key-one"))
	if !r.Verify([]byte("other"), []byte("key-one")) {
		t.Fatal("a sealed record does not verify")
	}
	r2 := r
	r2.EventTime = r2.EventTime.In(time.FixedZone("X", 3600)) // same instant
	if !r2.Verify([]byte("key-one")) {
		t.Error("the time zone of the same instant changed the seal")
	}
	r2.Granted = []string{"advertising", "analytics", "necessary"}
	if r2.Verify([]byte("key-one")) {
		t.Error("an altered record still verifies")
	}
}

func ptr[T any](v T) *T { return &v }

// A record the store refuses while it answers (bad data, not an outage)
// is set aside in a rejected-* file; it must not hold back the others,
// directly or in a replay.
func TestLogQuarantinesRecordsTheStoreRefuses(t *testing.T) {
	dir := t.TempDir()
	st := newMemStore()
	st.poison = map[string]bool{"r000003": true, "r000107": true}
	l := openTestLog(t, st, dir)
	for i := range 10 {
		l.Append(testRecord(i))
	}
	syncLog(t, l)
	st.setDown(true)
	for i := 100; i < 110; i++ {
		l.Append(testRecord(i))
	}
	syncLog(t, l)
	st.setDown(false)
	// The store counts as up again once the replay has finished, just
	// after the last spool file goes.
	eventually(t, "the spool to drain", func() bool { return !l.spool.pending() && !l.Stats().StoreDown })
	want := slices.DeleteFunc(append(ids(0, 10), ids(100, 110)...), func(id string) bool { return st.poison[id] })
	if got := st.recordIDs(); !slices.Equal(got, want) {
		t.Fatalf("store holds %v, want %v", got, want)
	}
	if s := l.Stats(); s.Rejected != 2 || s.StoreDown {
		t.Errorf("stats %+v, want 2 rejected and the store up", s)
	}
	rejected, _ := filepath.Glob(filepath.Join(dir, rejectedPrefix+"*"))
	var kept []string
	for _, name := range rejected {
		f, err := os.Open(name)
		if err != nil {
			t.Fatal(err)
		}
		sr, _ := newSpoolReader(f, 0, bufio.NewReader(nil))
		_, recs, _, err := sr.chunk(100)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range recs {
			kept = append(kept, r.RecordID)
		}
	}
	slices.Sort(kept)
	if !slices.Equal(kept, []string{"r000003", "r000107"}) {
		t.Errorf("quarantine files hold %v", kept)
	}
	closeLog(t, l)
	if f := spoolFiles(t, dir); len(f) != 0 {
		t.Errorf("spool files left: %v", f)
	}
}
