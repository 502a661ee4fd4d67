package postgres

import (
	"context"
	"fmt"
	"strings"

	"github.com/consentry/consentry/sdk/consentlog"
)

// inventoryTable holds the fleet's inventory: one row per site, kind and
// name. It is made on first use, not by the schema migrations: it is
// shared working data, not part of the consent record, and a store that
// never shares an inventory never has it.
const inventoryTable = `CREATE TABLE IF NOT EXISTS consent_inventory (
	site text COLLATE "C" NOT NULL,
	kind text COLLATE "C" NOT NULL,
	name text COLLATE "C" NOT NULL,
	category text NOT NULL,
	vendor text NOT NULL,
	first_seen timestamptz NOT NULL,
	last_seen timestamptz NOT NULL,
	count bigint NOT NULL,
	PRIMARY KEY (site, kind, name)
)`

// ensureInventory creates the inventory table once per Store.
func (s *Store) ensureInventory(ctx context.Context) error {
	s.invMu.Lock()
	defer s.invMu.Unlock()
	if s.invReady {
		return nil
	}
	if _, err := s.s.WriteDB().ExecContext(ctx, inventoryTable); err != nil {
		return fmt.Errorf("postgres consent store: creating consent_inventory: %w", err)
	}
	s.invReady = true
	return nil
}

// mergeChunk bounds the rows of one INSERT (8 parameters each).
const mergeChunk = 1000

// MergeInventory implements consentlog.InventoryStore: an upsert per
// (site, kind, name), then the rows beyond limit, least recently seen
// first, are deleted. Rows of one call are merged in one transaction;
// rows repeating a key within the call are merged first.
func (s *Store) MergeInventory(ctx context.Context, rows []consentlog.InventoryRow, limit int) error {
	if err := s.ensureInventory(ctx); err != nil {
		return err
	}
	rows = mergeRows(rows)
	tx, err := s.s.WriteDB().BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("postgres consent store: merging the inventory: %w", err)
	}
	defer tx.Rollback()
	for len(rows) > 0 {
		n := min(len(rows), mergeChunk)
		var b strings.Builder
		b.WriteString(`INSERT INTO consent_inventory AS i (site, kind, name, category, vendor, first_seen, last_seen, count) VALUES `)
		args := make([]any, 0, n*8)
		for j, r := range rows[:n] {
			if j > 0 {
				b.WriteByte(',')
			}
			k := len(args)
			fmt.Fprintf(&b, "($%d,$%d,$%d,$%d,$%d,$%d,$%d,$%d)", k+1, k+2, k+3, k+4, k+5, k+6, k+7, k+8)
			args = append(args, r.Site, r.Kind, r.Name, r.Category, r.Vendor, r.First.UTC(), r.Last.UTC(), r.Count)
		}
		b.WriteString(` ON CONFLICT (site, kind, name) DO UPDATE SET
			count = i.count + excluded.count,
			first_seen = LEAST(i.first_seen, excluded.first_seen),
			last_seen = GREATEST(i.last_seen, excluded.last_seen),
			category = CASE WHEN excluded.last_seen >= i.last_seen THEN excluded.category ELSE i.category END,
			vendor = CASE WHEN excluded.last_seen >= i.last_seen THEN excluded.vendor ELSE i.vendor END`)
		if _, err := tx.ExecContext(ctx, b.String(), args...); err != nil {
			return fmt.Errorf("postgres consent store: merging the inventory: %w", err)
		}
		rows = rows[n:]
	}
	if limit > 0 {
		_, err := tx.ExecContext(ctx, `DELETE FROM consent_inventory WHERE (site, kind, name) IN (
			SELECT site, kind, name FROM consent_inventory ORDER BY last_seen DESC, site, kind, name OFFSET $1)`, limit)
		if err != nil {
			return fmt.Errorf("postgres consent store: bounding the inventory: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("postgres consent store: merging the inventory: %w", err)
	}
	return nil
}

// mergeRows merges the rows of rows that share a key, as the upsert would
// (one INSERT cannot update a row twice).
func mergeRows(rows []consentlog.InventoryRow) []consentlog.InventoryRow {
	type key struct{ site, kind, name string }
	at := make(map[key]int, len(rows))
	out := make([]consentlog.InventoryRow, 0, len(rows))
	for _, r := range rows {
		k := key{r.Site, r.Kind, r.Name}
		i, ok := at[k]
		if !ok {
			at[k] = len(out)
			out = append(out, r)
			continue
		}
		m := &out[i]
		m.Count += r.Count
		if r.First.Before(m.First) {
			m.First = r.First
		}
		if !r.Last.Before(m.Last) {
			m.Last, m.Category, m.Vendor = r.Last, r.Category, r.Vendor
		}
	}
	return out
}

// InventoryRows implements consentlog.InventoryStore.
func (s *Store) InventoryRows(ctx context.Context, limit int) ([]consentlog.InventoryRow, error) {
	if err := s.ensureInventory(ctx); err != nil {
		return nil, err
	}
	rows, err := s.s.WriteDB().QueryContext(ctx, `SELECT site, kind, name, category, vendor, first_seen, last_seen, count
		FROM consent_inventory ORDER BY last_seen DESC, site, kind, name LIMIT $1`, limit)
	if err != nil {
		return nil, fmt.Errorf("postgres consent store: reading the inventory: %w", err)
	}
	defer rows.Close()
	var out []consentlog.InventoryRow
	for rows.Next() {
		var r consentlog.InventoryRow
		if err := rows.Scan(&r.Site, &r.Kind, &r.Name, &r.Category, &r.Vendor, &r.First, &r.Last, &r.Count); err != nil {
			return nil, fmt.Errorf("postgres consent store: reading the inventory: %w", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres consent store: reading the inventory: %w", err)
	}
	return out, nil
}

// ClearInventory implements consentlog.InventoryStore.
func (s *Store) ClearInventory(ctx context.Context) error {
	if err := s.ensureInventory(ctx); err != nil {
		return err
	}
	if _, err := s.s.WriteDB().ExecContext(ctx, `DELETE FROM consent_inventory`); err != nil {
		return fmt.Errorf("postgres consent store: clearing the inventory: %w", err)
	}
	return nil
}

var _ consentlog.InventoryStore = (*Store)(nil)
