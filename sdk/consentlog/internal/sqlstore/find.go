package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strings"

	"github.com/consentry/consentry/sdk/consentlog"
)

// selectColumns are the columns Find reads, in the order scanRecord takes
// them.
const selectColumns = `record_id, schema_version, event_time, event_type, subject_id, site,
	policy_version, regime, jurisdiction, granted, refused, gpc, dnt, collection_method, channel,
	page_path, notice_hash, language, valid_until, ip, browser, os, device, integrity`

// Find returns the records matching q in (event time, record id) order,
// at most q.Limit of them (DefaultLimit when 0, never more than MaxLimit).
func (s *Store) Find(ctx context.Context, q consentlog.Query) ([]consentlog.Record, error) {
	a := &args{d: s.d}
	var where []string
	if q.SubjectID != "" {
		where = append(where, "subject_id = "+a.add(q.SubjectID))
	}
	if q.RecordID != "" {
		where = append(where, "record_id = "+a.add(q.RecordID))
	}
	if q.Site != "" {
		where = append(where, "site = "+a.add(q.Site))
	}
	if !q.From.IsZero() {
		where = append(where, "event_time >= "+a.add(s.d.t(q.From)))
	}
	if !q.To.IsZero() {
		where = append(where, "event_time < "+a.add(s.d.t(q.To)))
	}
	if !q.AfterTime.IsZero() || q.AfterID != "" {
		where = append(where, "(event_time, record_id) > ("+a.add(s.d.t(q.AfterTime))+", "+a.add(q.AfterID)+")")
	}
	limit := q.Limit
	if limit <= 0 {
		limit = consentlog.DefaultLimit
	}
	limit = min(limit, consentlog.MaxLimit)

	var b strings.Builder
	b.WriteString("SELECT " + selectColumns + " FROM consent_records")
	if len(where) > 0 {
		b.WriteString(" WHERE " + strings.Join(where, " AND "))
	}
	b.WriteString(" ORDER BY event_time, record_id LIMIT " + a.add(int64(limit)))

	rows, err := s.read.QueryContext(ctx, b.String(), a.list...)
	if err != nil {
		return nil, s.d.errorf("finding records: %w", err)
	}
	defer rows.Close()
	records := []consentlog.Record{}
	for rows.Next() {
		r, err := scanRecord(rows)
		if err != nil {
			return nil, s.d.errorf("finding records: %w", err)
		}
		records = append(records, r)
	}
	if err := rows.Err(); err != nil {
		return nil, s.d.errorf("finding records: %w", err)
	}
	return records, nil
}

// scanRecord reads one row of selectColumns.
func scanRecord(rows *sql.Rows) (consentlog.Record, error) {
	var r consentlog.Record
	var granted, refused string
	err := rows.Scan(&r.RecordID, &r.SchemaVersion, timeDest{&r.EventTime}, &r.EventType, &r.SubjectID, &r.Site,
		&r.PolicyVersion, &r.Regime, &r.Jurisdiction, &granted, &refused, &r.GPC, &r.DNT, &r.CollectionMethod, &r.Channel,
		&r.PagePath, &r.NoticeHash, &r.Language, timeDest{&r.ValidUntil}, &r.IP, &r.Browser, &r.OS, &r.Device, &r.Integrity)
	if err != nil {
		return r, err
	}
	if r.Granted, err = parseList(granted); err != nil {
		return r, err
	}
	if r.Refused, err = parseList(refused); err != nil {
		return r, err
	}
	return r, nil
}

// parseList reads a JSON array of text; the result is never nil.
func parseList(s string) ([]string, error) {
	list := []string{}
	if err := json.Unmarshal([]byte(s), &list); err != nil {
		return nil, errors.New("category list is not a JSON array of strings: " + err.Error())
	}
	if list == nil {
		list = []string{}
	}
	return list, nil
}

// Notice returns the notice with the given hash.
func (s *Store) Notice(ctx context.Context, hash string) (consentlog.Notice, bool, error) {
	n := consentlog.Notice{Hash: hash}
	var content string
	err := s.read.QueryRowContext(ctx,
		s.d.bind(`SELECT policy_version, language, content, first_seen FROM consent_notices WHERE notice_hash = ?`), hash,
	).Scan(&n.PolicyVersion, &n.Language, &content, timeDest{&n.FirstSeen})
	if errors.Is(err, sql.ErrNoRows) {
		return consentlog.Notice{}, false, nil
	}
	if err != nil {
		return consentlog.Notice{}, false, s.d.errorf("reading notice %s: %w", hash, err)
	}
	n.Content = json.RawMessage(content)
	return n, true, nil
}
