package admin

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/consentry/consentry/sdk/consentlog"
)

// paramError is a request parameter the handler cannot use; it becomes a
// 400 with its message.
type paramError struct{ msg string }

func (e *paramError) Error() string { return e.msg }

func badParam(format string, args ...any) error {
	return &paramError{fmt.Sprintf(format, args...)}
}

// dateLayout is the day form of dates in parameters and file names.
const dateLayout = "2006-01-02"

// checkParams rejects parameters outside allowed and parameters given more
// than once, so a typo is an error rather than a silently wider query.
func checkParams(q url.Values, allowed ...string) error {
	for k, v := range q {
		ok := false
		for _, a := range allowed {
			if k == a {
				ok = true
				break
			}
		}
		if !ok {
			return badParam("unknown parameter %q (allowed: %s)", k, strings.Join(allowed, ", "))
		}
		if len(v) > 1 {
			return badParam("parameter %q given %d times", k, len(v))
		}
	}
	return nil
}

// parseDays reads ?days=, 1 to MaxDays; DefaultDays when absent.
func parseDays(q url.Values) (int, error) {
	s := strings.TrimSpace(q.Get("days"))
	if s == "" {
		return DefaultDays, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > MaxDays {
		return 0, badParam("days: want a whole number from 1 to %d, got %q", MaxDays, s)
	}
	return n, nil
}

// parseTime reads a date parameter: YYYY-MM-DD (midnight UTC; with
// endOfDay, the midnight after, so a "to" day is included) or RFC 3339.
func parseTime(name, s string, endOfDay bool) (time.Time, error) {
	if t, err := time.Parse(dateLayout, s); err == nil {
		if endOfDay {
			t = t.AddDate(0, 0, 1)
		}
		return t, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, badParam("%s: want a date as YYYY-MM-DD or RFC 3339 (2026-11-20T09:30:00Z), got %q", name, s)
	}
	return t.UTC(), nil
}

// validID reports whether s can be a consent or record id: letters,
// digits and -_.: only, at most 128 bytes.
func validID(s string) bool {
	if s == "" || len(s) > 128 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.' || c == ':') {
			return false
		}
	}
	return true
}

// Output formats of <base>/records.
const (
	formatHTML = "html"
	formatJSON = "json"
	formatCSV  = "csv"
)

// recordParams is a parsed <base>/records request.
type recordParams struct {
	q      consentlog.Query // selection and cursor; Limit unset
	format string
	limit  int // records in this response; 0: all, up to the export cap
	// fromDay and toDay name the range in the CSV file name; "all" when
	// open.
	fromDay, toDay string
}

// parseRecords validates the query of a <base>/records request.
func parseRecords(q url.Values, accept string) (recordParams, error) {
	var p recordParams
	if err := checkParams(q, "subject", "id", "site", "from", "to", "after_time", "after_id", "limit", "format"); err != nil {
		return p, err
	}
	get := func(k string) string { return strings.TrimSpace(q.Get(k)) }
	if s := get("subject"); s != "" {
		if !validID(s) {
			return p, badParam("subject: not a consent id (letters, digits and -_.: only, at most 128): %q", s)
		}
		p.q.SubjectID = s
	}
	if s := get("id"); s != "" {
		if !validID(s) {
			return p, badParam("id: not a record id (letters, digits and -_.: only, at most 128): %q", s)
		}
		p.q.RecordID = s
	}
	site, err := parseSite(q)
	if err != nil {
		return p, err
	}
	p.q.Site = site
	p.fromDay, p.toDay = "all", "all"
	if s := get("from"); s != "" {
		if p.q.From, err = parseTime("from", s, false); err != nil {
			return p, err
		}
		p.fromDay = p.q.From.Format(dateLayout)
	}
	if s := get("to"); s != "" {
		if p.q.To, err = parseTime("to", s, true); err != nil {
			return p, err
		}
		p.toDay = p.q.To.Add(-time.Nanosecond).Format(dateLayout)
	}
	if !p.q.From.IsZero() && !p.q.To.IsZero() && !p.q.From.Before(p.q.To) {
		return p, badParam("from (%s) must be before to (%s)", get("from"), get("to"))
	}
	at, aid := get("after_time"), get("after_id")
	if (at == "") != (aid == "") {
		return p, badParam("after_time and after_id go together: give both or neither")
	}
	if at != "" {
		if p.q.AfterTime, err = time.Parse(time.RFC3339Nano, at); err != nil {
			return p, badParam("after_time: want an RFC 3339 time, got %q", at)
		}
		p.q.AfterTime = p.q.AfterTime.UTC()
		if !validID(aid) {
			return p, badParam("after_id: not a record id: %q", aid)
		}
		p.q.AfterID = aid
	}
	switch f := get("format"); f {
	case formatHTML, formatJSON, formatCSV:
		p.format = f
	case "":
		p.format = formatHTML
		if prefers(accept, "application/json", "text/html") {
			p.format = formatJSON
		} else if prefers(accept, "text/csv", "text/html") {
			p.format = formatCSV
		}
	default:
		return p, badParam("format: want html, json or csv, got %q", f)
	}
	if s := get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > consentlog.MaxLimit {
			return p, badParam("limit: want a whole number from 1 to %d, got %q", consentlog.MaxLimit, s)
		}
		p.limit = n
	} else if p.format == formatHTML {
		p.limit = DefaultPageSize
	}
	return p, nil
}

// values renders p's selection as query parameters, for links to other
// formats and pages; the cursor and limit are the caller's to add.
func (p recordParams) values() url.Values {
	v := url.Values{}
	if p.q.SubjectID != "" {
		v.Set("subject", p.q.SubjectID)
	}
	if p.q.RecordID != "" {
		v.Set("id", p.q.RecordID)
	}
	if p.q.Site != "" {
		v.Set("site", p.q.Site)
	}
	if !p.q.From.IsZero() {
		v.Set("from", p.q.From.Format(time.RFC3339Nano))
	}
	if !p.q.To.IsZero() {
		v.Set("to", p.q.To.Format(time.RFC3339Nano))
	}
	return v
}

// prefers reports whether the Accept header rates media type a above b.
func prefers(accept, a, b string) bool {
	return quality(accept, a) > quality(accept, b)
}

// quality is the q value Accept gives mediaType, from its most specific
// matching range; 0 when none matches. An empty header accepts anything
// equally.
func quality(accept, mediaType string) float64 {
	if strings.TrimSpace(accept) == "" {
		return 1
	}
	typ, _, _ := strings.Cut(mediaType, "/")
	best, spec := 0.0, -1
	for _, part := range strings.Split(accept, ",") {
		fields := strings.Split(part, ";")
		rng := strings.ToLower(strings.TrimSpace(fields[0]))
		s := -1
		switch {
		case rng == mediaType:
			s = 2
		case rng == typ+"/*":
			s = 1
		case rng == "*/*":
			s = 0
		}
		if s < spec || s < 0 {
			continue
		}
		q := 1.0
		for _, f := range fields[1:] {
			k, v, _ := strings.Cut(strings.TrimSpace(f), "=")
			if strings.EqualFold(k, "q") {
				if x, err := strconv.ParseFloat(v, 64); err == nil {
					q = x
				}
			}
		}
		if s > spec {
			best, spec = q, s
		}
	}
	return best
}

// parseSite reads ?site=, one site of a log several sites share, as the
// records, overview and stats pages take it: "" for every site, else a
// valid site name in lower case, as the log records it.
func parseSite(q url.Values) (string, error) {
	s := strings.TrimSpace(q.Get("site"))
	if s == "" {
		return "", nil
	}
	if !validSite(s) {
		return "", badParam("site: not a site name (a host name, or *.host; letters, digits, '-', '.', at most 253): %q", s)
	}
	return strings.ToLower(s), nil
}

// validSite reports whether s can be a site the consent log records: a
// host name, or a wildcard "*." before one, as the sites option takes them.
func validSite(s string) bool {
	h := strings.TrimPrefix(s, "*.")
	if h == "" || len(s) > 253 {
		return false
	}
	for i := 0; i < len(h); i++ {
		c := h[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.') {
			return false
		}
	}
	return true
}
