package match

import (
	"bytes"
	"math/rand/v2"
	"testing"
)

// TestMultiMatcherAgreesWithContains checks the automaton against plain
// bytes.Contains on random texts over a small alphabet, where overlaps and
// shared prefixes are common.
func TestMultiMatcherAgreesWithContains(t *testing.T) {
	patterns := [][]byte{[]byte("abc"), []byte("bca"), []byte("ab"), []byte("cab"), []byte("aaaa"), []byte("gtag('config'"), []byte("fbq(")}
	groups := []int{0, 1, 2, 3, 4, 5, 6}
	m := newMultiMatcher(patterns, groups)
	rng := rand.New(rand.NewPCG(1, 2))
	for n := 0; n < 5000; n++ {
		text := make([]byte, rng.IntN(40))
		for i := range text {
			text[i] = "abcx"[rng.IntN(4)]
		}
		if n%7 == 0 {
			text = append(text, "gtag('config'"...)
		}
		var want uint64
		for i, p := range patterns {
			if bytes.Contains(text, p) {
				want |= 1 << uint(groups[i])
			}
		}
		if got := m.match(text, 0); got != want {
			t.Fatalf("match(%q) = %b, want %b", text, got, want)
		}
	}
	if got := newMultiMatcher(nil, nil).match([]byte("anything"), 0); got != 0 {
		t.Errorf("empty matcher found %b", got)
	}
}
