package sdk

import (
	"net/http"
	"strings"
)

// Handler returns next wrapped in the consent middleware: the endpoints are
// answered, HTML responses are rewritten and the visitor's state is on the
// request context (FromContext).
func (c *Consent) Handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = c.Process(w, r, func(w http.ResponseWriter, r *http.Request) error {
			next.ServeHTTP(w, r)
			return nil
		})
	})
}

// Process is the low-level entry for frameworks: it answers the consent
// endpoints itself and otherwise calls next with the visitor's state on the
// request context and a response writer that rewrites HTML. It returns
// next's error unchanged.
func (c *Consent) Process(w http.ResponseWriter, r *http.Request, next Next) error {
	s, ch := c.stateFor(r)
	if c.serveEndpoint(w, r, s, ch) {
		return nil
	}
	r = r.WithContext(withState(r.Context(), s))
	c.prepareUpstream(r, s)

	rw := c.newResponseWriter(w, r, s)
	err := next(rw, r)
	if err != nil {
		rw.abort()
		return err
	}
	return rw.finish()
}

// prepareUpstream tells the upstream the visitor's consent and asks it for
// bodies this middleware can rewrite.
func (c *Consent) prepareUpstream(r *http.Request, s *State) {
	h := r.Header
	h.Del("Consent-Categories")
	h.Del("Consent-Signals")
	h.Set("Consent-Categories", strings.Join(s.Granted(), ", "))
	if sig := s.Signals.list(); sig != "" {
		h.Set("Consent-Signals", sig)
	}
	c.stripRefusedCookies(r, s)
	// Go's HTTP transport asks for gzip and decodes it itself when the
	// request carries no Accept-Encoding, so the rewriter sees plain bytes
	// while the upstream hop stays compressed.
	if r.Method == http.MethodGet && wantsHTML(r) {
		h.Del("Accept-Encoding")
	}
}

// wantsHTML reports whether a request may be answered with an HTML page.
func wantsHTML(r *http.Request) bool {
	a := r.Header.Get("Accept")
	return a == "" || strings.Contains(a, "text/html") || strings.Contains(a, "*/*") ||
		strings.Contains(a, "application/xhtml+xml")
}

// stripRefusedCookies removes cookies of refused categories from the
// request, so the upstream never sees tracking cookies the visitor refused.
func (c *Consent) stripRefusedCookies(r *http.Request, s *State) {
	lines := r.Header["Cookie"]
	if len(lines) == 0 {
		return
	}
	var kept []string
	changed := false
	for _, line := range lines {
		for _, pair := range strings.Split(line, ";") {
			name, _, _ := strings.Cut(strings.TrimSpace(pair), "=")
			if cat := c.match.cookieCategory(name); cat != "" && !s.Categories[cat] {
				changed = true
				continue
			}
			if p := strings.TrimSpace(pair); p != "" {
				kept = append(kept, p)
			}
		}
	}
	if !changed {
		return
	}
	if len(kept) == 0 {
		r.Header.Del("Cookie")
		return
	}
	r.Header["Cookie"] = []string{strings.Join(kept, "; ")}
}
