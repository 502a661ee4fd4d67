package caddymodule

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/caddyserver/caddy/v2"
	caddycmd "github.com/caddyserver/caddy/v2/cmd"
	"github.com/caddyserver/certmagic"
)

// commandConfig is a Caddy config as the consent commands read it: the
// JSON (adapted from a Caddyfile when need be) and the storage it names.
type commandConfig struct {
	json []byte
}

// loadCommandConfig loads a config as `caddy run` would (--config and
// --adapter; with neither, a Caddyfile in the current directory if there
// is one).
func loadCommandConfig(configFile, adapter string) (commandConfig, error) {
	cfg, _, _, err := caddycmd.LoadConfig(configFile, adapter)
	if err != nil {
		return commandConfig{}, err
	}
	return commandConfig{json: cfg}, nil
}

// storage returns the config's storage module (the `storage` global
// option), or Caddy's default file system storage, as the running server
// would use it. cancel releases it.
func (cc commandConfig) storage() (st certmagic.Storage, cancel func(), err error) {
	var sv struct {
		StorageRaw json.RawMessage `json:"storage,omitempty" caddy:"namespace=caddy.storage inline_key=module"`
	}
	if len(cc.json) > 0 {
		if err := json.Unmarshal(cc.json, &sv); err != nil {
			return nil, nil, fmt.Errorf("reading the config's storage: %w", err)
		}
	}
	ctx, cancelCtx := caddy.NewContext(caddy.Context{Context: context.Background()})
	if sv.StorageRaw == nil {
		return caddy.DefaultStorage, cancelCtx, nil
	}
	mod, err := ctx.LoadModule(&sv, "StorageRaw")
	if err != nil {
		cancelCtx()
		return nil, nil, fmt.Errorf("loading the config's storage: %w", err)
	}
	st, err = mod.(caddy.StorageConverter).CertMagicStorage()
	if err != nil {
		cancelCtx()
		return nil, nil, err
	}
	return st, cancelCtx, nil
}

// consentHandlers returns every consent handler in the config, wherever
// its routes put it (servers, subroutes, handle blocks).
func (cc commandConfig) consentHandlers() ([]*Handler, error) {
	var doc any
	if len(cc.json) > 0 {
		if err := json.Unmarshal(cc.json, &doc); err != nil {
			return nil, err
		}
	}
	var raws []json.RawMessage
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if v["handler"] == "consent" {
				if b, err := json.Marshal(v); err == nil {
					raws = append(raws, b)
				}
			}
			for _, x := range v {
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	walk(doc)
	out := make([]*Handler, 0, len(raws))
	for _, raw := range raws {
		h := new(Handler)
		if err := json.Unmarshal(raw, h); err != nil {
			return nil, fmt.Errorf("a consent handler: %w", err)
		}
		out = append(out, h)
	}
	return out, nil
}
