package postgres

import (
	"context"
	"errors"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/consentry/consentry/internal/pgtest"
	"github.com/consentry/consentry/sdk/consentlog"
	"github.com/consentry/consentry/sdk/consentlog/storetest"
	"github.com/jackc/pgx/v5"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// open opens a store on a new database of the shared server, closed at
// cleanup.
func open(t testing.TB) *Store {
	t.Helper()
	dsn := pgtest.Shared(t).NewDatabase(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s, err := Open(ctx, dsn)
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

// TestConcurrentOpen opens one fresh database from several goroutines at
// once: the migration lock lets every Open succeed and the schema is
// migrated once.
func TestConcurrentOpen(t *testing.T) {
	dsn := pgtest.Shared(t).NewDatabase(t)
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	const n = 6
	stores := make([]*Store, n)
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			stores[i], errs[i] = Open(ctx, dsn)
		})
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("Open %d: %v", i, err)
			continue
		}
		defer stores[i].Close()
	}
	if t.Failed() {
		return
	}
	var versions int
	if err := stores[0].s.WriteDB().QueryRowContext(ctx, "SELECT count(*) FROM consentry_schema").Scan(&versions); err != nil {
		t.Fatal(err)
	}
	if versions != 1 {
		t.Errorf("consentry_schema has %d rows, want 1", versions)
	}
	r := consentlog.Record{RecordID: "a", EventTime: time.Now(), Regime: "opt-in"}
	if err := stores[n-1].Insert(ctx, nil, []consentlog.Record{r}); err != nil {
		t.Errorf("Insert after concurrent opens: %v", err)
	}
}

// TestOpenHidesPassword checks neither a refused login nor an unreachable
// server nor a malformed string puts the password in the error.
func TestOpenHidesPassword(t *testing.T) {
	srv := pgtest.Shared(t)
	const secret = "s3cr3t-Passw0rd"
	closed := closedPort(t)
	dsns := []string{
		// The server trusts every login, so a password is no use; an
		// unknown database makes the login fail after the password is
		// offered.
		"postgres://postgres:" + secret + "@127.0.0.1:" + strconv.Itoa(srv.Port()) + "/no_such_db?sslmode=disable",
		"postgres://postgres:" + secret + "@127.0.0.1:" + strconv.Itoa(closed) + "/consent?sslmode=disable",
		"host=127.0.0.1 port=" + strconv.Itoa(closed) + " user=postgres password=" + secret + " sslmode=disable",
		"postgres://postgres:" + secret + "@127.0.0.1:notaport/consent",
		"host=127.0.0.1 password='" + secret + " sslmode=disable",
	}
	for _, dsn := range dsns {
		ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
		s, err := Open(ctx, dsn)
		cancel()
		if err == nil {
			s.Close()
			t.Errorf("Open(%q) succeeded, want an error", dsn)
			continue
		}
		if strings.Contains(err.Error(), secret) {
			t.Errorf("Open error shows the password: %v", err)
		}
		if !strings.Contains(err.Error(), "postgres consent store") {
			t.Errorf("Open error does not say what failed: %v", err)
		}
	}
}

// closedPort is a loopback port nothing listens on.
func closedPort(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	return port
}

func BenchmarkInsertBatch(b *testing.B) {
	storetest.BenchInsert(b, open(b), 256)
}

// TestConformanceICU runs the suite on databases whose default collation
// is ICU English, where "a" < "B" (PostgreSQL 15 or later): the store's
// order must still be byte order.
func TestConformanceICU(t *testing.T) {
	srv := pgtest.Shared(t)
	n := 0
	storetest.Run(t, func(t *testing.T) consentlog.Store {
		n++
		name := "icu_" + strconv.Itoa(n)
		ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
		defer cancel()
		conn, err := pgx.Connect(ctx, srv.DSN("postgres"))
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(ctx)
		_, err = conn.Exec(ctx, "CREATE DATABASE "+name+" TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'en' LOCALE 'C'")
		if err != nil {
			t.Skipf("no ICU collations here: %v", err)
		}
		s, err := Open(ctx, srv.DSN(name))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		var less bool
		if err := s.s.WriteDB().QueryRowContext(ctx, "SELECT 'a' < 'B'").Scan(&less); err != nil || !less {
			t.Fatalf("database collation is not ICU English ('a' < 'B' = %v, %v)", less, err)
		}
		return s
	})
}

// TestSurvivesRestart stops the server under an open store and starts it
// again: the store fails while the server is down and works again once it
// is back, with no reopening.
func TestSurvivesRestart(t *testing.T) {
	srv := pgtest.Start(t)
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	s, err := Open(ctx, srv.NewDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	at := time.Date(2025, 5, 1, 12, 0, 0, 0, time.UTC)
	rec := func(id string) []consentlog.Record {
		return []consentlog.Record{{RecordID: id, EventTime: at, Regime: "opt-in", Granted: []string{"analytics"}}}
	}
	if err := s.Insert(ctx, nil, rec("before")); err != nil {
		t.Fatal(err)
	}
	if err := srv.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := s.Insert(ctx, nil, rec("down")); err == nil {
		t.Errorf("Insert with the server down succeeded")
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	// A connection that died with the server may fail one more call;
	// the pool then replaces it.
	deadline := time.Now().Add(10 * time.Second)
	for {
		err := s.Insert(ctx, nil, rec("after"))
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("Insert after restart still fails: %v", err)
		}
	}
	got, err := s.Find(ctx, consentlog.Query{})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].RecordID != "after" || got[1].RecordID != "before" {
		t.Errorf("after restart: records %v, want after and before", got)
	}
}

// TestRefusedVersusOutage: text PostgreSQL cannot hold is ErrRefused (the
// log sets such a record aside); a stopped server is not (the log spools
// and retries).
func TestRefusedVersusOutage(t *testing.T) {
	srv := pgtest.Start(t)
	st, err := Open(context.Background(), srv.NewDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	bad := consentlog.Record{RecordID: "r1", SchemaVersion: consentlog.SchemaVersion, EventTime: time.Now(),
		SubjectID: "s1", PagePath: "/a\x00b", Granted: []string{}, Refused: []string{}}
	if err := st.Insert(context.Background(), nil, []consentlog.Record{bad}); !errors.Is(err, consentlog.ErrRefused) {
		t.Fatalf("a NUL byte: %v, want ErrRefused", err)
	}
	good := bad
	good.RecordID, good.PagePath = "r2", "/ok"
	if err := srv.Stop(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := st.Insert(ctx, nil, []consentlog.Record{good}); err == nil || errors.Is(err, consentlog.ErrRefused) {
		t.Fatalf("server stopped: %v, want an outage error", err)
	}
}
