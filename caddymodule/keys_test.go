package caddymodule

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/certmagic"

	"github.com/consentry/consentry/sdk"
)

func TestDecodeKey(t *testing.T) {
	raw32 := bytes.Repeat([]byte{0xfb, 0xff, 0x01}, 11)[:32] // has '+', '/' in std base64
	raw64 := bytes.Repeat([]byte{0xfe, 0x10}, 32)
	tests := []struct {
		name  string
		in    string
		valid []int
		want  []byte
		err   string
	}{
		{"hex 32", hex.EncodeToString(raw32), []int{32, 64}, raw32, ""},
		{"hex 64 upper", strings.ToUpper(hex.EncodeToString(raw64)), []int{32, 64}, raw64, ""},
		{"base64 std padded", base64.StdEncoding.EncodeToString(raw32), []int{32, 64}, raw32, ""},
		{"base64 std raw", base64.RawStdEncoding.EncodeToString(raw32), []int{32, 64}, raw32, ""},
		{"base64 url padded", base64.URLEncoding.EncodeToString(raw32), []int{32, 64}, raw32, ""},
		{"base64 url raw", base64.RawURLEncoding.EncodeToString(raw64), []int{32, 64}, raw64, ""},
		{"surrounding space", " " + hex.EncodeToString(raw32) + "\n", []int{32, 64}, raw32, ""},
		{"hex wrong length", hex.EncodeToString(raw32[:20]), []int{32, 64}, nil, "40 hex digits decode to 20 bytes, want 32 or 64 bytes"},
		{"base64 wrong length", base64.StdEncoding.EncodeToString(raw32[:10]), []int{16, 24, 32}, nil, "16 characters, not hex, decode as base64 to 10 bytes, want 16, 24 or 32 bytes, written as 32, 48 or 64 hex digits or as base64 (24, 32 or 44 characters"},
		{"not an encoding", "%%%", []int{32}, nil, "not valid hex or base64 (3 characters)"},
		{"empty", "", []int{32}, nil, "empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := decodeKey("k", tt.in, tt.valid...)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want %q", err, tt.err)
				}
				if strings.Contains(err.Error(), tt.in) && tt.in != "" {
					t.Errorf("error %q echoes the key", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, tt.want) {
				t.Errorf("got %x, want %x", got, tt.want)
			}
		})
	}
}

func TestOptionsKeys(t *testing.T) {
	t.Setenv("CONSENTRY_TEST_HASH", hash32Hex)
	t.Setenv("CONSENTRY_TEST_EMPTY", "")
	first, _ := hex.DecodeString(hash32Hex)
	block, _ := hex.DecodeString(block16Hex)
	second, _ := base64.StdEncoding.DecodeString(hash64B64)

	h := Handler{
		HashKey:  "{env.CONSENTRY_TEST_HASH}",
		BlockKey: block16Hex,
		Keys:     []KeyConfig{{HashKey: hash64B64}},
	}
	o, err := h.options(caddy.NewReplacer())
	if err != nil {
		t.Fatal(err)
	}
	want := []sdk.KeyPair{{Hash: first, Block: block}, {Hash: second}}
	if len(o.Keys) != len(want) {
		t.Fatalf("got %d key pairs, want %d", len(o.Keys), len(want))
	}
	for i := range want {
		if !bytes.Equal(o.Keys[i].Hash, want[i].Hash) || !bytes.Equal(o.Keys[i].Block, want[i].Block) {
			t.Errorf("pair %d = %x/%x, want %x/%x", i, o.Keys[i].Hash, o.Keys[i].Block, want[i].Hash, want[i].Block)
		}
	}

	h = Handler{HashKey: "{env.CONSENTRY_TEST_EMPTY}"}
	if _, err := h.options(caddy.NewReplacer()); err == nil || !strings.Contains(err.Error(), "hash_key: empty") {
		t.Errorf("unset variable: err = %v, want hash_key: empty", err)
	}
	h = Handler{Keys: []KeyConfig{{HashKey: hash32Hex}, {HashKey: shortHashHex}}}
	if _, err := h.options(caddy.NewReplacer()); err == nil || !strings.Contains(err.Error(), "keys[1]: hash_key") {
		t.Errorf("bad second pair: err = %v, want keys[1]: hash_key", err)
	}
	if o, err := (&Handler{}).options(caddy.NewReplacer()); err != nil || len(o.Keys) != 0 {
		t.Errorf("no keys configured: got %d pairs, err %v; want none", len(o.Keys), err)
	}
}

func TestOptionsMapping(t *testing.T) {
	h := Handler{
		PolicyVersion: "2022-08",
		MaxAge:        map[string]caddy.Duration{"opt-in": 2 * day},
		DefaultRegime: "notice",
		Texts:         map[string]map[string]string{"*": {"title": "T"}, "ja": {"title": "J"}},
	}
	o, err := h.options(caddy.NewReplacer())
	if err != nil {
		t.Fatal(err)
	}
	if o.PolicyVersion != "2022-08" || o.DefaultRegime != sdk.RegimeNotice {
		t.Errorf("policy version %q, regime %q", o.PolicyVersion, o.DefaultRegime)
	}
	if got := o.MaxAge[sdk.RegimeOptIn]; got != 48*3600e9 {
		t.Errorf("max age opt-in = %s, want 48h", got)
	}
	if o.Texts[""]["title"] != "T" || o.Texts["ja"]["title"] != "J" || o.Texts["*"] != nil {
		t.Errorf("texts = %v, want \"*\" mapped to \"\"", o.Texts)
	}
}

func TestStorageKeysGeneratedOnceAndShared(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	storage := &certmagic.FileStorage{Path: dir}

	first, err := storageKeys(ctx, storage)
	if err != nil {
		t.Fatal(err)
	}
	if len(first) != 1 || len(first[0].Hash) != generatedHashKeyLen || len(first[0].Block) != generatedBlockKeyLen {
		t.Fatalf("generated %d pairs (%d/%d bytes), want 1 pair of %d/%d bytes",
			len(first), len(first[0].Hash), len(first[0].Block), generatedHashKeyLen, generatedBlockKeyLen)
	}
	if _, err := os.Stat(filepath.Join(dir, filepath.FromSlash(storageKeysPath))); err != nil {
		t.Fatalf("keys not stored: %v", err)
	}

	// A second instance on the same storage (or a restart) reads them.
	second, err := storageKeys(ctx, &certmagic.FileStorage{Path: dir})
	if err != nil {
		t.Fatal(err)
	}
	if !samePairs(first, second) {
		t.Error("second provision got different keys")
	}

	// Another storage gets its own keys.
	other, err := storageKeys(ctx, &certmagic.FileStorage{Path: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if samePairs(first, other) {
		t.Error("separate storages share keys")
	}
}

func TestStorageKeysConcurrentGenerateOnce(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	const n = 4
	got := make([][]sdk.KeyPair, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			got[i], errs[i] = storageKeys(ctx, &certmagic.FileStorage{Path: dir})
		})
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("instance %d: %v", i, errs[i])
		}
		if !samePairs(got[0], got[i]) {
			t.Errorf("instance %d got different keys from instance 0", i)
		}
	}
}

func TestStorageKeysBadDocument(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name, doc, err string
	}{
		{"not json", "{", "consentry/keys.json"},
		{"no keys", `{"keys":[]}`, "no keys"},
		{"short hash key", `{"keys":[{"hash_key":"` + base64.StdEncoding.EncodeToString(make([]byte, 10)) + `"}]}`, "hash key is 10 bytes"},
		{"bad block key", `{"keys":[{"hash_key":"` + base64.StdEncoding.EncodeToString(make([]byte, 32)) + `","block_key":"AAAA"}]}`, "block key is 3 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			storage := &certmagic.FileStorage{Path: t.TempDir()}
			if err := storage.Store(ctx, storageKeysPath, []byte(tt.doc)); err != nil {
				t.Fatal(err)
			}
			_, err := storageKeys(ctx, storage)
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("err = %v, want %q", err, tt.err)
			}
			// A broken document is reported, never silently replaced.
			if doc, _ := storage.Load(ctx, storageKeysPath); string(doc) != tt.doc {
				t.Errorf("document was overwritten with %q", doc)
			}
		})
	}
}

func TestStorageKeysExistingDocument(t *testing.T) {
	ctx := context.Background()
	storage := &certmagic.FileStorage{Path: t.TempDir()}
	hash := bytes.Repeat([]byte{7}, 32)
	doc := `{"keys":[{"hash_key":"` + base64.StdEncoding.EncodeToString(hash) + `"}]}`
	if err := storage.Store(ctx, storageKeysPath, []byte(doc)); err != nil {
		t.Fatal(err)
	}
	got, err := storageKeys(ctx, storage)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || !bytes.Equal(got[0].Hash, hash) || len(got[0].Block) != 0 {
		t.Errorf("got %+v, want the stored hash key and no block key", got)
	}
}

func samePairs(a, b []sdk.KeyPair) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !bytes.Equal(a[i].Hash, b[i].Hash) || !bytes.Equal(a[i].Block, b[i].Block) {
			return false
		}
	}
	return true
}
