package match

import (
	"bytes"
	"slices"
)

// Paths maps first-party path prefixes ("/metrics/") to values: a path
// matches the longest prefix it starts with, compared byte for byte (case
// kept). The first value added for a prefix wins.
type Paths[V any] struct {
	prefixes []prefix[V] // longest first, in order of addition on a tie
}

// Add maps the prefix p to v, unless p is empty or already mapped. p must
// already be normalised (rewrite.NormalisePath).
func (t *Paths[V]) Add(p string, v V) {
	if p == "" || slices.ContainsFunc(t.prefixes, func(e prefix[V]) bool { return e.text == p }) {
		return
	}
	i := len(t.prefixes)
	for i > 0 && len(t.prefixes[i-1].text) < len(p) {
		i--
	}
	t.prefixes = slices.Insert(t.prefixes, i, prefix[V]{p, v})
}

// Lookup returns the longest prefix path starts with and its value.
func (t *Paths[V]) Lookup(path []byte) (string, V, bool) {
	for _, p := range t.prefixes {
		if bytes.HasPrefix(path, []byte(p.text)) {
			return p.text, p.v, true
		}
	}
	var zero V
	return "", zero, false
}

// Len returns the number of prefixes mapped.
func (t *Paths[V]) Len() int { return len(t.prefixes) }

// All returns the prefixes in lookup order with their values.
func (t *Paths[V]) All() func(yield func(string, V) bool) {
	return func(yield func(string, V) bool) {
		for _, p := range t.prefixes {
			if !yield(p.text, p.v) {
				return
			}
		}
	}
}
