package consentcookie

import (
	"time"

	"github.com/consentry/consentry/sdk/internal/bounded"
)

// Cache keeps recently decoded cookie values, so a returning visitor's
// cookie is verified (HMAC, decryption, JSON) once per TTL rather than on
// every request: a decode costs microseconds, a lookup tens of
// nanoseconds. Only values that decoded successfully are kept, keyed by
// the exact cookie value, so a tampered or foreign value is never served
// from it. It holds at most MaxCached entries and starts over when full.
// The zero value is ready to use; a new engine (a reload, a key rotation)
// starts with an empty one.
type Cache[T any] struct {
	m bounded.Map[*cached[T]] // cookie value → its payload
}

// TTL is how long a decoded cookie is trusted without decoding it again.
// The choice's own age is checked by the caller on every request; only the
// codec's outer bound gets this slack.
const TTL = time.Minute

// MaxCached bounds the cache: about 300 B each.
const MaxCached = 8192

type cached[T any] struct {
	v     T
	until time.Time
}

// Decode returns the payload in value as codec.Decode does, from the cache
// when it holds value and its entry is fresh at now. prepare, if not nil,
// runs once on a freshly decoded payload before it is cached (to fill
// fields every copy should carry). Callers get their own copy.
func (c *Cache[T]) Decode(codec *Codec[T], value string, now time.Time, prepare func(*T)) (*T, error) {
	if e, ok := c.m.Load(value); ok && now.Before(e.until) {
		v := e.v
		return &v, nil
	}
	v, err := codec.Decode(value)
	if err != nil {
		return nil, err
	}
	if prepare != nil {
		prepare(v)
	}
	c.m.Store(value, &cached[T]{v: *v, until: now.Add(TTL)}, MaxCached)
	return v, nil
}
