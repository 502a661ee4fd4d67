// Package consentlog keeps proof of consent: every decision a visitor makes
// becomes a Record, appended to a Store (SQLite or PostgreSQL, in the
// sqlite and postgres subpackages) through a Log.
//
// A Log never blocks or fails the request that records a decision. Records
// go into a bounded in-memory queue that one writer drains in batches. When
// the store fails or is slow, batches are appended to a local spool file
// (fsync'd before the writer moves on) and replayed, in order, once the
// store answers again; a process that stops with a non-empty spool replays
// it on its next start. Inserts are idempotent by record id, so a batch
// that reached the store before a crash is never counted twice.
//
// Records older than the retention period are purged on a schedule.
//
// Field names follow ISO/IEC TS 27560 and the Kantara consent receipt where
// they fit: record_id, event_time, event_type, subject_id, jurisdiction,
// collection_method, notice, language.
package consentlog
