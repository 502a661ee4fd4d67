package sdk

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// fileUpstream serves files as a static file server does, with
// http.ServeContent: ranges, If-Range, HEAD and validators, and it keeps
// the Range and If-Range headers each request came with.
type fileUpstream struct {
	mu     sync.Mutex
	ranges []string // "Range|If-Range" per request
}

var (
	fileModTime = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	videoBytes  = bytes.Repeat([]byte("0123456789"), 100)
)

func (u *fileUpstream) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	u.mu.Lock()
	u.ranges = append(u.ranges, r.Header.Get("Range")+"|"+r.Header.Get("If-Range"))
	u.mu.Unlock()
	w.Header().Set("Cache-Control", "public, max-age=600")
	switch r.URL.Path {
	case "/page.html":
		w.Header().Set("ETag", `"p1"`)
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		http.ServeContent(w, r, "page.html", fileModTime, strings.NewReader(trackedPage))
	case "/clip.mp4":
		w.Header().Set("ETag", `"v1"`)
		w.Header().Set("Content-Type", "video/mp4")
		http.ServeContent(w, r, "clip.mp4", fileModTime, bytes.NewReader(videoBytes))
	case "/photo.jpg":
		w.Header().Set("Content-Type", "image/jpeg")
		http.ServeContent(w, r, "photo.jpg", fileModTime, bytes.NewReader(videoBytes))
	}
}

func (u *fileUpstream) seen() []string {
	u.mu.Lock()
	defer u.mu.Unlock()
	return slices.Clone(u.ranges)
}

// TestHTMLRangesServedWhole: a range of an HTML page cannot be rewritten,
// and used to pass through with live tags and no banner. A request that
// may be answered with a page (a navigation, anything that accepts HTML or
// is for a document) goes upstream without Range and If-Range; when a
// ranged request the middleware let through is answered with part of an
// HTML page anyway (fetch() and curl accept */*), the page is asked for
// again, whole, and rewritten. Ranges of images and video keep working.
func TestHTMLRangesServedWhole(t *testing.T) {
	c := newTestConsent(t, Options{})
	for _, tc := range []struct {
		name       string
		path       string
		hdr        map[string]string
		status     int
		rewritten  bool
		body       string // for a pass-through
		upstreamRn []string
	}{
		{"navigation", "/page.html", map[string]string{"Accept": "text/html,application/xhtml+xml,*/*;q=0.8", "Range": "bytes=0-19", "If-Range": `"p1"`, "Sec-Fetch-Dest": "document"},
			200, true, "", []string{"|"}},
		{"document destination", "/page.html", map[string]string{"Accept": "*/*", "Range": "bytes=0-19", "Sec-Fetch-Dest": "iframe"},
			200, true, "", []string{"|"}},
		{"fetch of */*", "/page.html", map[string]string{"Accept": "*/*", "Range": "bytes=0-19"},
			200, true, "", []string{"bytes=0-19|", "|"}},
		{"no Accept", "/page.html", map[string]string{"Range": "bytes=5-"},
			200, true, "", []string{"bytes=5-|", "|"}},
		{"several ranges", "/page.html", map[string]string{"Accept": "*/*", "Range": "bytes=0-4,10-14"},
			200, true, "", []string{"bytes=0-4,10-14|", "|"}},
		{"video", "/clip.mp4", map[string]string{"Accept": "*/*", "Range": "bytes=10-19", "Sec-Fetch-Dest": "video"},
			206, false, string(videoBytes[10:20]), []string{"bytes=10-19|"}},
		{"video, If-Range", "/clip.mp4", map[string]string{"Accept": "*/*", "Range": "bytes=10-19", "If-Range": `"v1"`},
			206, false, string(videoBytes[10:20]), []string{`bytes=10-19|"v1"`}},
		{"image", "/photo.jpg", map[string]string{"Accept": "image/avif,image/webp,*/*;q=0.8", "Range": "bytes=0-9", "Sec-Fetch-Dest": "image"},
			206, false, string(videoBytes[:10]), []string{"bytes=0-9|"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u := &fileUpstream{}
			r := httptest.NewRequest("GET", tc.path, nil)
			for k, v := range tc.hdr {
				r.Header.Set(k, v)
			}
			w := httptest.NewRecorder()
			c.Handler(u).ServeHTTP(w, r)
			body := w.Body.String()
			if w.Code != tc.status || w.Header().Get("Content-Range") != "" && tc.rewritten {
				t.Fatalf("status %d, Content-Range %q; want %d", w.Code, w.Header().Get("Content-Range"), tc.status)
			}
			if tc.rewritten {
				if !strings.Contains(body, `id="consent-state"`) || !strings.Contains(body, `type="text/plain" data-category="analytics"`) ||
					!strings.HasSuffix(body, "hi</body></html>") {
					t.Errorf("not the whole page rewritten: %q", body)
				}
			} else if body != tc.body {
				t.Errorf("body %q, want the range %q", body, tc.body)
			}
			if got := u.seen(); !slices.Equal(got, tc.upstreamRn) {
				t.Errorf("upstream saw Range|If-Range %q, want %q", got, tc.upstreamRn)
			}
		})
	}
}

// TestPartialHTMLNeverPassesThrough: an upstream that answers part of an
// HTML page even when asked for the whole (a broken cache, a handler that
// ignores the request) gets a 502, never the partial page unrewritten.
func TestPartialHTMLNeverPassesThrough(t *testing.T) {
	c := newTestConsent(t, Options{})
	calls := 0
	partial := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls++
		w.Header().Set("Content-Type", "text/html")
		w.Header().Set("Content-Range", "bytes 0-9/100")
		w.Header().Set("Set-Cookie", "_ga=1")
		w.WriteHeader(http.StatusPartialContent)
		_, _ = w.Write([]byte(trackedPage[:10]))
	})
	for _, accept := range []string{"*/*", "text/html"} {
		calls = 0
		r := httptest.NewRequest("GET", "/", nil)
		r.Header.Set("Accept", accept)
		r.Header.Set("Range", "bytes=0-9")
		w := httptest.NewRecorder()
		c.Handler(partial).ServeHTTP(w, r)
		if w.Code != http.StatusBadGateway || strings.Contains(w.Body.String(), trackedPage[:10]) || w.Header().Get("Content-Range") != "" ||
			w.Header().Get("Set-Cookie") != "" {
			t.Errorf("Accept %s: status %d, headers %v, body %q; want a 502 without the partial page", accept, w.Code, w.Header(), w.Body)
		}
		if calls > 2 {
			t.Errorf("Accept %s: the upstream was asked %d times", accept, calls)
		}
	}
}

// TestHeadHeadersMatchGet: a HEAD request gets the header fields a GET
// would (RFC 9110 §9.3.2): the same private caching, Vary, tagged ETag
// and cookie handling. Only Content-Length may be missing, as the
// rewritten length is known only by rewriting.
func TestHeadHeadersMatchGet(t *testing.T) {
	c := newTestConsent(t, Options{})
	servePage(c, trackedPage) // its vendors listed: the state tag stays
	for _, tc := range []struct {
		name string
		path string
		hdr  map[string]string
	}{
		{"page", "/page.html", nil},
		{"page, GPC", "/page.html", map[string]string{"Sec-GPC": "1"}},
		{"page, decided", "/page.html", map[string]string{"Cookie": "consent=" + mustEncode(t, c, acceptAllChoice(c))}},
		{"video", "/clip.mp4", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			headers := map[string]http.Header{}
			for _, method := range []string{"GET", "HEAD"} {
				r := httptest.NewRequest(method, tc.path, nil)
				r.Header.Set("Accept", "text/html,*/*")
				for k, v := range tc.hdr {
					r.Header.Set(k, v)
				}
				w := httptest.NewRecorder()
				c.Handler(&fileUpstream{}).ServeHTTP(w, r)
				if w.Code != http.StatusOK {
					t.Fatalf("%s: status %d", method, w.Code)
				}
				h := w.Header().Clone()
				h.Del("Date")
				headers[method] = h
			}
			get, head := headers["GET"], headers["HEAD"]
			if strings.HasSuffix(tc.path, ".html") {
				get.Del("Content-Length")
				head.Del("Content-Length")
			}
			for k := range mergeKeys(get, head) {
				if g, h := strings.Join(get.Values(k), ", "), strings.Join(head.Values(k), ", "); g != h {
					t.Errorf("%s: GET %q, HEAD %q", k, g, h)
				}
			}
			if cc := head.Get("Cache-Control"); strings.HasSuffix(tc.path, ".html") && !strings.Contains(cc, "private") {
				t.Errorf("HEAD Cache-Control %q, want private", cc)
			}
		})
	}
}

// TestHeadRangeOfPage: a ranged HEAD of a page gets what the ranged GET
// gets, the page's header fields, never a 206 with Content-Range.
func TestHeadRangeOfPage(t *testing.T) {
	c := newTestConsent(t, Options{})
	servePage(c, trackedPage) // its vendors listed: the state tag stays
	for _, accept := range []string{"text/html", "*/*"} {
		headers := map[string]http.Header{}
		for _, method := range []string{"GET", "HEAD"} {
			r := httptest.NewRequest(method, "/page.html", nil)
			r.Header.Set("Accept", accept)
			r.Header.Set("Range", "bytes=0-19")
			w := httptest.NewRecorder()
			c.Handler(&fileUpstream{}).ServeHTTP(w, r)
			if w.Code != http.StatusOK || w.Header().Get("Content-Range") != "" {
				t.Errorf("Accept %s, %s: status %d, Content-Range %q; want 200 and none", accept, method, w.Code, w.Header().Get("Content-Range"))
			}
			h := w.Header().Clone()
			h.Del("Date")
			h.Del("Content-Length")
			headers[method] = h
		}
		for k := range mergeKeys(headers["GET"], headers["HEAD"]) {
			if g, h := strings.Join(headers["GET"].Values(k), ", "), strings.Join(headers["HEAD"].Values(k), ", "); g != h {
				t.Errorf("Accept %s, %s: GET %q, HEAD %q", accept, k, g, h)
			}
		}
	}
}

func mergeKeys(hs ...http.Header) map[string]bool {
	keys := map[string]bool{}
	for _, h := range hs {
		for k := range h {
			keys[k] = true
		}
	}
	return keys
}
