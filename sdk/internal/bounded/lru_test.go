package bounded

import (
	"fmt"
	"slices"
	"testing"
)

// keys lists l's keys, most recently used first.
func keys[V any](l *LRU[string, V]) []string {
	var out []string
	for k := range l.All {
		out = append(out, k)
	}
	return out
}

// TestLRUEvictsLeastRecentlyUsed: a full LRU drops the entry used least
// recently (by Get or Put, not Peek) and reports it.
func TestLRUEvictsLeastRecentlyUsed(t *testing.T) {
	l := NewLRU[string, int](3)
	for i, k := range []string{"a", "b", "c"} {
		if _, _, ev := l.Put(k, i); ev {
			t.Fatalf("Put(%s) evicted below the limit", k)
		}
	}
	l.Get("a")  // a is now the most recent
	l.Peek("b") // b stays the least recent
	if k, v, ok := l.Oldest(); !ok || k != "b" || v != 1 {
		t.Errorf("Oldest = %q=%d (%v), want b=1", k, v, ok)
	}
	k, v, ev := l.Put("d", 3)
	if !ev || k != "b" || v != 1 {
		t.Errorf("Put(d) evicted %q=%d (%v), want b=1", k, v, ev)
	}
	if got, want := keys(l), []string{"d", "a", "c"}; !slices.Equal(got, want) {
		t.Errorf("keys = %q, want %q", got, want)
	}
	l.Put("c", 30) // an update is a use, and evicts nothing
	if got, want := keys(l), []string{"c", "d", "a"}; !slices.Equal(got, want) {
		t.Errorf("keys after update = %q, want %q", got, want)
	}
	if v, ok := l.Get("c"); !ok || v != 30 {
		t.Errorf("Get(c) = %d, %v; want 30", v, ok)
	}
	l.Delete("d")
	if _, ok := l.Get("d"); ok || l.Len() != 2 {
		t.Errorf("Delete(d) left it, or Len = %d", l.Len())
	}
	l.Clear()
	if l.Len() != 0 || len(keys(l)) != 0 {
		t.Errorf("Clear left %d entries", l.Len())
	}
	if _, _, ok := l.Oldest(); ok {
		t.Error("Oldest of an empty LRU reported an entry")
	}
	l.Put("e", 5)
	if got := keys(l); !slices.Equal(got, []string{"e"}) {
		t.Errorf("keys after Clear and Put = %q", got)
	}
}

// TestLRUFlood: a flood of new keys never grows it past its limit, and
// keeps the latest ones.
func TestLRUFlood(t *testing.T) {
	const n = 64
	l := NewLRU[string, int](n)
	for i := range 100 * n {
		l.Put(fmt.Sprint(i), i)
		if l.Len() > n {
			t.Fatalf("Len = %d after %d puts, want at most %d", l.Len(), i+1, n)
		}
	}
	for i := 99 * n; i < 100*n; i++ {
		if v, ok := l.Peek(fmt.Sprint(i)); !ok || v != i {
			t.Fatalf("latest key %d lost", i)
		}
	}
}
