package admin

import (
	"encoding/csv"
	"encoding/json"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/consentry/consentry/sdk/consentlog"
)

func TestRecordsParamErrors(t *testing.T) {
	h := newTest(t, newFakeStore())
	for _, tc := range []struct{ query, want string }{
		{"from=yesterday", "from: want a date"},
		{"to=2026-13-01", "to: want a date"},
		{"from=2026-11-20&to=2026-11-19", "must be before"},
		{"from=2026-11-20T10:00:00Z&to=2026-11-20T10:00:00Z", "must be before"},
		{"limit=0", "limit: want a whole number"},
		{"limit=10001", "limit: want a whole number"},
		{"limit=ten", "limit: want a whole number"},
		{"format=xml", "format: want html, json or csv"},
		{"subject=a%20b", "subject: not a consent id"},
		{"id=" + strings.Repeat("a", 129), "id: not a record id"},
		{"after_time=2026-11-20T10:00:00Z", "after_time and after_id go together"},
		{"after_id=abc", "after_time and after_id go together"},
		{"after_time=2026-11-20&after_id=abc", "after_time: want an RFC 3339 time"},
		{"subjct=abc", `unknown parameter "subjct"`},
		{"subject=a&subject=b", `parameter "subject" given 2 times`},
	} {
		res, body := get(t, h, "GET", "/records?"+tc.query)
		if res.StatusCode != 400 || !strings.Contains(body, tc.want) {
			t.Errorf("?%s: status %d, body %q; want 400 with %q", tc.query, res.StatusCode, body, tc.want)
		}
	}
	for _, tc := range []struct{ path, want string }{
		{"/stats?days=0", "days: want a whole number from 1 to 400"},
		{"/stats?days=401", "days: want a whole number from 1 to 400"},
		{"/?days=x", "days: want"},
		{"/?day=7", "unknown parameter"},
		{"/notices/" + testNotice.Hash + "?format=pdf", "format: want json or html"},
		{"/inventory?format=csv", "format: want json or html"},
	} {
		res, body := get(t, h, "GET", tc.path)
		if res.StatusCode != 400 || !strings.Contains(body, tc.want) {
			t.Errorf("%s: status %d, body %q; want 400 with %q", tc.path, res.StatusCode, body, tc.want)
		}
	}
}

func TestParseTime(t *testing.T) {
	for _, tc := range []struct {
		in    string
		end   bool
		want  time.Time
		isErr bool
	}{
		{"2026-11-20", false, time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC), false},
		{"2026-11-20", true, time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC), false},
		{"2026-11-20T10:30:00+02:00", true, time.Date(2026, 11, 20, 8, 30, 0, 0, time.UTC), false},
		{"2026-11-20T10:30:00.123456Z", false, time.Date(2026, 11, 20, 10, 30, 0, 123456000, time.UTC), false},
		{"20/11/2026", false, time.Time{}, true},
		{"2026-11-20 10:30", false, time.Time{}, true},
	} {
		got, err := parseTime("from", tc.in, tc.end)
		if (err != nil) != tc.isErr || !got.Equal(tc.want) {
			t.Errorf("parseTime(%q, %v) = %v, %v; want %v (error %v)", tc.in, tc.end, got, err, tc.want, tc.isErr)
		}
	}
}

// TestRecordsDateRange checks "to" as a day includes that day and the
// range is half-open.
func TestRecordsDateRange(t *testing.T) {
	day := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	store := newFakeStore(
		record(1, day.Add(-time.Nanosecond), "opt-in"),
		record(2, day, "opt-in"),
		record(3, day.Add(24*time.Hour-time.Microsecond), "opt-in"),
		record(4, day.Add(24*time.Hour), "opt-in"),
	)
	h := newTest(t, store)
	ids := jsonIDs(t, h, "/records?from=2026-11-20&to=2026-11-20&format=json")
	if want := []string{recordID(2), recordID(3)}; !reflect.DeepEqual(ids, want) {
		t.Errorf("records on 2026-11-20 = %v, want %v", ids, want)
	}
}

func recordID(i int) string { return record(i, now, "").RecordID }

func jsonIDs(t *testing.T, h http.Handler, target string) []string {
	t.Helper()
	page := jsonPage(t, h, target)
	var ids []string
	for _, r := range page.Records {
		ids = append(ids, r.RecordID)
	}
	return ids
}

type recordsJSON struct {
	Records   []consentlog.Record `json:"records"`
	Next      string              `json:"next"`
	Truncated bool                `json:"truncated"`
	Error     string              `json:"error"`
}

func jsonPage(t *testing.T, h http.Handler, target string) recordsJSON {
	t.Helper()
	res, body := get(t, h, "GET", target)
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "application/json; charset=utf-8" {
		t.Fatalf("GET %s: status %d, type %q: %s", target, res.StatusCode, res.Header.Get("Content-Type"), body)
	}
	var page recordsJSON
	dec := json.NewDecoder(strings.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&page); err != nil {
		t.Fatalf("GET %s: %v in %s", target, err, body)
	}
	if page.Records == nil {
		t.Fatalf("GET %s: no records array in %s", target, body)
	}
	return page
}

// TestRecordsJSONPaging follows next links through 2,500 records, 1,000 a
// page, under a mount prefix.
func TestRecordsJSONPaging(t *testing.T) {
	recs := seq(2500, now.Add(-72*time.Hour))
	h := newTest(t, newFakeStore(recs...))
	mux := http.NewServeMux()
	mux.Handle("/consent-admin/", h)
	next := "/consent-admin/records?from=2026-11-01&format=json&limit=1000"
	var got []string
	pages := 0
	for next != "" {
		page := jsonPage(t, mux, next)
		pages++
		if pages > 3 && page.Next != "" {
			t.Fatalf("page %d still has a next link: %s", pages, page.Next)
		}
		for _, r := range page.Records {
			got = append(got, r.RecordID)
		}
		if page.Next != "" && !strings.HasPrefix(page.Next, "/consent-admin/records?") {
			t.Fatalf("next = %q, want a URL under /consent-admin/", page.Next)
		}
		next = page.Next
	}
	if pages != 3 {
		t.Errorf("%d pages, want 3", pages)
	}
	assertInOrder(t, recs, got)
}

func assertInOrder(t *testing.T, want []consentlog.Record, got []string) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d records, want %d", len(got), len(want))
	}
	seen := map[string]bool{}
	for i, id := range got {
		if seen[id] {
			t.Fatalf("record %s repeated", id)
		}
		seen[id] = true
		if id != want[i].RecordID {
			t.Fatalf("record %d = %s, want %s", i, id, want[i].RecordID)
		}
	}
}

func TestRecordsJSONShape(t *testing.T) {
	h := newTest(t, newFakeStore(seq(3, now.Add(-time.Hour))...))
	_, body := get(t, h, "GET", "/records?format=json")
	var raw map[string]json.RawMessage
	if err := json.Unmarshal([]byte(body), &raw); err != nil {
		t.Fatalf("%v in %s", err, body)
	}
	if len(raw) != 2 || raw["records"] == nil || string(raw["next"]) != `""` {
		t.Errorf("top level = %s, want records and an empty next", body)
	}
	var recs []map[string]any
	_ = json.Unmarshal(raw["records"], &recs)
	if len(recs) != 3 || recs[0]["record_id"] != recordID(0) || recs[0]["notice_hash"] != testNotice.Hash {
		t.Errorf("records = %v", recs)
	}
	// Accept negotiates JSON without ?format=.
	res, _ := get(t, h, "GET", "/records", "Accept", "application/json")
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Accept: application/json gave %q", ct)
	}
}

// TestRecordsCSVExport exports 2,500 records in one response, the handler
// paging through the store 1,000 at a time.
func TestRecordsCSVExport(t *testing.T) {
	recs := seq(2500, now.Add(-72*time.Hour))
	store := newFakeStore(recs...)
	h := newTest(t, store)
	res, body := get(t, h, "GET", "/records?from=2026-11-01&to=2026-11-24&format=csv")
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "text/csv; charset=utf-8" {
		t.Fatalf("status %d, type %q", res.StatusCode, res.Header.Get("Content-Type"))
	}
	if got, want := res.Header.Get("Content-Disposition"), `attachment; filename="consent-records-2026-11-01-2026-11-24.csv"`; got != want {
		t.Errorf("Content-Disposition = %q, want %q", got, want)
	}
	rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(rows[0], recordJSONNames()) {
		t.Errorf("header = %v, want the Record JSON names %v", rows[0], recordJSONNames())
	}
	var ids []string
	for _, r := range rows[1:] {
		ids = append(ids, r[0])
	}
	assertInOrder(t, recs, ids)
	if store.maxLimit > consentlog.DefaultLimit || len(store.finds) < 3 {
		t.Errorf("the store was asked %d times, for up to %d records: want pages of at most %d",
			len(store.finds), store.maxLimit, consentlog.DefaultLimit)
	}
	// The second page continues after the first page's last record.
	if q := store.finds[1]; q.AfterID != recs[999].RecordID || !q.AfterTime.Equal(recs[999].EventTime) {
		t.Errorf("second page after (%v, %s), want (%v, %s)", q.AfterTime, q.AfterID, recs[999].EventTime, recs[999].RecordID)
	}
	// A row holds the record's fields.
	r := rows[1]
	if r[2] != recs[0].EventTime.Format(time.RFC3339Nano) || r[9] != "necessary analytics" || r[10] != "preferences advertising social" || r[11] != "false" {
		t.Errorf("row = %v", r)
	}
}

// recordJSONNames are consentlog.Record's JSON field names, in order.
func recordJSONNames() []string {
	var names []string
	rt := reflect.TypeFor[consentlog.Record]()
	for i := range rt.NumField() {
		name, _, _ := strings.Cut(rt.Field(i).Tag.Get("json"), ",")
		names = append(names, name)
	}
	return names
}

func TestCSVEscaping(t *testing.T) {
	r := record(1, now.Add(-time.Hour), "opt-in", "analytics")
	r.PagePath = "/a,b\"c\nd"
	r.Site = "=HYPERLINK(\"x\")"
	h := newTest(t, newFakeStore(r))
	_, body := get(t, h, "GET", "/records?format=csv")
	if !strings.Contains(body, `"/a,b""c`+"\n"+`d"`) {
		t.Errorf("page path not quoted in %q", body)
	}
	rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || rows[1][15] != r.PagePath || rows[1][5] != "'"+r.Site {
		t.Errorf("rows = %q", rows)
	}
	if res, _ := get(t, h, "GET", "/records?format=csv&subject=subj0001"); res.Header.Get("Content-Disposition") != `attachment; filename="consent-records-all-all.csv"` {
		t.Errorf("open range file name = %q", res.Header.Get("Content-Disposition"))
	}
}

// TestCSVNeutralisesFormulas: a cell that a spreadsheet would read as a
// formula (starting with =, +, -, @, a tab or a carriage return) gets a
// leading single quote in the CSV export, so opening an export never runs
// what a visitor's request put in a record; the JSON export stays raw.
func TestCSVNeutralisesFormulas(t *testing.T) {
	cells := []string{"=1+1", "+1", "-1", "@SUM(A1)", "\tcmd", "\r=cmd", "=HYPERLINK(\"http://x\")"}
	var recs []consentlog.Record
	for i, v := range cells {
		r := record(i+1, now.Add(-time.Duration(i+1)*time.Minute), "opt-in", "analytics")
		r.PagePath, r.Browser = v, v
		recs = append(recs, r)
	}
	plain := record(100, now.Add(-time.Hour), "opt-in", "analytics")
	plain.PagePath, plain.Browser = "/a-b=c", "/a-b=c"
	recs = append(recs, plain)
	h := newTest(t, newFakeStore(recs...))

	_, body := get(t, h, "GET", "/records?format=csv")
	rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	var paths []string
	for _, row := range rows[1:] {
		got[row[15]] = true
		paths = append(paths, row[15])
		if row[15] != row[20] {
			t.Errorf("page_path %q and browser %q of one value differ", row[15], row[20])
		}
	}
	for _, v := range cells {
		if !got["'"+v] {
			t.Errorf("cell %q not neutralised: page paths %q", v, paths)
		}
	}
	if !got["/a-b=c"] {
		t.Errorf("an ordinary cell was changed: page paths %q", paths)
	}

	_, body = get(t, h, "GET", "/records?format=json")
	var doc struct{ Records []consentlog.Record }
	if err := json.Unmarshal([]byte(body), &doc); err != nil {
		t.Fatal(err)
	}
	for _, r := range doc.Records {
		if strings.HasPrefix(r.PagePath, "'") {
			t.Errorf("JSON export changed page_path to %q", r.PagePath)
		}
	}
}

func TestExportCap(t *testing.T) {
	recs := seq(2500, now.Add(-72*time.Hour))
	h := newTest(t, newFakeStore(recs...))
	h.exportCap = 1500
	_, body := get(t, h, "GET", "/records?format=csv")
	lines := strings.Split(strings.TrimSpace(body), "\n")
	if len(lines) != 1502 {
		t.Fatalf("%d lines, want header + 1500 rows + a note", len(lines))
	}
	note := lines[len(lines)-1]
	if !strings.HasPrefix(note, "# export stopped at the cap of 1500 records; continue at /records?") {
		t.Fatalf("last line = %q", note)
	}
	cont, _ := url.Parse(strings.TrimPrefix(note, "# export stopped at the cap of 1500 records; continue at "))
	_, rest := get(t, h, "GET", cont.String())
	rows, _ := csv.NewReader(strings.NewReader(rest)).ReadAll()
	if len(rows) != 1001 || rows[1][0] != recs[1500].RecordID {
		t.Errorf("continuation: %d rows starting %v, want 1000 from %s", len(rows)-1, rows[1], recs[1500].RecordID)
	}

	page := jsonPage(t, h, "/records?format=json")
	if len(page.Records) != 1500 || !page.Truncated || page.Next == "" {
		t.Errorf("JSON export at the cap: %d records, truncated %v, next %q", len(page.Records), page.Truncated, page.Next)
	}
	// Exactly at the cap: nothing left, so no note.
	h.exportCap = 2500
	if _, body := get(t, h, "GET", "/records?format=csv"); strings.Contains(body, "#") {
		t.Errorf("an export of exactly the cap has a note: %q", body[len(body)-100:])
	}
}

// TestExportStoreFailsMidway checks an export cut short by the store says
// so at its end, since the status was already sent.
func TestExportStoreFailsMidway(t *testing.T) {
	recs := seq(2500, now.Add(-72*time.Hour))
	store := newFakeStore(recs...)
	h := newTest(t, store)
	store.err, store.findOK = errDown, 1
	res, body := get(t, h, "GET", "/records?format=csv")
	if res.StatusCode != 200 || !strings.HasSuffix(body, "# export incomplete after 1000 records: the consent log store is unavailable\n") {
		t.Errorf("status %d, end %q", res.StatusCode, body[max(0, len(body)-120):])
	}
	store.findOK = 1
	page := jsonPage(t, h, "/records?format=json")
	if len(page.Records) != 1000 || page.Error == "" || page.Next != "" {
		t.Errorf("JSON: %d records, error %q, next %q", len(page.Records), page.Error, page.Next)
	}
}

func TestRecordsHTML(t *testing.T) {
	recs := seq(30, now.Add(-time.Hour))
	h := newTest(t, newFakeStore(recs...))
	res, body := get(t, h, "GET", "/records?limit=10&format=html")
	if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("status %d, type %q", res.StatusCode, res.Header.Get("Content-Type"))
	}
	if n := strings.Count(body, "<tr data-record="); n != 10 {
		t.Errorf("%d rows, want 10", n)
	}
	if !strings.Contains(body, `href="notices/`+testNotice.Hash+`"`) {
		t.Error("no link to the notice page")
	}
	if !strings.Contains(body, `rel="next" href="records?after_id=`+recs[9].RecordID) {
		t.Error("no next link after the 10th record")
	}
	// The last page has no next link.
	_, body = get(t, h, "GET", "/records?limit=30")
	if strings.Contains(body, `rel="next"`) || strings.Count(body, "<tr data-record=") != 30 {
		t.Error("a page holding every record offers a next page")
	}
	_, body = get(t, h, "GET", "/records?subject=nobody")
	if !strings.Contains(body, "No records match.") {
		t.Error("no message for an empty result")
	}
	if _, body := get(t, h, "GET", "/records?id="+recs[3].RecordID); strings.Count(body, "<tr data-record=") != 1 {
		t.Error("lookup by record id did not give one row")
	}
	// Accept: text/html (a browser) gets HTML; so does a bare request.
	for _, accept := range []string{"text/html,*/*;q=0.8", ""} {
		if res, _ := get(t, h, "GET", "/records", "Accept", accept); !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
			t.Errorf("Accept %q: type %q", accept, res.Header.Get("Content-Type"))
		}
	}
}
