package main

import (
	"fmt"
	"strings"
	"time"
)

// report is everything one harness run measured.
type report struct {
	Machine    machine
	Command    string
	Config     string // the chosen parameters, one line
	Setups     []setup
	Pages      []*page
	Conns      int
	Load       results // throughput windows at Conns connections
	LatConns   int
	Latency    results // latency windows at LatConns connections (may be empty)
	Soak       *soakResult
	targetRows []targetRow
}

// targetRow is one checked target.
type targetRow struct {
	Name, Measured string
	Pass           bool
}

// soakResult is the memory soak's outcome.
type soakResult struct {
	Setup         string
	Conns         int
	Warmup        time.Duration
	Window        time.Duration
	RPS           float64
	Errors        uint64
	RSSAfterWarm  int64
	RSSEnd        int64
	RSSMin        int64
	RSSMax        int64
	Samples       []int64 // RSS every second from the start of the window
	SampleEvery   time.Duration
	ServerCPU     time.Duration
	RequestsTotal uint64
}

// growth is RSS at the end over RSS after warm-up, minus one.
func (s *soakResult) growth() float64 { return float64(s.RSSEnd)/float64(s.RSSAfterWarm) - 1 }

// markdown renders the report.
func (r *report) markdown() string {
	r.targetRows = r.targets()
	var b strings.Builder
	fmt.Fprintf(&b, "### Machine\n\n| | |\n|---|---|\n")
	fmt.Fprintf(&b, "| CPU (`/proc/cpuinfo` model name) | %s |\n| cores (`runtime.NumCPU`) | %d |\n| Go | %s |\n| Caddy | %s |\n| load average (1, 5, 15 min) at start / end | %s / %s |\n\n",
		r.Machine.CPU, r.Machine.Cores, r.Machine.Go, r.Machine.Caddy, r.Machine.LoadAvg0, r.Machine.LoadAvg1)
	fmt.Fprintf(&b, "Command:\n\n```sh\n%s\n```\n\n%s\n\n", r.Command, r.Config)

	if len(r.Load.all) > 0 {
		fmt.Fprintf(&b, "### Throughput at %d connections (median of %d rounds)\n\n", r.Conns, r.rounds(r.Load))
		b.WriteString("`× proxy` is the median over rounds of each round's req/s over plain `reverse_proxy`'s in the same round. " +
			"CPU is the user+system time of the Caddy process (for `direct`, of the upstream) per 1,000 requests.\n\n")
		b.WriteString("| page | setup | req/s | × proxy | p50 | p99 | CPU s / 1k req | body B/resp | RSS MB | errors |\n|---|---|---:|---:|---:|---:|---:|---:|---:|---:|\n")
		for _, p := range r.Pages {
			for _, s := range r.Setups {
				ms := r.Load.get(s.Key, p.Key)
				if len(ms) == 0 {
					continue
				}
				ratio := "—"
				if s.Key != "proxy" {
					if v, ok := r.Load.paired(s.Key, "proxy", p.Key, rpsRatio); ok {
						ratio = fmt.Sprintf("%.1f %%", v*100)
					}
				}
				var errs uint64
				for _, m := range ms {
					errs += m.Errors
				}
				fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %.3f | %s | %.0f | %d |\n", p.Key, s.Key,
					thousands(medianOf(ms, func(m measurement) float64 { return m.RPS })), ratio,
					dur(medianOf(ms, func(m measurement) float64 { return float64(m.P50) })),
					dur(medianOf(ms, func(m measurement) float64 { return float64(m.P99) })),
					medianOf(ms, func(m measurement) float64 { return m.cpuPerReq().Seconds() * 1000 }),
					thousands(medianOf(ms, func(m measurement) float64 { return m.BodyBytes })),
					medianOf(ms, func(m measurement) float64 { return float64(m.RSS) / (1 << 20) }), errs)
			}
		}
		b.WriteString("\n")
		r.addedTable(&b)
	}
	if len(r.Latency.all) > 0 {
		fmt.Fprintf(&b, "### Latency at %d connection(s) (median of %d rounds)\n\n", r.LatConns, r.rounds(r.Latency))
		b.WriteString("| page | setup | req/s | p50 | p99 | p50 − proxy's |\n|---|---|---:|---:|---:|---:|\n")
		for _, p := range r.Pages {
			for _, s := range r.Setups {
				ms := r.Latency.get(s.Key, p.Key)
				if len(ms) == 0 {
					continue
				}
				delta := "—"
				if s.Key != "proxy" {
					if v, ok := r.Latency.paired(s.Key, "proxy", p.Key, p50Added); ok {
						delta = fmt.Sprintf("%+.0f µs", v)
					}
				}
				fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s |\n", p.Key, s.Key,
					thousands(medianOf(ms, func(m measurement) float64 { return m.RPS })),
					dur(medianOf(ms, func(m measurement) float64 { return float64(m.P50) })),
					dur(medianOf(ms, func(m measurement) float64 { return float64(m.P99) })), delta)
			}
		}
		b.WriteString("\n")
	}
	if s := r.Soak; s != nil {
		fmt.Fprintf(&b, "### Memory soak\n\n`%s` for %v after %v of warm-up, %d connections, worker i requesting page i mod %d; RSS of the Caddy process.\n\n",
			s.Setup, s.Window, s.Warmup, s.Conns, len(r.Pages))
		b.WriteString("| req/s | errors | RSS after warm-up | RSS at end | change | min / max in window | Caddy CPU s |\n|---:|---:|---:|---:|---:|---:|---:|\n")
		fmt.Fprintf(&b, "| %s | %d | %.1f MB | %.1f MB | %+.1f %% | %.1f / %.1f MB | %.1f |\n\n", thousands(s.RPS), s.Errors,
			mb(s.RSSAfterWarm), mb(s.RSSEnd), s.growth()*100, mb(s.RSSMin), mb(s.RSSMax), s.ServerCPU.Seconds())
		if len(s.Samples) > 0 {
			var parts []string
			step := max(1, len(s.Samples)/12)
			for i := 0; i < len(s.Samples); i += step {
				parts = append(parts, fmt.Sprintf("%v: %.1f", time.Duration(i)*s.SampleEvery, mb(s.Samples[i])))
			}
			fmt.Fprintf(&b, "RSS (MB) during the window: %s.\n\n", strings.Join(parts, ", "))
		}
	}
	if len(r.targetRows) > 0 {
		b.WriteString("### Targets\n\n| target | measured | result |\n|---|---|---|\n")
		for _, t := range r.targetRows {
			res := "FAIL"
			if t.Pass {
				res = "PASS"
			}
			fmt.Fprintf(&b, "| %s | %s | **%s** |\n", t.Name, t.Measured, res)
		}
		b.WriteString("\n")
	}
	return b.String()
}

// addedTable shows, per page, what consent and gzip add to plain
// reverse_proxy per request: Caddy CPU time and wall time at saturation.
func (r *report) addedTable(b *strings.Builder) {
	type col struct{ setup, base, label string }
	cols := []col{
		{"consent", "proxy", "consent"},
		{"granted", "proxy", "consent, granted"},
		{"granted", "proxy-cookie", "consent, granted, against proxy with a cookie as large"},
		{"gzip-proxy", "proxy", "encode gzip"},
		{"gzip-consent", "gzip-proxy", "consent under gzip"},
	}
	b.WriteString("#### Time added per request, against plain `reverse_proxy`\n\n" +
		"CPU: the Caddy process's CPU time per request minus plain `reverse_proxy`'s, in the same round. " +
		"Wall: 1/(req/s) minus proxy's at saturation (both cores, generator and upstream included). " +
		"`consent under gzip` is `gzip-consent` against `gzip-proxy`. Medians over rounds.\n\n")
	b.WriteString("| page | added by | CPU µs/req | wall µs/req | ÷ gzip's (CPU) | ÷ gzip's (wall) |\n|---|---|---:|---:|---:|---:|\n")
	for _, p := range r.Pages {
		gzCPU, okC := r.Load.paired("gzip-proxy", "proxy", p.Key, cpuAdded)
		gzWall, okW := r.Load.paired("gzip-proxy", "proxy", p.Key, wallAdded)
		for _, c := range cols {
			cpu, ok := r.Load.paired(c.setup, c.base, p.Key, cpuAdded)
			if !ok {
				continue
			}
			wall, _ := r.Load.paired(c.setup, c.base, p.Key, wallAdded)
			rc, rw := "—", "—"
			if c.setup != "gzip-proxy" && c.base != "proxy-cookie" && okC && gzCPU > 0 {
				rc = fmt.Sprintf("%.2f", cpu/gzCPU)
			}
			if c.setup != "gzip-proxy" && c.base != "proxy-cookie" && okW && gzWall > 0 {
				rw = fmt.Sprintf("%.2f", wall/gzWall)
			}
			fmt.Fprintf(b, "| %s | %s | %+.1f | %+.1f | %s | %s |\n", p.Key, c.label, cpu, wall, rc, rw)
		}
	}
	b.WriteString("\n")
}

// targets checks the targets against what was measured. Targets
// whose measurements are missing are left out.
func (r *report) targets() []targetRow {
	var rows []targetRow
	for _, key := range []string{"consent", "granted"} {
		if v, ok := r.Load.paired(key, "proxy", "2KB", rpsRatio); ok {
			rows = append(rows, targetRow{fmt.Sprintf("2 KB HTML, `%s`: req/s ≥ 97 %% of proxy (c=%d)", key, r.Conns), fmt.Sprintf("%.1f %%", v*100), v >= 0.97})
		}
		if v, ok := r.Latency.paired(key, "proxy", "2KB", p50Added); ok {
			rows = append(rows, targetRow{fmt.Sprintf("2 KB HTML, `%s`: p50 ≤ proxy's + 20 µs (c=%d)", key, r.LatConns), fmt.Sprintf("%+.0f µs", v), v <= 20})
		}
	}
	for _, page := range []string{"50KB", "1MB"} {
		gz, okG := r.Load.paired("gzip-proxy", "proxy", page, cpuAdded)
		gzW, _ := r.Load.paired("gzip-proxy", "proxy", page, wallAdded)
		for _, key := range []string{"consent", "granted"} {
			c, ok := r.Load.paired(key, "proxy", page, cpuAdded)
			if !ok || !okG {
				continue
			}
			w, _ := r.Load.paired(key, "proxy", page, wallAdded)
			rows = append(rows, targetRow{
				fmt.Sprintf("%s HTML, `%s`: CPU added ≤ ½ of what `encode gzip` adds", page, key),
				fmt.Sprintf("%.0f µs vs %.0f µs (%.2f×); wall %.0f vs %.0f µs (%.2f×)", c, gz, c/gz, w, gzW, w/gzW),
				gz > 0 && c <= gz/2,
			})
		}
	}
	for _, key := range []string{"consent", "granted"} {
		if v, ok := r.Load.paired(key, "proxy", "image", rpsRatio); ok {
			rows = append(rows, targetRow{fmt.Sprintf("300 KB image, `%s`: req/s ≥ 99 %% of proxy", key), fmt.Sprintf("%.1f %%", v*100), v >= 0.99})
		}
	}
	if s := r.Soak; s != nil {
		rows = append(rows, targetRow{fmt.Sprintf("memory flat: `%s`, %v at %d connections, RSS at end within 10 %% of RSS after warm-up", s.Setup, s.Window, s.Conns),
			fmt.Sprintf("%.1f → %.1f MB (%+.1f %%)", mb(s.RSSAfterWarm), mb(s.RSSEnd), s.growth()*100), s.growth() <= 0.10 && s.growth() >= -0.10})
	}
	return rows
}

// rounds is the number of distinct rounds in rs.
func (r *report) rounds(rs results) int {
	seen := map[int]bool{}
	for _, m := range rs.all {
		seen[m.Round] = true
	}
	return len(seen)
}

// dur formats nanoseconds as µs below 10 ms and as ms above.
func dur(ns float64) string {
	d := time.Duration(ns)
	if d < 10*time.Millisecond {
		return fmt.Sprintf("%.0f µs", ns/1e3)
	}
	return fmt.Sprintf("%.1f ms", ns/1e6)
}

// mb is bytes in MiB.
func mb(b int64) float64 { return float64(b) / (1 << 20) }

// thousands formats a number with thin spaces between groups of three digits.
func thousands(v float64) string {
	s := fmt.Sprintf("%.0f", v)
	if len(s) <= 4 {
		return s
	}
	var out []byte
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ' ')
		}
		out = append(out, s[i])
	}
	return string(out)
}
