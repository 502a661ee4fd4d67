package sdk

import (
	"strings"

	"github.com/consentry/consentry/sdk/internal/match"
)

// newMatcher builds the category matcher of the configured categories.
func newMatcher(cats []Category) *match.Matcher {
	rules := make([]match.Rule, len(cats))
	for i, c := range cats {
		rules[i] = match.Rule{Key: c.Key, Hosts: c.Hosts, Patterns: c.Patterns, Cookies: c.Cookies}
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
