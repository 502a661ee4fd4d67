package admin

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/consentry/consentry/sdk/consentlog"
)

// pager walks a selection page by page with keyset pagination, so an
// export never holds more than one store page.
type pager struct {
	store consentlog.Store
	q     consentlog.Query // advanced past each page
	size  int              // store page size
	max   int              // records to return in all
	n     int              // records returned so far
	done  bool
	more  bool // stopped at max with records left
}

// next returns the next page; an empty page with no error is the end.
func (p *pager) next(ctx context.Context) ([]consentlog.Record, error) {
	if p.done {
		return nil, nil
	}
	if p.n >= p.max {
		// Stopped by max: one more probe says whether anything is left.
		probe := p.q
		probe.Limit = 1
		recs, err := p.store.Find(ctx, probe)
		if err != nil {
			return nil, err
		}
		p.done, p.more = true, len(recs) > 0
		return nil, nil
	}
	q := p.q
	q.Limit = min(p.size, p.max-p.n)
	recs, err := p.store.Find(ctx, q)
	if err != nil {
		return nil, err
	}
	if len(recs) > q.Limit {
		recs = recs[:q.Limit] // a store that ignores Limit must not overrun max
	}
	p.n += len(recs)
	if len(recs) < q.Limit {
		p.done = true
	}
	if len(recs) > 0 {
		last := recs[len(recs)-1]
		p.q.AfterTime, p.q.AfterID = last.EventTime, last.RecordID
	}
	if len(recs) == 0 {
		p.done = true
	}
	return recs, nil
}

// nextURL is the URL of the page after the pager's last record, in the
// same format and with the same limit.
func (h *handler) nextURL(r *http.Request, p recordParams, pg *pager) string {
	v := p.values()
	v.Set("after_time", pg.q.AfterTime.UTC().Format(time.RFC3339Nano))
	v.Set("after_id", pg.q.AfterID)
	if p.limit > 0 {
		v.Set("limit", strconv.Itoa(p.limit))
	}
	v.Set("format", p.format)
	return requestPath(r) + "?" + v.Encode()
}

// records serves <base>/records: lookup (HTML), and JSON and CSV export.
func (h *handler) records(w http.ResponseWriter, r *http.Request) {
	p, err := parseRecords(r.URL.Query(), r.Header.Get("Accept"))
	if err != nil {
		httpError(w, http.StatusBadRequest, err.Error())
		return
	}
	max := p.limit
	if max == 0 {
		max = h.exportCap
	}
	pg := &pager{store: h.store, q: p.q, size: h.pageSize, max: max}
	if p.format == formatHTML {
		pg.size = max // one page: one store query
	}
	first, err := pg.next(r.Context())
	if err != nil {
		h.storeError(w, r, "find", err)
		return
	}
	switch p.format {
	case formatJSON:
		h.writeJSON(w, r, p, pg, first)
	case formatCSV:
		h.writeCSV(w, r, p, pg, first)
	default:
		if _, err := pg.next(r.Context()); err != nil { // the probe for a next page
			h.storeError(w, r, "find", err)
			return
		}
		h.recordsPage(w, r, p, pg, first)
	}
}

// stream writes first and every later page with emit, and returns the
// store error that cut it short, if any.
func (h *handler) stream(r *http.Request, pg *pager, first []consentlog.Record, emit func(consentlog.Record) error) error {
	page := first
	for len(page) > 0 {
		for _, rec := range page {
			if err := emit(rec); err != nil {
				return err
			}
		}
		var err error
		if page, err = pg.next(r.Context()); err != nil {
			h.log.Error("admin: export cut short by the consent log store", "records", pg.n, "err", err)
			return err
		}
	}
	return nil
}

// writeJSON streams {"records":[…],"next":"…"}. When the export stops at
// the cap, "truncated" is true and next continues it; a store failure
// midway ends the array and sets "error".
func (h *handler) writeJSON(w http.ResponseWriter, r *http.Request, p recordParams, pg *pager, first []consentlog.Record) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_, _ = io.WriteString(w, `{"records":[`)
	sep := "\n"
	err := h.stream(r, pg, first, func(rec consentlog.Record) error {
		b, err := json.Marshal(rec)
		if err != nil {
			return err
		}
		if _, err := io.WriteString(w, sep); err != nil {
			return err
		}
		sep = ",\n"
		_, err = w.Write(b)
		return err
	})
	tail := struct {
		Next      string `json:"next"`
		Truncated bool   `json:"truncated,omitempty"`
		Error     string `json:"error,omitempty"`
	}{}
	switch {
	case err != nil:
		tail.Error = "export incomplete: " + storeFailure(err)
	case pg.more:
		tail.Next = h.nextURL(r, p, pg)
		tail.Truncated = p.limit == 0
	}
	b, _ := json.Marshal(tail)
	_, _ = io.WriteString(w, "\n],")
	_, _ = w.Write(b[1:]) // the tail's fields continue the outer object
	_, _ = io.WriteString(w, "\n")
}

// storeFailure is what an export says about a store error: the client may
// have gone away, else the store is at fault.
func storeFailure(err error) string {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return "request canceled"
	}
	return "the consent log store is unavailable"
}

// csvColumns are the CSV header: the Record JSON field names, in order.
var csvColumns = []string{
	"record_id", "schema_version", "event_time", "event_type", "subject_id", "site",
	"policy_version", "regime", "jurisdiction", "granted", "refused", "gpc", "dnt",
	"collection_method", "channel", "page_path", "notice_hash", "language",
	"valid_until", "ip", "browser", "os", "device", "integrity",
}

// csvRow is rec as CSV fields in csvColumns order; granted and refused are
// joined with spaces, and every cell is made inert for spreadsheets
// (spreadsheetSafe).
func csvRow(rec consentlog.Record) []string {
	ts := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format(time.RFC3339Nano)
	}
	row := []string{
		rec.RecordID, rec.SchemaVersion, ts(rec.EventTime), rec.EventType, rec.SubjectID, rec.Site,
		rec.PolicyVersion, rec.Regime, rec.Jurisdiction, strings.Join(rec.Granted, " "),
		strings.Join(rec.Refused, " "), strconv.FormatBool(rec.GPC), strconv.FormatBool(rec.DNT),
		rec.CollectionMethod, rec.Channel, rec.PagePath, rec.NoticeHash, rec.Language,
		ts(rec.ValidUntil), rec.IP, rec.Browser, rec.OS, rec.Device, rec.Integrity,
	}
	for i, cell := range row {
		row[i] = spreadsheetSafe(cell)
	}
	return row
}

// spreadsheetSafe keeps a CSV cell from being read as a formula when the
// export is opened in a spreadsheet (CSV injection): a cell starting with
// '=', '+', '-', '@', a tab or a carriage return gets a leading single
// quote, which spreadsheets show as text. Records carry text that came
// from visitors' requests (the page path among others), and the people who
// open exports are the privacy team. The JSON export stays exact.
func spreadsheetSafe(cell string) string {
	if cell != "" && strings.IndexByte("=+-@\t\r", cell[0]) >= 0 {
		return "'" + cell
	}
	return cell
}

// writeCSV streams a CSV download. An export that stops early ends with a
// line starting "#" that says why and, at the cap, where to continue.
func (h *handler) writeCSV(w http.ResponseWriter, r *http.Request, p recordParams, pg *pager, first []consentlog.Record) {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="consent-records-%s-%s.csv"`, p.fromDay, p.toDay))
	cw := csv.NewWriter(w)
	_ = cw.Write(csvColumns)
	rows := 0
	err := h.stream(r, pg, first, func(rec consentlog.Record) error {
		if err := cw.Write(csvRow(rec)); err != nil {
			return err
		}
		if rows++; rows%256 == 0 {
			cw.Flush()
		}
		return cw.Error()
	})
	cw.Flush()
	switch {
	case err != nil:
		fmt.Fprintf(w, "# export incomplete after %d records: %s\n", pg.n, storeFailure(err))
	case pg.more && p.limit == 0:
		fmt.Fprintf(w, "# export stopped at the cap of %d records; continue at %s\n", h.exportCap, h.nextURL(r, p, pg))
	case pg.more:
		fmt.Fprintf(w, "# more records follow; next page at %s\n", h.nextURL(r, p, pg))
	}
}
