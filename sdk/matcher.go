package sdk

import (
	"math/bits"
	"strings"
)

// matcher classifies hosts, inline scripts and cookie names by category.
// It is built once from the configured categories and is read-only after.
type matcher struct {
	hosts    map[string]string // bare host → category key
	inline   *multiMatcher     // inline-script patterns, reporting category bits
	catKeys  []string          // category key of each bit
	patterns []pattern         // the same patterns, for inspection
	exact    map[string]string // cookie name → category key
	prefixes []pattern         // cookie name prefix (from "name*") → category key

	// The necessary category's hosts and cookies: never refused, so left
	// out of the filters above, but claimed all the same (classify*).
	necHosts    map[string]bool
	necCookies  map[string]bool
	necPrefixes []string
}

type pattern struct {
	text     []byte
	category string
}

func newMatcher(cats []Category) *matcher {
	m := &matcher{hosts: map[string]string{}, exact: map[string]string{},
		necHosts: map[string]bool{}, necCookies: map[string]bool{}}
	var patterns [][]byte
	var groups []int
	for _, c := range cats {
		if c.Key == Necessary {
			// Always granted: nothing to filter, only to classify.
			for _, h := range c.Hosts {
				if h = normaliseHost(h); h != "" {
					m.necHosts[h] = true
				}
			}
			for _, name := range c.Cookies {
				if prefix, ok := strings.CutSuffix(name, "*"); ok {
					m.necPrefixes = append(m.necPrefixes, prefix)
				} else if name != "" {
					m.necCookies[name] = true
				}
			}
			continue
		}
		for _, h := range c.Hosts {
			if h = normaliseHost(h); h != "" {
				if _, dup := m.hosts[h]; !dup {
					m.hosts[h] = c.Key
				}
			}
		}
		if len(m.catKeys) < 64 {
			for _, p := range c.Patterns {
				if p != "" {
					patterns = append(patterns, []byte(p))
					m.patterns = append(m.patterns, pattern{[]byte(p), c.Key})
					groups = append(groups, len(m.catKeys))
				}
			}
			m.catKeys = append(m.catKeys, c.Key)
		}
		for _, name := range c.Cookies {
			if prefix, ok := strings.CutSuffix(name, "*"); ok {
				m.prefixes = append(m.prefixes, pattern{[]byte(prefix), c.Key})
			} else if _, dup := m.exact[name]; !dup && name != "" {
				m.exact[name] = c.Key
			}
		}
	}
	m.inline = newMultiMatcher(patterns, groups)
	return m
}

// hostCategory returns the category of host or of its closest catalogued
// parent domain ("www.google-analytics.com" matches "google-analytics.com").
// host must be lowercase and without port.
func (m *matcher) hostCategory(host string) string {
	for host != "" {
		if c, ok := m.hosts[host]; ok {
			return c
		}
		i := strings.IndexByte(host, '.')
		if i < 0 {
			return ""
		}
		host = host[i+1:]
	}
	return ""
}

// cookieCategory returns the category a cookie name belongs to, or "".
func (m *matcher) cookieCategory(name string) string {
	if c, ok := m.exact[name]; ok {
		return c
	}
	for _, p := range m.prefixes {
		if strings.HasPrefix(name, string(p.text)) {
			return p.category
		}
	}
	return ""
}

// classifyHost returns the category that claims host (lowercase, without
// port) or one of its parent domains whatever the visitor granted:
// hostCategory's answer, else Necessary when the necessary category lists
// it, else "". It is for the inventory, not for filtering.
func (m *matcher) classifyHost(host string) string {
	if c := m.hostCategory(host); c != "" {
		return c
	}
	for host != "" && len(m.necHosts) > 0 {
		if m.necHosts[host] {
			return Necessary
		}
		i := strings.IndexByte(host, '.')
		if i < 0 {
			break
		}
		host = host[i+1:]
	}
	return ""
}

// classifyCookie returns the category that claims a cookie name whatever
// the visitor granted: cookieCategory's answer, else Necessary when the
// necessary category lists it, else "". It is for the inventory, not for
// filtering.
func (m *matcher) classifyCookie(name string) string {
	return m.classifyCookieFrom(m.cookieCategory(name), name)
}

// classifyCookieFrom is classifyCookie when cookieCategory(name) is
// already known to be cat.
func (m *matcher) classifyCookieFrom(cat, name string) string {
	if cat != "" {
		return cat
	}
	if m.necCookies[name] {
		return Necessary
	}
	for _, p := range m.necPrefixes {
		if strings.HasPrefix(name, p) {
			return Necessary
		}
	}
	return ""
}

// statePolicy is the Policy of one visitor: the matcher filtered by the
// visitor's granted categories.
type statePolicy struct {
	m     *matcher
	state *State
}

func (p statePolicy) RefusedHost(host string) string {
	if c := p.m.hostCategory(host); c != "" && !p.state.Categories[c] {
		return c
	}
	return ""
}

func (p statePolicy) RefusedInline(body []byte) string {
	var refused uint64
	for i, k := range p.m.catKeys {
		if !p.state.Categories[k] {
			refused |= 1 << uint(i)
		}
	}
	if refused == 0 {
		return ""
	}
	if found := p.m.inline.match(body, refused) & refused; found != 0 {
		return p.m.catKeys[bits.TrailingZeros64(found)]
	}
	return ""
}

func (p statePolicy) Refused(key string) bool {
	return !p.state.Categories[strings.ToLower(key)]
}
