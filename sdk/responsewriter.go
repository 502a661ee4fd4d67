package sdk

import (
	"io"
	"mime"
	"net/http"
	"strings"
	"sync"
)

var rewriterPool = sync.Pool{New: func() any { return new(Rewriter) }}

// responseWriter decides, when the status is written, whether the response
// is an HTML page to rewrite; either way it drops Set-Cookie headers of
// refused categories. It keeps Unwrap, so http.ResponseController reaches
// the writers below (hijacking, deadlines).
type responseWriter struct {
	http.ResponseWriter
	c           *Consent
	r           *http.Request
	s           *State
	wroteHeader bool
	rw          *Rewriter // non-nil while rewriting
}

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
		w.ResponseWriter.WriteHeader(code) // 103 Early Hints and friends pass straight through
		return
	}
	w.wroteHeader = true
	h := w.Header()
	w.c.dropRefusedSetCookies(h, w.s)
	if w.shouldRewrite(code, h) {
		h.Del("Content-Length")
		h.Del("Accept-Ranges")
		if et := h.Get("ETag"); et != "" && !strings.HasPrefix(et, "W/") {
			h.Set("ETag", "W/"+et)
		}
		h.Add("Vary", "Cookie, Sec-GPC, DNT, Accept-Language")
		head, body := w.c.injection(w.r, w.s, h)
		w.rw = rewriterPool.Get().(*Rewriter)
		w.rw.Reset(w.ResponseWriter, statePolicy{w.c.match, w.s}, head)
		w.rw.SetBodyInject(body)
	}
	w.ResponseWriter.WriteHeader(code)
}

// shouldRewrite reports whether the response is an HTML page to rewrite:
// a 200 answer to GET, HTML or XHTML, not compressed, not no-transform,
// not UTF-16.
func (w *responseWriter) shouldRewrite(code int, h http.Header) bool {
	if code != http.StatusOK || w.r.Method != http.MethodGet {
		return false
	}
	mt, params, err := mime.ParseMediaType(h.Get("Content-Type"))
	if err != nil || (mt != "text/html" && mt != "application/xhtml+xml") {
		return false
	}
	if cs := strings.ToLower(params["charset"]); strings.HasPrefix(cs, "utf-16") {
		return false
	}
	if ce := h.Get("Content-Encoding"); ce != "" && !strings.EqualFold(ce, "identity") {
		w.c.log.Warn("consent: not rewriting an encoded HTML response", "encoding", ce, "path", w.r.URL.Path)
		return false
	}
	if strings.Contains(strings.ToLower(h.Get("Cache-Control")), "no-transform") {
		return false
	}
	return h.Get("Content-Range") == ""
}

// Write sends p through the rewriter when rewriting.
func (w *responseWriter) Write(p []byte) (int, error) {
	if !w.wroteHeader {
		if w.Header().Get("Content-Type") == "" && len(p) > 0 {
			w.Header().Set("Content-Type", http.DetectContentType(p))
		}
		w.WriteHeader(http.StatusOK)
	}
	if w.rw != nil {
		return w.rw.Write(p)
	}
	return w.ResponseWriter.Write(p)
}

// ReadFrom keeps the underlying writer's fast path (sendfile) for
// responses that pass through, and routes rewritten ones through Write.
func (w *responseWriter) ReadFrom(src io.Reader) (int64, error) {
	if w.wroteHeader && w.rw == nil {
		if rf, ok := w.ResponseWriter.(io.ReaderFrom); ok {
			return rf.ReadFrom(src)
		}
	}
	return io.Copy(writerOnly{w}, src)
}

// FlushError emits what the rewriter has decided so far and flushes.
func (w *responseWriter) FlushError() error {
	if w.rw != nil {
		if err := w.rw.Flush(); err != nil {
			return err
		}
	}
	return http.NewResponseController(w.ResponseWriter).Flush()
}

// Flush implements http.Flusher.
func (w *responseWriter) Flush() { _ = w.FlushError() }

// finish ends a response whose handler succeeded.
func (w *responseWriter) finish() error {
	if !w.wroteHeader {
		w.c.dropRefusedSetCookies(w.Header(), w.s) // the server writes the status for us
	}
	if w.rw == nil {
		return nil
	}
	err := w.rw.Close()
	if n := w.rw.Overflows(); n > 0 {
		w.c.log.Warn("consent: elements over the hold limit passed unmodified or were judged on their start",
			"count", n, "limit", MaxHold, "path", w.r.URL.Path)
	}
	w.release()
	return err
}

// release returns the rewriter to the pool.
func (w *responseWriter) release() {
	w.rw.Reset(nil, nil, nil)
	rewriterPool.Put(w.rw)
	w.rw = nil
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
// categories the visitor has not granted.
func (c *Consent) dropRefusedSetCookies(h http.Header, s *State) {
	sc := h["Set-Cookie"]
	if len(sc) == 0 {
		return
	}
	kept := sc[:0]
	for _, line := range sc {
		name, _, _ := strings.Cut(line, "=")
		if cat := c.match.cookieCategory(strings.TrimSpace(name)); cat != "" && !s.Categories[cat] {
			continue
		}
		kept = append(kept, line)
	}
	if len(kept) == 0 {
		h.Del("Set-Cookie")
	} else {
		h["Set-Cookie"] = kept
	}
}
