package sdk

import (
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/consentry/consentry/sdk/internal/httpfield"
	"github.com/consentry/consentry/sdk/internal/match"
	"github.com/consentry/consentry/sdk/rewrite"
)

// Inventory returns the Inventory this Consent records into
// (Options.Inventory, or its own).
func (c *Consent) Inventory() *Inventory { return c.opts.Inventory }

// observeSetCookie records a cookie name set in a response on site; cat
// is c.match.Cookie(name). The consent cookie counts as necessary.
func (c *Consent) observeSetCookie(name, site, cat string, now time.Time) {
	cat = c.match.ClassifyCookieFrom(cat, name)
	if cat == "" && (name == c.opts.CookieName || name == "__Host-"+c.opts.CookieName) {
		cat = Necessary
	}
	vendor := c.cookieVendor(name, cat)
	c.opts.Inventory.Observe(KindCookie, name, site, cat, vendor, now)
	c.noteVendor(vendor)
}

// observePage records the third-party hosts the rewriter looked at in a
// page served to r (see observeHosts) and tells the Observer about the
// page.
func (c *Consent) observePage(r *http.Request, rw *rewrite.Writer) {
	if o := c.opts.Observer; o != nil {
		o.PageRewritten(rw.Neutralised())
	}
	c.observeHosts(r, rw.Hosts(), rw.FetchedHost)
	c.observePaths(r, rw.Paths())
}

// observePaths records the first-party tag paths (Category.Paths) a page
// served to r loads from, as KindHost entries named by the site's host
// followed by the prefix ("www.example.com/metrics/"), with the category
// that names the prefix: the operator sees which sites use a tag gateway.
func (c *Consent) observePaths(r *http.Request, paths map[string]string) {
	if len(paths) == 0 {
		return
	}
	site := requestSite(r)
	now := c.now()
	for prefix := range paths {
		_, cat := c.match.Path([]byte(prefix))
		c.opts.Inventory.Observe(KindHost, site+prefix, site, cat, "", now)
	}
}

// observeHosts records the third-party hosts among a page's (host →
// refused category, from rewrite.Writer.Hosts; at most maxCacheEntries of
// them): those a fetching URL attribute points at (fetched, from
// rewrite.Writer.FetchedHost), and those inline text names only when a
// category claims them. Text can name any host, and a
// page that reflects its query string into a script would otherwise let
// every visitor write the inventory; a catalogued host it names is one
// worth listing either way.
func (c *Consent) observeHosts(r *http.Request, hosts map[string]string, fetched func(host string) bool) {
	if len(hosts) == 0 {
		return
	}
	site := requestSite(r)
	var now time.Time
	for host := range hosts {
		if !c.thirdParty(host, site) {
			continue
		}
		cat := c.match.ClassifyHost(host)
		if cat == "" && !fetched(host) {
			continue
		}
		if now.IsZero() {
			now = c.now()
		}
		vendor := c.hostVendor(host, cat)
		c.opts.Inventory.Observe(KindHost, host, site, cat, vendor, now)
		c.noteVendor(vendor)
	}
}

// thirdParty reports whether host, seen in a page of site, belongs to
// another party. First-party hosts are site itself and its subdomains,
// the domain site names after a leading "www." and its subdomains (a page
// of www.example.com loading from static.example.com), and
// Options.CookieDomain and its subdomains.
func (c *Consent) thirdParty(host, site string) bool {
	if site != "" && (inDomain(host, site) || inDomain(host, strings.TrimPrefix(site, "www."))) {
		return false
	}
	if d := httpfield.Domain(c.opts.CookieDomain); d != "" && inDomain(host, d) {
		return false
	}
	return true
}

// inDomain reports whether host is domain or one of its subdomains
// (case-sensitive; both lowercase).
func inDomain(host, domain string) bool {
	if domain == "" || !strings.HasSuffix(host, domain) {
		return false
	}
	return len(host) == len(domain) || host[len(host)-len(domain)-1] == '.'
}

// requestSite returns the host r was sent to, without port or brackets,
// lowercase and without a trailing dot.
func requestSite(r *http.Request) string {
	h := r.Host
	if h == "" && r.URL != nil {
		h = r.URL.Host
	}
	return httpfield.Host(h)
}

// cookieVendor returns the built-in catalogue's vendor of a first-party
// cookie name claimed by category cat, or "": a vendor is named only when
// its category is cat, so a name the operator claims for another
// category, or a site cookie that shares a name with a vendor's
// third-party cookie, gets none.
func (c *Consent) cookieVendor(name, cat string) string {
	if cat == "" || cat == Necessary || c.opts.NoBuiltinCatalogue {
		return ""
	}
	v, _ := builtinVendors().cookies.Lookup(name)
	return v.of(cat)
}

// hostVendor returns the built-in catalogue's vendor of host or of its
// closest catalogued parent domain when that vendor's category is cat,
// else "".
func (c *Consent) hostVendor(host, cat string) string {
	if cat == "" || cat == Necessary || c.opts.NoBuiltinCatalogue {
		return ""
	}
	v, _ := builtinVendors().hosts.Lookup(host)
	return v.of(cat)
}

// vendorIndex finds the built-in catalogue's vendor of a host or a
// first-party cookie name, with the matcher's precedence (match.Names,
// match.Hosts).
type vendorIndex struct {
	hosts   match.Hosts[vendorRef]
	cookies match.Names[vendorRef]
}

type vendorRef struct{ vendor, category string }

// of returns the vendor's name when its category is cat, else "".
func (v vendorRef) of(cat string) string {
	if v.category == cat {
		return v.vendor
	}
	return ""
}

var builtinVendors = sync.OnceValue(func() *vendorIndex {
	ix := new(vendorIndex)
	for _, v := range builtin() {
		ref := vendorRef{v.Vendor, v.Category}
		for _, h := range v.Hosts {
			ix.hosts.Add(h, ref)
		}
		for _, ck := range v.Cookies {
			if ck.filtered() { // as the filters see them (withCatalogue)
				ix.cookies.Add(ck.Name, ref)
			}
		}
	}
	return ix
})

// reportDropped tells the Observer, if any, how many cookies of each
// category were dropped; where is "request" or "response".
func (c *Consent) reportDropped(counts rewrite.Counts, where string) {
	if o := c.opts.Observer; o != nil {
		for _, k := range counts {
			o.CookiesDropped(k.Key, where, k.N)
		}
	}
}
