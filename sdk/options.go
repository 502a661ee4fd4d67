package sdk

import (
	"log/slog"
	"net/http"
	"net/netip"
	"time"

	"github.com/consentry/consentry/sdk/consentlog"
)

// KeyPair is one securecookie key pair. The first pair of Options.Keys
// encodes; every pair decodes, so keys can be rotated by putting the new
// pair first and keeping the old one until its cookies have expired.
type KeyPair struct {
	// Hash is the HMAC-SHA256 key: 32 or 64 bytes.
	Hash []byte
	// Block is the optional AES key (16, 24 or 32 bytes); empty means the
	// cookie is signed but not encrypted.
	Block []byte
}

// Options configures a Consent. Every field is optional: the zero value is a
// working opt-in banner over the built-in catalogue.
type Options struct {
	// PolicyVersion names the version of the privacy policy. A choice made
	// under another version counts as no choice, so a new value asks every
	// visitor again. Default: "1".
	PolicyVersion string

	// Prefix is the path under which the consent endpoints and banner
	// assets are served. Default: "/_consent".
	Prefix string

	// PrivacyURL is the privacy policy linked from the banner.
	// Default: "/privacy".
	PrivacyURL string

	// CookieURL is the cookie policy linked from the banner.
	// Default: Prefix + "/cookies".
	CookieURL string

	// CookieName is the consent cookie's name. Default: "consent".
	CookieName string

	// CookieDomain, when set, shares the consent cookie across subdomains
	// of this domain. A request for a host outside it gets a cookie its
	// browser refuses, so every choice there asks again: the engine warns
	// once per such host in the log and tells the Observer
	// (CookieDomainObserver). Default: host-only.
	CookieDomain string

	// Sites are the host names the site is served under, exact
	// ("shop.example.com") or with a wildcard first label ("*.example.com",
	// matching one label, as Caddy's host matcher does). The consent log's
	// site field holds the one a request's host matched (the wildcard
	// itself for a wildcard match) and is empty for any other host: the
	// Host header is the client's, and what it says never reaches the log.
	// The Caddy module fills it from the host names of the server's
	// routes. Default: none, so the site field stays empty.
	Sites []string

	// Keys sign (and, with a Block key, encrypt) the consent cookie; the
	// first pair encodes and all decode. Default: one random pair per
	// process, which is fine for a demo but forgets every choice on
	// restart; production deployments configure keys (the Caddy module
	// keeps generated keys in Caddy's storage).
	Keys []KeyPair

	// MaxAge is how long a choice is kept, per regime. Values above 400
	// days (the browser limit) are capped. Default: 180 days for opt-in,
	// 365 days for opt-out and notice.
	MaxAge map[Regime]time.Duration

	// ReaskAfterRefusal is how long a choice that refuses any category is
	// kept, per regime, before the visitor is asked again (a new policy
	// version asks sooner); a choice that grants everything is kept for
	// MaxAge. Values above 400 days are capped. Default:
	// DefaultReaskAfterRefusal (six months; twelve in the opt-out regime,
	// as California requires). See docs/REGIMES.md, "Asking again".
	ReaskAfterRefusal map[Regime]time.Duration

	// USStates overrides entries of the US state table (USState) by
	// two-letter code ("CA" or "US-CA"): the regime the state's visitors
	// get (empty: opt-out) and from when GPC binds there (zero: never).
	// The regime table's own overrides (Regimes) still win. Default:
	// none.
	USStates map[string]StateLaw

	// DefaultRegime applies to every visitor when no location source
	// (CountryHeader, GeoIPDB) is configured, and otherwise to known
	// locations that neither the built-in regime table nor Regimes lists;
	// a visitor the configured sources cannot place gets opt-in, the
	// strictest. Default: RegimeOptIn.
	DefaultRegime Regime

	// NoticeDefaults are the categories granted before a choice in the
	// notice regime (necessary always is). Default: every category.
	NoticeDefaults []string

	// Regimes overrides the built-in regime table (EEA, UK and Switzerland
	// opt-in; US states with comprehensive privacy laws opt-out) per
	// country ("BR") or country-region ("US-NV"); keys are trimmed and
	// upper-cased, then checked by CheckLocationKey. Default: none.
	Regimes map[string]Regime

	// CountryHeader names a request header carrying the visitor's ISO
	// 3166-1 alpha-2 country, set by the CDN or load balancer in front
	// (e.g. "CF-IPCountry"). Only set it when the proxy in front always
	// overwrites that header. Default: none.
	CountryHeader string

	// RegionHeader names a request header carrying the visitor's ISO
	// 3166-2 subdivision ("CA" or "US-CA"), used with CountryHeader.
	// Default: none.
	RegionHeader string

	// GeoIPDB is the path of a MaxMind-format (GeoIP2/GeoLite2 Country or
	// City) database used when the headers give no country. Default: none.
	GeoIPDB string

	// ClientIP returns the visitor's address, for GeoIPDB lookups, the
	// consent log's truncated or hashed IP and the decision limits.
	// Default: the connection's remote address (the Caddy module passes
	// Caddy's client IP, which honours trusted_proxies).
	ClientIP func(*http.Request) netip.Addr

	// HonorDNT treats "DNT: 1" as an opt-out of advertising where the
	// regime allows signals to decide. DNT is recorded either way.
	// Default: false.
	HonorDNT bool

	// Language forces the banner language (e.g. "ja"). Default: chosen
	// per request from Accept-Language among Languages.
	Language string

	// Languages are the banner languages offered. Default: every bundled
	// language.
	Languages []string

	// Texts override banner texts by key, per language ("" applies to
	// every language), e.g. Texts["en"]["accept_all"] = "Allow all".
	Texts map[string]map[string]string

	// Categories adds categories or extends the defaults of the same key
	// (hosts, patterns and cookies are appended; label and description
	// replace). Default: the five default categories.
	Categories []Category

	// Vendors are the site's own vendors: each with its category, hosts,
	// first-party paths, inline patterns and cookies (purpose, lifetime,
	// party, translations of the purpose). Their hosts, paths, patterns
	// and first-party cookies act as a category's do, and the cookie
	// declaration and preference centre list them with their details,
	// whether or not the built-in catalogue is on. See CheckVendor.
	Vendors []Vendor

	// NoBuiltinCatalogue leaves the built-in vendor catalogue out, so only
	// the hosts, patterns and cookies in Categories apply. Default: false.
	NoBuiltinCatalogue bool

	// Signals configures the vendor consent signals: the stubs injected
	// first in <head> with the defaults of the visitor's state (Google
	// Consent Mode v2, Microsoft UET and Clarity, Meta, TikTok) and the
	// updates the banner sends on every choice. Default: Google Consent
	// Mode only, every Google tag held until its category is granted.
	Signals SignalOptions

	// GPP configures the IAB Global Privacy Platform: the GPP string of
	// US visitors, the page's __gpp API and the Consent-GPP request
	// headers. Default: off.
	GPP GPPOptions

	// Appearance is the banner's theme, layout, colours, font, corner
	// radius and logo; New refuses one that would put text or a button
	// under WCAG AA contrast (CheckAppearance). Default: light, a bar at
	// the bottom, the system font.
	Appearance Appearance

	// AssumeHTTPS says that TLS ends in front of this server (a load
	// balancer or CDN that reaches it over plain HTTP) and that visitors
	// only ever reach the sites over HTTPS: the consent cookie is then
	// Secure and, without CookieDomain, named with the __Host- prefix,
	// as when the request reached this server over TLS, and decisions are
	// accepted from https pages only. Leave it off when the sites are
	// also served over plain HTTP: a browser refuses a Secure cookie set
	// over http, so those visitors' choices would not stick. Default:
	// false (HTTPS is what this server's connection says, r.TLS).
	AssumeHTTPS bool

	// FloatingButton shows a small "Cookie settings" button on every page
	// after a choice, so withdrawing is one click away even on pages
	// without a settings link. Default: false.
	FloatingButton bool

	// Guard chooses where the guard lives: GuardAuto (the default, "")
	// inline on the page a visitor who has not chosen lands on and from
	// its cached file on the others,
	// GuardInline in every page, or GuardFile as a parser-blocking
	// same-origin <script src> to a file cached for good, which keeps the
	// injected markup small (about 1.8 KB instead of 7.5 KB) at the cost
	// of one blocking request on a visitor's first view. See
	// GuardPlacement.
	Guard GuardPlacement

	// Crawlers chooses which User-Agents the User-Agent parser takes for
	// crawlers, which get no banner (and still no trackers): CrawlersKnown
	// (the default, "") the bots it knows but not headless browsers,
	// CrawlersNone no one. See docs/API.md, "Crawlers".
	Crawlers CrawlerMode

	// CrawlerAgents are more User-Agent substrings (compared without
	// regard to case, at least 3 characters) taken for crawlers, with
	// either mode: a monitoring service that should not see the banner
	// ("Pingdom"), or "HeadlessChrome" to hide it from headless browsers.
	CrawlerAgents []string

	// GPCLastUpdate is the date served in /.well-known/gpc.json.
	// Default: the date the process started.
	GPCLastUpdate string

	// ConsentLog receives a record of every decision (see package
	// consentlog). Default: none; the Caddy module defaults to a SQLite
	// file in Caddy's data directory.
	ConsentLog *consentlog.Log

	// LogIP says what the consent log keeps of the visitor's address:
	// IPTruncate (the /24 of IPv4, the /48 of IPv6), IPHash (a keyed
	// hash, so one address can be matched but not read back) or IPOff.
	// Default: IPTruncate.
	LogIP IPMode

	// DecisionsPerClient limits the decisions POST /_consent records per
	// minute from one client network, the /24 of an IPv4 address or the
	// /64 of an IPv6 one (as ClientIP gives it); half as many may come at
	// once. Over the limit the post is answered 429 with Retry-After, no
	// cookie and no record. The limit is per process. Negative: no limit.
	// Default: DefaultDecisionsPerClient (60 a minute, 30 at once).
	DecisionsPerClient int

	// DecisionsPerID limits the decisions recorded per minute for one
	// consent id, the same way. An identical repeat (same id, same
	// categories) within 10 seconds is answered with the cookie but not
	// recorded again, and costs nothing. Negative: no limit.
	// Default: DefaultDecisionsPerID (10 a minute, 5 at once).
	DecisionsPerID int

	// Observer is told of decisions, rewritten pages, neutralised tags and
	// dropped cookies, for metrics. Default: none.
	Observer Observer

	// Inventory collects the cookie names set by upstream responses and
	// the third-party hosts seen in rewritten pages. Several Consents may
	// share one. Default: a new Inventory for this Consent.
	Inventory *Inventory

	// InventorySync is how often the Inventory is merged into the consent
	// log's store and the fleet's read back (Inventory.Sync), when that
	// store shares inventories (consentlog.InventoryStore: PostgreSQL),
	// so the admin inventory shows every process's. Negative: never.
	// Default: DefaultInventorySync.
	InventorySync time.Duration

	// Logger receives warnings and errors. Default: slog.Default().
	Logger *slog.Logger

	// Now is the clock. Default: time.Now.
	Now func() time.Time
}

// Defaults for Options.
const (
	DefaultPolicyVersion = "1"
	DefaultPrefix        = "/_consent"
	DefaultPrivacyURL    = "/privacy"
	DefaultCookieName    = "consent"
	// MaxCookieAge is the longest lifetime browsers allow a cookie.
	MaxCookieAge = 400 * 24 * time.Hour
)

// DefaultReaskAfterRefusal returns how long a refusal is kept by default
// before the visitor is asked again: six months (180 days, as the CNIL
// recommends and the European Commission's 2025 Digital Omnibus proposal
// would require), and twelve months in the opt-out regime, the least
// California allows before asking an opted-out consumer to opt back in
// (Cal. Civ. Code §1798.135(c)(4)).
func DefaultReaskAfterRefusal(r Regime) time.Duration {
	if r == RegimeOptOut {
		return 365 * 24 * time.Hour
	}
	return 180 * 24 * time.Hour
}

// DefaultMaxAge returns the default choice lifetime for a regime.
func DefaultMaxAge(r Regime) time.Duration {
	if r == RegimeOptIn {
		return 180 * 24 * time.Hour
	}
	return 365 * 24 * time.Hour
}
