package sdk

import (
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/consentry/consentry/sdk/internal/httpfield"
	"github.com/gorilla/securecookie"
)

// maxCookieValue bounds the encoded cookie value; anything larger is not
// ours (browsers cap a cookie at 4096 bytes including its name).
const maxCookieValue = 3800

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

// timeText returns the choice's time in RFC 3339 (UTC), as the state
// shows it. A cached choice formats it once.
func (ch *choice) timeText() string {
	if ch.timeStr == "" {
		ch.timeStr = formatTime(time.Unix(ch.Time, 0))
	}
	return ch.timeStr
}

// cookieValue returns the value of the first cookie called name in the
// request's Cookie headers, as http.Request.Cookie finds it (surrounding
// double quotes removed), without parsing every other cookie into an
// http.Cookie. The codec rejects any value that is not its own.
func cookieValue(h http.Header, name string) (string, bool) {
	for p := range httpfield.Cookies(h["Cookie"]) {
		if p.HasEq && p.Name == name {
			return p.Unquoted(), true
		}
	}
	return "", false
}

// cookieCodec signs (and optionally encrypts) choices into cookie values.
type cookieCodec struct {
	codecs []securecookie.Codec
	name   string
}

func newCookieCodec(name string, keys []KeyPair) (*cookieCodec, error) {
	if len(keys) == 0 {
		keys = []KeyPair{{Hash: randomKey(64), Block: randomKey(32)}}
	}
	var pairs [][]byte
	for i, k := range keys {
		if n := len(k.Hash); n != 32 && n != 64 {
			return nil, fmt.Errorf("key pair %d: hash key must be 32 or 64 bytes, got %d", i+1, n)
		}
		if n := len(k.Block); n != 0 && n != 16 && n != 24 && n != 32 {
			return nil, fmt.Errorf("key pair %d: block key must be 16, 24 or 32 bytes, got %d", i+1, n)
		}
		var block []byte
		if len(k.Block) > 0 {
			block = k.Block
		}
		pairs = append(pairs, k.Hash, block)
	}
	codecs := securecookie.CodecsFromPairs(pairs...)
	for _, c := range codecs {
		sc := c.(*securecookie.SecureCookie)
		sc.SetSerializer(securecookie.JSONEncoder{})
		sc.MaxAge(int(MaxCookieAge / time.Second))
		sc.MaxLength(maxCookieValue)
		sc.HashFunc(sha256.New) // HMAC-SHA256 (securecookie's default, made explicit)
	}
	return &cookieCodec{codecs: codecs, name: name}, nil
}

// encode returns the signed cookie value for ch.
func (cc *cookieCodec) encode(ch *choice) (string, error) {
	return securecookie.EncodeMulti(cc.name, ch, cc.codecs...)
}

// decode returns the choice in value, or an error for anything that is not
// a valid, unexpired cookie of ours. Callers treat every error as "no
// choice yet": a bad cookie is never consent and never a failed request.
func (cc *cookieCodec) decode(value string) (*choice, error) {
	if len(value) > maxCookieValue {
		return nil, errors.New("cookie value too long")
	}
	var ch choice
	if err := securecookie.DecodeMulti(cc.name, value, &ch, cc.codecs...); err != nil {
		return nil, err
	}
	if ch.ID == "" || ch.Time <= 0 {
		return nil, errors.New("cookie carries no choice")
	}
	return &ch, nil
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

func randomKey(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
}
