package sdk

import (
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/consentry/consentry/banner"
	"github.com/consentry/consentry/sdk/consentlog"
	"github.com/consentry/consentry/sdk/internal/bounded"
	"github.com/consentry/consentry/sdk/internal/consentcookie"
	"github.com/consentry/consentry/sdk/internal/httpfield"
	"github.com/consentry/consentry/sdk/internal/match"
)

// Consent is the engine configured by Options. It is safe for concurrent
// use by many requests.
type Consent struct {
	opts       Options
	categories []Category
	keys       map[string]bool // configured category keys
	sortedKeys []string        // the same, sorted
	match      *match.Matcher
	codec      *consentcookie.Codec[choice]
	log        *slog.Logger
	now        func() time.Time
	texts      *textSet
	signals    *signalSet // the vendor consent signals (signals_vendors.go)
	gpp        *gppSet    // the Global Privacy Platform; nil when off (gpp.go)
	regimes    *regimeTable
	states     map[string]StateLaw // the US state table, Options.USStates applied (usstates.go)
	locate     *locator

	// fingerprint changes with the build and the configuration (banner
	// assets, texts, categories, hosts), so a page cached under an older
	// one is never revalidated as current.
	fingerprint string

	listed *vendorListing // which vendors the banner and the declaration list (vendors_listed.go)

	clog          *consentlog.Log // nil: decisions are not logged
	integrityKeys [][]byte        // seal consent-log records; the first seals
	ipKey         []byte          // keys IP hashes (LogIP: IPHash)

	sites        siteNames    // Options.Sites, for the consent log's site field
	cookieDomain string       // Options.CookieDomain, lower case, without a leading dot
	domainWarned hostWarnings // hosts warned about for being outside cookieDomain

	choices     consentcookie.Cache[choice] // recently decoded consent cookies
	crawlers    bounded.Map[bool]           // User-Agent → whether it is a crawler's (isCrawler)
	crawlerRule crawlerRule                 // Options.Crawlers and CrawlerAgents
	limits      *decisionLimiter            // per-client and per-id decision limits (ratelimit.go)

	invSync inventorySyncLoop // shares the inventory through the consent log's store (inventory_sync.go)
}

// Next is the downstream handler Process calls; caddyhttp.Handler's
// ServeHTTP has this shape.
type Next func(http.ResponseWriter, *http.Request) error

// New validates o, fills in the defaults and returns a ready Consent.
func New(o Options) (*Consent, error) {
	if o.PolicyVersion == "" {
		o.PolicyVersion = DefaultPolicyVersion
	}
	if o.Prefix == "" {
		o.Prefix = DefaultPrefix
	}
	if err := CheckPrefix(o.Prefix); err != nil {
		return nil, fmt.Errorf("prefix %q: %w", o.Prefix, err)
	}
	if o.PrivacyURL == "" {
		o.PrivacyURL = DefaultPrivacyURL
	}
	if o.CookieURL == "" {
		o.CookieURL = o.Prefix + "/cookies"
	}
	if err := CheckURL(o.PrivacyURL); err != nil {
		return nil, fmt.Errorf("privacy URL %q: %w", o.PrivacyURL, err)
	}
	if err := CheckURL(o.CookieURL); err != nil {
		return nil, fmt.Errorf("cookie URL %q: %w", o.CookieURL, err)
	}
	if o.CookieName == "" {
		o.CookieName = DefaultCookieName
	}
	if err := CheckCookieName(o.CookieName); err != nil {
		return nil, fmt.Errorf("cookie name %q: %w", o.CookieName, err)
	}
	if o.CookieDomain != "" {
		if err := CheckCookieDomain(o.CookieDomain); err != nil {
			return nil, fmt.Errorf("cookie domain %q: %w", o.CookieDomain, err)
		}
	}
	sites, err := newSiteNames(o.Sites)
	if err != nil {
		return nil, err
	}
	if o.DefaultRegime == "" {
		o.DefaultRegime = RegimeOptIn
	}
	if !o.DefaultRegime.Valid() {
		return nil, fmt.Errorf("default regime %q: must be opt-in, opt-out or notice", o.DefaultRegime)
	}
	for r, d := range o.MaxAge {
		if !r.Valid() {
			return nil, fmt.Errorf("max age: unknown regime %q", r)
		}
		if d <= 0 {
			return nil, fmt.Errorf("max age for %s: must be positive, got %s", r, d)
		}
	}
	for r, d := range o.ReaskAfterRefusal {
		if !r.Valid() {
			return nil, fmt.Errorf("reask after refusal: unknown regime %q", r)
		}
		if d <= 0 {
			return nil, fmt.Errorf("reask after refusal for %s: must be positive, got %s", r, d)
		}
	}
	if o.GPCLastUpdate == "" {
		o.GPCLastUpdate = time.Now().UTC().Format(time.DateOnly)
	} else if _, err := time.Parse(time.DateOnly, o.GPCLastUpdate); err != nil {
		return nil, fmt.Errorf("GPC last update %q: want YYYY-MM-DD", o.GPCLastUpdate)
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Inventory == nil {
		o.Inventory = NewInventory(0)
	}

	for i := range o.Categories {
		if err := CheckCategory(o.Categories, i); err != nil {
			return nil, err
		}
	}
	if o.Appearance, err = o.Appearance.normalised(); err != nil {
		return nil, err
	}
	if err := checkTexts(o); err != nil {
		return nil, err
	}
	cats, err := mergeCategories(o.Categories)
	if err != nil {
		return nil, err
	}
	// The site's own vendors (Options.Vendors) count as configured entries.
	for i := range o.Vendors {
		if err := CheckVendor(o.Vendors, i, o.Categories); err != nil {
			return nil, err
		}
	}
	own := siteVendors(o.Vendors)
	if cats, err = withCatalogue(cats, own); err != nil {
		return nil, err
	}
	// shown are the categories as the banner lists them: the configured
	// entries and the hand-written vendors' (handWritten); cats, which the
	// matcher and the guard's host table (a cached file, hostTable) get,
	// has the whole catalogue. The banner and the cookie declaration list
	// the vendors of listed: the site's own, and those the inventory sees
	// (vendors_listed.go).
	configured := cloneCategories(cats)
	listed := newVendorListing(own, configured, o.NoBuiltinCatalogue)
	shown := cats
	if !o.NoBuiltinCatalogue {
		vendors := BuiltinCatalogue()
		hw := handWritten(vendors)
		if shown, err = withCatalogue(cloneCategories(cats), hw); err != nil {
			return nil, err
		}
		if cats, err = withCatalogue(cats, vendors); err != nil {
			return nil, err
		}
	}
	if o.LogIP == "" {
		o.LogIP = IPTruncate
	}
	if !o.LogIP.Valid() {
		return nil, fmt.Errorf("log IP mode %q: want truncate, hash or off", o.LogIP)
	}
	keyPairs := o.Keys
	if len(keyPairs) == 0 {
		keyPairs = []KeyPair{{Hash: consentcookie.RandomKey(64), Block: consentcookie.RandomKey(32)}}
	}
	codec, err := newCookieCodec(o.CookieName, keyPairs)
	if err != nil {
		return nil, err
	}
	if len(o.Keys) == 0 {
		o.Logger.Warn("consent: no cookie keys configured; using random keys, so choices are lost on restart")
	}
	keys := make(map[string]bool, len(cats))
	for _, cat := range cats {
		keys[cat.Key] = true
	}
	states, err := newStateTable(o.USStates)
	if err != nil {
		return nil, err
	}
	regimes, err := newRegimeTable(o.Regimes, o.DefaultRegime, states)
	if err != nil {
		return nil, err
	}
	signals, err := newSignalSet(o.Signals, keys, regimes)
	if err != nil {
		return nil, err
	}
	held, pass := googleAdvanced(cats, o.Signals.Google.Advanced)
	texts, err := newTextSet(o, shown, held, pass, signals.triples())
	if err != nil {
		return nil, err
	}
	for _, k := range o.NoticeDefaults {
		if !keys[k] {
			return nil, fmt.Errorf("notice defaults %q: %w", k, CheckCategoryKey(k, o.Categories))
		}
	}
	loc, err := newLocator(o)
	if err != nil {
		return nil, err
	}
	gpp, err := newGPPSet(o.GPP, loc.configured())
	if err != nil {
		return nil, err
	}
	crawl, err := newCrawlerRule(o.Crawlers, o.CrawlerAgents)
	if err != nil {
		return nil, err
	}
	if err := CheckGuardPlacement(o.Guard); err != nil {
		return nil, err
	}
	c := &Consent{
		gpp:        gpp,
		opts:       o,
		categories: cats,
		keys:       keys,
		match:      newMatcher(held, pass),
		signals:    signals,
		codec:      codec,
		log:        o.Logger,
		now:        o.Now,
		texts:      texts,
		regimes:    regimes,
		states:     states,
		locate:     loc,
		limits:     newDecisionLimiter(o),
		sites:      sites,

		crawlerRule: crawl,
	}
	c.cookieDomain = httpfield.Domain(o.CookieDomain)
	c.listed = listed
	for _, cat := range cats {
		c.sortedKeys = append(c.sortedKeys, cat.Key)
	}
	slices.Sort(c.sortedKeys)
	c.fingerprint = configFingerprint(o, texts)
	if err := c.relist(); err != nil {
		return nil, err
	}
	for _, kp := range keyPairs {
		c.integrityKeys = append(c.integrityKeys, deriveKey(kp.Hash, integrityLabel))
	}
	c.ipKey = deriveKey(keyPairs[0].Hash, ipHashLabel)
	c.clog = o.ConsentLog
	c.startInventorySync()
	return c, nil
}

// Close releases background work and open files (the GeoIP database). The
// Consent must not be used after.
func (c *Consent) Close() error {
	c.stopInventorySync()
	return c.locate.close()
}

// Categories returns the configured categories with their catalogue
// entries, in display order.
func (c *Consent) Categories() []Category { return c.categories }

// maxAge returns the lifetime of a choice made under regime r.
func (c *Consent) maxAge(r Regime) time.Duration {
	d, ok := c.opts.MaxAge[r]
	if !ok {
		d = DefaultMaxAge(r)
	}
	return min(d, MaxCookieAge)
}

// lifetime returns how long ch counts: a choice that refuses any
// configured category until the refusal's re-ask period ends
// (Options.ReaskAfterRefusal), any other for the regime's max age.
func (c *Consent) lifetime(ch *choice) time.Duration {
	if !c.refuses(ch) {
		return c.maxAge(ch.Regime)
	}
	d, ok := c.opts.ReaskAfterRefusal[ch.Regime]
	if !ok {
		d = DefaultReaskAfterRefusal(ch.Regime)
	}
	return min(d, MaxCookieAge)
}

// refuses reports whether ch leaves any configured category but necessary
// ungranted.
func (c *Consent) refuses(ch *choice) bool {
	for _, cat := range c.categories {
		if cat.Key != Necessary && !slices.Contains(ch.Granted, cat.Key) {
			return true
		}
	}
	return false
}

// regime decides the visitor's regime from their location. With no
// location source configured the operator's DefaultRegime applies to every
// visitor; with one, a visitor it cannot place gets the strictest regime.
func (c *Consent) regime(r *http.Request) Regime {
	_, reg := c.where(r)
	return reg
}

// where returns the visitor's location (empty without a location source)
// and regime.
func (c *Consent) where(r *http.Request) (Location, Regime) {
	if !c.locate.configured() {
		return Location{}, c.opts.DefaultRegime
	}
	loc := c.locate.locate(r)
	return loc, c.regimes.regime(loc)
}

// weighGPC marks a GPC signal as advisory (recorded, binding nothing) when
// the visitor's state law does not make it a binding opt-out at the
// request's date (gpcBinds).
func (c *Consent) weighGPC(sig *Signals, loc Location, reg Regime) {
	sig.gpcAdvisory = sig.GPC && !c.gpcBinds(loc, reg, c.now())
}

// stateFor reads the visitor's state: the choice in a valid cookie made
// under the current policy version and not expired, else the regime's
// defaults. Signals are applied either way, and the GPP added when on. A
// visitor who has chosen is located only when the GPP needs their place
// or a GPC signal needs weighing against their state's law.
func (c *Consent) stateFor(r *http.Request) (*State, *choice) {
	sig := readSignals(r)
	ch, reask, several := c.readChoice(r)
	if ch == nil {
		loc, reg := c.where(r)
		c.weighGPC(&sig, loc, reg)
		s := c.defaults(reg, sig)
		s.reask, s.strays = reask, several
		c.addGPP(s, loc)
		return s, nil
	}
	weigh := sig.GPC && ch.Regime == RegimeOptOut && !ch.GPC
	var loc Location
	if c.locate.configured() && (weigh || c.gpp != nil) {
		// Where they are now decides the GPP's sections and whether
		// their state's law makes GPC binding.
		loc = c.locate.locate(r)
	}
	if weigh {
		c.weighGPC(&sig, loc, ch.Regime)
	}
	s := c.stateFromChoice(ch, sig)
	c.addGPP(s, loc)
	return s, ch
}

// addGPP sets s.GPP for a visitor at loc, when the GPP is on.
func (c *Consent) addGPP(s *State, loc Location) {
	s.loc = loc
	if c.gpp != nil {
		s.GPP = c.gpp.signal(s, loc)
	}
}

// stateFromChoice is the state a valid choice gives with the request's
// signals: the categories it granted (unknown keys ignored, necessary
// always on). GPC binds in the opt-out regime (unless the visitor's state
// law says otherwise: weighGPC): a grant of advertising made without GPC
// does not survive a request that sends it; only an explicit grant made
// while GPC was on does.
func (c *Consent) stateFromChoice(ch *choice, sig Signals) *State {
	s := &State{
		ID:         ch.ID,
		Version:    ch.Version,
		Regime:     ch.Regime,
		Decided:    true,
		Method:     ch.Method,
		Time:       ch.timeText(),
		Categories: make(map[string]bool, len(c.categories)),
		Signals:    sig,
	}
	for _, cat := range c.categories {
		s.Categories[cat.Key] = cat.Key == Necessary
	}
	for _, k := range ch.Granted {
		if c.keys[k] {
			s.Categories[k] = true
		}
	}
	if s.Regime == RegimeOptOut && sig.bindingGPC() && !ch.GPC {
		s.Categories[Advertising] = false
	}
	return s
}

// Why a visitor who had chosen is asked again.
const (
	reaskPolicy  = "policy"  // the choice was made under another policy version
	reaskExpired = "expired" // the choice is older than the regime's max age
)

// readChoice decodes the consent cookie; any problem means no choice. When
// a valid choice no longer counts, reask says why. Several cookies of the
// consent cookie's name are no choice either, whichever decodes: one was
// set by someone else (consentcookie.Value), and taking it would carry its
// id into the visitor's next decision; several says so.
func (c *Consent) readChoice(r *http.Request) (ch *choice, reask string, several bool) {
	value, n := consentcookie.Value(r.Header, c.cookieName(r))
	switch {
	case n == 0:
		return nil, "", false
	case n > 1:
		c.log.Debug("consent: several consent cookies; none counts", "name", c.cookieName(r))
		return nil, "", true
	}
	ch, err := c.choices.Decode(c.codec, value, c.now(), prepareChoice)
	if err != nil || !ch.Regime.Valid() {
		c.log.Debug("consent: ignoring consent cookie", "error", err)
		return nil, "", false
	}
	if site := c.site(r); ch.Site == "" || ch.Site != site {
		// Made for another site (or, without a site, before choices were
		// bound to theirs): see site.
		c.log.Debug("consent: ignoring a consent cookie made for another site", "site", ch.Site, "want", site)
		return nil, "", false
	}
	if ch.Version != c.opts.PolicyVersion {
		return nil, reaskPolicy, false
	}
	if c.now().After(time.Unix(ch.Time, 0).Add(c.lifetime(ch))) {
		return nil, reaskExpired, false
	}
	return ch, "", false
}

// defaults is the state before a choice: the regime's defaults for this
// visitor with the signals applied.
func (c *Consent) defaults(reg Regime, sig Signals) *State {
	s := &State{
		Version:    c.opts.PolicyVersion,
		Regime:     reg,
		Categories: make(map[string]bool, len(c.categories)),
		Signals:    sig,
	}
	on := reg != RegimeOptIn
	for _, cat := range c.categories {
		s.Categories[cat.Key] = on || cat.Key == Necessary
	}
	if reg == RegimeNotice && c.opts.NoticeDefaults != nil {
		for _, cat := range c.categories {
			s.Categories[cat.Key] = cat.Key == Necessary || slices.Contains(c.opts.NoticeDefaults, cat.Key)
		}
	}
	// In the opt-out regime a privacy signal decides advertising until the
	// visitor chooses; the state says so with method "signal" (still
	// undecided, so the banner stays available).
	if reg == RegimeOptOut && (sig.bindingGPC() || (c.opts.HonorDNT && sig.DNT)) && s.Categories[Advertising] {
		s.Categories[Advertising] = false
		s.Method = MethodSignal
	}
	return s
}

// CheckPrefix reports a Prefix that is not a plain absolute path: it is
// written unescaped into the page's src and href attributes, so it must
// not leave the site ("//") or the attribute.
func CheckPrefix(p string) error {
	if !validPrefix(p) {
		return errors.New("want a path such as /_consent (letters, digits, '-', '_', '.', '/'; not ending in '/')")
	}
	return nil
}

// validPrefix is CheckPrefix's rule.
func validPrefix(p string) bool {
	if len(p) < 2 || p[0] != '/' || p[len(p)-1] == '/' || strings.Contains(p, "//") {
		return false
	}
	for _, r := range p {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./", r)) {
			return false
		}
	}
	return true
}

// configFingerprint hashes what a rewritten page carries besides the
// visitor's state and the vendors listed (listing.stamp, which stateTag
// adds): the banner assets, the guard (inline or its file's name) and its
// host list, and every language's no-JavaScript form.
func configFingerprint(o Options, ts *textSet) string {
	h := fnv.New64a()
	// The crawler rule decides whether a User-Agent's page shows the banner.
	for _, v := range []string{banner.JS().Name, banner.CSS().Name, banner.Guard(), string(ts.hosts), ts.table.Name(), o.PolicyVersion, o.Prefix,
		banner.GPP(), fmt.Sprint(o.GPP), string(o.Crawlers), strings.Join(o.CrawlerAgents, "\n"),
		banner.GuardFile().Name, string(o.Guard)} {
		h.Write([]byte(v))
		h.Write([]byte{0})
	}
	for _, lang := range ts.offered {
		h.Write([]byte(lang))
		h.Write([]byte{0})
		h.Write([]byte(strings.Join(ts.noJS[lang], "")))
		h.Write([]byte(strings.Join(ts.noJSOut[lang], "")))
	}
	return strconv.FormatUint(h.Sum64(), 36)
}
