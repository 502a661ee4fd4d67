package admin

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/consentry/consentry/sdk/consentlog"
)

// recordsData is the records page's content.
type recordsData struct {
	Selection         string
	Records           []recordRow
	Count             int
	Limit             int
	NextLink          string
	CSVLink, JSONLink string
}

// recordRow is one record as the table shows it.
type recordRow struct {
	consentlog.Record
	Date, Clock, Signals, Method, Client string
	GrantedText, RefusedText             string
	RecordLink, SubjectLink, NoticeLink  string
	NoticeShort                          string
}

// describe says in words what p selects.
func describe(p recordParams) string {
	var parts []string
	if p.q.SubjectID != "" {
		parts = append(parts, "consent id "+p.q.SubjectID)
	}
	if p.q.RecordID != "" {
		parts = append(parts, "record "+p.q.RecordID)
	}
	switch {
	case !p.q.From.IsZero() && !p.q.To.IsZero():
		parts = append(parts, fmt.Sprintf("from %s to before %s", formatTime(p.q.From), formatTime(p.q.To)))
	case !p.q.From.IsZero():
		parts = append(parts, "from "+formatTime(p.q.From))
	case !p.q.To.IsZero():
		parts = append(parts, "before "+formatTime(p.q.To))
	}
	if len(parts) == 0 {
		return "All records, oldest first."
	}
	s := "Records for " + strings.Join(parts, ", ")
	if !p.q.AfterTime.IsZero() {
		s += ", continuing after " + formatTime(p.q.AfterTime)
	}
	return s + ", oldest first."
}

// recordsPage renders one page of records with links to the next page and
// to exports of the whole selection.
func (h *handler) recordsPage(w http.ResponseWriter, r *http.Request, p recordParams, pg *pager, recs []consentlog.Record) {
	d := recordsData{Selection: describe(p), Count: len(recs), Limit: p.limit}
	v := p.values()
	v.Set("format", formatCSV)
	d.CSVLink = "records?" + v.Encode()
	v.Set("format", formatJSON)
	d.JSONLink = "records?" + v.Encode()
	if pg.more {
		d.NextLink = "records?" + strings.SplitN(h.nextURL(r, p, pg), "?", 2)[1]
	}
	for _, rec := range recs {
		ts := rec.EventTime.UTC()
		row := recordRow{Record: rec, Date: ts.Format(dateLayout), Clock: ts.Format("15:04:05"),
			Method:      strings.ReplaceAll(rec.CollectionMethod, "_", " "),
			GrantedText: strings.Join(rec.Granted, ", "), RefusedText: strings.Join(rec.Refused, ", "),
			RecordLink:  "records?" + url.Values{"id": {rec.RecordID}, "format": {formatHTML}}.Encode(),
			SubjectLink: "records?" + url.Values{"subject": {rec.SubjectID}, "format": {formatHTML}}.Encode()}
		if rec.Channel != "" {
			row.Method += " · " + rec.Channel
		}
		var sig []string
		if rec.GPC {
			sig = append(sig, "GPC")
		}
		if rec.DNT {
			sig = append(sig, "DNT")
		}
		row.Signals = strings.Join(sig, " ")
		var client []string
		for _, s := range []string{rec.Browser, rec.OS, rec.Device, rec.IP} {
			if s != "" {
				client = append(client, s)
			}
		}
		row.Client = strings.Join(client, " · ")
		if rec.NoticeHash != "" {
			row.NoticeLink = "notices/" + url.PathEscape(rec.NoticeHash)
			row.NoticeShort = rec.NoticeHash[:min(12, len(rec.NoticeHash))] + "…"
		}
		d.Records = append(d.Records, row)
	}
	h.render(w, "records", "Records", "./", d)
}
