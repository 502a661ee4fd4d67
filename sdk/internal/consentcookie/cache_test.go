package consentcookie

import (
	"testing"
	"time"
)

// TestCache: a cookie decoded once is answered from the cache while fresh
// and decoded again after TTL; a value that fails to decode is never
// cached; callers get copies; the cache starts over when full.
func TestCache(t *testing.T) {
	c := testCodec(t, 'h')
	good, err := c.Encode(&payload{ID: "abc"})
	if err != nil {
		t.Fatal(err)
	}
	var cc Cache[payload]
	now := time.Now()
	prepared := 0
	p, err := cc.Decode(c, good, now, func(*payload) { prepared++ })
	if err != nil {
		t.Fatal(err)
	}
	p.ID = "changed by a caller"
	// A codec that can decode nothing proves the next answer is cached.
	other := testCodec(t, 'x')
	again, err := cc.Decode(other, good, now.Add(TTL-time.Second), nil)
	if err != nil || again.ID != "abc" {
		t.Fatalf("cached decode = %+v, %v; want the original payload", again, err)
	}
	if prepared != 1 {
		t.Errorf("prepare ran %d times, want once", prepared)
	}
	if _, err := cc.Decode(other, good, now.Add(TTL), nil); err == nil {
		t.Errorf("an entry past its TTL was served without decoding")
	}
	tampered := good[:len(good)-2] + "xx"
	for range 2 {
		if _, err := cc.Decode(c, tampered, now, nil); err == nil {
			t.Fatalf("tampered value decoded")
		}
	}
	if cc.cachedValue(tampered) {
		t.Errorf("a value that failed to decode was cached")
	}
	for i := range MaxCached + 1 {
		v, _ := c.Encode(&payload{ID: string(rune('a' + i%26))})
		_, _ = cc.Decode(c, v, now.Add(2*TTL), nil)
	}
	if cc.cachedValue(good) {
		t.Errorf("cache not started over when full")
	}
}

// cachedValue reports whether value is in the cache.
func (c *Cache[T]) cachedValue(value string) bool {
	_, ok := c.m.Load(value)
	return ok
}
