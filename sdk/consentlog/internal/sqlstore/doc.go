// Package sqlstore is the one database/sql implementation of
// consentlog.Store behind the sqlite and postgres packages. What differs
// between the two databases (placeholders, column types, time encoding,
// the migration lock, the purge statement) is a Dialect: SQLite or
// Postgres.
//
// The schema, created and upgraded by Migrate:
//
//	consent_records   one row per Record, primary key record_id; every
//	                  field in its own column, Granted and Refused as JSON
//	                  arrays of text, event_day the UTC midnight of
//	                  event_time (so Stats groups by day the same way on
//	                  both databases); indexed on (event_time, record_id)
//	                  and (subject_id, event_time, record_id).
//	consent_purposes  one row per category a record granted (granted = 1)
//	                  or refused (granted = 0), primary key
//	                  (record_id, category), so Stats is one GROUP BY.
//	consent_notices   one row per notice, primary key notice_hash;
//	                  content is the notice JSON as text.
//	consentry_schema  one row per migration step applied (version,
//	                  applied_at).
//
// Times are UTC at microsecond precision: INTEGER unix microseconds in
// SQLite, timestamptz in PostgreSQL. Text columns that are compared or
// sorted use byte order (COLLATE "C" in PostgreSQL, SQLite's default), so
// both databases list and page records in the same order.
package sqlstore
