package sdk

import (
	"errors"
	"net/http"
	"time"

	"github.com/consentry/consentry/sdk/internal/consentcookie"
)

// choice is what the consent cookie carries: the visitor's decision, not
// the request's signals (those are read afresh on every request), except
// for the GPC signal at the time of the choice, which tells whether an
// opt-out-regime grant of advertising was made with GPC on.
type choice struct {
	ID      string   `json:"i"`
	Version string   `json:"v"`
	Regime  Regime   `json:"r"`
	Method  Method   `json:"m"`
	Time    int64    `json:"t"` // Unix seconds
	Granted []string `json:"g"`
	GPC     bool     `json:"p,omitempty"`
	DNT     bool     `json:"d,omitempty"`

	timeStr string // Time as RFC 3339, made once (timeText)
}

// prepareChoice fills a freshly decoded choice's cached fields, so every
// copy from the cookie cache carries them.
func prepareChoice(ch *choice) { ch.timeText() }

// timeText returns the choice's time in RFC 3339 (UTC), as the state
// shows it. A cached choice formats it once.
func (ch *choice) timeText() string {
	if ch.timeStr == "" {
		ch.timeStr = formatTime(time.Unix(ch.Time, 0))
	}
	return ch.timeStr
}

// newCookieCodec returns the codec of the consent cookie called name.
func newCookieCodec(name string, keys []KeyPair) (*consentcookie.Codec[choice], error) {
	ks := make([]consentcookie.Key, len(keys))
	for i, k := range keys {
		ks[i] = consentcookie.Key{Hash: k.Hash, Block: k.Block}
	}
	return consentcookie.New(name, ks, MaxCookieAge, func(ch *choice) error {
		if ch.ID == "" || ch.Time <= 0 {
			return errors.New("cookie carries no choice")
		}
		return nil
	})
}

// cookieName is the consent cookie's name for r: with the __Host- prefix
// on HTTPS when no Domain is set, so the browser guarantees the cookie was
// set by this host over HTTPS for the whole site and cannot be planted by
// a sibling subdomain.
func (c *Consent) cookieName(r *http.Request) string {
	if c.opts.CookieDomain == "" && isHTTPS(r) {
		return "__Host-" + c.opts.CookieName
	}
	return c.opts.CookieName
}

// cookie builds the Set-Cookie for value, living maxAge.
func (c *Consent) cookie(r *http.Request, value string, maxAge time.Duration) *http.Cookie {
	return &http.Cookie{
		Name:     c.cookieName(r),
		Value:    value,
		Path:     "/",
		Domain:   c.opts.CookieDomain,
		MaxAge:   int(maxAge / time.Second),
		Expires:  c.now().Add(maxAge).UTC(),
		Secure:   isHTTPS(r),
		HttpOnly: true,
		SameSite: http.SameSiteLaxMode,
	}
}

func isHTTPS(r *http.Request) bool {
	return r.TLS != nil
}
