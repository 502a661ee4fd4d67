package sqlstore

import "time"

// SQLite is the dialect of SQLite 3.35 or later (RETURNING, STRICT tables
// need 3.37). Times are INTEGER unix microseconds; booleans are INTEGER 0
// or 1.
var SQLite = &Dialect{
	name:      "sqlite consent store",
	timeValue: func(t time.Time) any { return t.UnixMicro() },
	// SQLite allows 32766 parameters since 3.32 and 999 before; stay
	// well below the modern limit.
	maxParams:    4000,
	schemaExists: `SELECT count(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = 'consentry_schema'`,
	schemaTable: `CREATE TABLE IF NOT EXISTS consentry_schema (
		version INTEGER PRIMARY KEY,
		applied_at INTEGER NOT NULL
	) STRICT`,
	migrations: [][]string{
		// 1: records, purposes, notices.
		{
			`CREATE TABLE consent_records (
				record_id TEXT PRIMARY KEY,
				schema_version TEXT NOT NULL,
				event_time INTEGER NOT NULL,
				event_day INTEGER NOT NULL,
				event_type TEXT NOT NULL,
				subject_id TEXT NOT NULL,
				site TEXT NOT NULL,
				policy_version TEXT NOT NULL,
				regime TEXT NOT NULL,
				jurisdiction TEXT NOT NULL,
				granted TEXT NOT NULL,
				refused TEXT NOT NULL,
				gpc INTEGER NOT NULL,
				dnt INTEGER NOT NULL,
				collection_method TEXT NOT NULL,
				channel TEXT NOT NULL,
				page_path TEXT NOT NULL,
				notice_hash TEXT NOT NULL,
				language TEXT NOT NULL,
				valid_until INTEGER NOT NULL,
				ip TEXT NOT NULL,
				browser TEXT NOT NULL,
				os TEXT NOT NULL,
				device TEXT NOT NULL,
				integrity TEXT NOT NULL
			) STRICT`,
			`CREATE INDEX consent_records_event_time ON consent_records (event_time, record_id)`,
			`CREATE INDEX consent_records_subject ON consent_records (subject_id, event_time, record_id)`,
			`CREATE TABLE consent_purposes (
				record_id TEXT NOT NULL,
				category TEXT NOT NULL,
				granted INTEGER NOT NULL,
				PRIMARY KEY (record_id, category)
			) WITHOUT ROWID, STRICT`,
			`CREATE TABLE consent_notices (
				notice_hash TEXT PRIMARY KEY,
				policy_version TEXT NOT NULL,
				language TEXT NOT NULL,
				content TEXT NOT NULL,
				first_seen INTEGER NOT NULL
			) STRICT`,
		},
	},
}
