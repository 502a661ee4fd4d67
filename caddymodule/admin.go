package caddymodule

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"github.com/caddyserver/caddy/v2/caddyconfig/httpcaddyfile"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"go.uber.org/zap/exp/zapslog"

	"github.com/consentry/consentry/sdk/admin"
	"github.com/consentry/consentry/sdk/consentlog"
)

func init() {
	caddy.RegisterModule(Admin{})
	httpcaddyfile.RegisterHandlerDirective("consent_admin", parseAdminCaddyfile)
	httpcaddyfile.RegisterDirectiveOrder("consent_admin", httpcaddyfile.Before, "file_server")
}

// Admin serves the operator's view of the consent log and the live
// inventory: record lookup and CSV/JSON export, opt-in rates per category
// and day, and every cookie and third-party host the consent handlers have
// seen. It has no authentication of its own: mount it behind basic_auth or
// forward_auth, e.g.
//
//	route /consent-admin/* {
//		basic_auth {
//			admin <bcrypt hash>
//		}
//		consent_admin
//	}
type Admin struct {
	// Log is the consent log to read; give it the same store as the
	// consent handler. Default: the default SQLite file.
	Log *LogConfig `json:"log,omitempty"`

	// Title heads every page. Default: "Consentry".
	Title string `json:"title,omitempty"`

	// Sites are sites sharing the log, as the consent handlers record
	// them ("shop.example.com", "*.example.com"), offered in the
	// overview's site fields besides those the log holds decisions of in
	// the period shown. Default: none; any site can be typed.
	Sites []string `json:"sites,omitempty"`

	handler http.Handler
	key     string
}

// CaddyModule returns the Caddy module information.
func (Admin) CaddyModule() caddy.ModuleInfo {
	return caddy.ModuleInfo{
		ID:  "http.handlers.consent_admin",
		New: func() caddy.Module { return new(Admin) },
	}
}

// stores holds the admin views' store connections, shared by admin
// handlers reading the same store and kept across config reloads.
var stores = caddy.NewUsagePool()

// pooledStore is a store connection in the pool.
type pooledStore struct{ consentlog.Store }

// Destruct closes the connection.
func (p pooledStore) Destruct() error { return p.Close() }

// Provision opens (or shares) a connection to the consent log's store.
func (a *Admin) Provision(ctx caddy.Context) error {
	lc := LogConfig{}
	if a.Log != nil {
		lc = *a.Log
	}
	lc, err := lc.resolved(caddy.NewReplacer())
	if err != nil {
		return err
	}
	if lc.Store == storeOff {
		return fmt.Errorf("consent_admin: the consent log is off; there is nothing to show")
	}
	a.key = "consentry-admin-" + lc.label()
	v, _, err := stores.LoadOrNew(a.key, func() (caddy.Destructor, error) {
		st, err := lc.openStore(context.Background())
		if err != nil {
			return nil, fmt.Errorf("consent_admin: %s: %w", lc.label(), err)
		}
		return pooledStore{st}, nil
	})
	if err != nil {
		a.key = ""
		return err
	}
	a.handler, err = admin.New(admin.Options{
		Store:     v.(pooledStore).Store,
		Inventory: inventory,
		Title:     a.Title,
		Sites:     a.Sites,
		Logger:    slog.New(zapslog.NewHandler(ctx.Logger().Core())),
	})
	return err
}

// Cleanup releases the store connection.
func (a *Admin) Cleanup() error {
	if a.key == "" {
		return nil
	}
	_, err := stores.Delete(a.key)
	return err
}

// ServeHTTP serves the admin views; it never calls next.
func (a *Admin) ServeHTTP(w http.ResponseWriter, r *http.Request, _ caddyhttp.Handler) error {
	a.handler.ServeHTTP(w, r)
	return nil
}

// parseAdminCaddyfile sets up the admin handler from Caddyfile tokens.
func parseAdminCaddyfile(h httpcaddyfile.Helper) (caddyhttp.MiddlewareHandler, error) {
	a := new(Admin)
	err := a.UnmarshalCaddyfile(h.Dispenser)
	return a, err
}

// UnmarshalCaddyfile sets up the admin handler. Syntax:
//
//	consent_admin {
//		log   sqlite [<path>] | postgres <dsn>
//		title <text...>
//		sites <site...>
//	}
//
// log names the consent log to read, as in the consent directive; the
// default is the consent directive's default SQLite file. sites lists
// sites sharing the log, offered in the overview's site filter besides
// those the log holds decisions of; a name that is not a site fails at
// provisioning.
func (a *Admin) UnmarshalCaddyfile(d *caddyfile.Dispenser) error {
	d.Next() // consume directive name
	if d.NextArg() {
		return d.ArgErr()
	}
	for d.NextBlock(0) {
		switch d.Val() {
		case "log":
			if a.Log != nil {
				return d.Err("log: given more than once")
			}
			lc, err := parseLog(d)
			if err != nil {
				return err
			}
			if lc.Store == storeOff {
				return d.Err("consent_admin: log off leaves nothing to show")
			}
			a.Log = lc
		case "title":
			args := d.RemainingArgs()
			if len(args) == 0 {
				return d.ArgErr()
			}
			a.Title = strings.Join(args, " ")
		case "sites":
			args := d.RemainingArgs()
			if len(args) == 0 {
				return d.ArgErr()
			}
			a.Sites = append(a.Sites, args...)
		default:
			return d.Errf("unrecognized consent_admin subdirective %q", d.Val())
		}
	}
	return nil
}

// Interface guards
var (
	_ caddy.Provisioner           = (*Admin)(nil)
	_ caddy.CleanerUpper          = (*Admin)(nil)
	_ caddyhttp.MiddlewareHandler = (*Admin)(nil)
	_ caddyfile.Unmarshaler       = (*Admin)(nil)
)
