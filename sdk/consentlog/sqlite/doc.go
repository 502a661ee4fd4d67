// Package sqlite keeps the consent log in a local SQLite file, through
// modernc.org/sqlite (pure Go, no cgo). It is the default store: one file,
// nothing to run.
//
//	store, err := sqlite.Open("/var/lib/consentry/consent.db")
//	if err != nil {
//		return err
//	}
//	log, err := consentlog.New(consentlog.Options{Store: store, SpoolDir: "/var/lib/consentry/spool"})
//
// The file is created 0600 in a directory created 0700, in WAL mode with
// synchronous=FULL: a record is on disk when Insert returns, as proof of
// consent must be. One connection writes; a few others read, so queries do
// not wait behind writes. Several processes may open one file; they wait
// for each other's writes up to a busy timeout.
//
// The schema (see the internal sqlstore package) is created or upgraded by
// Open.
package sqlite
