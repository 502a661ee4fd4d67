package admin

import (
	"encoding/json"
	"net/http"
	"slices"
	"time"

	"github.com/consentry/consentry/sdk/consentlog"
)

const day = 24 * time.Hour

// period is the last n days (UTC) up to and including today, of one site
// or of every site.
type period struct {
	from, to time.Time // midnight of the first day; midnight after the last
	days     int
	site     string // as recorded, lower case; "": every site
}

// periodStats reads ?days= and ?site= and the store's day rows for that
// period and site. On a bad parameter or a store error it answers the
// request itself and reports false.
func (h *handler) periodStats(w http.ResponseWriter, r *http.Request) (period, []consentlog.DayStat, bool) {
	q := r.URL.Query()
	if err := checkParams(q, "days", "site"); err != nil {
		httpError(w, http.StatusBadRequest, err.Error())
		return period{}, nil, false
	}
	days, err := parseDays(q)
	if err != nil {
		httpError(w, http.StatusBadRequest, err.Error())
		return period{}, nil, false
	}
	site, err := parseSite(q)
	if err != nil {
		httpError(w, http.StatusBadRequest, err.Error())
		return period{}, nil, false
	}
	p := h.period(days)
	p.site = site
	rows, err := h.store.Stats(r.Context(), p.from, p.to, p.site)
	if err != nil {
		h.storeError(w, r, "stats", err)
		return period{}, nil, false
	}
	return p, rows, true
}

func (h *handler) period(days int) period {
	now := h.now().UTC()
	to := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC).AddDate(0, 0, 1)
	return period{from: to.AddDate(0, 0, -days), to: to, days: days}
}

// dayAt is midnight of the i-th day of the period.
func (p period) dayAt(i int) time.Time { return p.from.AddDate(0, 0, i) }

// index is the day of the period t falls on, or -1.
func (p period) index(t time.Time) int {
	t = t.UTC()
	if t.Before(p.from) || !t.Before(p.to) {
		return -1
	}
	return int(t.Sub(p.from) / day)
}

// point is one category's decisions on one day; Total 0 means no
// decisions, which charts leave as a gap.
type point struct {
	Day     time.Time
	Granted int64
	Total   int64
}

// series is one category's points over every day of the period.
type series struct {
	Category string
	Points   []point
}

// regimeStats is one regime's decisions over the period.
type regimeStats struct {
	Regime    string
	From      time.Time // midnight of the first day
	Totals    []int64   // decisions per day
	Decisions int64     // over the period
	Series    []series
}

// regimeOrder and categoryOrder put the default keys first; others follow
// sorted.
var (
	regimeOrder   = []string{"opt-in", "opt-out", "notice"}
	categoryOrder = []string{"preferences", "analytics", "advertising", "social"}
)

// ordered returns the keys of set, known ones first in the order given.
func ordered(set map[string]bool, known []string) []string {
	var out, rest []string
	for _, k := range known {
		if set[k] {
			out = append(out, k)
		}
	}
	for k := range set {
		if !slices.Contains(known, k) {
			rest = append(rest, k)
		}
	}
	slices.Sort(rest)
	return append(out, rest...)
}

// aggregate turns store rows into one regimeStats per regime with data,
// one series per optional category (necessary is always granted).
func aggregate(rows []consentlog.DayStat, p period) []regimeStats {
	type key struct{ regime, category string }
	granted := map[key][]int64{}
	totals := map[string][]int64{}
	regimes := map[string]bool{}
	cats := map[string]map[string]bool{}
	for _, s := range rows {
		i := p.index(s.Day)
		if i < 0 || s.Total <= 0 {
			continue
		}
		if totals[s.Regime] == nil {
			totals[s.Regime] = make([]int64, p.days)
			cats[s.Regime] = map[string]bool{}
		}
		regimes[s.Regime] = true
		totals[s.Regime][i] = max(totals[s.Regime][i], s.Total)
		if s.Category == "necessary" || s.Category == "" {
			continue
		}
		cats[s.Regime][s.Category] = true
		k := key{s.Regime, s.Category}
		if granted[k] == nil {
			granted[k] = make([]int64, p.days)
		}
		granted[k][i] += s.Granted
	}
	var out []regimeStats
	for _, reg := range ordered(regimes, regimeOrder) {
		rs := regimeStats{Regime: reg, From: p.from, Totals: totals[reg]}
		for _, t := range rs.Totals {
			rs.Decisions += t
		}
		for _, c := range ordered(cats[reg], categoryOrder) {
			g := granted[key{reg, c}]
			s := series{Category: c, Points: make([]point, p.days)}
			for i := range s.Points {
				s.Points[i] = point{Day: p.dayAt(i), Granted: min(g[i], rs.Totals[i]), Total: rs.Totals[i]}
			}
			rs.Series = append(rs.Series, s)
		}
		out = append(out, rs)
	}
	return out
}

// day is midnight of the i-th day.
func (rs regimeStats) day(i int) time.Time { return rs.From.AddDate(0, 0, i) }

// rate is granted/total, nil when there were no decisions.
func rate(granted, total int64) *float64 {
	if total <= 0 {
		return nil
	}
	r := float64(granted) / float64(total)
	return &r
}

// stats serves <base>/stats?days=: the store's day rows with their rates,
// and per regime and category the totals over the period.
func (h *handler) stats(w http.ResponseWriter, r *http.Request) {
	p, rows, ok := h.periodStats(w, r)
	if !ok {
		return
	}
	type dayRate struct {
		consentlog.DayStat
		Rate *float64 `json:"rate"`
	}
	type total struct {
		Regime   string   `json:"regime"`
		Category string   `json:"category"`
		Granted  int64    `json:"granted"`
		Total    int64    `json:"total"`
		Rate     *float64 `json:"rate"`
	}
	out := struct {
		From    time.Time `json:"from"`
		To      time.Time `json:"to"`
		Days    int       `json:"days"`
		Site    string    `json:"site,omitempty"`
		Stats   []dayRate `json:"stats"`
		Summary []total   `json:"summary"`
	}{From: p.from, To: p.to, Days: p.days, Site: p.site, Stats: []dayRate{}, Summary: []total{}}
	for _, s := range rows {
		out.Stats = append(out.Stats, dayRate{s, rate(s.Granted, s.Total)})
	}
	for _, rs := range aggregate(rows, p) {
		for _, s := range rs.Series {
			t := total{Regime: rs.Regime, Category: s.Category, Total: rs.Decisions}
			for _, pt := range s.Points {
				t.Granted += pt.Granted
			}
			t.Rate = rate(t.Granted, t.Total)
			out.Summary = append(out.Summary, t)
		}
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(out)
}
