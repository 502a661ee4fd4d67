package sdk

import (
	"bytes"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/consentry/consentry/sdk/internal/httpfield"
	"github.com/consentry/consentry/sdk/rewrite"
)

var rewriterPool = sync.Pool{New: func() any { return new(rewrite.Writer) }}

// responseWriter decides, when the status is written, whether the response
// is an HTML page to rewrite; either way it drops Set-Cookie headers of
// refused categories and expires the refused cookies the browser still
// sends. It keeps Unwrap, so http.ResponseController reaches the writers
// below (flushing, hijacking, deadlines); it never type-asserts them.
type responseWriter struct {
	http.ResponseWriter
	c           *Consent
	r           *http.Request
	s           *State
	wroteHeader bool
	rw          *rewrite.Writer // non-nil while rewriting
	inject      *bytes.Buffer   // the head injection the rewriter is writing
	sniff       []byte          // first bytes held to sniff a missing Content-Type
	expire      []string        // refused cookies to delete in the browser
	etagTag     string          // state tag of a matching If-None-Match, for a 304
	// pending is the status of a rewritten page whose header is held back
	// with its output (holdPageLimit); 0 once the header is written.
	pending int
	closing bool // finish is closing the rewriter: its output is the whole body
	// partialPage is set when the upstream answered part of an HTML page
	// (a 206 of HTML, or of several ranges, which may be): a part cannot
	// be rewritten, and passed on it would run the page's tags without a
	// banner. Its status, header and body are dropped, and Process asks
	// for the whole page (for a HEAD too, which then gets the header
	// fields of the GET).
	partialPage bool
}

// holdPageLimit is the size up to which a rewritten page is held whole and
// sent in one write with a Content-Length, instead of chunked in pieces: a
// page the upstream declares no larger than this, or of unknown length
// until it grows past it. A flush (Caddy flushes every write of an
// upstream that streams without a Content-Length) sends what is held at
// once. Held, a page costs two write system calls or fewer (net/http
// writes up to 4 KiB through its buffer, larger writes directly) instead
// of one per upstream read plus the chunked terminator; under load that
// took a third off the CPU consent adds to a 50 KB page. Its first byte
// leaves when the upstream's last byte has come, which for a page of a
// declared length this small is at once. It matches MaxHold, the most the
// rewriter holds for one element, so a response holds at most about that
// much memory either way.
const holdPageLimit = 64 << 10

func (c *Consent) newResponseWriter(w http.ResponseWriter, r *http.Request, s *State) *responseWriter {
	return &responseWriter{ResponseWriter: w, c: c, r: r, s: s}
}

// Unwrap returns the underlying writer, for http.ResponseController.
func (w *responseWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// WriteHeader filters cookies, chooses between rewriting and pass-through,
// and writes the status.
func (w *responseWriter) WriteHeader(code int) {
	if w.wroteHeader {
		return
	}
	if code >= 100 && code < 200 && code != http.StatusSwitchingProtocols {
		// 103 Early Hints and friends pass straight through, less their
		// Link hints to refused hosts.
		w.c.dropRefusedLinks(w.Header(), w.r, w.s)
		w.ResponseWriter.WriteHeader(code)
		return
	}
	w.wroteHeader = true
	h := w.Header()
	if code == http.StatusPartialContent && partialHTML(h) {
		w.partialPage = true
		return
	}
	w.c.dropRefusedSetCookies(h, w.r, w.s)
	w.c.dropRefusedLinks(h, w.r, w.s)
	if code != http.StatusSwitchingProtocols {
		w.c.expireCookies(h, w.r, w.expire)
	}
	switch {
	case w.shouldRewrite(code, h):
		hold := holdable(h.Get("Content-Length"))
		w.pageHeader(h)
		w.inject = injectPool.Get().(*bytes.Buffer)
		head, body, stamp := w.c.injection(w.inject, w.r, w.s, h)
		w.rw = rewriterPool.Get().(*rewrite.Writer)
		w.rw.Reset((*pageOutput)(w), w.c.policy(w.s), head)
		w.rw.SetPage(requestSite(w.r), w.r.URL.EscapedPath())
		w.rw.SetBodyInject(body)
		w.rw.SetStamp(stamp)
		if hold {
			w.rw.HoldOutput(holdPageLimit)
			w.pending = code
			return
		}
	case w.r.Method == http.MethodHead && w.isPage(code, h):
		// A HEAD gets the header fields the GET gets (RFC 9110 §9.3.2),
		// less Content-Length: the rewritten length is only known by
		// rewriting.
		w.pageHeader(h)
	case code == http.StatusNotModified && w.etagTag != "":
		// The browser revalidates a page rendered for this very state:
		// keep its stored validators tagged and its caching private.
		h.Del("Last-Modified")
		tagETag(h, w.etagTag)
		w.c.cacheRules(h)
	}
	w.ResponseWriter.WriteHeader(code)
}

// rewritableType reports whether a Content-Type is HTML or XHTML in a
// charset the rewriter reads (not UTF-16). The common spellings are
// answered without parsing.
func rewritableType(ct string) bool {
	switch ct {
	case "text/html; charset=utf-8", "text/html", "text/html; charset=UTF-8", "text/html;charset=utf-8", "text/html;charset=UTF-8":
		return true
	}
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil || (mt != "text/html" && mt != "application/xhtml+xml") {
		return false
	}
	return !strings.HasPrefix(strings.ToLower(params["charset"]), "utf-16")
}

// holdable reports whether a rewritten page with this Content-Length value
// is held back whole (holdPageLimit).
func holdable(contentLength string) bool {
	if contentLength == "" {
		return true
	}
	n, err := strconv.ParseInt(contentLength, 10, 64)
	return err == nil && n >= 0 && n <= holdPageLimit
}

// pageOutput is where the rewriter writes: the underlying writer, after the
// held-back status if there is one. When finish is closing the rewriter,
// its output is the whole body and gets a Content-Length.
type pageOutput responseWriter

func (o *pageOutput) Write(p []byte) (int, error) {
	w := (*responseWriter)(o)
	if w.pending != 0 {
		w.sendPending(len(p))
	}
	return w.ResponseWriter.Write(p)
}

// sendPending writes the held-back status of a rewritten page; n is the
// length of its body when the body is complete (finish is closing), else
// ignored.
func (w *responseWriter) sendPending(n int) {
	if w.closing {
		w.Header().Set("Content-Length", strconv.Itoa(n))
	}
	code := w.pending
	w.pending = 0
	w.ResponseWriter.WriteHeader(code)
}

// pageHeader makes the header of a rewritten page, for a GET and a HEAD
// alike: no Content-Length (the rewriter's output has its own) or
// Accept-Ranges, no Last-Modified (so browsers revalidate with the tagged
// ETag only), the ETag tagged with the visitor's state, and the cache
// rules of a page that depends on the visitor.
func (w *responseWriter) pageHeader(h http.Header) {
	h.Del("Content-Length")
	h.Del("Accept-Ranges")
	h.Del("Last-Modified")
	if h.Get("ETag") != "" {
		tagETag(h, w.c.stateTag(w.r, w.s))
	}
	w.c.cacheRules(h)
}

// partialHTML reports whether a 206 response may be part of an HTML page:
// its type is one the rewriter reads, or it is several ranges
// (multipart/byteranges), whose parts may be.
func partialHTML(h http.Header) bool {
	ct := h.Get("Content-Type")
	mt, _, _ := strings.Cut(ct, ";")
	return rewritableType(ct) || strings.EqualFold(strings.TrimSpace(mt), "multipart/byteranges")
}

// shouldRewrite reports whether the response is an HTML page to rewrite:
// a page (isPage) answering any method but HEAD, so a page answering a
// POST is covered.
func (w *responseWriter) shouldRewrite(code int, h http.Header) bool {
	return w.r.Method != http.MethodHead && w.isPage(code, h)
}

// isPage reports whether the response is, or for a HEAD describes, an HTML
// page the rewriter can rewrite: HTML or XHTML with a body (a 200, or an
// error page: custom 404 and 500 pages carry tags too), not an upgrade,
// not compressed, not no-transform, not UTF-16, not a range.
func (w *responseWriter) isPage(code int, h http.Header) bool {
	if (code != http.StatusOK && code < 400) || hasToken(w.r.Header, "Connection", "upgrade") {
		return false
	}
	if !rewritableType(h.Get("Content-Type")) {
		return false
	}
	if hasToken(h, "Cache-Control", "no-transform") || h.Get("Content-Range") != "" {
		return false
	}
	if ce := h.Get("Content-Encoding"); ce != "" && !strings.EqualFold(ce, "identity") {
		w.c.log.Warn("consent: not rewriting an encoded HTML response", "encoding", ce, "path", w.r.URL.Path)
		return false
	}
	return true
}

// Write sends p through the rewriter when rewriting.
//
// A response without a Content-Type is held until sniffLen bytes (or a
// flush, or the end) have come, and its type is then sniffed from all of
// them, as net/http does: a page whose first write is a blank line is still
// HTML.
func (w *responseWriter) Write(p []byte) (int, error) {
	if w.partialPage {
		return len(p), nil
	}
	if !w.wroteHeader {
		if w.Header().Get("Content-Type") == "" {
			if len(w.sniff)+len(p) < sniffLen {
				w.sniff = append(w.sniff, p...)
				return len(p), nil
			}
			if err := w.endSniff(p); err != nil {
				return 0, err
			}
			return len(p), nil
		}
		w.WriteHeader(http.StatusOK)
	}
	if w.rw != nil {
		return w.rw.Write(p)
	}
	return w.ResponseWriter.Write(p)
}

// endSniff sets the Content-Type sniffed from the held bytes plus p, writes
// the status and then those bytes.
func (w *responseWriter) endSniff(p []byte) error {
	buf := append(w.sniff, p...)
	w.sniff = nil
	if len(buf) > 0 {
		w.Header().Set("Content-Type", http.DetectContentType(buf))
	}
	w.WriteHeader(http.StatusOK)
	if len(buf) == 0 {
		return nil
	}
	var err error
	if w.rw != nil {
		_, err = w.rw.Write(buf)
	} else {
		_, err = w.ResponseWriter.Write(buf)
	}
	return err
}

// ReadFrom keeps the underlying writer's fast path (sendfile, splice) for
// responses that pass through, and routes rewritten ones through the
// rewriter. When the status is not written yet and no Content-Type is set,
// the first bytes are read to sniff the type, as Write does.
func (w *responseWriter) ReadFrom(src io.Reader) (int64, error) {
	if w.partialPage {
		return io.Copy(io.Discard, src)
	}
	var n int64
	if !w.wroteHeader {
		if w.Header().Get("Content-Type") != "" {
			w.WriteHeader(http.StatusOK)
		} else {
			var buf [sniffLen]byte
			m, err := io.ReadFull(src, buf[:])
			if m > 0 {
				k, werr := w.Write(buf[:m])
				n += int64(k)
				if werr != nil {
					return n, werr
				}
			}
			if err == io.EOF || err == io.ErrUnexpectedEOF {
				return n, nil
			}
			if err != nil {
				return n, err
			}
		}
	}
	if w.rw == nil {
		if rf, ok := w.ResponseWriter.(io.ReaderFrom); ok {
			m, err := rf.ReadFrom(src)
			return n + m, err
		}
	}
	m, err := io.Copy(writerOnly{w}, src)
	return n + m, err
}

// sniffLen is how many bytes http.DetectContentType looks at.
const sniffLen = 512

// FlushError emits what the rewriter has decided so far and flushes. A
// flush before any write sends the status, as net/http does, so the
// header goes through WriteHeader's filtering first.
func (w *responseWriter) FlushError() error {
	if w.partialPage {
		return nil
	}
	if !w.wroteHeader && len(w.sniff) > 0 {
		if err := w.endSniff(nil); err != nil {
			return err
		}
	}
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	if w.rw != nil {
		if err := w.rw.Flush(); err != nil {
			return err
		}
	}
	if w.pending != 0 {
		w.sendPending(0)
	}
	return http.NewResponseController(w.ResponseWriter).Flush()
}

// Flush implements http.Flusher.
func (w *responseWriter) Flush() { _ = w.FlushError() }

// finish ends a response whose handler succeeded.
func (w *responseWriter) finish() error {
	if !w.wroteHeader && len(w.sniff) > 0 {
		if err := w.endSniff(nil); err != nil {
			return err
		}
	}
	if !w.wroteHeader {
		// Nothing was written: the server writes the status with this
		// header map after us.
		w.c.dropRefusedSetCookies(w.Header(), w.r, w.s)
		w.c.expireCookies(w.Header(), w.r, w.expire)
		return nil
	}
	if w.rw == nil {
		return nil
	}
	w.closing = true
	err := w.rw.Close()
	if w.pending != 0 && err == nil {
		w.sendPending(0) // an empty body: the rewriter wrote nothing
	}
	if n := w.rw.Overflows(); n > 0 {
		w.c.log.Warn("consent: elements over the hold limit passed unmodified or were judged on their start",
			"count", n, "limit", rewrite.MaxHold, "path", w.r.URL.Path)
	}
	w.c.observePage(w.r, w.rw)
	w.release()
	return err
}

// release returns the rewriter to the pool.
func (w *responseWriter) release() {
	w.rw.Reset(nil, nil, nil)
	rewriterPool.Put(w.rw)
	w.rw = nil
	injectPool.Put(w.inject)
	w.inject = nil
}

// abort forgets the rewriter's state after a handler error, so the error
// handling that follows writes to a clean stream.
func (w *responseWriter) abort() {
	if w.rw != nil {
		w.release()
	}
}

// writerOnly hides ReadFrom so io.Copy uses Write.
type writerOnly struct{ io.Writer }

// dropRefusedSetCookies removes Set-Cookie headers that set cookies of
// categories the visitor has not granted. Every name, kept or dropped, is
// recorded in the inventory first; the Observer hears of the dropped ones.
func (c *Consent) dropRefusedSetCookies(h http.Header, r *http.Request, s *State) {
	sc := h["Set-Cookie"]
	if len(sc) == 0 {
		return
	}
	site, now := requestSite(r), c.now()
	var buf [4]rewrite.Count
	dropped := rewrite.Counts(buf[:0])
	kept := sc[:0]
	for _, line := range sc {
		name, _, _ := strings.Cut(line, "=")
		name = strings.TrimSpace(name)
		cat := c.match.Cookie(name)
		c.observeSetCookie(name, site, cat, now)
		if cat != "" && !s.Categories[cat] {
			dropped = dropped.Add(cat)
			continue
		}
		kept = append(kept, line)
	}
	c.reportDropped(dropped, "response")
	if len(kept) == 0 {
		h.Del("Set-Cookie")
	} else {
		h["Set-Cookie"] = kept
	}
}

// rewriteVary are the request headers a rewritten page depends on: the
// consent cookie, the privacy signals and the banner language.
var rewriteVary = []string{"Cookie", "Sec-GPC", "DNT", "Accept-Language"}

// hasToken reports whether a comma-separated header field of h lists
// token (case-insensitive; a directive's "=value" is ignored).
func hasToken(h http.Header, field, token string) bool {
	for _, v := range h[field] {
		for part := range strings.SplitSeq(v, ",") {
			name, _, _ := strings.Cut(part, "=")
			if strings.EqualFold(strings.TrimSpace(name), token) {
				return true
			}
		}
	}
	return false
}

// addVary adds the fields to Vary, skipping those already listed and doing
// nothing when Vary is "*".
func addVary(h http.Header, fields ...string) {
	if hasToken(h, "Vary", "*") {
		return
	}
	var add []string
	for _, f := range fields {
		if !hasToken(h, "Vary", f) {
			add = append(add, f)
		}
	}
	if len(add) > 0 {
		h.Add("Vary", strings.Join(add, ", "))
	}
}

// cacheRules keeps a rewritten page out of other visitors' caches. The page
// carries the visitor's consent id and tags held or live for their choice,
// so it is always private: many CDNs ignore Vary: Cookie, and the page also
// depends on what Vary cannot name (the client address a GeoIP database
// reads, the User-Agent that tells crawlers). Vary still lists the request
// headers the page depends on, for the browser's own cache.
func (c *Consent) cacheRules(h http.Header) {
	addVary(h, rewriteVary...)
	for _, name := range []string{c.opts.CountryHeader, c.opts.RegionHeader} {
		if name != "" {
			addVary(h, http.CanonicalHeaderKey(name))
		}
	}
	privateCache(h)
}

// privateCache makes a response private: shared-caching directives
// (public, s-maxage, proxy-revalidate) go, "private" is added unless the
// response is already private or no-store, and the other directives
// (max-age among them) stay, so no shared cache stores one visitor's
// response for another.
func privateCache(h http.Header) {
	shared := hasToken(h, "Cache-Control", "public") || hasToken(h, "Cache-Control", "s-maxage") ||
		hasToken(h, "Cache-Control", "proxy-revalidate")
	if !shared && (hasToken(h, "Cache-Control", "private") || hasToken(h, "Cache-Control", "no-store")) {
		return
	}
	var kept []string
	private := false
	for _, v := range h["Cache-Control"] {
		for _, d := range httpfield.SplitList(v) {
			name, _, _ := strings.Cut(d, "=")
			switch strings.ToLower(strings.TrimSpace(name)) {
			case "public", "s-maxage", "proxy-revalidate":
				continue
			case "private":
				private = true
			}
			kept = append(kept, d)
		}
	}
	if !private {
		kept = append([]string{"private"}, kept...)
	}
	h.Set("Cache-Control", strings.Join(kept, ", "))
}

// tagETag makes the ETag of a rewritten page weak and marks it with the
// consent-state tag: "abc" becomes W/"abc-cs<tag>". A malformed ETag is
// dropped. untagConditional undoes the mark on the way to the upstream.
func tagETag(h http.Header, tag string) {
	et := h.Get("ETag")
	if et == "" {
		return
	}
	opaque := strings.TrimPrefix(et, "W/")
	if len(opaque) < 2 || opaque[0] != '"' || opaque[len(opaque)-1] != '"' {
		h.Del("ETag")
		return
	}
	h.Set("ETag", `W/`+opaque[:len(opaque)-1]+etagMark+tag+`"`)
}
