package bounded

// LRU is a map of at most a fixed number of entries that, when full,
// drops the entry used least recently to make room: for state that must
// outlive a flood of new keys for the keys still in use (rate limiters,
// the inventory), where Map's starting over would forget them all. It is
// not safe for concurrent use; callers hold their own lock, usually over
// more than one call. Get and Put are O(1) and allocate only for a new
// key.
type LRU[K comparable, V any] struct {
	max   int
	items map[K]*lruEntry[K, V]
	root  lruEntry[K, V] // sentinel: root.next is the most recent, root.prev the least
}

type lruEntry[K comparable, V any] struct {
	prev, next *lruEntry[K, V]
	key        K
	value      V
}

// NewLRU returns an empty LRU that holds at most n entries (at least 1).
// An LRU must be made by NewLRU.
func NewLRU[K comparable, V any](n int) *LRU[K, V] {
	l := &LRU[K, V]{max: max(n, 1), items: make(map[K]*lruEntry[K, V])}
	l.root.next, l.root.prev = &l.root, &l.root
	return l
}

// Len returns the number of entries.
func (l *LRU[K, V]) Len() int { return len(l.items) }

// Cap returns the most entries l holds.
func (l *LRU[K, V]) Cap() int { return l.max }

// Get returns the value of key and marks it the most recently used.
func (l *LRU[K, V]) Get(key K) (V, bool) {
	e, ok := l.items[key]
	if !ok {
		var zero V
		return zero, false
	}
	l.toFront(e)
	return e.value, true
}

// Peek returns the value of key without changing its recency.
func (l *LRU[K, V]) Peek(key K) (V, bool) {
	e, ok := l.items[key]
	if !ok {
		var zero V
		return zero, false
	}
	return e.value, true
}

// Oldest returns the least recently used entry, without changing its
// recency; ok is false when l is empty.
func (l *LRU[K, V]) Oldest() (key K, v V, ok bool) {
	if len(l.items) == 0 {
		return key, v, false
	}
	e := l.root.prev
	return e.key, e.value, true
}

// Put sets the value of key and marks it the most recently used. When a
// new key finds l full, the least recently used entry is dropped first and
// returned with evicted true.
func (l *LRU[K, V]) Put(key K, v V) (evictedKey K, evictedValue V, evicted bool) {
	if e, ok := l.items[key]; ok {
		e.value = v
		l.toFront(e)
		return evictedKey, evictedValue, false
	}
	var e *lruEntry[K, V]
	if len(l.items) >= l.max {
		e = l.root.prev // reuse the oldest entry's node
		l.unlink(e)
		delete(l.items, e.key)
		evictedKey, evictedValue, evicted = e.key, e.value, true
		*e = lruEntry[K, V]{}
	} else {
		e = new(lruEntry[K, V])
	}
	e.key, e.value = key, v
	l.items[key] = e
	l.link(e)
	return evictedKey, evictedValue, evicted
}

// Delete removes key.
func (l *LRU[K, V]) Delete(key K) {
	if e, ok := l.items[key]; ok {
		l.unlink(e)
		delete(l.items, key)
	}
}

// Clear removes every entry.
func (l *LRU[K, V]) Clear() {
	clear(l.items)
	l.root.next, l.root.prev = &l.root, &l.root
}

// All calls yield for each entry, most recently used first, until it
// returns false. It does not change recency; l must not be changed
// during the walk.
func (l *LRU[K, V]) All(yield func(K, V) bool) {
	for e := l.root.next; e != &l.root; e = e.next {
		if !yield(e.key, e.value) {
			return
		}
	}
}

func (l *LRU[K, V]) toFront(e *lruEntry[K, V]) {
	if l.root.next != e {
		l.unlink(e)
		l.link(e)
	}
}

// link puts e first.
func (l *LRU[K, V]) link(e *lruEntry[K, V]) {
	e.prev, e.next = &l.root, l.root.next
	l.root.next.prev = e
	l.root.next = e
}

func (l *LRU[K, V]) unlink(e *lruEntry[K, V]) {
	e.prev.next, e.next.prev = e.next, e.prev
	e.prev, e.next = nil, nil
}
