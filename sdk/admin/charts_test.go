package admin

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/consentry/consentry/sdk/consentlog"
)

// svgPoint is a chart marker as parsed back from the SVG.
type svgPoint struct {
	Category, Day, Title string
	Granted, Total       int64
	Rate, X, Y           float64
}

// parseChart reads an SVG chart back: its markers and each series' line.
func parseChart(t *testing.T, svg string) (points []svgPoint, lines map[string]string) {
	t.Helper()
	dec := xml.NewDecoder(strings.NewReader(svg))
	lines = map[string]string{}
	category := ""
	var cur *svgPoint
	inTitle := false
	for {
		tok, err := dec.Token()
		if err != nil {
			break
		}
		switch e := tok.(type) {
		case xml.StartElement:
			attr := map[string]string{}
			for _, a := range e.Attr {
				attr[a.Name.Local] = a.Value
			}
			switch {
			case e.Name.Local == "g" && attr["class"] == "series":
				category = attr["data-category"]
			case attr["class"] == "line":
				lines[category] = attr["d"]
			case attr["class"] == "pt":
				p := svgPoint{Category: category, Day: attr["data-day"]}
				p.Granted, _ = strconv.ParseInt(attr["data-granted"], 10, 64)
				p.Total, _ = strconv.ParseInt(attr["data-total"], 10, 64)
				p.Rate, _ = strconv.ParseFloat(attr["data-rate"], 64)
				p.X, _ = strconv.ParseFloat(attr["data-x"], 64)
				p.Y, _ = strconv.ParseFloat(attr["data-y"], 64)
				points = append(points, p)
				cur = &points[len(points)-1]
			case e.Name.Local == "title" && cur != nil:
				inTitle = true
			}
		case xml.CharData:
			if inTitle {
				cur.Title += string(e)
			}
		case xml.EndElement:
			if e.Name.Local == "title" {
				inTitle = false
			}
			if e.Name.Local == "path" {
				cur = nil
			}
		}
	}
	return points, lines
}

func stat(day time.Time, regime, cat string, granted, total int64) consentlog.DayStat {
	return consentlog.DayStat{Day: day, Regime: regime, Category: cat, Granted: granted, Total: total}
}

// TestChartGeometry checks every marker sits where its numbers put it,
// carries them in its tooltip, and that a day without decisions is a gap in
// the line, not a point at 0%.
func TestChartGeometry(t *testing.T) {
	h := &handler{now: func() time.Time { return now }}
	p := h.period(5)
	d := func(i int) time.Time { return p.dayAt(i) }
	rows := []consentlog.DayStat{
		stat(d(0), "opt-in", "necessary", 120, 120), stat(d(0), "opt-in", "analytics", 37, 120), stat(d(0), "opt-in", "advertising", 0, 120),
		stat(d(1), "opt-in", "necessary", 10, 10), stat(d(1), "opt-in", "analytics", 10, 10), stat(d(1), "opt-in", "advertising", 1, 10),
		// d(2): no decisions.
		stat(d(3), "opt-in", "necessary", 4, 4), stat(d(3), "opt-in", "analytics", 1, 4),
		stat(d(4), "opt-in", "necessary", 3, 3), stat(d(4), "opt-in", "analytics", 2, 3), stat(d(4), "opt-in", "advertising", 3, 3),
	}
	rs := aggregate(rows, p)
	if len(rs) != 1 || len(rs[0].Series) != 2 || rs[0].Series[0].Category != "analytics" || rs[0].Decisions != 137 {
		t.Fatalf("aggregate = %+v", rs)
	}
	points, lines := parseChart(t, string(lineChart(rs[0], "Opt-in")))
	if len(points) != 8 {
		t.Fatalf("%d points, want 2 categories × 4 days with decisions", len(points))
	}
	for _, pt := range points {
		if pt.Day == d(2).Format(dateLayout) {
			t.Errorf("a point on the day without decisions: %+v", pt)
		}
		rate := float64(pt.Granted) / float64(pt.Total)
		if want := fmt.Sprintf("%s %s: %d of %d (%.1f%%)", pt.Category, pt.Day, pt.Granted, pt.Total, rate*100); pt.Title != want {
			t.Errorf("title %q, want %q", pt.Title, want)
		}
		if fmt.Sprintf("%.1f", pt.Rate) != fmt.Sprintf("%.1f", rate*100) {
			t.Errorf("%s %s: data-rate %v, want %.1f", pt.Category, pt.Day, pt.Rate, rate*100)
		}
		if wantY := chartTop + plotH*(1-rate); abs(pt.Y-wantY) > 0.06 {
			t.Errorf("%s %s: y %v, want %v", pt.Category, pt.Day, pt.Y, wantY)
		}
		day, _ := time.Parse(dateLayout, pt.Day)
		if wantX := chartX(p.index(day), 5); abs(pt.X-wantX) > 0.06 {
			t.Errorf("%s %s: x %v, want %v", pt.Category, pt.Day, pt.X, wantX)
		}
		if !strings.Contains(lines[pt.Category], fmt.Sprintf("%.1f %.1f", pt.X, pt.Y)) {
			t.Errorf("%s line %q does not pass through its point (%.1f, %.1f)", pt.Category, lines[pt.Category], pt.X, pt.Y)
		}
	}
	// The exact tooltip for the first day, and advertising at 0% on a day
	// with decisions (a real 0%, drawn), missing on day 3 (0 of 4).
	want := map[string]bool{
		"analytics " + d(0).Format(dateLayout) + ": 37 of 120 (30.8%)": true,
		"advertising " + d(0).Format(dateLayout) + ": 0 of 120 (0.0%)": true,
		"advertising " + d(3).Format(dateLayout) + ": 0 of 4 (0.0%)":   true,
	}
	for _, pt := range points {
		delete(want, pt.Title)
	}
	if len(want) > 0 {
		t.Errorf("missing tooltips %v", want)
	}
	// The line is broken at the gap: a new subpath starts on day 3.
	if got := strings.Count(lines["analytics"], "M"); got != 2 {
		t.Errorf("analytics line %q has %d subpaths, want 2 (broken at the gap)", lines["analytics"], got)
	}
	if !strings.HasPrefix(lines["analytics"], "M") || strings.Contains(lines["analytics"], fmt.Sprintf("%.1f ", chartX(2, 5))) {
		t.Errorf("analytics line %q crosses the day without decisions", lines["analytics"])
	}
}

func abs(f float64) float64 {
	if f < 0 {
		return -f
	}
	return f
}

// TestChartSizes checks a chart of 1 and of 400 days: every point drawn
// inside the plot, and a readable number of day labels.
func TestChartSizes(t *testing.T) {
	for _, days := range []int{1, 2, 31, 400} {
		t.Run(strconv.Itoa(days), func(t *testing.T) {
			h := &handler{now: func() time.Time { return now }}
			p := h.period(days)
			var rows []consentlog.DayStat
			for i := range days {
				rows = append(rows, stat(p.dayAt(i), "opt-out", "analytics", int64(i%11), 10), stat(p.dayAt(i), "opt-out", "social", 5, 10))
			}
			rs := aggregate(rows, p)
			svg := string(lineChart(rs[0], "t"))
			points, _ := parseChart(t, svg)
			if len(points) != 2*days {
				t.Fatalf("%d points, want %d", len(points), 2*days)
			}
			for _, pt := range points {
				if pt.X < chartLeft || pt.X > chartW-chartRight || pt.Y < chartTop || pt.Y > chartTop+plotH {
					t.Fatalf("point outside the plot: %+v", pt)
				}
			}
			if n := strings.Count(svg, `class="xlabel"`); n < 1 || n > 12 {
				t.Errorf("%d day labels", n)
			}
			// The last day, today, is always labelled.
			if !strings.Contains(svg, ">"+now.Format("Jan 2")) {
				t.Error("today is not labelled")
			}
		})
	}
}

func TestOverviewCharts(t *testing.T) {
	h := newTest(t, newFakeStore(seedDays(10)...))
	_, body := get(t, h, "GET", "/?days=10")
	for _, want := range []string{`data-regime="opt-in"`, `data-regime="opt-out"`, "Opt-in regime", "Opt-out regime",
		`<li data-category="preferences">`, "Data table (10 days)", `<option value="30">Last 30 days</option>`, `<option value="10" selected>`} {
		if !strings.Contains(body, want) {
			t.Errorf("overview lacks %q", want)
		}
	}
	if n := strings.Count(body, `class="pt"`); n != 2*4*10 {
		t.Errorf("%d points, want 2 regimes × 4 categories × 10 days", n)
	}
	if strings.Contains(body, `data-category="necessary"`) {
		t.Error("necessary is charted")
	}
	// Notice-only data gets its own chart; the order is opt-in, opt-out, notice.
	store := newFakeStore(record(1, now, "notice", "analytics"), record(2, now, "opt-in"))
	_, body = get(t, newTest(t, store), "GET", "/")
	if i, j := strings.Index(body, `svg class="chart" viewBox="0 0 960 300" role="img" aria-labelledby="chart-opt-in-t`), strings.Index(body, `aria-labelledby="chart-notice-t`); i < 0 || j < i {
		t.Errorf("charts out of order or missing: opt-in at %d, notice at %d", i, j)
	}
}

func TestOverviewEmpty(t *testing.T) {
	// Decisions outside the period do not count.
	h := newTest(t, newFakeStore(record(1, now.AddDate(0, 0, -40), "opt-in", "analytics")))
	res, body := get(t, h, "GET", "/")
	if res.StatusCode != 200 || !strings.Contains(body, "No decisions recorded in this period") || strings.Contains(body, "<svg class=\"chart\"") {
		t.Errorf("status %d; want the empty message and no chart", res.StatusCode)
	}
	if _, body := get(t, h, "GET", "/?days=41"); !strings.Contains(body, `<svg class="chart"`) {
		t.Error("41 days do not reach the decision 40 days ago")
	}
}

func TestStatsJSON(t *testing.T) {
	h := newTest(t, newFakeStore(
		record(1, now, "opt-in", "analytics"), record(2, now.Add(-time.Hour), "opt-in"), record(3, now, "opt-in", "analytics", "social"),
		record(4, now.AddDate(0, 0, -1), "opt-out", "analytics")))
	res, body := get(t, h, "GET", "/stats?days=2")
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "application/json; charset=utf-8" {
		t.Fatalf("status %d, type %q", res.StatusCode, res.Header.Get("Content-Type"))
	}
	var out struct {
		From, To time.Time
		Days     int
		Stats    []struct {
			Day              time.Time
			Regime, Category string
			Granted, Total   int64
			Rate             *float64
		}
		Summary []struct {
			Regime, Category string
			Granted, Total   int64
			Rate             *float64
		}
	}
	if err := json.Unmarshal([]byte(body), &out); err != nil {
		t.Fatal(err)
	}
	if out.Days != 2 || !out.From.Equal(time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)) || !out.To.Equal(time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("period %v to %v (%d days)", out.From, out.To, out.Days)
	}
	found := false
	for _, s := range out.Stats {
		if s.Regime == "opt-in" && s.Category == "analytics" {
			found = true
			if s.Granted != 2 || s.Total != 3 || s.Rate == nil || abs(*s.Rate-2.0/3) > 1e-9 {
				t.Errorf("opt-in analytics = %+v", s)
			}
		}
	}
	if !found {
		t.Errorf("no opt-in analytics row in %s", body)
	}
	if len(out.Summary) != 8 {
		t.Errorf("summary has %d rows, want 4 categories × 2 regimes: %+v", len(out.Summary), out.Summary)
	}
}
