package sqlstore

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/consentry/consentry/sdk/consentlog"
)

// recordColumns are the columns of consent_records in the order Insert
// binds them.
const recordColumns = `record_id, schema_version, event_time, event_day, event_type, subject_id, site,
	policy_version, regime, jurisdiction, granted, refused, gpc, dnt, collection_method, channel,
	page_path, notice_hash, language, valid_until, ip, browser, os, device, integrity`

const nRecordColumns = 25

// Insert adds notices and records in one transaction. Notices and records
// the store already holds are skipped; a record's purposes rows are added
// only with the record itself. Rows go in multi-row INSERTs, sorted by key
// so that concurrent overlapping batches take their row locks in the same
// order and cannot deadlock.
func (s *Store) Insert(ctx context.Context, notices []consentlog.Notice, records []consentlog.Record) error {
	err := s.insert(ctx, notices, records)
	if err != nil && s.refused(err) {
		return fmt.Errorf("%w: %w", consentlog.ErrRefused, err)
	}
	return err
}

// insert is Insert without the classification of its error.
func (s *Store) insert(ctx context.Context, notices []consentlog.Notice, records []consentlog.Record) error {
	if len(notices) == 0 && len(records) == 0 {
		return nil
	}
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return s.d.errorf("inserting records: %w", err)
	}
	defer tx.Rollback()
	if err := s.insertNotices(ctx, tx, notices); err != nil {
		return s.d.errorf("inserting notices: %w", err)
	}
	fresh, err := s.insertRecords(ctx, tx, records)
	if err != nil {
		return s.d.errorf("inserting records: %w", err)
	}
	if err := s.insertPurposes(ctx, tx, fresh); err != nil {
		return s.d.errorf("inserting record purposes: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return s.d.errorf("inserting records: commit: %w", err)
	}
	return nil
}

// insertNotices adds the notices not held yet, first seen now.
func (s *Store) insertNotices(ctx context.Context, tx *sql.Tx, notices []consentlog.Notice) error {
	notices = slices.SortedStableFunc(slices.Values(notices), func(a, b consentlog.Notice) int { return cmp.Compare(a.Hash, b.Hash) })
	notices = slices.CompactFunc(notices, func(a, b consentlog.Notice) bool { return a.Hash == b.Hash })
	now := s.d.t(s.now())
	const cols = 5
	for part := range slices.Chunk(notices, s.d.chunk(cols)) {
		var b strings.Builder
		b.WriteString(`INSERT INTO consent_notices (notice_hash, policy_version, language, content, first_seen) VALUES `)
		s.d.values(&b, len(part), cols, 0)
		b.WriteString(` ON CONFLICT (notice_hash) DO NOTHING`)
		args := make([]any, 0, len(part)*cols)
		for _, n := range part {
			args = append(args, n.Hash, n.PolicyVersion, n.Language, string(n.Content), now)
		}
		if _, err := tx.ExecContext(ctx, b.String(), args...); err != nil {
			return err
		}
	}
	return nil
}

// insertRecords adds the records not held yet and returns them. Of records
// sharing an id in one batch, the first is kept.
func (s *Store) insertRecords(ctx context.Context, tx *sql.Tx, records []consentlog.Record) ([]consentlog.Record, error) {
	records = slices.SortedStableFunc(slices.Values(records), func(a, b consentlog.Record) int { return cmp.Compare(a.RecordID, b.RecordID) })
	records = slices.CompactFunc(records, func(a, b consentlog.Record) bool { return a.RecordID == b.RecordID })
	var fresh []consentlog.Record
	for part := range slices.Chunk(records, s.d.chunk(nRecordColumns)) {
		var b strings.Builder
		b.WriteString(`INSERT INTO consent_records (` + recordColumns + `) VALUES `)
		s.d.values(&b, len(part), nRecordColumns, 0)
		b.WriteString(` ON CONFLICT (record_id) DO NOTHING RETURNING record_id`)
		args := make([]any, 0, len(part)*nRecordColumns)
		for _, r := range part {
			args = s.appendRecord(args, &r)
		}
		rows, err := tx.QueryContext(ctx, b.String(), args...)
		if err != nil {
			return nil, err
		}
		added := make(map[string]bool, len(part))
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return nil, err
			}
			added[id] = true
		}
		if err := rows.Close(); err != nil {
			return nil, err
		}
		if err := rows.Err(); err != nil {
			return nil, err
		}
		for _, r := range part {
			if added[r.RecordID] {
				fresh = append(fresh, r)
			}
		}
	}
	return fresh, nil
}

// appendRecord appends the column values of r in recordColumns order.
func (s *Store) appendRecord(args []any, r *consentlog.Record) []any {
	t := r.EventTime.UTC()
	day := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	return append(args,
		r.RecordID, r.SchemaVersion, s.d.t(r.EventTime), s.d.t(day), r.EventType, r.SubjectID, r.Site,
		r.PolicyVersion, r.Regime, r.Jurisdiction, jsonList(r.Granted), jsonList(r.Refused), r.GPC, r.DNT,
		r.CollectionMethod, r.Channel, r.PagePath, r.NoticeHash, r.Language, s.d.t(r.ValidUntil),
		r.IP, r.Browser, r.OS, r.Device, r.Integrity,
	)
}

// insertPurposes adds one consent_purposes row per category of each
// record: granted 1 for Granted, 0 for Refused. A category listed twice
// keeps its first row, Granted first.
func (s *Store) insertPurposes(ctx context.Context, tx *sql.Tx, records []consentlog.Record) error {
	type purpose struct {
		id, category string
		granted      int64
	}
	var rows []purpose
	for _, r := range records {
		for _, c := range r.Granted {
			rows = append(rows, purpose{r.RecordID, c, granted(true)})
		}
		for _, c := range r.Refused {
			rows = append(rows, purpose{r.RecordID, c, granted(false)})
		}
	}
	const cols = 3
	for part := range slices.Chunk(rows, s.d.chunk(cols)) {
		var b strings.Builder
		b.WriteString(`INSERT INTO consent_purposes (record_id, category, granted) VALUES `)
		s.d.values(&b, len(part), cols, 0)
		b.WriteString(` ON CONFLICT (record_id, category) DO NOTHING`)
		args := make([]any, 0, len(part)*cols)
		for _, p := range part {
			args = append(args, p.id, p.category, p.granted)
		}
		if _, err := tx.ExecContext(ctx, b.String(), args...); err != nil {
			return err
		}
	}
	return nil
}

// jsonList is list as a JSON array; nil is [].
func jsonList(list []string) string {
	if len(list) == 0 {
		return "[]"
	}
	b, _ := json.Marshal(list)
	return string(b)
}
