package main

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

func TestHistogramBuckets(t *testing.T) {
	for _, v := range []uint64{0, 1, 255, 256, 257, 511, 512, 1000, 123456, 1 << 40, 1<<63 - 1} {
		i := histIndex(v)
		if i < 0 || i >= histBuckets {
			t.Fatalf("histIndex(%d) = %d, out of range", v, i)
		}
		lo := histValue(i)
		if lo > v {
			t.Errorf("value %d: bucket %d starts at %d, above the value", v, i, lo)
		}
		if i+1 < histBuckets && histValue(i+1) <= v {
			t.Errorf("value %d: next bucket %d starts at %d, not above the value", v, i+1, histValue(i+1))
		}
		if v >= 256 && float64(v-lo)/float64(v) > 1.0/128 {
			t.Errorf("value %d: bucket start %d is more than 1/128 below", v, lo)
		}
	}
}

func TestHistogramQuantiles(t *testing.T) {
	var h histogram
	rng := rand.New(rand.NewPCG(1, 2))
	vals := make([]time.Duration, 100000)
	for i := range vals {
		vals[i] = time.Duration(rng.ExpFloat64() * float64(300*time.Microsecond))
		h.record(vals[i])
	}
	slices.Sort(vals)
	for _, q := range []float64{0.5, 0.9, 0.99} {
		want := vals[int(q*float64(len(vals)))]
		got := h.quantile(q)
		if diff := float64(got-want) / float64(want); diff < -0.02 || diff > 0.02 {
			t.Errorf("quantile(%v) = %v, want %v within 2 %%", q, got, want)
		}
	}
	var other histogram
	other.record(time.Second)
	h.merge(&other)
	if h.n != 100001 || h.quantile(1) < 990*time.Millisecond {
		t.Errorf("after merge: n=%d, max quantile %v", h.n, h.quantile(1))
	}
}
