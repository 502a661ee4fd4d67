package sdk

import (
	"net/http"
	"net/netip"
	"slices"
	"strings"

	"github.com/consentry/consentry/sdk/internal/httpfield"
)

// refusedCookieNames returns the distinct names of the cookies in r that
// belong to categories s does not grant, in request order.
func (c *Consent) refusedCookieNames(r *http.Request, s *State) []string {
	var names []string
	for p := range httpfield.Cookies(r.Header["Cookie"]) {
		if cat := c.match.Cookie(p.Name); cat != "" && !s.Categories[cat] && !slices.Contains(names, p.Name) {
			names = append(names, p.Name)
		}
	}
	return names
}

// expireCookies adds to h a Set-Cookie that deletes each named cookie
// (empty value, Max-Age=0, Path=/) for every domain the browser may hold
// it under: host-only, each parent domain of the request host short of
// the top-level domain, and the configured cookie domain. IP hosts get the
// host-only variant only. A response that allowed shared caching becomes
// private, so no shared cache replays the deletions to other visitors.
func (c *Consent) expireCookies(h http.Header, r *http.Request, names []string) {
	if len(names) == 0 {
		return
	}
	privateCache(h)
	domains := cookieDomains(r.Host, c.opts.CookieDomain)
	for _, name := range names {
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

// cookieDomains lists the Domain attributes under which a cookie visible
// to host may have been set: each parent domain of host except the bare
// top-level domain (for www.shop.example.com: shop.example.com and
// example.com), then configured when it is not already listed. The host
// itself is left out: a host-only deletion also replaces a cookie set with
// Domain equal to the host.
func cookieDomains(hostport, configured string) []string {
	host := httpfield.Host(hostport)
	var out []string
	if _, err := netip.ParseAddr(host); err != nil && host != "" && isDomainName(host) {
		rest := host
		for {
			_, after, ok := strings.Cut(rest, ".")
			if !ok || !strings.Contains(after, ".") {
				break // after is the top-level domain
			}
			out = append(out, after)
			rest = after
		}
	}
	if d := strings.ToLower(strings.TrimPrefix(configured, ".")); d != "" && d != host && !slices.Contains(out, d) {
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
