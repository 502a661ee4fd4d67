package pgtest

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
)

// Start starts a server for one test and closes it when the test ends,
// printing the server's log if the test failed. Without PostgreSQL the
// test is skipped, or fails when $CI is "true".
func Start(t testing.TB) *Server {
	t.Helper()
	s, err := New()
	if err != nil {
		unavailable(t, err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("postgres log:\n%s", s.Log())
		}
		if err := s.Close(); err != nil {
			t.Errorf("stopping postgres: %v", err)
		}
	})
	return s
}

// unavailable skips or fails t because the server could not start.
func unavailable(t testing.TB, err error) {
	t.Helper()
	if errors.Is(err, ErrNoPostgres) && os.Getenv("CI") != "true" {
		t.Skipf("skipping: %v", err)
		return
	}
	t.Fatal(err)
}

var shared struct {
	mu  sync.Mutex
	s   *Server
	err error
}

// Shared is the test package's server, started by the first test that
// asks; Main closes it. Without PostgreSQL the test is skipped, or fails
// when $CI is "true".
func Shared(t testing.TB) *Server {
	t.Helper()
	shared.mu.Lock()
	if shared.s == nil && shared.err == nil {
		shared.s, shared.err = New()
	}
	s, err := shared.s, shared.err
	shared.mu.Unlock()
	if err != nil {
		unavailable(t, err)
	}
	return s
}

// Main runs the tests of a package that uses Shared, then stops the shared
// server, printing its log when a test failed. Use it as
// os.Exit(pgtest.Main(m)).
func Main(m *testing.M) int {
	code := m.Run()
	shared.mu.Lock()
	defer shared.mu.Unlock()
	if shared.s != nil {
		if code != 0 {
			fmt.Fprintf(os.Stderr, "postgres log:\n%s\n", shared.s.Log())
		}
		if err := shared.s.Close(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			code = max(code, 1)
		}
		shared.s = nil
	}
	return code
}

// NewDatabase creates a database with a name of its own and returns its
// connection URL.
func (s *Server) NewDatabase(t testing.TB) string {
	t.Helper()
	s.mu.Lock()
	s.dbs++
	name := fmt.Sprintf("test_%d_%s", s.dbs, strings.ToLower(sanitize(t.Name())))
	s.mu.Unlock()
	if len(name) > 63 {
		name = name[:63]
	}
	if err := s.CreateDatabase(name); err != nil {
		t.Fatal(err)
	}
	return s.DSN(name)
}

// sanitize keeps the letters and digits of name, the rest as _.
func sanitize(name string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			return r
		}
		return '_'
	}, name)
}
