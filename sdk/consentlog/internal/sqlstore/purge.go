package sqlstore

import (
	"context"
	"time"
)

// Purge deletes the records with an event time before cutoff, and their
// purposes rows, in one transaction, through the event_time index. It
// returns how many records it deleted.
func (s *Store) Purge(ctx context.Context, cutoff time.Time) (int64, error) {
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return 0, s.d.errorf("purging records: %w", err)
	}
	defer tx.Rollback()
	c := s.d.t(cutoff)
	var n int64
	if s.d.purge != "" {
		if err := tx.QueryRowContext(ctx, s.d.purge, c).Scan(&n); err != nil {
			return 0, s.d.errorf("purging records: %w", err)
		}
	} else {
		_, err := tx.ExecContext(ctx, s.d.bind(`DELETE FROM consent_purposes WHERE record_id IN
			(SELECT record_id FROM consent_records WHERE event_time < ?)`), c)
		if err != nil {
			return 0, s.d.errorf("purging record purposes: %w", err)
		}
		res, err := tx.ExecContext(ctx, s.d.bind(`DELETE FROM consent_records WHERE event_time < ?`), c)
		if err != nil {
			return 0, s.d.errorf("purging records: %w", err)
		}
		if n, err = res.RowsAffected(); err != nil {
			return 0, s.d.errorf("purging records: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return 0, s.d.errorf("purging records: commit: %w", err)
	}
	return n, nil
}
