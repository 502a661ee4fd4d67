package caddymodule

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/url"
	"path/filepath"
	"strings"
	"time"

	"github.com/caddyserver/caddy/v2"

	"github.com/consentry/consentry/sdk/consentlog"
	"github.com/consentry/consentry/sdk/consentlog/postgres"
	"github.com/consentry/consentry/sdk/consentlog/sqlite"
)

// The consent log's stores.
const (
	storeSQLite   = "sqlite"
	storePostgres = "postgres"
	storeOff      = "off"
)

// LogConfig configures the consent log: where every decision is kept as
// proof. The zero value is a SQLite file in Caddy's data directory.
type LogConfig struct {
	// Store is "sqlite", "postgres" or "off". Default: "sqlite".
	Store string `json:"store,omitempty"`

	// Path is the SQLite file. Placeholders such as {env.X} are replaced.
	// Default: consentry/consent.db in Caddy's data directory.
	Path string `json:"path,omitempty"`

	// DSN is the PostgreSQL connection string, as a URL
	// (postgres://user:pass@host/db) or key=value pairs. Placeholders such
	// as {env.CONSENT_DATABASE_URL} are replaced. Required for postgres.
	DSN string `json:"dsn,omitempty"`

	// Spool is the directory that holds decisions while the store is down,
	// replayed when it returns. It must be on a local disk that survives
	// restarts; instances may share it. Default: the SQLite file's path
	// plus ".spool", or consentry/spool in Caddy's data directory for
	// PostgreSQL.
	Spool string `json:"spool,omitempty"`

	// IP says what is kept of the visitor's address: "truncate" (the /24
	// of IPv4, the /48 of IPv6), "hash" (a keyed hash) or "off".
	// Default: "truncate".
	IP string `json:"ip,omitempty"`

	// QueueSize bounds the decisions waiting in memory for the store;
	// beyond it they go to the spool. Default: 10000.
	QueueSize int `json:"queue_size,omitempty"`
}

// resolved returns the config with placeholders replaced and defaults
// filled in.
func (lc LogConfig) resolved(repl *caddy.Replacer) (LogConfig, error) {
	if lc.Store == "" {
		lc.Store = storeSQLite
	}
	lc.Path = repl.ReplaceAll(lc.Path, "")
	lc.DSN = repl.ReplaceAll(lc.DSN, "")
	lc.Spool = repl.ReplaceAll(lc.Spool, "")
	switch lc.Store {
	case storeOff:
		return lc, nil
	case storeSQLite:
		if lc.Path == "" {
			lc.Path = filepath.Join(caddy.AppDataDir(), "consentry", "consent.db")
		}
		if lc.Spool == "" {
			lc.Spool = lc.Path + ".spool"
		}
	case storePostgres:
		if lc.DSN == "" {
			return lc, fmt.Errorf("log postgres: empty connection string (is the environment variable set?)")
		}
		if lc.Spool == "" {
			lc.Spool = filepath.Join(caddy.AppDataDir(), "consentry", "spool")
		}
	default:
		return lc, fmt.Errorf("log %q: want sqlite, postgres or off", lc.Store)
	}
	if lc.IP != "" {
		if err := checkIPMode(lc.IP); err != nil {
			return lc, err
		}
	}
	if lc.QueueSize < 0 {
		return lc, fmt.Errorf("log queue_size %d: must be positive", lc.QueueSize)
	}
	return lc, nil
}

// label names the log in metrics and logs without secrets: the SQLite
// path, or the PostgreSQL host and database.
func (lc LogConfig) label() string {
	if lc.Store == storePostgres {
		return storePostgres + ":" + dsnLabel(lc.DSN)
	}
	return lc.Store + ":" + lc.Path
}

// dsnLabel returns host/database of a PostgreSQL connection string, never
// its user or password.
func dsnLabel(dsn string) string {
	if u, err := url.Parse(dsn); err == nil && (u.Scheme == "postgres" || u.Scheme == "postgresql") {
		return u.Host + u.Path
	}
	host, db := "", ""
	for f := range strings.FieldsSeq(dsn) {
		k, v, _ := strings.Cut(f, "=")
		switch k {
		case "host":
			host = strings.Trim(v, "'")
		case "dbname":
			db = strings.Trim(v, "'")
		}
	}
	return host + "/" + db
}

// openStore opens the configured store. A PostgreSQL store connects on
// first use and again after failures, so Caddy starts while the database
// is down and decisions wait in the spool.
func (lc LogConfig) openStore(ctx context.Context) (consentlog.Store, error) {
	switch lc.Store {
	case storeSQLite:
		st, err := sqlite.Open(lc.Path)
		if err != nil {
			return nil, err
		}
		return st, nil
	case storePostgres:
		label := lc.label()
		return consentlog.Lazy(label, func(ctx context.Context) (consentlog.Store, error) {
			st, err := postgres.Open(ctx, lc.DSN)
			if err != nil {
				return nil, err
			}
			return st, nil
		}), nil
	}
	return nil, fmt.Errorf("no store for log %q", lc.Store)
}

// logs holds the open consent logs, shared by every consent handler with
// the same log configuration and kept across config reloads that keep it.
var logs = caddy.NewUsagePool()

// pooledLog is a consent log in the pool.
type pooledLog struct {
	*consentlog.Log
	label string
}

// Destruct closes the log when the last handler using it is cleaned up.
func (p *pooledLog) Destruct() error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return p.Close(ctx)
}

// logKey identifies a log configuration in the pool.
func logKey(lc LogConfig, retention time.Duration) string {
	b, _ := json.Marshal(struct {
		LogConfig
		Retention time.Duration
	}{lc, retention})
	sum := sha256.Sum256(b)
	return "consentry-log-" + hex.EncodeToString(sum[:])
}

// openLog returns the shared log for lc (resolved), opening it if no
// handler holds it yet. Release it with logs.Delete(key).
func openLog(lc LogConfig, retention time.Duration, logger *slog.Logger) (*pooledLog, string, error) {
	key := logKey(lc, retention)
	v, _, err := logs.LoadOrNew(key, func() (caddy.Destructor, error) {
		st, err := lc.openStore(context.Background())
		if err != nil {
			return nil, fmt.Errorf("consent log %s: %w", lc.label(), err)
		}
		l, err := consentlog.Open(consentlog.Options{
			Store:     st,
			SpoolDir:  lc.Spool,
			QueueSize: lc.QueueSize,
			Retention: retention,
			Logger:    logger.With("log", lc.label()),
		})
		if err != nil {
			st.Close()
			return nil, err
		}
		return &pooledLog{Log: l, label: lc.label()}, nil
	})
	if err != nil {
		return nil, "", err
	}
	return v.(*pooledLog), key, nil
}
