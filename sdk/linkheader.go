package sdk

import (
	"net/http"
	"strings"

	"github.com/consentry/consentry/sdk/internal/httpfield"
	"github.com/consentry/consentry/sdk/rewrite"
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
		for _, link := range httpfield.SplitList(v) {
			target, _, ok := strings.Cut(strings.TrimPrefix(strings.TrimSpace(link), "<"), ">")
			if ok && p.RefusedHost(rewrite.URLHost([]byte(target))) != "" {
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
