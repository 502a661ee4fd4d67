package sqlstore

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/consentry/consentry/sdk/consentlog"
)

// Sites lists, in byte order, the distinct sites of the records with an event time
// in [from, to), at most consentlog.MaxSites (consentlog.SiteLister). Like
// Stats it reads the rows the event-time index bounds.
func (s *Store) Sites(ctx context.Context, from, to time.Time) ([]string, error) {
	a := &args{d: s.d}
	where := []string{"site <> ''"}
	if !from.IsZero() {
		where = append(where, "event_time >= "+a.add(s.d.t(from)))
	}
	if !to.IsZero() {
		where = append(where, "event_time < "+a.add(s.d.t(to)))
	}
	q := "SELECT DISTINCT site FROM consent_records WHERE " + strings.Join(where, " AND ") +
		" ORDER BY site LIMIT " + strconv.Itoa(consentlog.MaxSites)
	rows, err := s.read.QueryContext(ctx, q, a.list...)
	if err != nil {
		return nil, s.d.errorf("listing sites: %w", err)
	}
	defer rows.Close()
	sites := []string{}
	for rows.Next() {
		var site string
		if err := rows.Scan(&site); err != nil {
			return nil, s.d.errorf("listing sites: %w", err)
		}
		sites = append(sites, site)
	}
	if err := rows.Err(); err != nil {
		return nil, s.d.errorf("listing sites: %w", err)
	}
	// In byte order, whatever the database's collation.
	slices.Sort(sites)
	return sites, nil
}
