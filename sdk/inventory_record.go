package sdk

import (
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"
)

// Inventory returns the Inventory this Consent records into
// (Options.Inventory, or its own).
func (c *Consent) Inventory() *Inventory { return c.opts.Inventory }

// observeSetCookie records a cookie name set in a response on site; cat
// is c.match.cookieCategory(name). The consent cookie counts as necessary.
func (c *Consent) observeSetCookie(name, site, cat string, now time.Time) {
	cat = c.match.classifyCookieFrom(cat, name)
	if cat == "" && (name == c.opts.CookieName || name == "__Host-"+c.opts.CookieName) {
		cat = Necessary
	}
	c.opts.Inventory.Observe(KindCookie, name, site, cat, c.cookieVendor(name, cat), now)
}

// observePage records the third-party hosts the rewriter looked at in a
// page served to r: the hosts of the fetching URL attributes it checked
// and those it found named in inline scripts, styles and srcdoc documents
// (see Rewriter.textCategory; a script matched by an inline pattern of a
// refused category is not scanned for hosts, and a scan stops at the
// first refused host). At most maxCacheEntries hosts per page are seen.
// It also tells the Observer about the page.
func (c *Consent) observePage(r *http.Request, rw *Rewriter) {
	if o := c.opts.Observer; o != nil {
		o.PageRewritten(rw.Neutralised())
	}
	hosts := rw.seenHosts()
	if len(hosts) == 0 {
		return
	}
	site := requestSite(r)
	var now time.Time
	for host := range hosts {
		if !c.thirdParty(host, site) {
			continue
		}
		if now.IsZero() {
			now = c.now()
		}
		cat := c.match.classifyHost(host)
		c.opts.Inventory.Observe(KindHost, host, site, cat, c.hostVendor(host, cat), now)
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
	if d := strings.ToLower(strings.TrimPrefix(c.opts.CookieDomain, ".")); d != "" && inDomain(host, d) {
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
	if strings.HasPrefix(h, "[") {
		if i := strings.IndexByte(h, ']'); i > 0 {
			h = h[1:i]
		}
	} else if i := strings.LastIndexByte(h, ':'); i >= 0 && strings.IndexByte(h, ':') == i {
		h = h[:i]
	}
	h = strings.TrimSuffix(h, ".")
	for i := 0; i < len(h); i++ {
		if 'A' <= h[i] && h[i] <= 'Z' {
			return strings.ToLower(h)
		}
	}
	return h
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
	ix := builtinVendors()
	if v, ok := ix.cookies[name]; ok {
		if v.category == cat {
			return v.vendor
		}
		return ""
	}
	for _, p := range ix.prefixes {
		if strings.HasPrefix(name, p.prefix) {
			if p.category == cat {
				return p.vendor
			}
			return ""
		}
	}
	return ""
}

// hostVendor returns the built-in catalogue's vendor of host or of its
// closest catalogued parent domain when that vendor's category is cat,
// else "".
func (c *Consent) hostVendor(host, cat string) string {
	if cat == "" || cat == Necessary || c.opts.NoBuiltinCatalogue {
		return ""
	}
	ix := builtinVendors()
	for host != "" {
		if v, ok := ix.hosts[host]; ok {
			if v.category == cat {
				return v.vendor
			}
			return ""
		}
		i := strings.IndexByte(host, '.')
		if i < 0 {
			break
		}
		host = host[i+1:]
	}
	return ""
}

// vendorIndex finds the built-in catalogue's vendor of a host or a
// first-party cookie name, with the precedence the matcher and
// LookupCookie use: the first vendor to list a host or exact name, else
// the longest matching "prefix*" name (the first on a tie).
type vendorIndex struct {
	hosts    map[string]vendorRef
	cookies  map[string]vendorRef
	prefixes []vendorPrefix // longest first
}

type vendorRef struct{ vendor, category string }

type vendorPrefix struct {
	prefix string
	vendorRef
}

var builtinVendors = sync.OnceValue(func() *vendorIndex {
	ix := &vendorIndex{hosts: map[string]vendorRef{}, cookies: map[string]vendorRef{}}
	for _, v := range builtin() {
		ref := vendorRef{v.Vendor, v.Category}
		for _, h := range v.Hosts {
			if h = normaliseHost(h); h != "" {
				if _, dup := ix.hosts[h]; !dup {
					ix.hosts[h] = ref
				}
			}
		}
		for _, ck := range v.Cookies {
			if ck.Party == ThirdParty || ck.Name == "" {
				continue // set on the vendor's domain: never in the site's Set-Cookie
			}
			if prefix, ok := strings.CutSuffix(ck.Name, "*"); ok {
				ix.prefixes = append(ix.prefixes, vendorPrefix{prefix, ref})
			} else if _, dup := ix.cookies[ck.Name]; !dup {
				ix.cookies[ck.Name] = ref
			}
		}
	}
	slices.SortStableFunc(ix.prefixes, func(a, b vendorPrefix) int { return len(b.prefix) - len(a.prefix) })
	return ix
})

// reportDropped tells the Observer, if any, how many cookies of each
// category were dropped; where is "request" or "response".
func (c *Consent) reportDropped(counts []categoryCount, where string) {
	if o := c.opts.Observer; o != nil {
		for _, k := range counts {
			o.CookiesDropped(k.key, where, k.n)
		}
	}
}

// addCount adds one to cat's count in counts.
func addCount(counts []categoryCount, cat string) []categoryCount {
	for i := range counts {
		if counts[i].key == cat {
			counts[i].n++
			return counts
		}
	}
	return append(counts, categoryCount{cat, 1})
}
