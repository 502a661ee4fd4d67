package caddymodule

import (
	"fmt"
	"strings"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"github.com/caddyserver/caddy/v2/caddyconfig/httpcaddyfile"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"

	"github.com/consentry/consentry/banner"
	"github.com/consentry/consentry/sdk"
)

func init() {
	caddy.RegisterModule(Handler{})
	httpcaddyfile.RegisterHandlerDirective("consent", parseCaddyfile)
	// Right after encode: the rewriter sees uncompressed bytes and its
	// output is still compressed, and it comes before reverse_proxy,
	// file_server and respond, so a site needs no order line.
	httpcaddyfile.RegisterDirectiveOrder("consent", httpcaddyfile.After, "encode")
}

// parseCaddyfile sets up the handler from Caddyfile tokens.
func parseCaddyfile(h httpcaddyfile.Helper) (caddyhttp.MiddlewareHandler, error) {
	m := new(Handler)
	err := m.UnmarshalCaddyfile(h.Dispenser)
	return m, err
}

// UnmarshalCaddyfile sets up the handler from Caddyfile tokens. Syntax:
//
//	consent {
//		policy_version       <version>
//		prefix               <path>
//		privacy_url          <url>
//		cookie_url           <url>
//		cookie_name          <name>
//		cookie_domain        <domain>
//		hash_key             <hex or base64 key>
//		block_key            <hex or base64 key>
//		key                  <hash_key> [<block_key>]
//		max_age              <duration> | <regime> <duration> [<regime> <duration>...]
//		country_header       <header>
//		region_header        <header>
//		geoip_db             <path>
//		regime               <CC|CC-RR> opt-in|opt-out|notice
//		default_regime       opt-in|opt-out|notice
//		honor_dnt            [on|off]
//		notice_defaults      <category...>
//		floating_button      [on|off]
//		assume_https         [on|off]
//		crawlers             known|none [<user-agent pattern...>]
//		guard                auto|inline|file
//		appearance           { theme … layout … accent … font … radius … logo … }
//		language             <lang>
//		languages            <lang...>
//		text                 <lang|*> <key> <value...>
//		sites                <host...>
//		category <key> {
//			label       <text...>
//			description <text...>
//			hosts       <host...>
//			patterns    <pattern...>
//			cookies     <name...>
//			paths       </prefix/...>
//		}
//		no_builtin_catalogue
//		gpc_last_update      <YYYY-MM-DD>
//		log sqlite [<path>] | postgres <dsn> | off [{
//			spool      <dir>
//			ip         truncate|hash|off
//			queue_size <n>
//		}]
//		retention            <duration>|forever
//		rate_limit           <per_client>|off [<per_id>|off]
//		signals [<vendor>...|off] [{
//			map                <vendor>.<signal> <category>
//			advanced           <category...>
//			wait_for_update    <milliseconds>
//			url_passthrough    [on|off]
//			ads_data_redaction [on|off]
//			region_defaults    [on|off]
//		}]
//		gpp [off] [{
//			states <state...>|all
//			notice <Field> yes|no|n/a
//			mspa   off|opt_out|service_provider
//			cmp_id <id>
//		}]
//	}
//
// Every subdirective is optional; a bare "consent" is a working opt-in
// banner over the built-in catalogue. Durations accept Caddy's units plus
// "d" for days (180d). hash_key and block_key may be placeholders such as
// {env.CONSENT_HASH_KEY}; without them, generated keys are kept in Caddy's
// storage. key adds a further pair for rotation (the first pair encodes,
// all decode). A single max_age duration applies to every regime; no
// lifetime may exceed 400d, the longest browsers keep a cookie.
//
// country_header and region_header name request headers set by the CDN or
// load balancer in front (e.g. CF-IPCountry and CF-Region-Code); geoip_db
// is a MaxMind-format database for requests without a country header (its
// path may hold placeholders and must exist at load). regime overrides the
// built-in regime table for a country (BR) or country-region (US-NV).
//
// log says where every decision is kept as proof of consent: by default a
// SQLite file (consentry/consent.db in Caddy's data directory); postgres
// for several instances sharing one database (the DSN may be a
// placeholder such as {env.CONSENT_DATABASE_URL}); off for none. While the
// store is down, decisions wait in the spool directory (default: next to
// the SQLite file, or in Caddy's data directory) and are replayed when it
// returns. retention (default 400d) is how long records are kept.
// rate_limit bounds the decisions recorded per minute from one client
// network (/24 or /64; default 60) and for one consent id (default 10).
//
// crawlers says who gets no banner (and still no trackers): known (the
// default) the bots the User-Agent parser knows, not headless browsers;
// none no one. The patterns (case-insensitive substrings, at least three
// characters) add User-Agents with either: "crawlers known HeadlessChrome
// Pingdom".
//
// guard says where the guard (the script that holds the tags page
// scripts insert before consent) lives: inline (the default) in every
// page, about 7.5 KB of injected markup with no request; or file, a
// parser-blocking same-origin <script src> to a file cached for good
// (about 1.8 KB of injected markup whatever the catalogue's size, one
// blocking request on a visitor's first view). With file, a
// Content-Security-Policy's script-src must allow 'self' (see
// docs/PERFORMANCE.md, "Where the guard lives").
//
// A <lang> is a language tag one of the bundled languages serves: "de",
// "de-AT", "zh-TW" (Traditional Chinese), "no" (Bokmål) — the list and the
// rules are in docs/LANGUAGES.md; an unknown one fails, naming the bundled
// tags. text with "*" applies to every language; its key must be one the banner
// reads (the error lists them). A category that is not one of the five
// defaults needs a label: a misspelt default fails, naming the near miss.
// privacy_url and cookie_url are http(s) URLs or paths. sites lists the
// host names the consent log may record as a decision's site (exact, or
// *.example.com); by default, the host names of the server's routes.
//
// Every value is checked here and an error names its line; the values
// that can only be checked when the config loads (keys and paths with
// placeholders, the GeoIP database, the log's store) keep their line in
// the sources field, so those errors name it too.
//
// signals lists the vendors whose consent signals every page carries,
// first in <head>, and the banner updates on a choice: google (Consent
// Mode v2, the default), uet (Microsoft Advertising), clarity (Microsoft
// Clarity), meta (Meta pixel), tiktok (TikTok pixel); off for none. map
// moves a signal to another category; advanced runs the Google tags of
// analytics or advertising in Consent Mode's advanced mode (not held);
// the rest are Consent Mode's own settings. docs/SIGNALS.md has the table.
//
// gpp turns on the IAB Global Privacy Platform: US visitors' GPP string
// (usnat, and the sections of the states listed), the page's __gpp API
// and the Consent-GPP and Consent-GPP-SID request headers
// (docs/SIGNALS.md).
//
// text, languages, notice_defaults, sites, category lists, regime and key
// accumulate when repeated; the other subdirectives may appear once.
func (h *Handler) UnmarshalCaddyfile(d *caddyfile.Dispenser) error {
	d.Next() // consume directive name
	if d.NextArg() {
		return d.ArgErr()
	}
	seen := make(map[string]bool)
	var regionAlone error // region_header's line, should country_header be missing
	// Where each value checked after the block was written: categories
	// and the texts and notice defaults that name them may come in any
	// order.
	var blockAt caddyfile.Token
	var catAt []caddyfile.Token
	var vendorAt []caddyfile.Token
	var textAt []textRef
	var noticeAt []textRef
	var signalsAt []signalRef
	for d.NextBlock(0) {
		name := d.Val()
		tok := d.Token()
		switch name {
		case "policy_version", "prefix", "privacy_url", "cookie_url", "cookie_name",
			"cookie_domain", "hash_key", "block_key", "default_regime", "honor_dnt", "floating_button", "assume_https",
			"language", "no_builtin_catalogue", "gpc_last_update", "max_age",
			"country_header", "region_header", "geoip_db", "log", "retention", "rate_limit", "signals", "gpp", "appearance":
			if seen[name] {
				return d.Errf("%s: given more than once", name)
			}
			seen[name] = true
		}
		var err error
		switch name {
		case "policy_version":
			h.PolicyVersion, err = oneArg(d)
		case "prefix":
			if h.Prefix, err = oneArg(d); err == nil {
				err = checkValue(d, name, h.Prefix, sdk.CheckPrefix)
			}
		case "privacy_url":
			if h.PrivacyURL, err = oneArg(d); err == nil {
				err = checkValue(d, name, h.PrivacyURL, sdk.CheckURL)
			}
		case "cookie_url":
			if h.CookieURL, err = oneArg(d); err == nil {
				err = checkValue(d, name, h.CookieURL, sdk.CheckURL)
			}
		case "cookie_name":
			if h.CookieName, err = oneArg(d); err == nil {
				err = checkValue(d, name, h.CookieName, sdk.CheckCookieName)
			}
		case "cookie_domain":
			if h.CookieDomain, err = oneArg(d); err == nil {
				err = checkValue(d, name, h.CookieDomain, sdk.CheckCookieDomain)
			}
		case "sites":
			args := d.RemainingArgs()
			if len(args) == 0 {
				return d.ArgErr()
			}
			for _, a := range args {
				if err := checkValue(d, name, a, sdk.CheckSite); err != nil {
					return err
				}
			}
			h.Sites = append(h.Sites, args...)
		case "hash_key":
			if h.HashKey, err = oneArg(d); err == nil {
				h.source(name, tok)
				err = checkKey(d, h.HashKey, decodeHashKey)
			}
		case "block_key":
			if h.BlockKey, err = oneArg(d); err == nil {
				h.source(name, tok)
				blockAt = tok
				err = checkKey(d, h.BlockKey, decodeBlockKey)
			}
		case "key":
			h.source(fmt.Sprintf("key %d", len(h.Keys)+1), tok)
			err = h.parseKey(d)
		case "max_age":
			err = h.parseMaxAge(d)
		case "reask_after_refusal":
			h.ReaskAfterRefusal, err = parseRegimeDurations(d, name)
		case "us_state":
			err = h.parseUSState(d)
		case "default_regime":
			if h.DefaultRegime, err = oneArg(d); err == nil && !sdk.Regime(h.DefaultRegime).Valid() {
				err = d.Errf("default_regime %q: want opt-in, opt-out or notice", h.DefaultRegime)
			}
		case "honor_dnt":
			h.HonorDNT, err = parseBool(d)
		case "floating_button":
			h.FloatingButton, err = parseBool(d)
		case "assume_https":
			h.AssumeHTTPS, err = parseBool(d)
		case "crawlers":
			err = h.parseCrawlers(d)
		case "guard":
			err = h.parseGuard(d)
		case "language":
			if h.Language, err = oneArg(d); err == nil {
				err = checkLanguages(d, name, h.Language)
			}
		case "notice_defaults":
			args := d.RemainingArgs()
			if len(args) == 0 {
				return d.ArgErr()
			}
			for _, a := range args {
				noticeAt = append(noticeAt, textRef{key: a, at: tok})
			}
			h.NoticeDefaults = append(h.NoticeDefaults, args...)
		case "languages":
			args := d.RemainingArgs()
			if len(args) == 0 {
				return d.ArgErr()
			}
			if err := checkLanguages(d, name, args...); err != nil {
				return err
			}
			h.Languages = append(h.Languages, args...)
		case "text":
			var ref textRef
			if ref, err = h.parseText(d); err == nil {
				textAt = append(textAt, ref)
			}
		case "category":
			if err = h.parseCategory(d); err == nil {
				catAt = append(catAt, tok)
			}
		case "vendor":
			if err = h.parseVendor(d); err == nil {
				vendorAt = append(vendorAt, tok)
			}
		case "no_builtin_catalogue":
			if d.NextArg() {
				return d.ArgErr()
			}
			h.NoBuiltinCatalogue = true
		case "gpc_last_update":
			if h.GPCLastUpdate, err = oneArg(d); err == nil {
				if _, perr := time.Parse(time.DateOnly, h.GPCLastUpdate); perr != nil {
					err = d.Errf("gpc_last_update %q: want a date as YYYY-MM-DD", h.GPCLastUpdate)
				}
			}
		case "country_header":
			if h.CountryHeader, err = oneArg(d); err == nil {
				err = atLine(d, checkHeaderName(name, h.CountryHeader))
			}
		case "region_header":
			if h.RegionHeader, err = oneArg(d); err == nil {
				err = atLine(d, checkHeaderName(name, h.RegionHeader))
				regionAlone = d.WrapErr(errRegionAlone)
			}
		case "geoip_db":
			if h.GeoIPDB, err = oneArg(d); err == nil {
				h.source(name, tok)
			}
		case "regime":
			err = h.parseRegime(d)
		case "log":
			h.source(name, tok)
			h.Log, err = parseLog(d)
		case "retention":
			h.Retention, err = parseRetention(d)
		case "rate_limit":
			err = h.parseRateLimit(d)
		case "signals":
			err = h.parseSignals(d, &signalsAt)
		case "gpp":
			err = h.parseGPP(d)
		case "appearance":
			err = h.parseAppearance(d)
		default:
			return d.Errf("unrecognized consent subdirective %q", name)
		}
		if err != nil {
			return err
		}
	}
	if h.RegionHeader != "" && h.CountryHeader == "" {
		return regionAlone
	}
	// The checks that need the whole block, at the line of each value.
	if h.BlockKey != "" && h.HashKey == "" {
		return wrapAt(blockAt, errBlockAlone)
	}
	for i, at := range catAt {
		if err := sdk.CheckCategory(h.Categories, i); err != nil {
			return wrapAt(at, err)
		}
	}
	for i, at := range vendorAt {
		if err := sdk.CheckVendor(h.Vendors, i, h.Categories); err != nil {
			return wrapAt(at, err)
		}
	}
	for _, ref := range textAt {
		if err := sdk.CheckTextKey(ref.key, h.Categories); err != nil {
			return wrapAt(ref.at, fmt.Errorf("text %s %q: %w", ref.lang, ref.key, err))
		}
	}
	for _, ref := range noticeAt {
		if err := sdk.CheckCategoryKey(ref.key, h.Categories); err != nil {
			return wrapAt(ref.at, fmt.Errorf("notice_defaults %q: %w", ref.key, err))
		}
	}
	for _, ref := range signalsAt {
		if err := sdk.CheckCategoryKey(ref.key, h.Categories); err != nil {
			return wrapAt(ref.at, fmt.Errorf("signals %s %q: %w", ref.what, ref.key, err))
		}
	}
	// Consistency checks that need no placeholders resolved, reported with
	// the position of the directive's block.
	if err := h.Validate(); err != nil {
		return d.WrapErr(err)
	}
	return nil
}

// textRef is where a text (language and key) or a notice default (key)
// was written.
type textRef struct {
	lang, key string
	at        caddyfile.Token
}

// checkValue runs an sdk check on a subdirective's value and names the
// subdirective, the value and the line.
func checkValue(d *caddyfile.Dispenser, name, v string, check func(string) error) error {
	if err := check(v); err != nil {
		return d.Errf("%s %q: %w", name, v, err)
	}
	return nil
}

// wrapAt adds the Caddyfile position of tok to err, as d.WrapErr does for
// the current token.
func wrapAt(tok caddyfile.Token, err error) error {
	d := caddyfile.NewDispenser([]caddyfile.Token{tok})
	d.Next()
	return d.WrapErr(err)
}

// source keeps where the Caddyfile wrote a value that is only checked
// when the config loads (Handler.Sources).
func (h *Handler) source(name string, tok caddyfile.Token) {
	if h.Sources == nil {
		h.Sources = make(map[string]string)
	}
	h.Sources[name] = fmt.Sprintf("%s:%d", tok.File, tok.Line)
}

// oneArg returns the subdirective's single argument.
func oneArg(d *caddyfile.Dispenser) (string, error) {
	args := d.RemainingArgs()
	if len(args) != 1 {
		return "", d.ArgErr()
	}
	return args[0], nil
}

// parseBool reads an optional on|off (or true|false); no argument means on.
func parseBool(d *caddyfile.Dispenser) (bool, error) {
	name := d.Val()
	args := d.RemainingArgs()
	switch len(args) {
	case 0:
		return true, nil
	case 1:
		switch strings.ToLower(args[0]) {
		case "on", "true", "yes":
			return true, nil
		case "off", "false", "no":
			return false, nil
		}
		return false, d.Errf("%s %q: want on or off", name, args[0])
	}
	return false, d.ArgErr()
}

// checkLanguages reports a language the banner has no texts for.
func checkLanguages(d *caddyfile.Dispenser, name string, langs ...string) error {
	bundled := banner.Languages()
	for _, l := range langs {
		if _, ok := banner.Bundled(l); !ok {
			return d.Errf("%s %q: no bundled texts for this language (bundled: %s)", name, l, strings.Join(bundled, " "))
		}
	}
	return nil
}

// checkKey decodes a key now unless it holds placeholders, which are only
// resolved at provisioning.
func checkKey(d *caddyfile.Dispenser, s string, decode func(string) ([]byte, error)) error {
	if strings.Contains(s, "{") {
		return nil
	}
	if _, err := decode(s); err != nil {
		return d.WrapErr(err)
	}
	return nil
}

// parseKey reads "key <hash_key> [<block_key>]".
func (h *Handler) parseKey(d *caddyfile.Dispenser) error {
	args := d.RemainingArgs()
	if len(args) < 1 || len(args) > 2 {
		return d.ArgErr()
	}
	kc := KeyConfig{HashKey: args[0]}
	if err := checkKey(d, kc.HashKey, decodeHashKey); err != nil {
		return err
	}
	if len(args) == 2 {
		kc.BlockKey = args[1]
		if err := checkKey(d, kc.BlockKey, decodeBlockKey); err != nil {
			return err
		}
	}
	h.Keys = append(h.Keys, kc)
	return nil
}

// parseMaxAge reads "max_age <duration>" or "max_age <regime> <duration>...".
func (h *Handler) parseMaxAge(d *caddyfile.Dispenser) (err error) {
	h.MaxAge, err = parseRegimeDurations(d, "max_age")
	return err
}

// parseRegimeDurations reads "<name> <duration>" (every regime) or
// "<name> <regime> <duration>...".
func parseRegimeDurations(d *caddyfile.Dispenser, name string) (map[string]caddy.Duration, error) {
	args := d.RemainingArgs()
	duration := func(s string) (caddy.Duration, error) {
		dur, err := caddy.ParseDuration(s)
		if err != nil {
			return 0, d.Errf("%s %q: not a duration (e.g. 180d, 4320h)", name, s)
		}
		if dur <= 0 {
			return 0, d.Errf("%s %q: must be positive", name, s)
		}
		if dur > sdk.MaxCookieAge {
			return 0, d.Errf("%s %q: longer than the 400 days (400d) browsers keep a cookie", name, s)
		}
		return caddy.Duration(dur), nil
	}
	out := make(map[string]caddy.Duration)
	if len(args) == 1 {
		dur, err := duration(args[0])
		if err != nil {
			return nil, err
		}
		for _, r := range []sdk.Regime{sdk.RegimeOptIn, sdk.RegimeOptOut, sdk.RegimeNotice} {
			out[string(r)] = dur
		}
		return out, nil
	}
	if len(args) == 0 || len(args)%2 != 0 {
		return nil, d.ArgErr()
	}
	for i := 0; i < len(args); i += 2 {
		if !sdk.Regime(args[i]).Valid() {
			return nil, d.Errf("%s: unknown regime %q, want opt-in, opt-out or notice", name, args[i])
		}
		dur, err := duration(args[i+1])
		if err != nil {
			return nil, err
		}
		out[args[i]] = dur
	}
	return out, nil
}

// atLine adds the current Caddyfile line to err, if there is one, so the
// checks Validate also runs name the line here.
func atLine(d *caddyfile.Dispenser, err error) error {
	if err != nil {
		return d.WrapErr(err)
	}
	return nil
}

// parseRegime reads "regime <CC|CC-RR> <regime>". Location keys are
// stored in upper case, as ISO 3166 writes them.
func (h *Handler) parseRegime(d *caddyfile.Dispenser) error {
	args := d.RemainingArgs()
	if len(args) != 2 {
		return d.ArgErr()
	}
	loc, regime := strings.ToUpper(args[0]), args[1]
	if err := sdk.CheckLocationKey(loc); err != nil {
		return d.Errf("regime %q: %w", args[0], err)
	}
	if !sdk.Regime(regime).Valid() {
		return d.Errf("regime %s %q: want opt-in, opt-out or notice", args[0], regime)
	}
	if _, dup := h.Regimes[loc]; dup {
		return d.Errf("regime %s: given more than once", loc)
	}
	if h.Regimes == nil {
		h.Regimes = make(map[string]string)
	}
	h.Regimes[loc] = regime
	return nil
}

// parseText reads "text <lang|*> <key> <value...>"; the key is checked
// once the block's categories are known.
func (h *Handler) parseText(d *caddyfile.Dispenser) (textRef, error) {
	tok := d.Token()
	args := d.RemainingArgs()
	if len(args) < 3 {
		return textRef{}, d.ArgErr()
	}
	lang, key := args[0], args[1]
	if _, ok := banner.Bundled(lang); lang != allLanguages && !ok {
		return textRef{}, d.Errf("text %q: no bundled texts for this language (bundled: %s, or * for all)", lang, strings.Join(banner.Languages(), " "))
	}
	if h.Texts == nil {
		h.Texts = make(map[string]map[string]string)
	}
	if h.Texts[lang] == nil {
		h.Texts[lang] = make(map[string]string)
	}
	h.Texts[lang][key] = strings.Join(args[2:], " ")
	return textRef{lang: lang, key: key, at: tok}, nil
}

// parseCategory reads "category <key> [{ ... }]".
func (h *Handler) parseCategory(d *caddyfile.Dispenser) error {
	args := d.RemainingArgs()
	if len(args) != 1 {
		return d.ArgErr()
	}
	c := sdk.Category{Key: args[0]}
	for nesting := d.Nesting(); d.NextBlock(nesting); {
		name := d.Val()
		args := d.RemainingArgs()
		if len(args) == 0 {
			return d.ArgErr()
		}
		switch name {
		case "label":
			c.Label = strings.Join(args, " ")
		case "description":
			c.Description = strings.Join(args, " ")
		case "hosts":
			c.Hosts = append(c.Hosts, args...)
		case "patterns":
			c.Patterns = append(c.Patterns, args...)
		case "cookies":
			c.Cookies = append(c.Cookies, args...)
		case "paths":
			for _, p := range args {
				if err := sdk.CheckPath(p); err != nil {
					return d.Errf("category %s: paths: %v", c.Key, err)
				}
			}
			c.Paths = append(c.Paths, args...)
		default:
			return d.Errf("unrecognized category subdirective %q", name)
		}
	}
	h.Categories = append(h.Categories, c)
	return nil
}

// Interface guard
var _ caddyfile.Unmarshaler = (*Handler)(nil)

// parseGuard reads "guard auto|inline|file", once.
func (h *Handler) parseGuard(d *caddyfile.Dispenser) error {
	if h.Guard != "" {
		return d.Errf("guard: given more than once")
	}
	v, err := oneArg(d)
	if err != nil {
		return err
	}
	if err := sdk.CheckGuardPlacement(sdk.GuardPlacement(v)); err != nil || v == "" {
		return d.Errf("guard %q: want auto, inline or file", v)
	}
	h.Guard = v
	return nil
}

// parseCrawlers reads "crawlers known|none [<pattern>...]", once.
func (h *Handler) parseCrawlers(d *caddyfile.Dispenser) error {
	if h.Crawlers != "" {
		return d.Errf("crawlers: given more than once")
	}
	args := d.RemainingArgs()
	if len(args) == 0 {
		return d.ArgErr()
	}
	if err := sdk.CheckCrawlers(sdk.CrawlerMode(args[0]), args[1:]); err != nil {
		return d.Err(err.Error())
	}
	h.Crawlers, h.CrawlerAgents = args[0], args[1:]
	return nil
}
