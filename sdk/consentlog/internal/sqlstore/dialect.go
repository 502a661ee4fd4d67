package sqlstore

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Dialect is what one database does differently. The two values are SQLite
// and Postgres.
type Dialect struct {
	// name prefixes error messages: "sqlite consent store".
	name string
	// numbered placeholders: $1, $2 … instead of ?.
	numbered bool
	// timeValue is the value bound for a time column; the time is already
	// UTC and truncated to the microsecond.
	timeValue func(time.Time) any
	// maxParams bounds the arguments bound to one statement.
	maxParams int
	// lock, when set, runs first in the migration transaction so that
	// concurrent migrations of one database wait for each other.
	lock string
	// schemaExists is a query answering one row, true when the
	// consentry_schema table exists.
	schemaExists string
	// schemaTable creates consentry_schema.
	schemaTable string
	// migrations are the schema steps in order: step i brings the schema
	// to version i+1. Each step is a list of statements.
	migrations [][]string
	// purge deletes the records before its one argument and their
	// purposes rows and returns how many records it deleted; when empty,
	// Purge runs the two portable DELETEs instead.
	purge string
}

// rowsPerStatement caps the rows of one multi-row INSERT, whatever the
// parameter limit allows: longer statements gain nothing measurable.
const rowsPerStatement = 500

// chunk is how many rows of cols columns fit in one statement.
func (d *Dialect) chunk(cols int) int {
	return max(1, min(rowsPerStatement, d.maxParams/cols))
}

// bind rewrites the ? placeholders of a static query for the dialect. The
// queries of this package hold no other question marks.
func (d *Dialect) bind(query string) string {
	if !d.numbered {
		return query
	}
	var b strings.Builder
	n := 0
	for _, c := range query {
		if c == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(c)
	}
	return b.String()
}

// values writes rows placeholder tuples of cols columns, "(?, ?), (?, ?)",
// numbering from first+1 when the dialect numbers them.
func (d *Dialect) values(b *strings.Builder, rows, cols, first int) {
	n := first
	for r := range rows {
		if r > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('(')
		for c := range cols {
			if c > 0 {
				b.WriteString(", ")
			}
			n++
			if d.numbered {
				b.WriteString("$" + strconv.Itoa(n))
			} else {
				b.WriteByte('?')
			}
		}
		b.WriteByte(')')
	}
}

// t is the value bound for time t: UTC, microsecond precision.
func (d *Dialect) t(t time.Time) any {
	return d.timeValue(t.UTC().Truncate(time.Microsecond))
}

// errorf prefixes an error with the store's name.
func (d *Dialect) errorf(format string, args ...any) error {
	return fmt.Errorf(d.name+": "+format, args...)
}

// args collects the arguments of a query built piece by piece.
type args struct {
	d    *Dialect
	list []any
}

// add appends v and returns its placeholder.
func (a *args) add(v any) string {
	a.list = append(a.list, v)
	if a.d.numbered {
		return "$" + strconv.Itoa(len(a.list))
	}
	return "?"
}

// timeDest scans a time column of either dialect: unix microseconds
// (SQLite) or a time (PostgreSQL). The result is UTC.
type timeDest struct{ t *time.Time }

// Scan implements sql.Scanner.
func (d timeDest) Scan(src any) error {
	switch v := src.(type) {
	case int64:
		*d.t = time.UnixMicro(v).UTC()
	case time.Time:
		*d.t = v.UTC()
	default:
		return fmt.Errorf("time column holds %T, want unix microseconds or a timestamp", src)
	}
	return nil
}

// granted is the value of consent_purposes.granted.
func granted(b bool) int64 {
	if b {
		return 1
	}
	return 0
}
