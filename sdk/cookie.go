package sdk

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/consentry/consentry/sdk/internal/consentcookie"
	"github.com/consentry/consentry/sdk/internal/httpfield"
)

// choice is what the consent cookie carries: the visitor's decision, not
// the request's signals (those are read afresh on every request), except
// for the GPC signal at the time of the choice, which tells whether an
// opt-out-regime grant of advertising was made with GPC on.
type choice struct {
	ID      string   `json:"i"`
	Version string   `json:"v"`
	Regime  Regime   `json:"r"`
	Method  Method   `json:"m"`
	Time    int64    `json:"t"` // Unix seconds
	Granted []string `json:"g"`
	GPC     bool     `json:"p,omitempty"`
	DNT     bool     `json:"d,omitempty"`
	// Site is the site the choice was made for (Consent.site); a cookie
	// is no choice on another.
	Site string `json:"s,omitempty"`

	timeStr string // Time as RFC 3339, made once (timeText)
}

// prepareChoice fills a freshly decoded choice's cached fields, so every
// copy from the cookie cache carries them.
func prepareChoice(ch *choice) { ch.timeText() }

// timeText returns the choice's time in RFC 3339 (UTC), as the state
// shows it. A cached choice formats it once.
func (ch *choice) timeText() string {
	if ch.timeStr == "" {
		ch.timeStr = formatTime(time.Unix(ch.Time, 0))
	}
	return ch.timeStr
}

// newCookieCodec returns the codec of the consent cookie called name.
func newCookieCodec(name string, keys []KeyPair) (*consentcookie.Codec[choice], error) {
	ks := make([]consentcookie.Key, len(keys))
	for i, k := range keys {
		ks[i] = consentcookie.Key{Hash: k.Hash, Block: k.Block}
	}
	return consentcookie.New(name, ks, MaxCookieAge, func(ch *choice) error {
		if ch.ID == "" || ch.Time <= 0 {
			return errors.New("cookie carries no choice")
		}
		return nil
	})
}

// cookieName is the consent cookie's name for r: with the __Host- prefix
// on HTTPS when no Domain is set, so the browser guarantees the cookie was
// set by this host over HTTPS for the whole site and cannot be planted by
// a sibling subdomain.
func (c *Consent) cookieName(r *http.Request) string {
	if c.opts.CookieDomain == "" && c.isHTTPS(r) {
		return "__Host-" + c.opts.CookieName
	}
	return c.opts.CookieName
}

// site is the site a choice made on r belongs to, which its cookie names
// (choice.Site): ".example.com" when the cookie is shared across the
// configured CookieDomain, else the request's host ("shop.example.com",
// lower case, without port). A host-only cookie is only ever sent back to
// its host, so the host is exactly where it is valid; whatever the site
// blocks or tenants of one proxy share (keys, a catch-all block), a
// cookie made for one host or cookie domain is no choice on another. The
// leading dot keeps a domain-wide cookie apart from a host-only one of the
// host of that name.
func (c *Consent) site(r *http.Request) string {
	if c.opts.CookieDomain != "" {
		return "." + httpfield.Domain(c.opts.CookieDomain)
	}
	h := r.Host
	if h == "" && r.URL != nil {
		h = r.URL.Host
	}
	return httpfield.Host(h)
}

// bindSite returns value, a choice the endpoint encoded, encoded again
// with the site it is for (site). The endpoint builds the choice without
// the request's site; binding it here, where the cookie is made, keeps
// every consent cookie bound. It costs one decode and encode per decision.
func (c *Consent) bindSite(r *http.Request, value string) string {
	ch, err := c.codec.Decode(value)
	if err != nil {
		c.log.Error("consent: binding the consent cookie to its site", "error", err)
		return ""
	}
	if ch.Site = c.site(r); ch.Site == "" {
		return value
	}
	if value, err = c.codec.Encode(ch); err != nil {
		c.log.Error("consent: binding the consent cookie to its site", "error", err)
		return ""
	}
	return value
}

// cookie builds the Set-Cookie for value, living maxAge. The choice in
// value is bound to the request's site first (bindSite).
func (c *Consent) cookie(r *http.Request, value string, maxAge time.Duration) *http.Cookie {
	return &http.Cookie{
		Name:     c.cookieName(r),
		Value:    c.bindSite(r, value),
		Path:     "/",
		Domain:   c.opts.CookieDomain,
		MaxAge:   int(maxAge / time.Second),
		Expires:  c.now().Add(maxAge).UTC(),
		Secure:   c.isHTTPS(r),
		HttpOnly: true,
		SameSite: http.SameSiteLaxMode,
	}
}

// expireStrayConsentCookies adds to h a Set-Cookie deleting each cookie of
// the consent cookie's name that the browser may hold beside the engine's
// own, for a request that carried several (readChoice): the host-only one,
// the one under the registrable domain of the host and the one under the
// configured cookie domain (cookieDomains), less the one under the domain
// the engine sets its own cookie for. So a cookie planted by a sibling
// subdomain, or left from before the operator set or removed
// cookie_domain, costs the visitor one question, not one on every page.
// At most two headers. A cookie planted for a longer Path cannot be named
// and keeps the pages under that path asking until it expires. __Host-
// cookies cannot be planted by a sibling and carry no Domain: nothing to
// do for them.
func (c *Consent) expireStrayConsentCookies(h http.Header, r *http.Request) {
	name := c.cookieName(r)
	if strings.HasPrefix(name, "__Host-") {
		return
	}
	host := httpfield.Host(r.Host)
	own := host
	if c.opts.CookieDomain != "" {
		own = httpfield.Domain(c.opts.CookieDomain)
	}
	for _, d := range append([]string{""}, cookieDomains(r.Host, c.opts.CookieDomain)...) {
		if d == own || (d == "" && host == own) {
			continue
		}
		ck := http.Cookie{Name: name, Path: "/", Domain: d, MaxAge: -1}
		if v := ck.String(); v != "" {
			h.Add("Set-Cookie", v)
		}
	}
}

// isHTTPS reports whether the visitor reached the site over HTTPS: r came
// over TLS, or the operator says TLS ends in front (Options.AssumeHTTPS).
func (c *Consent) isHTTPS(r *http.Request) bool {
	return r.TLS != nil || c.opts.AssumeHTTPS
}
