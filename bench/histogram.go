package main

import (
	"math/bits"
	"time"
)

// histogram is a log-linear latency histogram: exact below 256 ns, then 128
// buckets per power of two, so every recorded value is kept to within 0.8 %.
// It has a fixed size (about 35 KB), so recording never allocates.
type histogram struct {
	counts [histBuckets]uint64
	n      uint64
	max    int64
}

const (
	histSubBits = 7                // 128 sub-buckets per power of two
	histExact   = 2 << histSubBits // values below this are exact (256 ns)
	histPowers  = 64 - histSubBits // powers of two above the exact range
	histBuckets = histExact + histPowers<<histSubBits
)

// record adds one latency.
func (h *histogram) record(d time.Duration) {
	v := int64(d)
	if v < 0 {
		v = 0
	}
	h.counts[histIndex(uint64(v))]++
	h.n++
	if v > h.max {
		h.max = v
	}
}

// histIndex maps a value in nanoseconds to its bucket.
func histIndex(v uint64) int {
	if v < histExact {
		return int(v)
	}
	e := bits.Len64(v) - (histSubBits + 1) // shift that leaves 8 significant bits
	m := v >> uint(e)                      // 128..255
	return histExact + (e-1)<<histSubBits + int(m-(1<<histSubBits))
}

// histValue is the lower bound of a bucket, in nanoseconds.
func histValue(i int) uint64 {
	if i < histExact {
		return uint64(i)
	}
	i -= histExact
	e := i>>histSubBits + 1
	m := uint64(i&(1<<histSubBits-1)) + 1<<histSubBits
	return m << uint(e)
}

// merge adds every count of o to h.
func (h *histogram) merge(o *histogram) {
	for i, c := range o.counts {
		h.counts[i] += c
	}
	h.n += o.n
	if o.max > h.max {
		h.max = o.max
	}
}

// quantile returns the latency below which a fraction q of the recorded
// values fall (the bucket's lower bound; 0 when nothing was recorded).
func (h *histogram) quantile(q float64) time.Duration {
	if h.n == 0 {
		return 0
	}
	rank := uint64(q*float64(h.n) + 0.5)
	if rank < 1 {
		rank = 1
	}
	if rank > h.n {
		rank = h.n
	}
	var seen uint64
	for i, c := range h.counts {
		seen += c
		if seen >= rank {
			return time.Duration(histValue(i))
		}
	}
	return time.Duration(h.max)
}
