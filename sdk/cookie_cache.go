package sdk

import "time"

// choiceCache keeps recently decoded consent cookies, so a returning
// visitor's cookie is verified (HMAC, decryption, JSON) once a minute
// rather than on every request: a decode costs microseconds, a lookup
// tens of nanoseconds. Only values that decoded successfully are kept,
// keyed by the exact cookie value, so a tampered or foreign value is never
// served from it. It holds at most maxCachedChoices entries and starts
// over when full. A new Consent (a reload, a key rotation) starts empty.
type choiceCache struct {
	m boundedMap[*cachedChoice] // cookie value → its choice
}

// choiceCacheTTL is how long a decoded cookie is trusted without decoding
// it again. The choice's own age (maxAge per regime) is checked on every
// request; only the codec's outer bound (MaxCookieAge) gets this slack.
const choiceCacheTTL = time.Minute

// maxCachedChoices bounds the cache: about 300 B each.
const maxCachedChoices = 8192

type cachedChoice struct {
	ch    choice
	until time.Time
}

// decode returns the choice in value as cookieCodec.decode does, from the
// cache when it holds value and its entry is fresh at now.
func (cc *choiceCache) decode(codec *cookieCodec, value string, now time.Time) (*choice, error) {
	if e, ok := cc.m.load(value); ok && now.Before(e.until) {
		ch := e.ch // callers get their own copy
		return &ch, nil
	}
	ch, err := codec.decode(value)
	if err != nil {
		return nil, err
	}
	ch.timeText() // so every copy from the cache carries it
	cc.m.store(value, &cachedChoice{ch: *ch, until: now.Add(choiceCacheTTL)}, maxCachedChoices)
	return ch, nil
}
