package sqlstore

import (
	"context"
	"strings"
	"time"

	"github.com/consentry/consentry/sdk/consentlog"
)

// Stats counts decisions with an event time in [from, to) per UTC day,
// regime and category: Total is how many decisions named the category
// (granted or refused), Granted how many granted it. A zero from or to
// leaves that side open. A site other than "" counts only the decisions
// made on that site (as recorded). The result is ordered by day, regime and
// category.
func (s *Store) Stats(ctx context.Context, from, to time.Time, site string) ([]consentlog.DayStat, error) {
	a := &args{d: s.d}
	var where []string
	if !from.IsZero() {
		where = append(where, "r.event_time >= "+a.add(s.d.t(from)))
	}
	if !to.IsZero() {
		where = append(where, "r.event_time < "+a.add(s.d.t(to)))
	}
	if site != "" {
		// No index of its own: the event-time index bounds the rows and
		// the site keeps some, so one site costs what every site does
		// over the same period (a new index would be a schema version
		// that instances not yet upgraded refuse to open).
		where = append(where, "r.site = "+a.add(site))
	}
	var b strings.Builder
	b.WriteString(`SELECT r.event_day, r.regime, p.category, SUM(p.granted), COUNT(*)
		FROM consent_purposes p JOIN consent_records r ON r.record_id = p.record_id`)
	if len(where) > 0 {
		b.WriteString(" WHERE " + strings.Join(where, " AND "))
	}
	b.WriteString(` GROUP BY r.event_day, r.regime, p.category ORDER BY r.event_day, r.regime, p.category`)

	rows, err := s.read.QueryContext(ctx, b.String(), a.list...)
	if err != nil {
		return nil, s.d.errorf("counting decisions: %w", err)
	}
	defer rows.Close()
	stats := []consentlog.DayStat{}
	for rows.Next() {
		var st consentlog.DayStat
		if err := rows.Scan(timeDest{&st.Day}, &st.Regime, &st.Category, &st.Granted, &st.Total); err != nil {
			return nil, s.d.errorf("counting decisions: %w", err)
		}
		stats = append(stats, st)
	}
	if err := rows.Err(); err != nil {
		return nil, s.d.errorf("counting decisions: %w", err)
	}
	return stats, nil
}
