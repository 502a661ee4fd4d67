package sdk

import (
	"strings"

	"github.com/consentry/consentry/sdk/internal/match"
	"github.com/consentry/consentry/sdk/rewrite"
)

// newMatcher builds the category matcher of the configured categories.
// pass are hosts of a category that are never held, even under a
// catalogued parent domain (the Google tag in advanced mode,
// googleAdvanced): pass rules, first, so that they claim them, and the
// closest host wins.
func newMatcher(cats, pass []Category) *match.Matcher {
	rules := make([]match.Rule, len(cats), len(cats)+len(pass))
	for i, c := range cats {
		paths := make([]string, len(c.Paths))
		for j, p := range c.Paths {
			paths[j] = rewrite.NormalisePath(p)
		}
		rules[i] = match.Rule{Key: c.Key, Hosts: c.Hosts, Patterns: c.Patterns, Cookies: c.Cookies, Paths: paths}
	}
	for i := len(pass) - 1; i >= 0; i-- {
		rules = append([]match.Rule{{Key: pass[i].Key, Hosts: pass[i].Hosts, Pass: true}}, rules...)
	}
	return match.New(rules, Necessary)
}

// statePolicy is the Policy of one visitor: the matcher filtered by the
// visitor's granted categories.
type statePolicy struct {
	m     *match.Matcher
	state *State
}

func (p statePolicy) RefusedHost(host string) string {
	if c := p.m.Host(host); c != "" && !p.state.Categories[c] {
		return c
	}
	return ""
}

func (p statePolicy) RefusedInline(body []byte) string {
	return p.m.Inline(body, p.refused)
}

func (p statePolicy) refused(key string) bool { return !p.state.Categories[key] }

func (p statePolicy) Refused(key string) bool {
	return !p.state.Categories[strings.ToLower(key)]
}

// pathPolicy is statePolicy for a matcher whose categories name
// first-party paths: the rewriter checks the paths of URLs on the page's
// own host only when its Policy is a rewrite.PathPolicy.
type pathPolicy struct{ statePolicy }

func (p pathPolicy) RefusedPath(path []byte) (string, string) {
	prefix, c := p.m.Path(path)
	if c != "" && p.state.Categories[c] {
		c = ""
	}
	return prefix, c
}

// policy returns the rewrite.Policy of the visitor in state s.
func (c *Consent) policy(s *State) rewrite.Policy {
	if c.match.HasPaths() {
		return pathPolicy{statePolicy{c.match, s}}
	}
	return statePolicy{c.match, s}
}
