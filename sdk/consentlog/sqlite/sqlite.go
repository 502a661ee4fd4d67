package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/consentry/consentry/sdk/consentlog"
	"github.com/consentry/consentry/sdk/consentlog/internal/sqlstore"

	"modernc.org/sqlite" // the "sqlite" database/sql driver
	sqlite3 "modernc.org/sqlite/lib"
)

// BusyTimeout is how long a write waits for another process's write to the
// same file before it fails.
const BusyTimeout = 10 * time.Second

// readConns is the size of the read pool.
const readConns = 4

// openTimeout bounds the schema migration run by Open.
const openTimeout = time.Minute

// Store is a consent log store in one SQLite file. It is safe for
// concurrent use. Its methods are those of consentlog.Store, served by the
// SQL implementation it shares with the PostgreSQL store; an error
// refusing the data wraps consentlog.ErrRefused.
type Store struct {
	consentlog.Store
	s    *sqlstore.Store
	path string
}

// Open opens the SQLite database at path, creating it (and its parent
// directories) when missing, and creates or upgrades its schema.
func Open(path string) (*Store, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("sqlite consent store: %w", err)
	}
	if err := create(abs); err != nil {
		return nil, fmt.Errorf("sqlite consent store: %w", err)
	}
	write, err := sql.Open("sqlite", dsn(abs, true))
	if err != nil {
		return nil, fmt.Errorf("sqlite consent store: opening %s: %w", abs, err)
	}
	write.SetMaxOpenConns(1)
	write.SetMaxIdleConns(1)
	write.SetConnMaxLifetime(0)
	write.SetConnMaxIdleTime(0)

	ctx, cancel := context.WithTimeout(context.Background(), openTimeout)
	defer cancel()
	// Migrate runs on the writer, before any reader opens the file, so
	// the readers find it in WAL mode with its schema.
	if err := sqlstore.New(sqlstore.SQLite, write, write, refused).Migrate(ctx); err != nil {
		write.Close()
		return nil, fmt.Errorf("%w (database %s)", err, abs)
	}
	read, err := sql.Open("sqlite", dsn(abs, false))
	if err != nil {
		write.Close()
		return nil, fmt.Errorf("sqlite consent store: opening %s: %w", abs, err)
	}
	read.SetMaxOpenConns(readConns)
	read.SetMaxIdleConns(readConns)
	ss := sqlstore.New(sqlstore.SQLite, write, read, refused)
	s := &Store{Store: ss, s: ss, path: abs}
	if err := s.Ping(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("%w (database %s)", err, abs)
	}
	return s, nil
}

// create makes the directories of path (0700) and the file itself (0600)
// when they are missing; an existing file keeps its mode.
func create(path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("creating the database directory: %w", err)
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("creating the database: %w", err)
	}
	return f.Close()
}

// dsn is the modernc.org/sqlite data source name of path. Every connection
// waits BusyTimeout for locks; the writer also sets WAL mode and
// synchronous=FULL and begins its transactions IMMEDIATE, so a transaction
// never fails to upgrade from reading to writing. Readers are query-only.
func dsn(path string, writer bool) string {
	u := url.URL{Scheme: "file", OmitHost: true, Path: path}
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", BusyTimeout.Milliseconds()))
	if writer {
		q.Add("_pragma", "journal_mode(WAL)")
		q.Add("_pragma", "synchronous(FULL)")
		q.Set("_txlock", "immediate")
	} else {
		q.Add("_pragma", "query_only(1)")
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// Path is the absolute path of the database file.
func (s *Store) Path() string { return s.path }

// refused reports whether err is SQLite refusing the data (a constraint, a
// type mismatch, a value too big or out of range) rather than a full disk,
// an I/O error or a lock, which pass.
func refused(err error) bool {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return false
	}
	switch se.Code() & 0xff {
	case sqlite3.SQLITE_CONSTRAINT, sqlite3.SQLITE_MISMATCH, sqlite3.SQLITE_TOOBIG, sqlite3.SQLITE_RANGE:
		return true
	}
	return false
}

// Sites lists the sites of the records made in [from, to)
// (consentlog.SiteLister).
func (s *Store) Sites(ctx context.Context, from, to time.Time) ([]string, error) {
	return s.s.Sites(ctx, from, to)
}

var (
	_ consentlog.Store      = (*Store)(nil)
	_ consentlog.SiteLister = (*Store)(nil)
)
