package sdk

import (
	"net/http"
	"net/netip"
	"slices"
	"strings"

	"github.com/consentry/consentry/sdk/internal/httpfield"
	"golang.org/x/net/publicsuffix"
)

// Bounds of the expiry Set-Cookies one response carries, so that its size
// depends on the configuration, never on the request (issue 12: 2,000
// cookie names and a Host of 120 labels used to cost a 41.7 MB answer).
const (
	// maxExpiredCookies is the most refused cookies one response expires.
	// Browsers keep 50 to 180 cookies per domain and a site's refused
	// trackers are a few dozen, so 64 covers a real browser in one
	// response; a browser that holds more sees the rest expired on its
	// next responses, since the expired ones are no longer sent.
	maxExpiredCookies = 64
	// maxExpiredName is the longest cookie name expired, in bytes: real
	// tracker names are under 64 (a pattern such as "_ga_*" matches any
	// suffix, so the length must be capped here).
	maxExpiredName = 256
)

// refusedCookieNames returns the distinct names of the cookies in r that
// belong to categories s does not grant, in request order: at most
// maxExpiredCookies, none longer than maxExpiredName.
func (c *Consent) refusedCookieNames(r *http.Request, s *State) []string {
	var names []string
	for p := range httpfield.Cookies(r.Header["Cookie"]) {
		if len(p.Name) > maxExpiredName || slices.Contains(names, p.Name) {
			continue
		}
		if cat := c.match.Cookie(p.Name); cat != "" && !s.Categories[cat] {
			names = append(names, p.Name)
			if len(names) == maxExpiredCookies {
				break
			}
		}
	}
	return names
}

// expireCookies adds to h a Set-Cookie that deletes each named cookie
// (empty value, Max-Age=0, Path=/) for every domain it is likely held
// under: host-only, the registrable domain of the request host and the
// configured cookie domain (cookieDomains). A response that allowed shared
// caching becomes private, so no shared cache replays the deletions to
// other visitors. With refusedCookieNames' bounds, one response carries at
// most 3 × maxExpiredCookies expiries.
func (c *Consent) expireCookies(h http.Header, r *http.Request, names []string) {
	if len(names) == 0 {
		return
	}
	privateCache(h)
	domains := cookieDomains(r.Host, c.opts.CookieDomain)
	for _, name := range names[:min(len(names), maxExpiredCookies)] {
		ck := http.Cookie{Name: name, Path: "/", MaxAge: -1}
		if ck.String() == "" {
			continue // not a valid cookie name: nothing a browser would store
		}
		h.Add("Set-Cookie", ck.String())
		for _, d := range domains {
			ck.Domain = d
			if v := ck.String(); v != "" {
				h.Add("Set-Cookie", v)
			}
		}
	}
}

// cookieDomains lists the Domain attributes, besides host-only, under which
// a cookie visible to host is expired: the registrable domain of host by
// the public suffix list (example.co.uk for www.shop.example.co.uk), where
// analytics and advertising scripts set theirs, then configured (the
// consent cookie's domain) when it is not already listed. At most two,
// whatever the Host: a domain between the host and its registrable domain
// (shop.example.co.uk) is reached only when it is the configured one, and
// a public suffix never. The host itself is left out: a host-only
// deletion also replaces a cookie set with Domain equal to the host.
func cookieDomains(hostport, configured string) []string {
	host := httpfield.Host(hostport)
	var out []string
	if _, err := netip.ParseAddr(host); err != nil && host != "" && isDomainName(host) {
		if d, err := publicsuffix.EffectiveTLDPlusOne(host); err == nil && d != host {
			out = append(out, d)
		}
	}
	if d := httpfield.Domain(configured); d != "" && d != host && !slices.Contains(out, d) {
		out = append(out, d)
	}
	return out
}

// isDomainName reports whether host (lower case) is made of DNS labels
// (letters, digits, inner '-', '_'), so it can be a cookie's Domain: the
// Host header is the client's, and nothing else may reach a Set-Cookie.
func isDomainName(host string) bool {
	for _, label := range strings.Split(host, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for i := 0; i < len(label); i++ {
			b := label[i]
			if !(b >= 'a' && b <= 'z' || b >= '0' && b <= '9' || b == '-' || b == '_') {
				return false
			}
		}
	}
	return len(host) <= 253
}
