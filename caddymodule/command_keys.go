package caddymodule

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"

	caddycmd "github.com/caddyserver/caddy/v2/cmd"
	"github.com/caddyserver/certmagic"
	"github.com/spf13/cobra"
)

func init() {
	caddycmd.RegisterCommand(caddycmd.Command{
		Name:  "consent-keys",
		Usage: "[--config <path>] [--adapter <name>] [--rotate [--keep <n>] | --print]",
		Short: "Lists, rotates or prints the consent cookie keys",
		Long: `
Manages the keys that sign and encrypt the consent cookie.

Without flags it lists the key pairs kept in Caddy's storage
(consentry/keys.json in the storage the config names, else Caddy's default
data directory) by fingerprint, never the keys themselves. The first pair
signs new cookies; every pair verifies.

--rotate generates a new pair and puts it first, keeping the older pairs for
verifying (cookies made before stay valid, consent-log records made before
still verify), under Caddy's storage lock. --keep n keeps only the n newest
pairs (default 0: all). Running servers read the keys when their config
loads: run caddy reload on every instance sharing the storage.

--print generates a new pair and prints it as environment variables, for a
config that gives hash_key {env.CONSENT_HASH_KEY} and block_key
{env.CONSENT_BLOCK_KEY}; to rotate such keys, move the old values to a
"key <hash> <block>" line after the new ones.
`,
		CobraFunc: func(cmd *cobra.Command) {
			cmd.Flags().StringP("config", "c", "", "Configuration file naming the storage")
			cmd.Flags().StringP("adapter", "a", "", "Name of config adapter to apply")
			cmd.Flags().Bool("rotate", false, "Generate a new signing pair; keep the old ones for verifying")
			cmd.Flags().Int("keep", 0, "With --rotate: keep only this many newest pairs (0: all)")
			cmd.Flags().Bool("print", false, "Print a new pair as environment variables; storage is not touched")
			cmd.RunE = func(cmd *cobra.Command, _ []string) error {
				fl := caddycmd.Flags{FlagSet: cmd.Flags()}
				return runConsentKeys(cmd.Context(), cmd.OutOrStdout(), fl)
			}
		},
	})
}

// runConsentKeys is the consent-keys command.
func runConsentKeys(ctx context.Context, out io.Writer, fl caddycmd.Flags) error {
	if ctx == nil {
		ctx = context.Background()
	}
	if fl.Bool("print") {
		if fl.Bool("rotate") {
			return errors.New("--print and --rotate: choose one")
		}
		p, err := newStoredPair()
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(out, "CONSENT_HASH_KEY=%s\nCONSENT_BLOCK_KEY=%s\n",
			base64.StdEncoding.EncodeToString(p.HashKey), base64.StdEncoding.EncodeToString(p.BlockKey))
		return err
	}
	if fl.Int("keep") < 0 {
		return fmt.Errorf("--keep %d: want 0 (all) or more", fl.Int("keep"))
	}
	cc, err := loadCommandConfig(fl.String("config"), fl.String("adapter"))
	if err != nil {
		return err
	}
	st, cancel, err := cc.storage()
	if err != nil {
		return err
	}
	defer cancel()
	var sk storedKeys
	if fl.Bool("rotate") {
		if sk, err = rotateStoredKeys(ctx, st, fl.Int("keep")); err != nil {
			return err
		}
		fmt.Fprintf(out, "rotated: a new pair signs, %d older kept for verifying; run caddy reload on every instance sharing this storage\n", len(sk.Keys)-1)
	} else if sk, err = readStoredKeys(ctx, st); errors.Is(err, fs.ErrNotExist) {
		_, err = fmt.Fprintf(out, "no keys in storage yet (%s): the first server to start generates them, or run with --rotate\n", storageKeysPath)
		return err
	} else if err != nil {
		return err
	}
	for i, p := range sk.Keys {
		role := "verifies"
		if i == 0 {
			role = "signs and verifies"
		}
		fmt.Fprintf(out, "%d  %s  hash %d B, block %d B  %s\n", i+1, keyFingerprint(p), len(p.HashKey), len(p.BlockKey), role)
	}
	return nil
}

// keyFingerprint names a pair without revealing it: the first 8 bytes of
// the SHA-256 of its hash key, in hex.
func keyFingerprint(p storedPair) string {
	sum := sha256.Sum256(p.HashKey)
	return hex.EncodeToString(sum[:8])
}

// newStoredPair makes a random pair of the sizes the module generates.
func newStoredPair() (storedPair, error) {
	p := storedPair{HashKey: make([]byte, generatedHashKeyLen), BlockKey: make([]byte, generatedBlockKeyLen)}
	if _, err := rand.Read(p.HashKey); err != nil {
		return p, err
	}
	_, err := rand.Read(p.BlockKey)
	return p, err
}

// readStoredKeys reads the stored document as it is, checked as the
// module checks it.
func readStoredKeys(ctx context.Context, st certmagic.Storage) (storedKeys, error) {
	if _, err := loadStoredKeys(ctx, st); err != nil {
		return storedKeys{}, err
	}
	doc, err := st.Load(ctx, storageKeysPath)
	if err != nil {
		return storedKeys{}, err
	}
	var sk storedKeys
	err = json.Unmarshal(doc, &sk)
	return sk, err
}

// rotateStoredKeys puts a new pair first in storage, keeping the others
// after it (only keep pairs in all when keep > 0), under the lock the
// module takes to generate keys, so a server starting meanwhile sees
// either the old document or the new one.
func rotateStoredKeys(ctx context.Context, st certmagic.Storage, keep int) (storedKeys, error) {
	if err := st.Lock(ctx, storageKeysLock); err != nil {
		return storedKeys{}, fmt.Errorf("locking %s: %w", storageKeysLock, err)
	}
	defer func() { _ = st.Unlock(ctx, storageKeysLock) }()
	old, err := readStoredKeys(ctx, st)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return storedKeys{}, err
	}
	p, err := newStoredPair()
	if err != nil {
		return storedKeys{}, err
	}
	sk := storedKeys{Keys: append([]storedPair{p}, old.Keys...)}
	if keep > 0 && len(sk.Keys) > keep {
		sk.Keys = sk.Keys[:keep]
	}
	doc, err := json.MarshalIndent(sk, "", "\t")
	if err != nil {
		return storedKeys{}, err
	}
	if err := st.Store(ctx, storageKeysPath, doc); err != nil {
		return storedKeys{}, fmt.Errorf("storing %s: %w", storageKeysPath, err)
	}
	return sk, nil
}
