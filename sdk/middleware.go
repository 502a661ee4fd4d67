package sdk

import (
	"encoding/hex"
	"hash/fnv"
	"maps"
	"net/http"
	"strconv"
	"strings"

	"github.com/consentry/consentry/sdk/internal/httpfield"
	"github.com/consentry/consentry/sdk/rewrite"
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
	if c.cookieDomain != "" {
		c.checkCookieDomain(r)
	}
	s, ch := c.stateFor(r)
	if s.strays {
		c.expireStrayConsentCookies(w.Header(), r)
	}
	if c.serveEndpoint(w, r, s, ch) {
		return nil
	}
	if c.refuseTagPath(w, r, s) {
		return nil
	}
	r = r.WithContext(withState(r.Context(), s))
	rw := c.newResponseWriter(w, r, s)
	var expire []string
	if s.Decided && c.refusesAny(s) {
		// Read before the refused cookies are stripped: after a
		// withdrawal, the response deletes the ones the browser still has.
		expire = c.refusedCookieNames(r, s)
	}
	rw.expire = expire
	etagTag := c.prepareUpstream(r, s)
	rw.etagTag = etagTag
	var before http.Header // the header as it was, should the page be asked for again
	if r.Header.Get("Range") != "" {
		before = w.Header().Clone()
	}

	defer func() {
		// A handler that aborts the response (http.ErrAbortHandler, as
		// Caddy's proxy does when the upstream resets mid-body) panics:
		// give the rewriter back to the pool and let the panic go on.
		if v := recover(); v != nil {
			rw.abort()
			panic(v)
		}
	}()
	err := next(rw, r)
	if err == nil && rw.partialPage {
		// The upstream answered part of an HTML page, which cannot be
		// rewritten (responseWriter.partialPage): ask it again for the
		// whole page, with the header the first answer found.
		restoreHeader(w.Header(), before)
		r.Header.Del("Range")
		r.Header.Del("If-Range")
		rw = c.newResponseWriter(w, r, s)
		rw.expire, rw.etagTag = expire, etagTag
		if err = next(rw, r); err == nil && rw.partialPage {
			// Part of a page again, unasked: never pass it on unrewritten.
			restoreHeader(w.Header(), before)
			c.log.Warn("consent: the upstream answered part of an HTML page to a request for all of it", "path", r.URL.Path)
			http.Error(w, "the upstream answered part of an HTML page", http.StatusBadGateway)
			return nil
		}
	}
	if err != nil {
		rw.abort()
		return err
	}
	return rw.finish()
}

// restoreHeader sets h back to before, the header as it was before the
// upstream answered, or, when that was not kept (the request had no
// Range), removes the fields that describe the answer.
func restoreHeader(h, before http.Header) {
	if before != nil {
		clear(h)
		maps.Copy(h, before)
		return
	}
	for _, k := range []string{"Content-Range", "Content-Length", "Content-Type", "Content-Encoding", "ETag",
		"Last-Modified", "Accept-Ranges", "Set-Cookie", "Cache-Control", "Expires", "Vary"} {
		h.Del(k)
	}
}

// prepareUpstream tells the upstream the visitor's consent, strips refused
// cookies, asks for bodies this middleware can rewrite and takes the
// consent-state tags off If-None-Match (see untagConditional). It returns
// the state tag when a tagged entity tag matched, else "".
func (c *Consent) prepareUpstream(r *http.Request, s *State) string {
	h := r.Header
	// Remove every client-sent spelling: servers that map headers to CGI
	// variables treat "Consent_Categories" as "Consent-Categories".
	for name := range h {
		if n := strings.ReplaceAll(name, "_", "-"); strings.EqualFold(n, "Consent-Categories") || strings.EqualFold(n, "Consent-Signals") ||
			strings.EqualFold(n, "Consent-GPP") || strings.EqualFold(n, "Consent-GPP-SID") {
			delete(h, name)
		}
	}
	h.Set("Consent-Categories", c.grantedList(s))
	if sig := s.Signals.list(); sig != "" {
		h.Set("Consent-Signals", sig)
	}
	if g := s.GPP; g != nil {
		// Canonical keys, set directly: no canonicalising per request.
		h["Consent-Gpp"] = []string{g.String}
		h["Consent-Gpp-Sid"] = []string{g.SIDList()}
	}
	if c.refusesAny(s) {
		c.stripRefusedCookies(r, s)
	}
	// Go's HTTP transport asks for gzip and decodes it itself when the
	// request carries no Accept-Encoding, so the rewriter sees plain bytes
	// while the upstream hop stays compressed. A HEAD request is asked for
	// the same encoding as a GET, so it gets the same header fields.
	if wantsHTML(r) {
		h.Del("Accept-Encoding")
	}
	// A range of a page cannot be rewritten: a request that may be
	// answered with one is asked for whole (any other range the upstream
	// answers with part of a page is asked for again: see partialPage).
	// A HEAD is treated as its GET would be.
	if (r.Method == http.MethodGet || r.Method == http.MethodHead) && wantsPage(r) {
		h.Del("Range")
		h.Del("If-Range")
	}
	return c.untagConditional(r, s)
}

// refusesAny reports whether s refuses any configured category: when it
// refuses none, no cookie is a refused one.
func (c *Consent) refusesAny(s *State) bool {
	for _, cat := range c.categories {
		if !s.Categories[cat.Key] {
			return true
		}
	}
	return false
}

// grantedList is the Consent-Categories value: the granted configured
// categories in sorted order (State.Granted, joined), built without
// sorting per request.
func (c *Consent) grantedList(s *State) string {
	var b strings.Builder
	for _, k := range c.sortedKeys {
		if s.Categories[k] {
			if b.Len() > 0 {
				b.WriteString(", ")
			}
			b.WriteString(k)
		}
	}
	return b.String()
}

// wantsHTML reports whether a request may be answered with an HTML page.
func wantsHTML(r *http.Request) bool {
	a := r.Header.Get("Accept")
	return a == "" || strings.Contains(a, "text/html") || strings.Contains(a, "*/*") ||
		strings.Contains(a, "application/xhtml+xml")
}

// wantsPage reports whether a request asks for a page by name: it accepts
// HTML explicitly (a navigation does) or is for a document or frame
// (Sec-Fetch-Dest). Such a request loses its Range: what comes back is
// most likely a page to rewrite. A request that accepts anything (*/*:
// media elements, fetch(), curl, download managers resuming a file) keeps
// it, so ranges of video, images and downloads work.
func wantsPage(r *http.Request) bool {
	switch r.Header.Get("Sec-Fetch-Dest") {
	case "document", "iframe", "frame", "embed", "object":
		return true
	}
	a := r.Header.Get("Accept")
	return strings.Contains(a, "text/html") || strings.Contains(a, "application/xhtml+xml")
}

// stripRefusedCookies removes cookies of refused categories from the
// request, so the upstream never sees tracking cookies the visitor refused,
// and tells the Observer how many of each category it removed.
func (c *Consent) stripRefusedCookies(r *http.Request, s *State) {
	lines := r.Header["Cookie"]
	if len(lines) == 0 {
		return
	}
	var kept []string
	var buf [4]rewrite.Count
	dropped := rewrite.Counts(buf[:0])
	for p := range httpfield.Cookies(lines) {
		if cat := c.match.Cookie(p.Name); cat != "" && !s.Categories[cat] {
			dropped = dropped.Add(cat)
			continue
		}
		kept = append(kept, p.Text)
	}
	if len(dropped) == 0 {
		return
	}
	c.reportDropped(dropped, "request")
	if len(kept) == 0 {
		r.Header.Del("Cookie")
		return
	}
	r.Header["Cookie"] = []string{strings.Join(kept, "; ")}
}

// etagMark separates an upstream entity tag from the consent-state tag
// appended to it on rewritten pages.
const etagMark = "-cs"

// stateTag is a short hash of everything a rewritten page depends on
// besides its URL: the visitor's state and the request headers in
// rewriteVary that are not the cookie itself.
func (c *Consent) stateTag(r *http.Request, s *State) string {
	h := fnv.New64a()
	for _, v := range []string{c.fingerprint, c.texts.cur.Load().stamp, s.ID, s.Version, string(s.Regime), string(s.Method), s.Time,
		strconv.FormatBool(s.Decided), s.Signals.list(), s.gppString(),
		r.Header.Get("Accept-Language"), r.Header.Get("User-Agent")} {
		h.Write([]byte(v))
		h.Write([]byte{0})
	}
	for _, k := range s.Granted() {
		h.Write([]byte(k))
		h.Write([]byte{0})
	}
	var b [8]byte
	return hex.EncodeToString(h.Sum(b[:0]))
}

// untagConditional makes conditional requests sound for rewritten pages,
// whose ETag carries the state tag (tagETag). In If-None-Match, an entity
// tag with the current state's tag is given back to the upstream without
// it, so the upstream can answer 304 for a page the browser holds for this
// very state; an entity tag with another state's tag is removed, and so is
// If-Modified-Since then, so the upstream sends the page afresh; untagged
// ones (responses that were not rewritten) are left alone. It returns the
// state tag when one matched, else "".
func (c *Consent) untagConditional(r *http.Request, s *State) string {
	inm := r.Header.Values("If-None-Match")
	if len(inm) == 0 || !strings.Contains(strings.Join(inm, ","), etagMark) {
		return ""
	}
	tag := c.stateTag(r, s)
	var kept []string
	matched, dropped := false, false
	for _, v := range inm {
		for _, et := range httpfield.SplitList(v) {
			opaque := strings.TrimPrefix(et, "W/")
			i := strings.LastIndex(opaque, etagMark)
			if len(opaque) < 2 || opaque[len(opaque)-1] != '"' || i < 0 || !isHex(opaque[i+len(etagMark):len(opaque)-1]) {
				kept = append(kept, et)
				continue
			}
			if opaque[i+len(etagMark):len(opaque)-1] != tag {
				dropped = true
				continue
			}
			matched = true
			kept = append(kept, et[:len(et)-len(opaque)]+opaque[:i]+`"`)
		}
	}
	if dropped {
		r.Header.Del("If-Modified-Since")
	}
	if len(kept) == 0 {
		r.Header.Del("If-None-Match")
	} else {
		r.Header["If-None-Match"] = []string{strings.Join(kept, ", ")}
	}
	if matched {
		return tag
	}
	return ""
}

func isHex(s string) bool {
	if len(s) != 16 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !strings.ContainsRune("0123456789abcdef", rune(s[i])) {
			return false
		}
	}
	return true
}
