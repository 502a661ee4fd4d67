// Package consentcookie signs the visitor's choice into the consent cookie
// and reads it back: the codec (HMAC-SHA256, optional AES encryption, key
// rotation, size and age bounds), a cache of verified values, and the
// lookup of the cookie in a request. It is generic over the payload, which
// the engine defines.
package consentcookie

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

// MaxValue bounds the encoded cookie value; anything larger is not ours
// (browsers cap a cookie at 4096 bytes including its name).
const MaxValue = 3800

// Key is one key pair: a hash key of 32 or 64 bytes for the HMAC, and an
// optional block key of 16, 24 or 32 bytes for AES encryption.
type Key struct {
	Hash, Block []byte
}

// RandomKey returns n random bytes, for keys that live only as long as
// the process.
func RandomKey(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
}

// Codec signs (and optionally encrypts) values of T into cookie values.
// The first key signs; every key verifies, so keys can be rotated.
type Codec[T any] struct {
	codecs []securecookie.Codec
	name   string
	check  func(*T) error
}

// New returns a Codec for the cookie called name. Values older than maxAge
// are refused. check, if not nil, refuses a decoded value that carries no
// valid payload. With no keys, a random pair is made.
func New[T any](name string, keys []Key, maxAge time.Duration, check func(*T) error) (*Codec[T], error) {
	if len(keys) == 0 {
		keys = []Key{{Hash: RandomKey(64), Block: RandomKey(32)}}
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
		sc.MaxAge(int(maxAge / time.Second))
		sc.MaxLength(MaxValue)
		sc.HashFunc(sha256.New) // HMAC-SHA256 (securecookie's default, made explicit)
	}
	return &Codec[T]{codecs: codecs, name: name, check: check}, nil
}

// Encode returns the signed cookie value for v.
func (c *Codec[T]) Encode(v *T) (string, error) {
	return securecookie.EncodeMulti(c.name, v, c.codecs...)
}

// Decode returns the payload in value, or an error for anything that is
// not a valid, unexpired cookie of ours. Callers treat every error as "no
// choice yet": a bad cookie is never consent and never a failed request.
func (c *Codec[T]) Decode(value string) (*T, error) {
	if len(value) > MaxValue {
		return nil, errors.New("cookie value too long")
	}
	v := new(T)
	if err := securecookie.DecodeMulti(c.name, value, v, c.codecs...); err != nil {
		return nil, err
	}
	if c.check != nil {
		if err := c.check(v); err != nil {
			return nil, err
		}
	}
	return v, nil
}

// Value returns the value of the cookie called name in the request's
// Cookie headers, as http.Request.Cookie finds it (surrounding double
// quotes removed), without parsing every other cookie into an
// http.Cookie, and n, how many cookies of that name the request carries,
// counted up to 2. value is set only when n is 1: when a request carries
// several, one was set by someone else (a sibling subdomain with a parent
// Domain, a page under a longer Path) and the browser does not say which
// is ours, so the caller takes none of them. The codec rejects any value
// that is not its own.
func Value(h http.Header, name string) (value string, n int) {
	for p := range httpfield.Cookies(h["Cookie"]) {
		if p.HasEq && p.Name == name {
			if n++; n > 1 {
				return "", n
			}
			value = p.Unquoted()
		}
	}
	return value, n
}
