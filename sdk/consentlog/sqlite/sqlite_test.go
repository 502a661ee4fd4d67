package sqlite

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/consentry/consentry/sdk/consentlog"
	"github.com/consentry/consentry/sdk/consentlog/storetest"
)

// open opens a store in a fresh directory, closed at cleanup.
func open(t testing.TB) *Store {
	t.Helper()
	s, err := Open(filepath.Join(t.TempDir(), "consent.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) consentlog.Store { return open(t) })
}

func TestOpenCreatesPrivateFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a", "b", "consent.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for p, want := range map[string]os.FileMode{path: 0o600, filepath.Dir(path): 0o700 | os.ModeDir} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode() != want {
			t.Errorf("%s: mode %v, want %v", p, fi.Mode(), want)
		}
	}
	if s.Path() != path {
		t.Errorf("Path() = %q, want %q", s.Path(), path)
	}
}

func TestOpenSetsDurabilityPragmas(t *testing.T) {
	s := open(t)
	ctx := t.Context()
	for pragma, want := range map[string]string{"journal_mode": "wal", "synchronous": "2", "busy_timeout": "10000"} {
		var got string
		if err := s.s.WriteDB().QueryRowContext(ctx, "PRAGMA "+pragma).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if !strings.EqualFold(got, want) {
			t.Errorf("PRAGMA %s = %s, want %s", pragma, got, want)
		}
	}
}

// TestReopen checks a second Open of the same file keeps the records and
// migrates nothing again, and that two stores on one file both write.
func TestReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "weird ?#% name.db")
	a, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := Open(path)
	if err != nil {
		t.Fatalf("second Open: %v", err)
	}
	defer b.Close()
	ctx := t.Context()
	at := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	for i, s := range []*Store{a, b} {
		r := consentlog.Record{RecordID: fmt.Sprint(i), EventTime: at, Regime: "opt-in", Granted: []string{"analytics"}}
		if err := s.Insert(ctx, nil, []consentlog.Record{r}); err != nil {
			t.Fatalf("store %d: Insert: %v", i, err)
		}
	}
	got, err := a.Find(ctx, consentlog.Query{})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Errorf("Find = %d records, want 2", len(got))
	}
	var versions int
	if err := a.s.WriteDB().QueryRowContext(ctx, "SELECT count(*) FROM consentry_schema").Scan(&versions); err != nil {
		t.Fatal(err)
	}
	if versions != 1 {
		t.Errorf("consentry_schema has %d rows, want 1", versions)
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(path), "weird ?#% name.db")); err != nil {
		t.Errorf("database not at its literal path: %v", err)
	}
}

func TestOpenFailsClearly(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "file"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Open(filepath.Join(dir, "file", "consent.db"))
	if err == nil || !strings.Contains(err.Error(), "sqlite consent store") {
		t.Errorf("Open under a file = %v, want a sqlite consent store error", err)
	}
	notDB := filepath.Join(dir, "notdb")
	if err := os.WriteFile(notDB, []byte(strings.Repeat("not a database ", 100)), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(notDB); err == nil || !strings.Contains(err.Error(), notDB) {
		t.Errorf("Open of a non-database = %v, want an error naming the file", err)
	}
}

func BenchmarkInsertBatch(b *testing.B) {
	storetest.BenchInsert(b, open(b), 256)
}
