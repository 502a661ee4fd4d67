package caddymodule

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"strings"

	"github.com/caddyserver/certmagic"

	"github.com/consentry/consentry/sdk"
)

// KeyConfig is one cookie key pair as configured. Both keys are strings in
// hex or base64 (standard or URL alphabet, padded or not) and may hold
// placeholders such as {env.CONSENT_HASH_KEY}.
type KeyConfig struct {
	// HashKey is the HMAC-SHA256 key: 32 or 64 bytes once decoded.
	HashKey string `json:"hash_key,omitempty"`
	// BlockKey is the optional AES key: 16, 24 or 32 bytes once decoded.
	// Without it the cookie is signed but not encrypted.
	BlockKey string `json:"block_key,omitempty"`
}

// Where generated keys live in Caddy's storage, and the lock that makes
// sure only one instance generates them.
const (
	storageKeysPath = "consentry/keys.json"
	storageKeysLock = "consentry_keys"
)

// Sizes of generated keys, the largest securecookie accepts.
const (
	generatedHashKeyLen  = 64
	generatedBlockKeyLen = 32
)

// storedKeys is the JSON document kept at storageKeysPath.
type storedKeys struct {
	Keys []storedPair `json:"keys"`
}

type storedPair struct {
	HashKey  []byte `json:"hash_key"`  // base64 in JSON
	BlockKey []byte `json:"block_key"` // base64 in JSON
}

// decodeKey decodes a configured key written in hex or base64 and checks
// that its decoded length is one of valid. name is the directive, for the
// error message; the key itself is never echoed.
func decodeKey(name, s string, valid ...int) ([]byte, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, fmt.Errorf("%s: empty (if it comes from a placeholder such as {env.…}, is that variable set?)", name)
	}
	ok := func(b []byte) bool {
		for _, n := range valid {
			if len(b) == n {
				return true
			}
		}
		return false
	}
	hexLen := -1
	if b, err := hex.DecodeString(s); err == nil {
		if ok(b) {
			return b, nil
		}
		hexLen = len(b)
	}
	b64Len := -1
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil {
			if ok(b) {
				return b, nil
			}
			if b64Len < 0 {
				b64Len = len(b)
			}
		}
	}
	switch {
	case hexLen >= 0:
		return nil, fmt.Errorf("%s: %d hex digits decode to %d bytes, want %s", name, len(s), hexLen, wantKey(valid))
	case b64Len >= 0:
		return nil, fmt.Errorf("%s: %d characters, not hex, decode as base64 to %d bytes, want %s", name, len(s), b64Len, wantKey(valid))
	}
	return nil, fmt.Errorf("%s: not valid hex or base64 (%d characters), want %s", name, len(s), wantKey(valid))
}

// wantKey says which key lengths and encodings are accepted: "32 or 64
// bytes, written as 64 or 128 hex digits or as base64 (44 or 88
// characters; standard or URL alphabet, padding optional)".
func wantKey(valid []int) string {
	hexes, b64s := make([]int, len(valid)), make([]int, len(valid))
	for i, n := range valid {
		hexes[i], b64s[i] = 2*n, base64.StdEncoding.EncodedLen(n)
	}
	return fmt.Sprintf("%s bytes, written as %s hex digits or as base64 (%s characters; standard or URL alphabet, padding optional)",
		orList(valid), orList(hexes), orList(b64s))
}

func decodeHashKey(s string) ([]byte, error)  { return decodeKey("hash_key", s, 32, 64) }
func decodeBlockKey(s string) ([]byte, error) { return decodeKey("block_key", s, 16, 24, 32) }

// decodePair decodes a configured pair after replacing placeholders.
func decodePair(kc KeyConfig, replace func(string) string) (sdk.KeyPair, error) {
	var kp sdk.KeyPair
	if kc.HashKey == "" {
		return kp, errBlockAlone
	}
	var err error
	if kp.Hash, err = decodeHashKey(replace(kc.HashKey)); err != nil {
		return kp, err
	}
	if kc.BlockKey != "" {
		if kp.Block, err = decodeBlockKey(replace(kc.BlockKey)); err != nil {
			return kp, err
		}
	}
	return kp, nil
}

// storageKeys returns the key pairs kept in storage, generating and storing
// a pair first if there is none. Every instance that shares the storage
// therefore shares the keys, and restarts keep visitors' choices.
func storageKeys(ctx context.Context, storage certmagic.Storage) ([]sdk.KeyPair, error) {
	// 1. The common case: the keys are already there.
	keys, err := loadStoredKeys(ctx, storage)
	if err == nil || !errors.Is(err, fs.ErrNotExist) {
		return keys, err
	}

	// 2. Take the lock and look again: another instance may have
	// generated them while we waited.
	if err := storage.Lock(ctx, storageKeysLock); err != nil {
		return nil, fmt.Errorf("locking %s: %w", storageKeysLock, err)
	}
	defer func() { _ = storage.Unlock(ctx, storageKeysLock) }()
	keys, err = loadStoredKeys(ctx, storage)
	if err == nil || !errors.Is(err, fs.ErrNotExist) {
		return keys, err
	}

	// 3. Generate, store.
	pair := storedPair{HashKey: make([]byte, generatedHashKeyLen), BlockKey: make([]byte, generatedBlockKeyLen)}
	if _, err := rand.Read(pair.HashKey); err != nil {
		return nil, err
	}
	if _, err := rand.Read(pair.BlockKey); err != nil {
		return nil, err
	}
	doc, err := json.MarshalIndent(storedKeys{Keys: []storedPair{pair}}, "", "\t")
	if err != nil {
		return nil, err
	}
	if err := storage.Store(ctx, storageKeysPath, doc); err != nil {
		return nil, fmt.Errorf("storing %s: %w", storageKeysPath, err)
	}
	return []sdk.KeyPair{{Hash: pair.HashKey, Block: pair.BlockKey}}, nil
}

// loadStoredKeys reads and checks the stored keys; a missing document is
// an error wrapping fs.ErrNotExist.
func loadStoredKeys(ctx context.Context, storage certmagic.Storage) ([]sdk.KeyPair, error) {
	doc, err := storage.Load(ctx, storageKeysPath)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		return nil, fmt.Errorf("loading %s: %w", storageKeysPath, err)
	}
	var sk storedKeys
	if err := json.Unmarshal(doc, &sk); err != nil {
		return nil, fmt.Errorf("%s: %w", storageKeysPath, err)
	}
	if len(sk.Keys) == 0 {
		return nil, fmt.Errorf("%s: no keys", storageKeysPath)
	}
	out := make([]sdk.KeyPair, 0, len(sk.Keys))
	for i, p := range sk.Keys {
		if n := len(p.HashKey); n != 32 && n != 64 {
			return nil, fmt.Errorf("%s: key %d: hash key is %d bytes, want 32 or 64", storageKeysPath, i, n)
		}
		if n := len(p.BlockKey); n != 0 && n != 16 && n != 24 && n != 32 {
			return nil, fmt.Errorf("%s: key %d: block key is %d bytes, want 16, 24 or 32", storageKeysPath, i, n)
		}
		out = append(out, sdk.KeyPair{Hash: p.HashKey, Block: p.BlockKey})
	}
	return out, nil
}

// orList renders 16, 24, 32 as "16, 24 or 32".
func orList(ns []int) string {
	var b strings.Builder
	for i, n := range ns {
		switch {
		case i == 0:
		case i == len(ns)-1:
			b.WriteString(" or ")
		default:
			b.WriteString(", ")
		}
		fmt.Fprint(&b, n)
	}
	return b.String()
}
