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
func (c *Consent) dropRefusedLinks(h http.Header, r *http.Request, s *State) {
	values := h["Link"]
	if len(values) == 0 {
		return
	}
	p := c.policy(s)
	var kept []string
	changed := false
	for _, v := range values {
		var keep []string
		for _, link := range httpfield.SplitList(v) {
			target, _, ok := strings.Cut(strings.TrimPrefix(strings.TrimSpace(link), "<"), ">")
			if ok && c.refusedURL(p, r, target) {
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

// refusedURL reports whether the URL target, as a page served to r would
// load it, is on a refused host or, relative or on r's own host, under a
// refused first-party path prefix.
func (c *Consent) refusedURL(p rewrite.Policy, r *http.Request, target string) bool {
	if p.RefusedHost(rewrite.URLHost([]byte(target))) != "" {
		return true
	}
	pp, ok := p.(rewrite.PathPolicy)
	if !ok {
		return false
	}
	path, ok := rewrite.FirstPartyPath(target, requestSite(r), r.URL.EscapedPath())
	if !ok {
		return false
	}
	_, cat := pp.RefusedPath([]byte(path))
	return cat != ""
}
