// Package caddymodule plugs the Consentry engine (package sdk) into Caddy as
// the HTTP handler module http.handlers.consent and the Caddyfile directive
// consent.
//
// The module is glue: it mirrors sdk.Options in JSON fields, resolves
// placeholders in keys and paths, keeps generated cookie keys in Caddy's
// storage, hands Caddy's client IP (which honours trusted_proxies) to the
// GeoIP lookup, routes logs through Caddy's logger, and answers
// {http.consent.*} placeholders for the handlers after it. Everything else
// happens in sdk.
//
// The directive orders itself right after encode, so a site needs no
// order line:
//
//	example.com {
//		consent
//		reverse_proxy localhost:8081
//	}
//
// To place it elsewhere, use the global option, e.g. "order consent before
// rewrite", or a route block.
package caddymodule

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"go.uber.org/zap"
	"go.uber.org/zap/exp/zapslog"

	"github.com/consentry/consentry/sdk"
)

// Handler is the consent middleware. It injects the consent banner into
// HTML responses, holds back trackers of categories the visitor has not
// granted, filters their cookies, and answers the consent endpoints. Every
// field is optional: the zero value is a working opt-in banner over the
// built-in catalogue.
type Handler struct {
	// PolicyVersion names the version of the privacy policy. A choice made
	// under another version counts as no choice, so a new value asks every
	// visitor again. Default: "1".
	PolicyVersion string `json:"policy_version,omitempty"`

	// Prefix is the path under which the consent endpoints and banner
	// assets are served. Default: "/_consent".
	Prefix string `json:"prefix,omitempty"`

	// PrivacyURL is the privacy policy linked from the banner.
	// Default: "/privacy".
	PrivacyURL string `json:"privacy_url,omitempty"`

	// CookieURL is the cookie policy linked from the banner.
	// Default: prefix + "/cookies", the built-in cookie declaration.
	CookieURL string `json:"cookie_url,omitempty"`

	// CookieName is the consent cookie's name. Default: "consent".
	CookieName string `json:"cookie_name,omitempty"`

	// CookieDomain, when set, shares the consent cookie across the
	// subdomains of this domain. A request for a host outside it gets a
	// cookie its browser refuses, so every choice there asks again: the
	// module warns once per such host and counts such requests in
	// consentry_cookie_domain_mismatches_total. Default: a host-only
	// cookie.
	CookieDomain string `json:"cookie_domain,omitempty"`

	// Sites are the host names the consent log may record as the site a
	// decision was made on, exact ("shop.example.com") or with a wildcard
	// first label ("*.example.com"); a decision for any other host is
	// recorded with an empty site, so a forged Host header never reaches
	// the log. Default: the host names the server's routes match (the
	// site addresses of a Caddyfile).
	Sites []string `json:"sites,omitempty"`

	// HashKey is the HMAC-SHA256 key that signs the consent cookie: 32 or
	// 64 bytes, written in hex or base64 (standard or URL alphabet, padded
	// or not). Placeholders such as {env.CONSENT_HASH_KEY} are replaced.
	// When neither hash_key nor keys is set, a key pair is generated once
	// and kept in Caddy's storage (consentry/keys.json), so every instance
	// sharing the storage, and every restart, uses the same keys.
	HashKey string `json:"hash_key,omitempty"`

	// BlockKey is the optional AES key (16, 24 or 32 bytes, hex or base64,
	// placeholders replaced) that encrypts the consent cookie. It needs
	// hash_key. Default: none, the cookie is signed but not encrypted.
	BlockKey string `json:"block_key,omitempty"`

	// Keys are further key pairs, for rotation: the first pair encodes
	// (hash_key/block_key, when set, come before these) and every pair
	// decodes. To rotate, put the new pair first and keep the old one
	// until its cookies have expired.
	Keys []KeyConfig `json:"keys,omitempty"`

	// MaxAge is how long a choice is kept, by regime ("opt-in", "opt-out",
	// "notice"), at most 400 days, the longest browsers keep a cookie.
	// Default: 180 days for opt-in, 365 days for opt-out and notice.
	MaxAge map[string]caddy.Duration `json:"max_age,omitempty"`

	// ReaskAfterRefusal is how long a choice that refuses a category is
	// kept before the visitor is asked again, by regime, at most 400 days.
	// Default: 180 days for opt-in and notice, 365 days for opt-out.
	ReaskAfterRefusal map[string]caddy.Duration `json:"reask_after_refusal,omitempty"`

	// USStates override entries of the built-in US state table, keyed by
	// two-letter code ("CA"): the regime and the date from which GPC
	// binds. Default: none.
	USStates map[string]USStateConfig `json:"us_states,omitempty"`

	// DefaultRegime is the regime of every visitor when no location source
	// (country_header, geoip_db) is configured and, when one is, of
	// visitors in places that neither the built-in regime table nor
	// regimes lists: "opt-in", "opt-out" or "notice". A visitor the
	// configured sources cannot place always gets opt-in, the strictest.
	// Default: "opt-in".
	DefaultRegime string `json:"default_regime,omitempty"`

	// Regimes override the built-in regime table (EEA, UK and Switzerland
	// opt-in; US states with comprehensive privacy laws opt-out), keyed by
	// ISO 3166-1 country ("BR") or ISO 3166-2 country-region ("US-NV"),
	// e.g. {"BR": "opt-in"}. Default: none.
	Regimes map[string]string `json:"regimes,omitempty"`

	// CountryHeader names the request header carrying the visitor's ISO
	// 3166-1 alpha-2 country, set by the CDN or load balancer in front,
	// e.g. "CF-IPCountry". Only set it when that proxy always overwrites
	// the header, or visitors could choose their own regime. When it
	// carries a country it wins over geoip_db. Default: none.
	CountryHeader string `json:"country_header,omitempty"`

	// RegionHeader names the request header carrying the visitor's ISO
	// 3166-2 subdivision ("CA" or "US-CA"), used together with
	// country_header to tell US states apart, e.g. "CF-Region-Code".
	// Default: none.
	RegionHeader string `json:"region_header,omitempty"`

	// GeoIPDB is the path of a MaxMind-format database (GeoIP2/GeoLite2
	// Country or City) that places visitors whose request has no country
	// header. The address looked up is Caddy's client IP, which honours
	// the server's trusted_proxies. Placeholders such as {env.GEOIP_DB}
	// are replaced; the file must exist when the config loads.
	// Default: none.
	GeoIPDB string `json:"geoip_db,omitempty"`

	// HonorDNT treats "DNT: 1" as an opt-out of advertising where the
	// regime lets signals decide. DNT is recorded either way.
	// Default: false.
	HonorDNT bool `json:"honor_dnt,omitempty"`

	// NoticeDefaults are the categories granted before a choice in the
	// notice regime (necessary always is). Default: every category.
	NoticeDefaults []string `json:"notice_defaults,omitempty"`

	// Appearance is the banner's theme, layout, colours, font, radius and
	// logo (sdk.Appearance; docs/APPEARANCE.md). Default: light, a bar.
	Appearance *sdk.Appearance `json:"appearance,omitempty"`

	// AssumeHTTPS: TLS ends in front of Caddy and visitors only use
	// HTTPS, so the consent cookie is Secure and __Host- although Caddy
	// is reached over plain HTTP (sdk.Options.AssumeHTTPS).
	AssumeHTTPS bool `json:"assume_https,omitempty"`

	// FloatingButton shows a small "Cookie settings" button on every page
	// after a choice. Default: off.
	FloatingButton bool `json:"floating_button,omitempty"`

	// Crawlers chooses who the User-Agent parser takes for a crawler,
	// which gets no banner: "known" (default) or "none" (sdk.CrawlerMode).
	Crawlers string `json:"crawlers,omitempty"`

	// CrawlerAgents are more User-Agent substrings taken for crawlers.
	CrawlerAgents []string `json:"crawler_agents,omitempty"`

	// Guard says where pages carry the guard: "auto" (default: inline on
	// the page a visitor lands on before a choice, its cached file on the
	// others), "inline" or
	// "file", a parser-blocking same-origin script cached for good
	// (sdk.GuardPlacement).
	Guard string `json:"guard,omitempty"`

	// Language forces the banner language (e.g. "ja"). Default: chosen
	// per request from Accept-Language among languages.
	Language string `json:"language,omitempty"`

	// Languages are the banner languages offered. Default: every bundled
	// language.
	Languages []string `json:"languages,omitempty"`

	// Texts override banner texts, by language and then text key, e.g.
	// {"en": {"accept_all": "Allow all"}}. The language "*" applies to
	// every language. Default: the bundled texts.
	Texts map[string]map[string]string `json:"texts,omitempty"`

	// Categories add categories or extend the default category of the
	// same key (hosts, patterns and cookies are appended; label and
	// description replace). Default: the five default categories
	// necessary, preferences, analytics, advertising and social.
	Categories []sdk.Category `json:"categories,omitempty"`

	// Vendors are the site's own vendors, with their cookies' purposes,
	// lifetimes and parties (sdk.Options.Vendors).
	Vendors []sdk.Vendor `json:"vendors,omitempty"`

	// NoBuiltinCatalogue leaves the built-in vendor catalogue out, so only
	// the hosts, patterns and cookies in categories apply. Default: false.
	NoBuiltinCatalogue bool `json:"no_builtin_catalogue,omitempty"`

	// Signals configures the vendor consent signals: Google Consent Mode
	// v2, Microsoft UET and Clarity, Meta, TikTok. Default: Google Consent
	// Mode only, its tags held until their category is granted.
	Signals *Signals `json:"signals,omitempty"`

	// GPP turns on the IAB Global Privacy Platform and configures it.
	// Default: off (null).
	GPP *GPP `json:"gpp,omitempty"`

	// GPCLastUpdate is the date (YYYY-MM-DD) served as lastUpdate in
	// /.well-known/gpc.json. Default: the date the config was loaded.
	GPCLastUpdate string `json:"gpc_last_update,omitempty"`

	// Log is where every decision is kept as proof of consent.
	// Default: a SQLite file in Caddy's data directory.
	Log *LogConfig `json:"log,omitempty"`

	// Retention is how long consent-log records are kept; older ones are
	// purged hourly. Negative keeps them forever. Default: 400 days.
	Retention caddy.Duration `json:"retention,omitempty"`

	// DecisionsPerClient limits the decisions recorded per minute from
	// one client network (the /24 of an IPv4 address, the /64 of an IPv6
	// one, by Caddy's client IP, which honours trusted_proxies); half as
	// many may come at once. Over it, POST /_consent is answered 429 with
	// Retry-After and nothing is recorded. Negative: no limit.
	// Default: 60.
	DecisionsPerClient int `json:"decisions_per_client,omitempty"`

	// DecisionsPerID limits the decisions recorded per minute for one
	// consent id, the same way. Negative: no limit. Default: 10.
	DecisionsPerID int `json:"decisions_per_id,omitempty"`

	// Sources says where the Caddyfile wrote the values that can only be
	// checked when the config loads (hash_key, block_key, "key N",
	// geoip_db, log), e.g. {"geoip_db": "Caddyfile:12"}, so that their
	// errors name the line. The Caddyfile adapter fills it; it changes
	// nothing else.
	Sources map[string]string `json:"sources,omitempty"`

	consent *sdk.Consent
	logger  *zap.Logger
	logKey  string // the consent log this handler holds in the pool
}

// inventory is the live cookie and host inventory of every consent
// handler in the process; it survives config reloads.
var inventory = sdk.NewInventory(0)

// CaddyModule returns the Caddy module information.
func (Handler) CaddyModule() caddy.ModuleInfo {
	return caddy.ModuleInfo{
		ID:  "http.handlers.consent",
		New: func() caddy.Module { return new(Handler) },
	}
}

// Provision resolves the keys (from the config, or from Caddy's storage)
// and builds the consent engine, which checks every option.
func (h *Handler) Provision(ctx caddy.Context) error {
	h.logger = ctx.Logger()
	if err := h.Validate(); err != nil {
		return err
	}
	repl := caddy.NewReplacer()
	opts, err := h.options(repl)
	if err != nil {
		return err
	}
	if opts.GeoIPDB, err = geoIPPath(h.GeoIPDB, repl); err != nil {
		return atSource(h.Sources["geoip_db"], err)
	}
	if len(opts.Sites) == 0 {
		opts.Sites = serverHosts(ctx)
	}
	opts.ClientIP = clientIP
	if len(opts.Keys) == 0 {
		if opts.Keys, err = storageKeys(ctx, ctx.Storage()); err != nil {
			return fmt.Errorf("consent cookie keys from storage: %w", err)
		}
		h.logger.Debug("using consent cookie keys from storage", zap.String("key", storageKeysPath))
	}
	opts.Logger = slog.New(zapslog.NewHandler(h.logger.Core()))
	opts.Observer = observer{}
	opts.Inventory = inventory
	if err := registerMetrics(ctx.GetMetricsRegistry()); err != nil {
		return fmt.Errorf("consent metrics: %w", err)
	}
	lc := LogConfig{}
	if h.Log != nil {
		lc = *h.Log
	}
	if lc, err = lc.resolved(repl); err != nil {
		return atSource(h.Sources["log"], err)
	}
	opts.LogIP = sdk.IPMode(lc.IP)
	if lc.Store != storeOff {
		l, key, err := openLog(lc, time.Duration(h.Retention), opts.Logger)
		if err != nil {
			return atSource(h.Sources["log"], err)
		}
		h.logKey = key
		opts.ConsentLog = l.Log
		h.logger.Debug("consent log open", zap.String("log", l.label), zap.String("spool", lc.Spool))
	}
	c, err := sdk.New(opts)
	if err != nil {
		h.releaseLog()
		if oe := (*sdk.OptionError)(nil); errors.As(err, &oe) && oe.Option == "GeoIPDB" {
			err = atSource(h.Sources["geoip_db"], err)
		}
		return fmt.Errorf("consent: %w", err)
	}
	h.consent = c
	return nil
}

// releaseLog gives back the handler's hold on its consent log; the last
// holder closes it.
func (h *Handler) releaseLog() error {
	if h.logKey == "" {
		return nil
	}
	_, err := logs.Delete(h.logKey)
	h.logKey = ""
	return err
}

// Validate checks the values that need no I/O: regimes, lifetimes, header
// names and the GPC date. The consent engine checks the rest when it is
// built.
func (h *Handler) Validate() error {
	if h.DefaultRegime != "" && !sdk.Regime(h.DefaultRegime).Valid() {
		return fmt.Errorf("default_regime %q: want opt-in, opt-out or notice", h.DefaultRegime)
	}
	for r, d := range h.MaxAge {
		if !sdk.Regime(r).Valid() {
			return fmt.Errorf("max_age: unknown regime %q, want opt-in, opt-out or notice", r)
		}
		if err := checkMaxAge(time.Duration(d)); err != nil {
			return fmt.Errorf("max_age %s: %w", r, err)
		}
	}
	for loc, r := range h.Regimes {
		if err := checkRegimeOverride(loc, r); err != nil {
			return err
		}
	}
	for r, d := range h.ReaskAfterRefusal {
		if !sdk.Regime(r).Valid() {
			return fmt.Errorf("reask_after_refusal: unknown regime %q, want opt-in, opt-out or notice", r)
		}
		if err := checkMaxAge(time.Duration(d)); err != nil {
			return fmt.Errorf("reask_after_refusal %s: %w", r, err)
		}
	}
	if _, err := usStateOptions(h.USStates); err != nil {
		return err
	}
	for name, v := range map[string]string{"country_header": h.CountryHeader, "region_header": h.RegionHeader} {
		if v == "" {
			continue
		}
		if err := checkHeaderName(name, v); err != nil {
			return err
		}
	}
	if h.RegionHeader != "" && h.CountryHeader == "" {
		return errRegionAlone
	}
	if h.GPCLastUpdate != "" {
		if _, err := time.Parse(time.DateOnly, h.GPCLastUpdate); err != nil {
			return fmt.Errorf("gpc_last_update %q: want a date as YYYY-MM-DD", h.GPCLastUpdate)
		}
	}
	if h.BlockKey != "" && h.HashKey == "" {
		return errBlockAlone
	}
	if h.Retention != 0 {
		if err := checkRetention(time.Duration(h.Retention)); err != nil {
			return fmt.Errorf("retention %s: %w", time.Duration(h.Retention), err)
		}
	}
	return nil
}

// options converts the JSON fields to sdk.Options, replacing placeholders
// in the keys with repl. It leaves Keys empty when none are configured.
func (h *Handler) options(repl *caddy.Replacer) (sdk.Options, error) {
	o := sdk.Options{
		PolicyVersion:      h.PolicyVersion,
		Prefix:             h.Prefix,
		PrivacyURL:         h.PrivacyURL,
		CookieURL:          h.CookieURL,
		CookieName:         h.CookieName,
		CookieDomain:       h.CookieDomain,
		Sites:              h.Sites,
		DefaultRegime:      sdk.Regime(h.DefaultRegime),
		CountryHeader:      h.CountryHeader,
		RegionHeader:       h.RegionHeader,
		HonorDNT:           h.HonorDNT,
		NoticeDefaults:     h.NoticeDefaults,
		FloatingButton:     h.FloatingButton,
		AssumeHTTPS:        h.AssumeHTTPS,
		Crawlers:           sdk.CrawlerMode(h.Crawlers),
		CrawlerAgents:      h.CrawlerAgents,
		Guard:              sdk.GuardPlacement(h.Guard),
		Appearance:         h.appearance(),
		Language:           h.Language,
		Languages:          h.Languages,
		Categories:         h.Categories,
		Vendors:            h.Vendors,
		NoBuiltinCatalogue: h.NoBuiltinCatalogue,
		GPCLastUpdate:      h.GPCLastUpdate,
		DecisionsPerClient: h.DecisionsPerClient,
		DecisionsPerID:     h.DecisionsPerID,
		Signals:            h.Signals.options(),
		GPP:                h.GPP.options(),
	}
	replace := func(s string) string { return repl.ReplaceAll(s, "") }
	if h.HashKey != "" || h.BlockKey != "" {
		if h.HashKey == "" {
			return o, errBlockAlone
		}
		var kp sdk.KeyPair
		var err error
		if kp.Hash, err = decodeHashKey(replace(h.HashKey)); err != nil {
			return o, atSource(h.Sources["hash_key"], err)
		}
		if h.BlockKey != "" {
			if kp.Block, err = decodeBlockKey(replace(h.BlockKey)); err != nil {
				return o, atSource(h.Sources["block_key"], err)
			}
		}
		o.Keys = append(o.Keys, kp)
	}
	for i, kc := range h.Keys {
		kp, err := decodePair(kc, replace)
		if err != nil {
			return o, atSource(h.Sources[fmt.Sprintf("key %d", i+1)], fmt.Errorf("keys[%d]: %w", i, err))
		}
		o.Keys = append(o.Keys, kp)
	}
	if len(h.MaxAge) > 0 {
		o.MaxAge = make(map[sdk.Regime]time.Duration, len(h.MaxAge))
		for r, d := range h.MaxAge {
			o.MaxAge[sdk.Regime(r)] = time.Duration(d)
		}
	}
	if len(h.ReaskAfterRefusal) > 0 {
		o.ReaskAfterRefusal = make(map[sdk.Regime]time.Duration, len(h.ReaskAfterRefusal))
		for r, d := range h.ReaskAfterRefusal {
			o.ReaskAfterRefusal[sdk.Regime(r)] = time.Duration(d)
		}
	}
	states, err := usStateOptions(h.USStates)
	if err != nil {
		return o, err
	}
	o.USStates = states
	if len(h.Regimes) > 0 {
		o.Regimes = make(map[string]sdk.Regime, len(h.Regimes))
		for loc, r := range h.Regimes {
			o.Regimes[loc] = sdk.Regime(r)
		}
	}
	if len(h.Texts) > 0 {
		o.Texts = make(map[string]map[string]string, len(h.Texts))
		for lang, texts := range h.Texts {
			if lang == allLanguages {
				lang = ""
			}
			o.Texts[lang] = texts
		}
	}
	return o, nil
}

// atSource adds where the Caddyfile wrote a value (src, from Sources) to
// an error about it, as Caddy's own Caddyfile errors end; without one (a
// JSON config) the error is left as it is.
func atSource(src string, err error) error {
	if src == "" || err == nil {
		return err
	}
	return fmt.Errorf("%w, at %s", err, src)
}

// serverHosts returns the host names the routes of the server being
// provisioned match (Caddyfile site addresses become host matchers), for
// the consent log's site field: Caddy has matched a request's host
// against them before the handler runs. Names with placeholders, and
// anything sdk.CheckSite refuses, are left out.
func serverHosts(ctx caddy.Context) []string {
	srv, _ := ctx.Value(caddyhttp.ServerCtxKey).(*caddyhttp.Server)
	if srv == nil {
		return nil
	}
	var out []string
	for _, route := range srv.Routes {
		for _, set := range route.MatcherSets {
			for _, m := range set {
				var hosts caddyhttp.MatchHost
				switch v := m.(type) {
				case caddyhttp.MatchHost:
					hosts = v
				case *caddyhttp.MatchHost:
					hosts = *v
				}
				for _, host := range hosts {
					if !strings.Contains(host, "{") && sdk.CheckSite(host) == nil && !slices.Contains(out, host) {
						out = append(out, host)
					}
				}
			}
		}
	}
	return out
}

// allLanguages is the texts key that applies to every language.
const allLanguages = "*"

// Cleanup stops the consent engine's background work and releases the
// consent log, which closes once no handler uses it.
func (h *Handler) Cleanup() error {
	var err error
	if h.consent != nil {
		err = h.consent.Close()
	}
	return errors.Join(err, h.releaseLog())
}

// ServeHTTP answers the consent endpoints itself and otherwise runs next,
// rewriting its response. Errors from next are returned unchanged, so
// handle_errors applies.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request, next caddyhttp.Handler) error {
	return h.consent.Process(w, r, func(w http.ResponseWriter, r *http.Request) error {
		mapPlaceholders(r)
		return next.ServeHTTP(w, r)
	})
}

// Interface guards
var (
	_ caddy.Provisioner           = (*Handler)(nil)
	_ caddy.Validator             = (*Handler)(nil)
	_ caddy.CleanerUpper          = (*Handler)(nil)
	_ caddyhttp.MiddlewareHandler = (*Handler)(nil)
)

// appearance is the configured appearance, or the default one.
func (h *Handler) appearance() sdk.Appearance {
	if h.Appearance == nil {
		return sdk.Appearance{}
	}
	return *h.Appearance
}
