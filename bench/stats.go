package main

import (
	"slices"
	"time"
)

// median of xs (0 for none); the mean of the middle two for an even count.
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// medianOf is the median of f over ms.
func medianOf(ms []measurement, f func(measurement) float64) float64 {
	xs := make([]float64, len(ms))
	for i, m := range ms {
		xs[i] = f(m)
	}
	return median(xs)
}

// results indexes measurements by setup, page and round.
type results struct {
	all []measurement
}

// get returns every round's measurement of setup on page.
func (r results) get(setup, page string) []measurement {
	var out []measurement
	for _, m := range r.all {
		if m.Setup == setup && m.Page == page {
			out = append(out, m)
		}
	}
	return out
}

// paired applies f to each round's measurement of setup and of base on page
// (rounds where either is missing are left out) and returns the median.
func (r results) paired(setup, base, page string, f func(m, b measurement) float64) (float64, bool) {
	var xs []float64
	for _, m := range r.get(setup, page) {
		for _, b := range r.get(base, page) {
			if b.Round == m.Round {
				xs = append(xs, f(m, b))
			}
		}
	}
	return median(xs), len(xs) > 0
}

// rpsRatio is setup's req/s over base's, per round.
func rpsRatio(m, b measurement) float64 { return m.RPS / b.RPS }

// cpuAdded is the CPU time per request setup adds to base, in µs.
func cpuAdded(m, b measurement) float64 {
	return float64(m.cpuPerReq()-b.cpuPerReq()) / float64(time.Microsecond)
}

// wallAdded is the wall time per request setup adds to base at saturation
// (1/rps), in µs.
func wallAdded(m, b measurement) float64 { return (1/m.RPS - 1/b.RPS) * 1e6 }

// p50Added is the median latency setup adds to base, in µs.
func p50Added(m, b measurement) float64 { return float64(m.P50-b.P50) / float64(time.Microsecond) }
