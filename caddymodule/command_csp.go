package caddymodule

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"

	"github.com/caddyserver/caddy/v2"
	caddycmd "github.com/caddyserver/caddy/v2/cmd"
	"github.com/spf13/cobra"

	"github.com/consentry/consentry/sdk"
)

func init() {
	caddycmd.RegisterCommand(caddycmd.Command{
		Name:  "consent-csp",
		Usage: "[--config <path>] [--adapter <name>]",
		Short: "Prints the CSP hashes of the inline scripts consent injects",
		Long: `
Prints the Content-Security-Policy hash sources ('sha256-…') of every inline
script the consent handlers of the config put into pages: the guard and the
vendors' consent defaults, for every visitor state. A script-src without
nonces must list them all, and the banner's origin ('self'), or the browser
blocks the guard and tags inserted later run unchecked.

The list depends on this build and on the config (signals, categories):
print it again after an upgrade or a config change. With a nonce in the
page's CSP, no hashes are needed: the injected scripts carry the nonce.
`,
		CobraFunc: func(cmd *cobra.Command) {
			cmd.Flags().StringP("config", "c", "", "Configuration file")
			cmd.Flags().StringP("adapter", "a", "", "Name of config adapter to apply")
			cmd.RunE = func(cmd *cobra.Command, _ []string) error {
				fl := caddycmd.Flags{FlagSet: cmd.Flags()}
				return runConsentCSP(cmd.OutOrStdout(), fl.String("config"), fl.String("adapter"))
			}
		},
	})
}

// runConsentCSP is the consent-csp command: it builds the consent engine
// of each consent handler in the config (without its consent log, and
// with throwaway keys when the keys live in storage: neither changes what
// is injected) and prints the union of their inline script hashes on one
// line, ready for script-src.
func runConsentCSP(out io.Writer, configFile, adapter string) error {
	cc, err := loadCommandConfig(configFile, adapter)
	if err != nil {
		return err
	}
	handlers, err := cc.consentHandlers()
	if err != nil {
		return err
	}
	if len(handlers) == 0 {
		return errors.New("the config has no consent handler")
	}
	var all []string
	for _, h := range handlers {
		hashes, err := handlerScriptHashes(h)
		if err != nil {
			return err
		}
		for _, x := range hashes {
			if !slices.Contains(all, x) {
				all = append(all, x)
			}
		}
	}
	slices.Sort(all)
	_, err = fmt.Fprintln(out, strings.Join(all, " "))
	return err
}

// handlerScriptHashes builds h's engine as Provision would, minus the
// consent log, the GeoIP database and stored keys, and returns its
// InlineScriptHashes.
func handlerScriptHashes(h *Handler) ([]string, error) {
	// The keys change nothing the page carries; leaving them out spares
	// needing the {env.…} they may come from.
	hc := *h
	hc.HashKey, hc.BlockKey, hc.Keys = "", "", nil
	if err := hc.Validate(); err != nil {
		return nil, err
	}
	opts, err := hc.options(caddy.NewReplacer())
	if err != nil {
		return nil, err
	}
	if len(opts.Keys) == 0 {
		p, err := newStoredPair()
		if err != nil {
			return nil, err
		}
		opts.Keys = []sdk.KeyPair{{Hash: p.HashKey, Block: p.BlockKey}}
	}
	opts.Logger = slog.New(slog.DiscardHandler)
	c, err := sdk.New(opts)
	if err != nil {
		return nil, fmt.Errorf("consent: %w", err)
	}
	defer c.Close()
	return c.InlineScriptHashes(), nil
}
