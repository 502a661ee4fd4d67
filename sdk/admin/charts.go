package admin

import (
	"fmt"
	"html"
	"html/template"
	"strings"
)

// Chart geometry, in SVG user units; the SVG scales to its container.
const (
	chartW      = 960.0
	chartH      = 300.0
	chartLeft   = 52.0
	chartRight  = 20.0
	chartTop    = 16.0
	chartBottom = 48.0
	plotW       = chartW - chartLeft - chartRight
	plotH       = chartH - chartTop - chartBottom
)

// palette is the Okabe–Ito colour-blind-safe set, without its yellow
// (too light on white); each series also has its own dash and marker.
var palette = []string{"#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000"}

// dashes tell series apart without colour.
var dashes = []string{"", "7 4", "2 3", "9 3 2 3"}

// style is how series i is drawn.
type style struct {
	Colour string
	Dash   string
	Shape  int // 0 circle, 1 square, 2 triangle, 3 diamond
}

func seriesStyle(i int) style {
	return style{Colour: palette[i%len(palette)], Dash: dashes[i%len(dashes)], Shape: i % 4}
}

// chartX is the centre of day i's band when n days share the plot width.
func chartX(i, n int) float64 { return chartLeft + (float64(i)+0.5)*plotW/float64(n) }

// chartY is the height of a rate from 0 to 1.
func chartY(rate float64) float64 { return chartTop + plotH*(1-rate) }

// marker is the path of a marker of shape centred on x, y.
func marker(shape int, x, y, r float64) string {
	switch shape {
	case 1:
		s := r * 0.9
		return fmt.Sprintf("M%.1f %.1fh%.1fv%.1fh%.1fZ", x-s, y-s, 2*s, 2*s, -2*s)
	case 2:
		return fmt.Sprintf("M%.1f %.1fL%.1f %.1fL%.1f %.1fZ", x, y-r*1.2, x+r*1.1, y+r*0.8, x-r*1.1, y+r*0.8)
	case 3:
		s := r * 1.25
		return fmt.Sprintf("M%.1f %.1fL%.1f %.1fL%.1f %.1fL%.1f %.1fZ", x, y-s, x+s, y, x, y+s, x-s, y)
	}
	return fmt.Sprintf("M%.1f %.1fa%.1f %.1f 0 1 0 %.1f 0a%.1f %.1f 0 1 0 %.1f 0Z", x-r, y, r, r, 2*r, r, r, -2*r)
}

// percent formats a rate as "30.8%".
func percent(rate float64) string { return fmt.Sprintf("%.1f%%", rate*100) }

// labelStep is how many days apart the x-axis labels are, for at most
// about ten labels.
func labelStep(n int) int {
	for _, s := range []int{1, 2, 3, 7, 14, 28, 56, 91} {
		if n <= 10*s {
			return s
		}
	}
	return 182
}

// lineChart draws one regime's series as an inline SVG line chart: one
// line per category with a marker per day that had decisions, days without
// decisions left as gaps, percent gridlines and day labels. Every marker
// carries a <title> tooltip and data-* attributes with its numbers.
func lineChart(rs regimeStats, title string) template.HTML {
	n := len(rs.Totals)
	var b strings.Builder
	id := "chart-" + html.EscapeString(rs.Regime)
	fmt.Fprintf(&b, `<svg class="chart" viewBox="0 0 %.0f %.0f" role="img" aria-labelledby="%s-t %s-d" data-regime="%s" data-days="%d">`,
		chartW, chartH, id, id, html.EscapeString(rs.Regime), n)
	fmt.Fprintf(&b, `<title id="%s-t">%s</title><desc id="%s-d">Share of decisions granting each category, per day; the table below has the numbers.</desc>`,
		id, html.EscapeString(title), id)

	// Runs of days without decisions: a faint band, so a gap reads as
	// "no data".
	bw := plotW / float64(n)
	b.WriteString(`<g class="gaps">`)
	for i := 0; i < n; i++ {
		if rs.Totals[i] != 0 {
			continue
		}
		j := i
		for j+1 < n && rs.Totals[j+1] == 0 {
			j++
		}
		what := rs.day(i).Format(dateLayout)
		if j > i {
			what += " to " + rs.day(j).Format(dateLayout)
		}
		fmt.Fprintf(&b, `<rect class="gap" x="%.1f" y="%.1f" width="%.2f" height="%.1f"><title>%s: no decisions</title></rect>`,
			chartLeft+float64(i)*bw, chartTop, float64(j-i+1)*bw, plotH, what)
		i = j
	}
	b.WriteString(`</g>`)

	// Percent gridlines and labels.
	b.WriteString(`<g class="grid">`)
	for p := 0; p <= 100; p += 25 {
		y := chartY(float64(p) / 100)
		fmt.Fprintf(&b, `<line x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f"/><text class="ylabel" x="%.1f" y="%.1f">%d%%</text>`,
			chartLeft, chartW-chartRight, y, y, chartLeft-8, y+4, p)
	}
	b.WriteString(`</g>`)

	// Day labels, counted back from the last day so today is labelled.
	step := labelStep(n)
	b.WriteString(`<g class="xaxis">`)
	fmt.Fprintf(&b, `<line class="axis" x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f"/>`, chartLeft, chartW-chartRight, chartTop+plotH, chartTop+plotH)
	lastYear := 0
	var labels []int
	for i := n - 1; i >= 0; i -= step {
		labels = append(labels, i)
	}
	for k := len(labels) - 1; k >= 0; k-- {
		i := labels[k]
		d := rs.day(i)
		x := chartX(i, n)
		fmt.Fprintf(&b, `<line class="tick" x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f"/>`, x, x, chartTop+plotH, chartTop+plotH+5)
		fmt.Fprintf(&b, `<text class="xlabel" x="%.1f" y="%.1f">%s`, x, chartTop+plotH+19, d.Format("Jan 2"))
		if d.Year() != lastYear {
			fmt.Fprintf(&b, `<tspan x="%.1f" dy="14">%d</tspan>`, x, d.Year())
			lastYear = d.Year()
		}
		b.WriteString(`</text>`)
	}
	b.WriteString(`</g>`)

	// Series: a line broken at gaps, then the markers over it.
	r := min(max(bw*0.28, 1.6), 4.5)
	width := 2.25
	if n > 120 {
		width = 1.5
	}
	for si, s := range rs.Series {
		st := seriesStyle(si)
		fmt.Fprintf(&b, `<g class="series" data-category="%s">`, html.EscapeString(s.Category))
		var d strings.Builder
		pen := false
		for i, p := range s.Points {
			if p.Total == 0 {
				pen = false
				continue
			}
			cmd := "L"
			if !pen {
				cmd = "M"
			}
			fmt.Fprintf(&d, "%s%.1f %.1f", cmd, chartX(i, n), chartY(float64(p.Granted)/float64(p.Total)))
			pen = true
		}
		fmt.Fprintf(&b, `<path class="line" d="%s" stroke="%s" stroke-width="%.2f"`, d.String(), st.Colour, width)
		if st.Dash != "" {
			fmt.Fprintf(&b, ` stroke-dasharray="%s"`, st.Dash)
		}
		b.WriteString(`/>`)
		for i, p := range s.Points {
			if p.Total == 0 {
				continue
			}
			rt := float64(p.Granted) / float64(p.Total)
			x, y := chartX(i, n), chartY(rt)
			day := p.Day.Format(dateLayout)
			fmt.Fprintf(&b, `<path class="pt" d="%s" fill="%s" data-day="%s" data-granted="%d" data-total="%d" data-rate="%.1f" data-x="%.1f" data-y="%.1f"><title>%s %s: %d of %d (%s)</title></path>`,
				marker(st.Shape, x, y, r), st.Colour, day, p.Granted, p.Total, rt*100, x, y,
				html.EscapeString(s.Category), day, p.Granted, p.Total, percent(rt))
		}
		b.WriteString(`</g>`)
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// legendSwatch is a small SVG of series i's line and marker, for the
// legend.
func legendSwatch(i int) template.HTML {
	st := seriesStyle(i)
	dash := ""
	if st.Dash != "" {
		dash = fmt.Sprintf(` stroke-dasharray="%s"`, st.Dash)
	}
	return template.HTML(fmt.Sprintf(`<svg class="swatch" viewBox="0 0 32 14" aria-hidden="true"><path d="M1 7H31" stroke="%s" stroke-width="2.25"%s/><path d="%s" fill="%s"/></svg>`,
		st.Colour, dash, marker(st.Shape, 16, 7, 4), st.Colour))
}
