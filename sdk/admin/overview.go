package admin

import (
	"context"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"github.com/consentry/consentry/sdk/consentlog"
)

// regimeLabels name the regimes for people.
var regimeLabels = map[string]string{
	"opt-in":  "Opt-in regime",
	"opt-out": "Opt-out regime",
	"notice":  "Notice regime",
}

// regimeNotes say what each regime means for the numbers.
var regimeNotes = map[string]string{
	"opt-in":  "optional categories off until granted",
	"opt-out": "categories on unless turned off",
	"notice":  "visitors are informed; defaults by configuration",
}

// overviewData is the overview page's content.
type overviewData struct {
	From, To   string   // first and last day shown, YYYY-MM-DD
	Site       string   // the site shown, as recorded; "": every site
	AllSites   string   // the same period of every site, when Site is set
	Sites      []string // the configured and logged sites, suggested in the site fields
	DayChoices []dayChoice
	Charts     []chartView
	Inventory  *inventoryTables
	ExportCap  string
	CSVLink    string
	JSONLink   string
	StatsLink  string
}

type dayChoice struct {
	Days     int
	Label    string
	Selected bool
}

// chartView is one regime's chart, legend and data table.
type chartView struct {
	Regime, Label, Note string
	Decisions           string
	Days                string // "30 days"
	SVG                 template.HTML
	Legend              []legendItem
	Rows                []tableRow
}

type legendItem struct {
	Category string
	Rate     string // over the period
	Swatch   template.HTML
}

type tableRow struct {
	Day   string
	Total int64
	Cells []string // per category: "37 (30.8%)", or "–" without decisions
}

// dayChoices are the periods the overview offers, plus days when it is
// another.
func dayChoices(days int) []dayChoice {
	var out []dayChoice
	seen := false
	for _, d := range []int{7, 30, 90, 180, 365, MaxDays} {
		if !seen && days < d {
			out = append(out, dayChoice{days, "Last " + plural(days, "day"), true})
			seen = true
		}
		out = append(out, dayChoice{d, "Last " + plural(d, "day"), d == days})
		seen = seen || d == days
	}
	return out
}

// overview serves <base>/?days=&site=: charts per regime of every site or
// of one, the inventory and the lookup forms.
func (h *handler) overview(w http.ResponseWriter, r *http.Request) {
	p, rows, ok := h.periodStats(w, r)
	if !ok {
		return
	}
	d := overviewData{
		From:       p.from.Format(dateLayout),
		To:         p.to.AddDate(0, 0, -1).Format(dateLayout),
		Site:       p.site,
		Sites:      h.siteChoices(r.Context(), p),
		DayChoices: dayChoices(p.days),
		ExportCap:  thousands(int64(h.exportCap)),
	}
	if p.site != "" {
		d.AllSites = "./?days=" + strconv.Itoa(p.days)
	}
	for _, rs := range aggregate(rows, p) {
		d.Charts = append(d.Charts, chartFor(rs))
	}
	v := url.Values{"from": {d.From}, "to": {d.To}}
	sv := url.Values{"days": {strconv.Itoa(p.days)}}
	if p.site != "" {
		v.Set("site", p.site)
		sv.Set("site", p.site)
	}
	v.Set("format", "csv")
	d.CSVLink = "records?" + v.Encode()
	v.Set("format", "json")
	d.JSONLink = "records?" + v.Encode()
	d.StatsLink = "stats?" + sv.Encode()
	if h.inventory != nil {
		d.Inventory = tablesFor(h.inventory.Snapshot())
	}
	h.render(w, "overview", "Overview", "./", d)
}

// chartFor builds a regime's chart view.
func chartFor(rs regimeStats) chartView {
	label := regimeLabels[rs.Regime]
	if label == "" {
		label = "Regime " + rs.Regime
	}
	c := chartView{Regime: rs.Regime, Label: label, Note: regimeNotes[rs.Regime],
		Decisions: thousands(rs.Decisions), Days: plural(len(rs.Totals), "day")}
	c.SVG = lineChart(rs, label+": share of decisions granting each category")
	for i, s := range rs.Series {
		var g int64
		for _, pt := range s.Points {
			g += pt.Granted
		}
		rt := "–"
		if rs.Decisions > 0 {
			rt = percent(float64(g)/float64(rs.Decisions)) + " overall"
		}
		c.Legend = append(c.Legend, legendItem{Category: s.Category, Rate: rt, Swatch: legendSwatch(i)})
	}
	for i, t := range rs.Totals {
		row := tableRow{Day: rs.day(i).Format(dateLayout), Total: t}
		for _, s := range rs.Series {
			cell := "–"
			if pt := s.Points[i]; pt.Total > 0 {
				cell = fmt.Sprintf("%d (%s)", pt.Granted, percent(float64(pt.Granted)/float64(pt.Total)))
			}
			row.Cells = append(row.Cells, cell)
		}
		c.Rows = append(c.Rows, row)
	}
	return c
}

// plural is "1 day", "7 days", "today" for n = 1 and noun "day".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return thousands(int64(n)) + " " + noun + "s"
}

// thousands formats n with comma separators.
func thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	for i := len(s) - 3; i > 0 && s[i-1] != '-'; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// siteChoices are the sites offered in the overview's site fields: the
// configured ones (Options.Sites) and, when the store lists them
// (consentlog.SiteLister), the sites its records of the period were made
// on, as recorded, so that a fleet's sites need not be listed by hand. A
// store that fails to list them leaves the configured ones.
func (h *handler) siteChoices(ctx context.Context, p period) []string {
	l, ok := h.store.(consentlog.SiteLister)
	if !ok {
		return h.sites
	}
	logged, err := l.Sites(ctx, p.from, p.to)
	if err != nil {
		h.log.Warn("admin: listing the log's sites", "err", err)
		return h.sites
	}
	out := slices.Clone(h.sites)
	for _, site := range logged {
		if validSite(site) {
			out = append(out, site)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}
