package postgres

import (
	"context"
	"errors"
	"strings"
	"sync"
	"time"

	"github.com/consentry/consentry/sdk/consentlog"
	"github.com/consentry/consentry/sdk/consentlog/internal/sqlstore"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
)

// Pool limits. The writes of one Log go one batch at a time, so most of
// the pool serves queries.
const (
	maxOpenConns    = 8
	maxIdleConns    = 4
	connMaxIdleTime = 5 * time.Minute
	connMaxLifetime = time.Hour
)

// connectTimeout bounds opening one connection when the connection string
// sets no connect_timeout.
const connectTimeout = 10 * time.Second

// Store is a consent log store in a PostgreSQL database. It is safe for
// concurrent use, by several processes too. Its methods are those of
// consentlog.Store, served by the SQL implementation it shares with the
// SQLite store; an error refusing the data wraps consentlog.ErrRefused.
type Store struct {
	consentlog.Store
	s *sqlstore.Store

	invMu    sync.Mutex // guards invReady
	invReady bool       // consent_inventory exists (inventory.go)
}

// Open connects to the database dsn names, checks it answers, and creates
// or upgrades the schema, all within ctx.
func Open(ctx context.Context, dsn string) (*Store, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		// The parse error quotes the string, password and all, and
		// redacting a malformed string is guesswork: say less.
		return nil, errors.New("postgres consent store: the connection string does not parse (it is not repeated here, as it may hold a password); check its syntax")
	}
	if cfg.ConnectTimeout == 0 {
		cfg.ConnectTimeout = connectTimeout
	}
	if cfg.RuntimeParams["application_name"] == "" {
		cfg.RuntimeParams["application_name"] = "consentry"
	}
	secret := cfg.Password
	db := stdlib.OpenDB(*cfg)
	db.SetMaxOpenConns(maxOpenConns)
	db.SetMaxIdleConns(maxIdleConns)
	db.SetConnMaxIdleTime(connMaxIdleTime)
	db.SetConnMaxLifetime(connMaxLifetime)

	s := sqlstore.New(sqlstore.Postgres, db, db, refused)
	if err := s.Ping(ctx); err != nil {
		db.Close()
		return nil, redact(err, secret)
	}
	if err := s.Migrate(ctx); err != nil {
		db.Close()
		return nil, redact(err, secret)
	}
	return &Store{Store: s, s: s}, nil
}

// redacted is an error whose message has the password masked.
type redacted struct {
	msg string
	err error
}

func (e *redacted) Error() string { return e.msg }
func (e *redacted) Unwrap() error { return e.err }

// redact masks secret in err's message. pgx does not put passwords in its
// errors; this makes sure of it.
func redact(err error, secret string) error {
	if secret == "" || !strings.Contains(err.Error(), secret) {
		return err
	}
	return &redacted{msg: strings.ReplaceAll(err.Error(), secret, "xxxxx"), err: err}
}

// refused reports whether err is PostgreSQL refusing the data: SQLSTATE
// class 22 (data exception) or 23 (integrity constraint). A full disk
// (53100), shutdown (57P) or lost connection (08) passes.
func refused(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && (strings.HasPrefix(pe.Code, "22") || strings.HasPrefix(pe.Code, "23"))
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
