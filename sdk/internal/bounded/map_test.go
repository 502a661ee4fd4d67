package bounded

import (
	"fmt"
	"sync"
	"testing"
)

// TestMapStartsOver: a full map empties before the next store, so it never
// holds more than max entries, and what it answers is what was stored.
func TestMapStartsOver(t *testing.T) {
	var m Map[int]
	const max = 4
	for i := range max {
		m.Store(fmt.Sprint(i), i, max)
	}
	for i := range max {
		if v, ok := m.Load(fmt.Sprint(i)); !ok || v != i {
			t.Fatalf("Load(%d) = %d, %v", i, v, ok)
		}
	}
	m.Store("new", 99, max)
	if v, ok := m.Load("new"); !ok || v != 99 {
		t.Fatalf("Load(new) = %d, %v", v, ok)
	}
	if _, ok := m.Load("0"); ok {
		t.Errorf("a full map kept its entries")
	}
	if n := m.n.Load(); n != 1 {
		t.Errorf("%d entries counted after starting over, want 1", n)
	}
}

// TestMapConcurrent: concurrent stores never count past max for long.
func TestMapConcurrent(t *testing.T) {
	var m Map[int]
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 1000 {
				m.Store(fmt.Sprint(g, i), i, 64)
				m.Load(fmt.Sprint(g, i))
			}
		}()
	}
	wg.Wait()
	n := 0
	m.m.Range(func(any, any) bool { n++; return true })
	if n > 64+4 {
		t.Errorf("%d entries held, want at most about 64", n)
	}
}
