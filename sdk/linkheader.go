package sdk

import (
	"net/http"
	"strings"
)

// dropRefusedLinks removes Link header entries (RFC 8288) whose target is a
// catalogued host of a refused category: a Link header preloads,
// preconnects or (in some browsers) loads a stylesheet exactly as the
// <link> element does, on the response or on 103 Early Hints.
func (c *Consent) dropRefusedLinks(h http.Header, s *State) {
	values := h["Link"]
	if len(values) == 0 {
		return
	}
	p := statePolicy{c.match, s}
	var kept []string
	changed := false
	for _, v := range values {
		var keep []string
		for _, link := range splitLinks(v) {
			target, _, ok := strings.Cut(strings.TrimPrefix(strings.TrimSpace(link), "<"), ">")
			if ok && p.RefusedHost(urlHost([]byte(target))) != "" {
				changed = true
				continue
			}
			keep = append(keep, strings.TrimSpace(link))
		}
		if len(keep) > 0 {
			kept = append(kept, strings.Join(keep, ", "))
		}
	}
	if !changed {
		return
	}
	if len(kept) == 0 {
		h.Del("Link")
		return
	}
	h["Link"] = kept
}

// splitLinks splits a Link field value into its link-values, at commas
// outside <…> and quoted strings.
func splitLinks(v string) []string {
	var out []string
	inURL, quoted, start := false, false, 0
	for i := 0; i < len(v); i++ {
		switch c := v[i]; {
		case quoted:
			if c == '\\' {
				i++
			} else if c == '"' {
				quoted = false
			}
		case c == '<':
			inURL = true
		case c == '>':
			inURL = false
		case c == '"' && !inURL:
			quoted = true
		case c == ',' && !inURL:
			out = append(out, v[start:i])
			start = i + 1
		}
	}
	return append(out, v[start:])
}
