package pgtest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// count runs SELECT count(*) FROM marks on dsn.
func count(ctx context.Context, dsn string) (int, error) {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return 0, err
	}
	defer conn.Close(ctx)
	var n int
	err = conn.QueryRow(ctx, "SELECT count(*) FROM marks").Scan(&n)
	return n, err
}

func TestStopStart(t *testing.T) {
	s := Start(t)
	dsn := s.NewDatabase(t)
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()

	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, "CREATE TABLE marks (n int); INSERT INTO marks VALUES (1), (2)"); err != nil {
		t.Fatal(err)
	}
	port := s.Port()

	if err := s.Stop(); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if err := conn.Ping(ctx); err == nil {
		t.Errorf("a connection opened before Stop still answers")
	}
	if _, err := count(ctx, dsn); err == nil {
		t.Errorf("connecting to a stopped server succeeded")
	}
	if err := s.Stop(); err != nil {
		t.Errorf("second Stop: %v", err)
	}

	if err := s.Start(); err != nil {
		t.Fatalf("Start: %v", err)
	}
	if s.Port() != port || s.DSN("x") != (&Server{port: port}).DSN("x") {
		t.Errorf("port changed across Stop and Start: %d, then %d", port, s.Port())
	}
	n, err := count(ctx, dsn)
	if err != nil {
		t.Fatalf("after Start: %v", err)
	}
	if n != 2 {
		t.Errorf("after Start: %d rows, want the 2 committed before Stop", n)
	}
	if err := s.Start(); err == nil {
		t.Errorf("Start on a running server succeeded")
	}
}

func TestCloseRemovesDirectory(t *testing.T) {
	s := Start(t)
	dir := s.dir
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if _, err := pgx.Connect(t.Context(), s.DSN("postgres")); err == nil {
		t.Errorf("server still answers after Close")
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("directory %s still there after Close: %v", dir, err)
	}
}

func TestVersionOrder(t *testing.T) {
	got := []string{"/usr/lib/postgresql/9.6/bin", "/usr/lib/postgresql/15/bin", "/usr/lib/postgresql/10/bin"}
	sortByVersion(got)
	want := []string{"/usr/lib/postgresql/15/bin", "/usr/lib/postgresql/10/bin", "/usr/lib/postgresql/9.6/bin"}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("order = %v, want %v", got, want)
		}
	}
}

func TestMissingBinaries(t *testing.T) {
	t.Setenv(BinDirEnv, t.TempDir())
	if _, err := New(); !errors.Is(err, ErrNoPostgres) {
		t.Errorf("New with no binaries = %v, want ErrNoPostgres", err)
	}
}

// recorder is a testing.TB that records Skip and Fatal instead of ending
// the test.
type recorder struct {
	testing.TB
	skipped, fatal bool
}

func (r *recorder) Helper()              {}
func (r *recorder) Skipf(string, ...any) { r.skipped = true }
func (r *recorder) Fatal(...any)         { r.fatal = true }

func TestUnavailableSkipsUnlessCI(t *testing.T) {
	missing := fmt.Errorf("%w: no initdb", ErrNoPostgres)
	tests := []struct {
		name, ci        string
		err             error
		skipped, failed bool
	}{
		{"missing, local", "", missing, true, false},
		{"missing, CI", "true", missing, false, true},
		{"broken, local", "", errors.New("initdb failed"), false, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("CI", tc.ci)
			r := &recorder{TB: t}
			unavailable(r, tc.err)
			if r.skipped != tc.skipped || r.fatal != tc.failed {
				t.Errorf("skipped %v, failed %v; want %v, %v", r.skipped, r.fatal, tc.skipped, tc.failed)
			}
		})
	}
}
