package sqlstore

import (
	"context"
	"database/sql"
)

// Migrate brings the schema to the latest version in one transaction: it
// creates what is missing and does nothing when the schema is current, so
// it runs at every Open. Concurrent migrations of one database wait for
// each other (an advisory lock in PostgreSQL, BEGIN IMMEDIATE in SQLite).
// A database whose schema is newer than this build knows is an error.
func (s *Store) Migrate(ctx context.Context) error {
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return s.d.errorf("migrating schema: %w", err)
	}
	defer tx.Rollback()
	if s.d.lock != "" {
		if _, err := tx.ExecContext(ctx, s.d.lock); err != nil {
			return s.d.errorf("migrating schema: taking the migration lock: %w", err)
		}
	}
	version, err := s.version(ctx, tx)
	if err != nil {
		return s.d.errorf("migrating schema: reading its version: %w", err)
	}
	latest := len(s.d.migrations)
	switch {
	case version == latest:
		return tx.Commit()
	case version > latest:
		return s.d.errorf("database schema is version %d; this build knows versions up to %d: upgrade Consentry", version, latest)
	}
	if _, err := tx.ExecContext(ctx, s.d.schemaTable); err != nil {
		return s.d.errorf("migrating schema: creating consentry_schema: %w", err)
	}
	for v := version + 1; v <= latest; v++ {
		for _, stmt := range s.d.migrations[v-1] {
			if _, err := tx.ExecContext(ctx, stmt); err != nil {
				return s.d.errorf("migrating schema to version %d: %w", v, err)
			}
		}
		_, err := tx.ExecContext(ctx, s.d.bind(`INSERT INTO consentry_schema (version, applied_at) VALUES (?, ?)`), v, s.d.t(s.now()))
		if err != nil {
			return s.d.errorf("migrating schema to version %d: %w", v, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return s.d.errorf("migrating schema: %w", err)
	}
	return nil
}

// version is the schema version of the database, 0 when it has none. It
// creates nothing, so a role without CREATE rights can open a database
// that is already current.
func (s *Store) version(ctx context.Context, tx *sql.Tx) (int, error) {
	var exists bool
	if err := tx.QueryRowContext(ctx, s.d.schemaExists).Scan(&exists); err != nil {
		return 0, err
	}
	if !exists {
		return 0, nil
	}
	var v sql.NullInt64
	if err := tx.QueryRowContext(ctx, `SELECT max(version) FROM consentry_schema`).Scan(&v); err != nil {
		return 0, err
	}
	return int(v.Int64), nil
}
