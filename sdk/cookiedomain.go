package sdk

import (
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"strings"
	"sync"

	"github.com/consentry/consentry/sdk/internal/httpfield"
	"golang.org/x/net/http/httpguts"
)

// CookieDomainObserver is an Observer that is also told of every request
// for a host that Options.CookieDomain does not cover: the browser refuses
// a consent cookie for that domain, so every choice there asks again and
// is logged again. The engine checks for it with a type assertion, so an
// Observer need not implement it. The Caddy module counts these requests
// in a metric.
type CookieDomainObserver interface {
	Observer
	// CookieDomainMismatch is called once per such request.
	CookieDomainMismatch()
}

// maxWarnedHosts bounds the hosts the engine warns about: once per host,
// and no more than this many per engine, whatever hosts requests name.
const maxWarnedHosts = 32

// hostWarnings remembers the hosts already warned about.
type hostWarnings struct {
	mu    sync.Mutex
	hosts map[string]bool
}

// first reports whether host is new and may still be warned about, and
// remembers it; done is set on the call that fills the set.
func (w *hostWarnings) first(host string) (ok, done bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.hosts[host] || len(w.hosts) >= maxWarnedHosts {
		return false, false
	}
	if w.hosts == nil {
		w.hosts = make(map[string]bool)
	}
	w.hosts[host] = true
	return true, len(w.hosts) == maxWarnedHosts
}

// checkCookieDomain notices a request for a host outside the configured
// cookie domain (see Options.CookieDomain): it tells the Observer, and
// warns once per host.
func (c *Consent) checkCookieDomain(r *http.Request) {
	host := httpfield.Host(r.Host)
	if domainCovers(c.cookieDomain, host) {
		return
	}
	if o, ok := c.opts.Observer.(CookieDomainObserver); ok {
		o.CookieDomainMismatch()
	}
	if ok, done := c.domainWarned.first(host); ok {
		c.log.Warn("consent: the cookie domain does not cover this host, so browsers refuse the consent cookie and visitors are asked on every page",
			"cookie_domain", c.cookieDomain, "host", clean(host, 253))
		if done {
			c.log.Warn("consent: further hosts outside the cookie domain are not logged", "hosts", maxWarnedHosts)
		}
	}
}

// domainCovers reports whether a cookie with Domain=domain is stored for
// host: host is domain or a subdomain of it.
func domainCovers(domain, host string) bool {
	return host == domain || (strings.HasSuffix(host, domain) && host[len(host)-len(domain)-1] == '.')
}

// siteNames are the configured Options.Sites: exact host names, and the
// suffixes (".example.com") of wildcards ("*.example.com").
type siteNames struct {
	exact     map[string]bool
	wildcards []string
}

// CheckSite reports an Options.Sites entry that is not a host name, an IP
// address or a wildcard of one label ("*.example.com").
func CheckSite(s string) error {
	rest, wild := strings.CutPrefix(strings.TrimSpace(s), "*.")
	rest = httpfield.Domain(rest)
	if _, err := netip.ParseAddr(rest); (err != nil || wild) && !isDomainName(rest) {
		return errors.New("want a host name such as shop.example.com or *.example.com")
	}
	return nil
}

// CheckCookieDomain reports a CookieDomain that is not a domain name of at
// least two labels: anything else would reach the Set-Cookie header.
func CheckCookieDomain(d string) error {
	if d = httpfield.Domain(d); !isDomainName(d) || !strings.Contains(d, ".") {
		return errors.New("want a domain name such as example.com")
	}
	return nil
}

// CheckCookieName reports a CookieName that is not a cookie name (an RFC
// 9110 token, as a header field name is).
func CheckCookieName(name string) error {
	if !httpguts.ValidHeaderFieldName(name) {
		return errors.New("not a valid cookie name")
	}
	return nil
}

// newSiteNames checks and normalises the configured sites.
func newSiteNames(sites []string) (siteNames, error) {
	var n siteNames
	for _, s := range sites {
		if err := CheckSite(s); err != nil {
			return n, fmt.Errorf("site %q: %w", s, err)
		}
		rest, wild := strings.CutPrefix(strings.TrimSpace(s), "*.")
		rest = httpfield.Domain(rest)
		if wild {
			n.wildcards = append(n.wildcards, "."+rest)
			continue
		}
		if n.exact == nil {
			n.exact = make(map[string]bool)
		}
		n.exact[rest] = true
	}
	return n, nil
}

// servesSite reports whether host (as the inventory records a site: a
// request's host, lower case, without port) is one of the configured
// sites, or any host when none are configured.
func (c *Consent) servesSite(host string) bool {
	if len(c.sites.exact) == 0 && len(c.sites.wildcards) == 0 {
		return true
	}
	return c.siteOf(host) != ""
}

// recordSite is the consent log's site for a request: the configured site
// its host matched (a wildcard as configured), else "".
func (c *Consent) recordSite(r *http.Request) string {
	return c.siteOf(httpfield.Host(r.Host))
}

// siteOf is the configured site host matches (a wildcard as configured),
// else "".
func (c *Consent) siteOf(host string) string {
	if c.sites.exact[host] {
		return host
	}
	for _, w := range c.sites.wildcards {
		if label, ok := strings.CutSuffix(host, w); ok && label != "" && !strings.Contains(label, ".") {
			return "*" + w
		}
	}
	return ""
}
