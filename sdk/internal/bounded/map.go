// Package bounded holds the engine's size-bounded caches and tables.
package bounded

import (
	"sync"
	"sync/atomic"
)

// Map is a concurrent map from strings for the engine's small
// caches of answers that are cheap to recompute (bot checks, language
// negotiation, decoded cookies): it holds at most the entries its store
// calls allow and, when full, starts over rather than tracking recency, so
// a flood of distinct keys costs a recomputation, never memory. The zero
// value is ready to use.
type Map[V any] struct {
	m sync.Map
	n atomic.Int64
}

// Load returns the value stored for key.
func (b *Map[V]) Load(key string) (V, bool) {
	v, ok := b.m.Load(key)
	if !ok {
		var zero V
		return zero, false
	}
	return v.(V), true
}

// Store keeps v for key, emptying the map first when it holds max
// entries.
func (b *Map[V]) Store(key string, v V, max int64) {
	if b.n.Add(1) > max {
		b.m.Clear()
		b.n.Store(1) // the entry stored below
	}
	b.m.Store(key, v)
}
