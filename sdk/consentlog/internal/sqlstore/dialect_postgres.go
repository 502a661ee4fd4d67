package sqlstore

import "time"

// Postgres is the dialect of PostgreSQL 12 or later. Times are timestamptz;
// text that is compared or sorted is COLLATE "C" (byte order, whatever the
// database's locale).
var Postgres = &Dialect{
	name:      "postgres consent store",
	numbered:  true,
	timeValue: func(t time.Time) any { return t },
	// The protocol allows 65535 parameters.
	maxParams: 16000,
	// Any constant shared by every Consentry process; the lock is
	// released when the migration transaction ends.
	lock:         `SELECT pg_advisory_xact_lock(4841696357813485201)`,
	schemaExists: `SELECT to_regclass('consentry_schema') IS NOT NULL`,
	schemaTable: `CREATE TABLE IF NOT EXISTS consentry_schema (
		version integer PRIMARY KEY,
		applied_at timestamptz NOT NULL
	)`,
	migrations: [][]string{
		// 1: records, purposes, notices.
		{
			`CREATE TABLE consent_records (
				record_id text COLLATE "C" PRIMARY KEY,
				schema_version text NOT NULL,
				event_time timestamptz NOT NULL,
				event_day timestamptz NOT NULL,
				event_type text NOT NULL,
				subject_id text COLLATE "C" NOT NULL,
				site text NOT NULL,
				policy_version text NOT NULL,
				regime text COLLATE "C" NOT NULL,
				jurisdiction text NOT NULL,
				granted text NOT NULL,
				refused text NOT NULL,
				gpc boolean NOT NULL,
				dnt boolean NOT NULL,
				collection_method text NOT NULL,
				channel text NOT NULL,
				page_path text NOT NULL,
				notice_hash text NOT NULL,
				language text NOT NULL,
				valid_until timestamptz NOT NULL,
				ip text NOT NULL,
				browser text NOT NULL,
				os text NOT NULL,
				device text NOT NULL,
				integrity text NOT NULL
			)`,
			`CREATE INDEX consent_records_event_time ON consent_records (event_time, record_id)`,
			`CREATE INDEX consent_records_subject ON consent_records (subject_id, event_time, record_id)`,
			`CREATE TABLE consent_purposes (
				record_id text COLLATE "C" NOT NULL,
				category text COLLATE "C" NOT NULL,
				granted smallint NOT NULL,
				PRIMARY KEY (record_id, category)
			)`,
			`CREATE TABLE consent_notices (
				notice_hash text COLLATE "C" PRIMARY KEY,
				policy_version text NOT NULL,
				language text NOT NULL,
				content text NOT NULL,
				first_seen timestamptz NOT NULL
			)`,
		},
	},
	// One statement, so both deletes see the same snapshot: a record
	// committed meanwhile is either deleted with its purposes or kept
	// with them. Concurrent purges wait on each other's row locks.
	purge: `WITH gone AS (
		DELETE FROM consent_records WHERE event_time < $1 RETURNING record_id
	), purposes AS (
		DELETE FROM consent_purposes WHERE record_id IN (SELECT record_id FROM gone)
	)
	SELECT count(*) FROM gone`,
}
