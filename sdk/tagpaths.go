package sdk

import (
	"net/http"

	"github.com/consentry/consentry/sdk/rewrite"
)

// refuseTagPath answers a request for a first-party tag path (see
// Category.Paths) of a category the visitor in state s has not granted,
// and reports whether it did. The page's tags on such paths are
// neutralised and the guard holds the ones scripts add; refusing the
// request itself makes the block hold by construction, whatever a page
// or a cached script asks for: a tag gateway or server-side tag manager
// behind the proxy never sees a visitor who did not grant its category.
//
// The answer is 403 with "Cache-Control: no-store", so that no cache keeps
// it for a visitor who grants the category later. The path is judged as
// sent (percent-encoded unreserved characters decoded, dot segments
// removed) and fully decoded, so that no spelling a server in front might
// route to the gateway passes.
func (c *Consent) refuseTagPath(w http.ResponseWriter, r *http.Request, s *State) bool {
	if !c.match.HasPaths() || r.URL == nil {
		return false
	}
	for _, p := range [...]string{r.URL.EscapedPath(), r.URL.Path} {
		prefix, cat := c.match.Path([]byte(rewrite.NormalisePath(p)))
		if prefix == "" || s.Categories[cat] {
			continue
		}
		h := w.Header()
		h.Set("Cache-Control", "no-store")
		h.Set("Content-Type", "text/plain; charset=utf-8")
		h.Set("X-Content-Type-Options", "nosniff")
		w.WriteHeader(http.StatusForbidden)
		_, _ = w.Write([]byte("consent: the " + cat + " category is not granted\n"))
		return true
	}
	return false
}
