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
}

type pattern struct {
	text     []byte
	category string
}

func newMatcher(cats []Category) *matcher {
	m := &matcher{hosts: map[string]string{}, exact: map[string]string{}}
	var patterns [][]byte
	var groups []int
	for _, c := range cats {
		if c.Key == Necessary {
			continue // necessary is always granted: nothing to match
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
