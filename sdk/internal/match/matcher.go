// Package match classifies hosts, inline scripts and cookie names by
// category, with one precedence for every lookup (see Names and Hosts). It
// is built once from the configured categories and is read-only after.
package match

import "math/bits"

// Rule is what one category claims.
type Rule struct {
	Key      string   // the category key
	Hosts    []string // configured hosts; each also claims its subdomains
	Patterns []string // substrings that mark an inline script
	Cookies  []string // cookie names; "prefix*" for a family
	Paths    []string // first-party path prefixes, normalised
	// Pass makes the rule's hosts belong to its category without being
	// held: Host reports them (and their subdomains) as belonging to no
	// category, even under a parent domain another rule claims, while
	// ClassifyHost, for the inventory, still names the category. A pass
	// rule claims only hosts.
	Pass bool
}

// passMark starts the value of a pass rule's host in Matcher.hosts.
const passMark = "\x00"

// Pattern is one inline-script pattern and the category it marks.
type Pattern struct {
	Text     string
	Category string
}

// Matcher classifies by category. The rules of the never-refused category
// (Necessary in New) are kept apart: the filters never see them, but the
// Classify methods, for the inventory, still claim what they list.
type Matcher struct {
	hosts    Hosts[string]
	paths    Paths[string]
	cookies  Names[string]
	inline   *multiMatcher // inline-script patterns, reporting category bits
	catKeys  []string      // category key of each bit
	patterns []Pattern

	necessary  string
	necHosts   Hosts[struct{}]
	necCookies Names[struct{}]
}

// MaxInlineCategories is how many categories can have inline patterns (one
// bit each in the multi-pattern matcher).
const MaxInlineCategories = 64

// New builds a Matcher from rules, in order: the first rule to claim a
// host or exact cookie name wins. necessary is the key of the category
// that is always granted.
func New(rules []Rule, necessary string) *Matcher {
	m := &Matcher{necessary: necessary}
	var patterns [][]byte
	var groups []int
	for _, r := range rules {
		if r.Pass {
			for _, h := range r.Hosts {
				m.hosts.Add(h, passMark+r.Key)
			}
			continue
		}
		if r.Key == necessary {
			for _, h := range r.Hosts {
				m.necHosts.Add(h, struct{}{})
			}
			for _, name := range r.Cookies {
				m.necCookies.Add(name, struct{}{})
			}
			continue
		}
		for _, h := range r.Hosts {
			m.hosts.Add(h, r.Key)
		}
		for _, p := range r.Paths {
			m.paths.Add(p, r.Key)
		}
		if len(m.catKeys) < MaxInlineCategories {
			for _, p := range r.Patterns {
				if p != "" {
					patterns = append(patterns, []byte(p))
					m.patterns = append(m.patterns, Pattern{p, r.Key})
					groups = append(groups, len(m.catKeys))
				}
			}
			m.catKeys = append(m.catKeys, r.Key)
		}
		for _, name := range r.Cookies {
			m.cookies.Add(name, r.Key)
		}
	}
	m.inline = newMultiMatcher(patterns, groups)
	return m
}

// Host returns the category of host or of its closest catalogued parent
// domain, or "". host must be lowercase and without port. The necessary
// category's hosts are not reported.
func (m *Matcher) Host(host string) string {
	c, _ := m.hosts.Lookup(host)
	if len(c) > 0 && c[:1] == passMark {
		return ""
	}
	return c
}

// Path returns the longest first-party path prefix that path (normalised
// as the browser sends it) starts with and its category, or "" and "".
// The necessary category's paths are not kept: it claims none.
func (m *Matcher) Path(path []byte) (prefix, category string) {
	p, c, _ := m.paths.Lookup(path)
	return p, c
}

// HasPaths reports whether any category names first-party paths.
func (m *Matcher) HasPaths() bool { return m.paths.Len() > 0 }

// Cookie returns the category a cookie name belongs to, or "". The
// necessary category's names are not reported.
func (m *Matcher) Cookie(name string) string {
	c, _ := m.cookies.Lookup(name)
	return c
}

// Inline returns the key of a category that refused reports true for and
// whose inline patterns body contains (the scan stops at the first such
// pattern in body), or "".
func (m *Matcher) Inline(body []byte, refused func(key string) bool) string {
	var mask uint64
	for i, k := range m.catKeys {
		if refused(k) {
			mask |= 1 << uint(i)
		}
	}
	if mask == 0 {
		return ""
	}
	if found := m.inline.match(body, mask) & mask; found != 0 {
		return m.catKeys[bits.TrailingZeros64(found)]
	}
	return ""
}

// Patterns returns the inline patterns, in rule order. The slice is the
// Matcher's own.
func (m *Matcher) Patterns() []Pattern { return m.patterns }

// ClassifyHost returns the category that claims host (lowercase, without
// port) or one of its parent domains whatever the visitor granted: Host's
// answer, else the necessary key when the necessary category lists it,
// else "". It is for the inventory, not for filtering.
func (m *Matcher) ClassifyHost(host string) string {
	if c, _ := m.hosts.Lookup(host); c != "" {
		if c[:1] == passMark {
			return c[1:]
		}
		return c
	}
	if _, ok := m.necHosts.Lookup(host); ok {
		return m.necessary
	}
	return ""
}

// ClassifyCookie returns the category that claims a cookie name whatever
// the visitor granted: Cookie's answer, else the necessary key when the
// necessary category lists it, else "". It is for the inventory, not for
// filtering.
func (m *Matcher) ClassifyCookie(name string) string {
	return m.ClassifyCookieFrom(m.Cookie(name), name)
}

// ClassifyCookieFrom is ClassifyCookie when Cookie(name) is already known
// to be cat.
func (m *Matcher) ClassifyCookieFrom(cat, name string) string {
	if cat != "" {
		return cat
	}
	if _, ok := m.necCookies.Lookup(name); ok {
		return m.necessary
	}
	return ""
}

// HostCount returns the number of hosts the matcher claims for categories
// other than necessary.
func (m *Matcher) HostCount() int { return m.hosts.Len() }

// CookieCount returns the number of cookie names and families the matcher
// claims for categories other than necessary.
func (m *Matcher) CookieCount() int { return m.cookies.Len() }
