// Package postgres keeps the consent log in a PostgreSQL database (12 or
// later), the store to use when several proxy instances share one log.
//
//	store, err := postgres.Open(ctx, os.Getenv("CONSENT_DATABASE_URL"))
//	if err != nil {
//		return err
//	}
//	log, err := consentlog.New(consentlog.Options{Store: store, SpoolDir: "/var/lib/consentry/spool"})
//
// The connection string is a URL or key=value DSN as libpq takes it
// ("postgres://consentry:secret@db.internal:5432/consent?sslmode=verify-full");
// the PG* environment variables fill in what it leaves out. Errors never
// show the password.
//
// It talks to the database through pgx's database/sql driver
// (github.com/jackc/pgx/v5/stdlib) rather than pgxpool, so that the SQLite
// and PostgreSQL stores share one implementation of the queries; pgx still
// prepares and caches the statements. Behind PgBouncer in transaction
// mode, add default_query_exec_mode=exec to the connection string.
//
// Open creates or upgrades the schema (see the internal sqlstore
// package); instances opening one database at once wait for each other on
// an advisory lock. The role needs CREATE on the schema the first time,
// and only SELECT, INSERT and DELETE on the tables after that.
package postgres
