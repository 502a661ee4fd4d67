package sdk

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/consentry/consentry/internal/geotest"
	"github.com/consentry/consentry/internal/upgradetest"
)

// recordingWriter is an http.ResponseWriter that records what reaches it:
// every status (1xx included), the header as it was at the final status,
// the body, ReadFrom calls and flushes.
type recordingWriter struct {
	header    http.Header
	codes     []int
	final     http.Header
	body      bytes.Buffer
	readFroms int
	flushes   int
}

func newRecordingWriter() *recordingWriter { return &recordingWriter{header: http.Header{}} }

func (w *recordingWriter) Header() http.Header { return w.header }

func (w *recordingWriter) WriteHeader(code int) {
	w.codes = append(w.codes, code)
	if code >= 200 || code == http.StatusSwitchingProtocols {
		w.final = w.header.Clone()
	}
}

func (w *recordingWriter) Write(p []byte) (int, error) {
	if w.final == nil {
		w.WriteHeader(http.StatusOK)
	}
	return w.body.Write(p)
}

func (w *recordingWriter) ReadFrom(r io.Reader) (int64, error) {
	w.readFroms++
	if w.final == nil {
		w.WriteHeader(http.StatusOK)
	}
	return w.body.ReadFrom(r)
}

func (w *recordingWriter) Flush() {
	if w.final == nil {
		w.WriteHeader(http.StatusOK)
	}
	w.flushes++
}

// status is the last non-informational status written, or 0.
func (w *recordingWriter) status() int {
	for _, c := range slices.Backward(w.codes) {
		if c >= 200 || c == http.StatusSwitchingProtocols {
			return c
		}
	}
	return 0
}

// readerOnly hides WriterTo, so io.Copy goes through the destination's
// ReadFrom.
type readerOnly struct{ io.Reader }

func rejectAllChoice(c *Consent) *choice {
	ch := acceptAllChoice(c)
	ch.Method, ch.Granted = MethodRejectAll, []string{Necessary}
	return ch
}

// TestResponseShapes checks which responses are rewritten; the others must
// reach the client with status, headers and body exactly as the handler
// wrote them.
func TestResponseShapes(t *testing.T) {
	c := newTestConsent(t, Options{})
	cases := []struct {
		name    string
		method  string
		reqHdr  map[string]string
		status  int
		hdr     map[string]string
		rewrite bool
	}{
		{"html", "GET", nil, 200, map[string]string{"Content-Type": "text/html; charset=utf-8"}, true},
		{"xhtml", "GET", nil, 200, map[string]string{"Content-Type": "application/xhtml+xml"}, true},
		{"html identity encoding", "GET", nil, 200, map[string]string{"Content-Type": "text/html", "Content-Encoding": "identity"}, true},
		{"json", "GET", nil, 200, map[string]string{"Content-Type": "application/json"}, false},
		{"head of json", "HEAD", nil, 200, map[string]string{"Content-Type": "application/json"}, false}, // of a page: TestHeadHeadersMatchGet
		{"post", "POST", nil, 200, map[string]string{"Content-Type": "text/html"}, true},
		{"500 page", "GET", nil, 500, map[string]string{"Content-Type": "text/html"}, true},
		{"302 with html body", "GET", nil, 302, map[string]string{"Content-Type": "text/html", "Location": "/x"}, false},
		{"204", "GET", nil, 204, map[string]string{"Content-Type": "text/html"}, false},
		{"206 video", "GET", nil, 206, map[string]string{"Content-Type": "video/mp4", "Content-Range": "bytes 0-9/100"}, false}, // of a page: TestHTMLRangesServedWhole
		{"304", "GET", nil, 304, map[string]string{"Content-Type": "text/html", "ETag": `"abc"`}, false},
		{"404 page", "GET", nil, 404, map[string]string{"Content-Type": "text/html"}, true},
		{"event-stream", "GET", nil, 200, map[string]string{"Content-Type": "text/event-stream"}, false},
		{"no-transform", "GET", nil, 200, map[string]string{"Content-Type": "text/html", "Cache-Control": "public, No-Transform"}, false},
		{"utf-16", "GET", nil, 200, map[string]string{"Content-Type": "text/html; charset=UTF-16LE"}, false},
		{"gzip", "GET", nil, 200, map[string]string{"Content-Type": "text/html", "Content-Encoding": "gzip"}, false},
		{"br", "GET", nil, 200, map[string]string{"Content-Type": "text/html", "Content-Encoding": "br"}, false},
		{"upgrade request", "GET", map[string]string{"Connection": "keep-alive, Upgrade", "Upgrade": "websocket"}, 200,
			map[string]string{"Content-Type": "text/html"}, false},
		{"101", "GET", map[string]string{"Connection": "Upgrade", "Upgrade": "echo"}, 101,
			map[string]string{"Connection": "Upgrade", "Upgrade": "echo"}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				for k, v := range tc.hdr {
					w.Header().Set(k, v)
				}
				w.Header().Set("Content-Length", "10")
				w.Header().Set("Accept-Ranges", "bytes")
				w.WriteHeader(tc.status)
				_, _ = w.Write([]byte(trackedPage[:10]))
			})
			r := httptest.NewRequest(tc.method, "/", nil)
			for k, v := range tc.reqHdr {
				r.Header.Set(k, v)
			}
			w := newRecordingWriter()
			c.Handler(h).ServeHTTP(w, r)
			if got := w.status(); got != tc.status {
				t.Errorf("status = %d, want %d", got, tc.status)
			}
			rewritten := strings.Contains(w.body.String(), `id="consent-state"`)
			if rewritten != tc.rewrite {
				t.Fatalf("rewritten = %v, want %v; body %q", rewritten, tc.rewrite, w.body.String())
			}
			if tc.rewrite {
				return
			}
			want := http.Header{"Content-Length": {"10"}, "Accept-Ranges": {"bytes"}}
			for k, v := range tc.hdr {
				want.Set(k, v)
			}
			if !maps.EqualFunc(w.final, want, slices.Equal) {
				t.Errorf("headers = %v, want untouched %v", w.final, want)
			}
			if w.body.String() != trackedPage[:10] {
				t.Errorf("body = %q, want %q", w.body.String(), trackedPage[:10])
			}
		})
	}
}

// TestEarlyHintsThenPage checks that a 103 passes straight through and the
// 200 page that follows is still rewritten.
func TestEarlyHintsThenPage(t *testing.T) {
	c := newTestConsent(t, Options{})
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Link", "</app.css>; rel=preload; as=style")
		w.WriteHeader(http.StatusEarlyHints)
		w.Header().Set("Content-Type", "text/html")
		_, _ = w.Write([]byte(trackedPage))
	})
	w := newRecordingWriter()
	c.Handler(h).ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
	if want := []int{103, 200}; !slices.Equal(w.codes, want) {
		t.Errorf("statuses = %v, want %v", w.codes, want)
	}
	if !strings.Contains(w.body.String(), `id="consent-state"`) {
		t.Errorf("page after 103 not rewritten: %s", w.body.String())
	}
}

// TestRewrittenHeaders checks the caching headers of rewritten pages.
func TestRewrittenHeaders(t *testing.T) {
	c := newTestConsent(t, Options{})
	servePage(c, trackedPage) // its vendors listed: the state tag stays
	r := httptest.NewRequest("GET", "/", nil)
	tag := c.stateTag(r, c.defaults(RegimeOptIn, Signals{}))
	cases := []struct {
		name string
		in   http.Header
		want http.Header // nil value: header absent
	}{
		{"plain", http.Header{"Content-Length": {"99"}, "Accept-Ranges": {"bytes"}, "Last-Modified": {"Mon, 02 Jan 2006 15:04:05 GMT"}},
			http.Header{"Accept-Ranges": nil, "Last-Modified": nil,
				"Vary": {"Cookie, Sec-GPC, DNT, Accept-Language"}, "Cache-Control": {"private"}, "Etag": nil}},
		{"strong etag", http.Header{"Etag": {`"abc"`}}, http.Header{"Etag": {`W/"abc-cs` + tag + `"`}}},
		{"weak etag", http.Header{"Etag": {`W/"x,y"`}}, http.Header{"Etag": {`W/"x,y-cs` + tag + `"`}}},
		{"malformed etag", http.Header{"Etag": {`abc`}}, http.Header{"Etag": nil}},
		{"vary present", http.Header{"Vary": {"Accept-Encoding, cookie", "dnt"}},
			http.Header{"Vary": {"Accept-Encoding, cookie", "dnt", "Sec-GPC, Accept-Language"}}},
		{"vary star", http.Header{"Vary": {"*"}}, http.Header{"Vary": {"*"}}},
		{"public", http.Header{"Cache-Control": {"public, max-age=600"}}, http.Header{"Cache-Control": {"private, max-age=600"}}},
		{"s-maxage", http.Header{"Cache-Control": {"max-age=10, s-maxage=3600, proxy-revalidate"}},
			http.Header{"Cache-Control": {"private, max-age=10"}}},
		{"quoted", http.Header{"Cache-Control": {`Public, no-cache="Set-Cookie, X", max-age=5`}},
			http.Header{"Cache-Control": {`private, no-cache="Set-Cookie, X", max-age=5`}}},
		{"already private", http.Header{"Cache-Control": {"private, max-age=5"}}, http.Header{"Cache-Control": {"private, max-age=5"}}},
		{"no-cache", http.Header{"Cache-Control": {"no-cache"}}, http.Header{"Cache-Control": {"private, no-cache"}}},
		{"max-age only", http.Header{"Cache-Control": {"max-age=600"}}, http.Header{"Cache-Control": {"private, max-age=600"}}},
		{"no-store", http.Header{"Cache-Control": {"no-store"}}, http.Header{"Cache-Control": {"no-store"}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				maps.Copy(w.Header(), tc.in)
				w.Header().Set("Content-Type", "text/html")
				_, _ = w.Write([]byte(trackedPage))
			})
			w := newRecordingWriter()
			c.Handler(h).ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
			if !strings.Contains(w.body.String(), `id="consent-state"`) {
				t.Fatalf("not rewritten")
			}
			for k, v := range tc.want {
				if got := w.final[k]; !slices.Equal(got, v) {
					t.Errorf("%s = %q, want %q", k, got, v)
				}
			}
			if got, want := w.final.Get("Content-Length"), strconv.Itoa(w.body.Len()); got != want {
				t.Errorf("Content-Length = %q, want the rewritten page's %s", got, want)
			}
		})
	}
}

// TestConditionalRequests checks that a browser revalidating a rewritten
// page gets a 304 only for the consent state the page was rendered for.
func TestConditionalRequests(t *testing.T) {
	c := newTestConsent(t, Options{})
	servePage(c, trackedPage) // its vendors listed: the state tag stays
	var sawINM, sawIMS string
	upstream := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sawINM, sawIMS = r.Header.Get("If-None-Match"), r.Header.Get("If-Modified-Since")
		w.Header().Set("ETag", `"v1"`)
		w.Header().Set("Last-Modified", "Mon, 02 Jan 2006 15:04:05 GMT")
		if strings.Contains(sawINM, `"v1"`) || sawIMS != "" {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("Content-Type", "text/html")
		_, _ = w.Write([]byte(trackedPage))
	})
	serve := func(inm string, cookie *http.Cookie) *recordingWriter {
		r := httptest.NewRequest("GET", "/", nil)
		if inm != "" {
			r.Header.Set("If-None-Match", inm)
			r.Header.Set("If-Modified-Since", "Mon, 02 Jan 2006 15:04:05 GMT")
		}
		if cookie != nil {
			r.AddCookie(cookie)
		}
		w := newRecordingWriter()
		c.Handler(upstream).ServeHTTP(w, r)
		return w
	}

	first := serve("", nil)
	etag := first.final.Get("ETag")
	if first.status() != 200 || !strings.HasPrefix(etag, `W/"v1-cs`) || first.final.Get("Last-Modified") != "" {
		t.Fatalf("first: status %d, ETag %q, Last-Modified %q", first.status(), etag, first.final.Get("Last-Modified"))
	}

	same := serve(etag, nil)
	if same.status() != 304 || sawINM != `W/"v1"` {
		t.Errorf("same state: status %d, upstream saw If-None-Match %q; want 304 and W/\"v1\"", same.status(), sawINM)
	}
	if got := same.final.Get("ETag"); got != etag {
		t.Errorf("304 ETag = %q, want the tagged %q so the next revalidation stays per state", got, etag)
	}
	if !hasToken(same.final, "Vary", "Cookie") {
		t.Errorf("304 lacks Vary: Cookie: %v", same.final)
	}

	other := serve(etag, cookieFor(t, c, acceptAllChoice(c)))
	if other.status() != 200 || sawINM != "" || sawIMS != "" {
		t.Errorf("other state: status %d, upstream saw If-None-Match %q If-Modified-Since %q; want 200 and neither",
			other.status(), sawINM, sawIMS)
	}
	if got := other.final.Get("ETag"); got == etag || !strings.HasPrefix(got, `W/"v1-cs`) {
		t.Errorf("other state ETag = %q, want a different tag than %q", got, etag)
	}

	// Entity tags of responses that were not rewritten pass untouched.
	serve(`"img-7", W/"x"`, nil)
	if sawINM != `"img-7", W/"x"` || sawIMS == "" {
		t.Errorf("untagged: upstream saw If-None-Match %q If-Modified-Since %q", sawINM, sawIMS)
	}
}

// TestReadFromFastPath checks that pass-through responses keep the
// underlying writer's ReadFrom and rewritten ones go through the rewriter.
func TestReadFromFastPath(t *testing.T) {
	c := newTestConsent(t, Options{})
	png := append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{0}, 2000)...)
	cases := []struct {
		name        string
		contentType string // "" lets the middleware sniff
		writeHeader bool
		body        []byte
		readFrom    bool
		rewritten   bool
	}{
		{"image", "image/png", true, png, true, false},
		{"image no WriteHeader", "image/png", false, png, true, false},
		{"sniffed image", "", false, png, true, false},
		{"html", "text/html", true, []byte(trackedPage), false, true},
		{"sniffed html", "", false, []byte(trackedPage), false, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if tc.contentType != "" {
					w.Header().Set("Content-Type", tc.contentType)
				}
				if tc.writeHeader {
					w.WriteHeader(http.StatusOK)
				}
				if _, err := io.Copy(w, readerOnly{bytes.NewReader(tc.body)}); err != nil {
					t.Errorf("copy: %v", err)
				}
			})
			w := newRecordingWriter()
			c.Handler(h).ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
			if got := w.readFroms > 0; got != tc.readFrom {
				t.Errorf("underlying ReadFrom called %d times, want called = %v", w.readFroms, tc.readFrom)
			}
			rewritten := strings.Contains(w.body.String(), `id="consent-state"`)
			if rewritten != tc.rewritten {
				t.Errorf("rewritten = %v, want %v", rewritten, tc.rewritten)
			}
			if !tc.rewritten && !bytes.Equal(w.body.Bytes(), tc.body) {
				t.Errorf("pass-through body changed: %d bytes, want %d", w.body.Len(), len(tc.body))
			}
		})
	}
}

// TestServeContentRewritten checks that http.ServeContent, which copies
// with io.CopyN (ReadFrom), cannot bypass the rewriter.
func TestServeContentRewritten(t *testing.T) {
	c := newTestConsent(t, Options{})
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.ServeContent(w, r, "index.html", time.Time{}, strings.NewReader(trackedPage))
	})
	w := newRecordingWriter()
	c.Handler(h).ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
	if w.readFroms != 0 || !strings.Contains(w.body.String(), `data-category="analytics"`) {
		t.Errorf("ServeContent: ReadFrom calls %d, body %s", w.readFroms, w.body.String())
	}
}

// TestFlushPassesThrough checks that a handler's flush reaches the client
// with what the rewriter has decided so far, for a page and for SSE.
func TestFlushPassesThrough(t *testing.T) {
	c := newTestConsent(t, Options{})
	cases := []struct {
		name, contentType, first, want string
	}{
		{"page", "text/html", `<!doctype html><html><head><title>t</title></head><body><h1>first</h1>`, `<h1>first</h1>`},
		{"sse", "text/event-stream", "data: one\n\n", "data: one\n\n"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w := newRecordingWriter()
			h := http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
				rw.Header().Set("Content-Type", tc.contentType)
				_, _ = io.WriteString(rw, tc.first)
				if err := http.NewResponseController(rw).Flush(); err != nil {
					t.Fatalf("flush: %v", err)
				}
				if w.flushes != 1 || !strings.Contains(w.body.String(), tc.want) {
					t.Errorf("after flush: %d flushes, client has %q, want it to contain %q", w.flushes, w.body.String(), tc.want)
				}
				_, _ = io.WriteString(rw, "</body></html>")
			})
			c.Handler(h).ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
		})
	}
}

// TestFlushBeforeWriteFiltersCookies checks that a flush before any write
// sends the status through the middleware's header filtering.
func TestFlushBeforeWriteFiltersCookies(t *testing.T) {
	c := newTestConsent(t, Options{})
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		w.Header().Add("Set-Cookie", "_ga=1; Path=/")
		_ = http.NewResponseController(w).Flush()
		_, _ = io.WriteString(w, "data: x\n\n")
	})
	w := newRecordingWriter()
	c.Handler(h).ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
	if got := w.final.Values("Set-Cookie"); len(got) != 0 || w.status() != 200 {
		t.Errorf("status %d, Set-Cookie %q: want 200 and the refused _ga dropped", w.status(), got)
	}
}

// TestHijackThroughMiddleware upgrades a connection behind the middleware
// and echoes bytes over it.
func TestHijackThroughMiddleware(t *testing.T) {
	c := newTestConsent(t, Options{})
	srv := httptest.NewServer(c.Handler(http.HandlerFunc(upgradetest.Echo)))
	defer srv.Close()
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
	_, _ = io.WriteString(conn, "GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n")
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("status %d, want 101", resp.StatusCode)
	}
	_, _ = io.WriteString(conn, "ping\n")
	line, err := br.ReadString('\n')
	if err != nil || line != "echo: ping\n" {
		t.Errorf("echo = %q, %v", line, err)
	}
}

// TestStripRefusedRequestCookies checks what the upstream sees of the
// Cookie header.
func TestStripRefusedRequestCookies(t *testing.T) {
	c := newTestConsent(t, Options{})
	cases := []struct {
		name string
		in   []string
		want []string // nil: no Cookie header
	}{
		{"mixed", []string{"_ga=GA1; session=abc; _fbp=fb; lang=en"}, []string{"session=abc; lang=en"}},
		{"no spaces", []string{"_ga=1;session=2;_gid=3"}, []string{"session=2"}},
		{"odd spaces", []string{"  _ga=1 ;  session=2  ; "}, []string{"session=2"}},
		{"two lines", []string{"_ga=1", "session=2"}, []string{"session=2"}},
		{"only refused", []string{"_ga=1; _fbp=2"}, nil},
		{"only necessary", []string{"session=2;lang=en"}, []string{"session=2;lang=en"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got = r.Header["Cookie"] })
			r := httptest.NewRequest("GET", "/", nil)
			r.Header["Cookie"] = tc.in
			c.Handler(h).ServeHTTP(newRecordingWriter(), r)
			if !slices.Equal(got, tc.want) {
				t.Errorf("upstream Cookie = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestCookieDomains(t *testing.T) {
	cases := []struct {
		host, configured string
		want             []string
	}{
		{"www.shop.example.com", "", []string{"example.com"}},
		{"WWW.Example.COM:8443", "", []string{"example.com"}},
		{"example.com", "", nil},
		{"example.com.", "", nil},
		{"localhost:9080", "", nil},
		{"127.0.0.1:8080", "", nil},
		{"[::1]:443", "", nil},
		{"www.example.com", ".example.com", []string{"example.com"}},
		{"shop.example.com", "example.org", []string{"example.com", "example.org"}},
		{"10.0.0.1", "example.org", []string{"example.org"}},
	}
	for _, tc := range cases {
		if got := cookieDomains(tc.host, tc.configured); !slices.Equal(got, tc.want) {
			t.Errorf("cookieDomains(%q, %q) = %q, want %q", tc.host, tc.configured, got, tc.want)
		}
	}
}

// TestExpireAfterWithdrawal checks that a decided visitor's next response,
// of any kind, deletes the refused cookies the browser still sends, under
// every domain they may have been set for.
func TestExpireAfterWithdrawal(t *testing.T) {
	c := newTestConsent(t, Options{CookieDomain: "example.org"})
	cases := []struct {
		name   string
		choice *choice
		want   map[string][]string // cookie name → domains ("" host-only)
	}{
		{"withdrawn", rejectAllChoice(c), map[string][]string{
			"_ga": {"", "example.com", "example.org"}, "_fbp": {"", "example.com", "example.org"}}},
		{"granted", acceptAllChoice(c), map[string][]string{}},
		{"undecided", nil, map[string][]string{}},
	}
	for _, tc := range cases {
		for _, shape := range []string{"image/gif", "text/html", "empty"} {
			t.Run(tc.name+"/"+shape, func(t *testing.T) {
				h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					w.Header().Set("Cache-Control", "public, max-age=60")
					if shape == "empty" {
						return
					}
					w.Header().Set("Content-Type", shape)
					_, _ = io.WriteString(w, "<p>x</p>")
				})
				r := httptest.NewRequest("GET", "http://www.shop.example.com/", nil)
				r.Header.Set("Cookie", "_ga=GA1.2; session=abc; _fbp=fb; _ga=dup")
				if tc.choice != nil {
					r.AddCookie(cookieFor(t, c, tc.choice))
				}
				w := newRecordingWriter()
				c.Handler(h).ServeHTTP(w, r)
				got := map[string][]string{}
				for _, line := range w.header.Values("Set-Cookie") {
					ck, err := http.ParseSetCookie(line)
					if err != nil {
						t.Fatalf("bad Set-Cookie %q: %v", line, err)
					}
					if ck.MaxAge >= 0 || ck.Value != "" || ck.Path != "/" {
						t.Errorf("Set-Cookie %q does not delete with Path=/", line)
					}
					got[ck.Name] = append(got[ck.Name], ck.Domain)
				}
				if !maps.EqualFunc(got, tc.want, slices.Equal) {
					t.Errorf("deleted %v, want %v", got, tc.want)
				}
				if cc := w.header.Get("Cache-Control"); (len(tc.want) > 0 || shape == "text/html") != strings.HasPrefix(cc, "private") {
					t.Errorf("Cache-Control = %q: want private exactly when cookies are deleted or the page rewritten", cc)
				}
			})
		}
	}
}

// TestErrorDiscardsRewriter checks that when next fails, nothing of the
// rewriter reaches the stream the error handling then writes.
func TestErrorDiscardsRewriter(t *testing.T) {
	c := newTestConsent(t, Options{})
	failure := errors.New("upstream down")
	w := newRecordingWriter()
	r := httptest.NewRequest("GET", "/", nil)
	err := c.Process(w, r, func(w http.ResponseWriter, r *http.Request) error {
		w.Header().Set("Content-Type", "text/html")
		return failure
	})
	if !errors.Is(err, failure) {
		t.Fatalf("Process returned %v, want next's error", err)
	}
	// What an error handler (Caddy's handle_errors) writes arrives intact.
	w.Header().Set("Content-Type", "text/html")
	w.WriteHeader(http.StatusBadGateway)
	_, _ = io.WriteString(w, "<p>sorry</p>")
	if w.status() != http.StatusBadGateway || w.body.String() != "<p>sorry</p>" {
		t.Errorf("error page: status %d body %q", w.status(), w.body.String())
	}

	// A failure after the page began: the rewriter is not closed, so
	// nothing it held back is written after the error.
	w = newRecordingWriter()
	var sent int
	err = c.Process(w, r, func(rw http.ResponseWriter, r *http.Request) error {
		rw.Header().Set("Content-Type", "text/html")
		_, _ = io.WriteString(rw, "<html><head><title>x</title></head><body><p>part<")
		sent = w.body.Len()
		return failure
	})
	if !errors.Is(err, failure) || w.body.Len() != sent {
		t.Errorf("after a mid-page error: err %v, body grew from %d to %d bytes: %q", err, sent, w.body.Len(), w.body.String())
	}
}

// countingHandler is a slog.Handler counting records by level.
type countingHandler struct {
	mu    sync.Mutex
	count map[slog.Level]int
	msgs  []string
}

func (h *countingHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h *countingHandler) Handle(_ context.Context, r slog.Record) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.count[r.Level]++
	h.msgs = append(h.msgs, r.Message)
	return nil
}
func (h *countingHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *countingHandler) WithGroup(string) slog.Handler      { return h }

// TestEncodedHTMLLoggedOnce checks that an HTML body in an encoding the
// middleware cannot read passes byte for byte and is logged once, at warn.
func TestEncodedHTMLLoggedOnce(t *testing.T) {
	logs := &countingHandler{count: map[slog.Level]int{}}
	c := newTestConsent(t, Options{Logger: slog.New(logs)})
	body := []byte("\x1b\x03\x00\xf8<html>not really brotli</html>")
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Header().Set("Content-Encoding", "br")
		for i := range body {
			_, _ = w.Write(body[i : i+1])
			_ = http.NewResponseController(w).Flush()
		}
	})
	w := newRecordingWriter()
	c.Handler(h).ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
	if !bytes.Equal(w.body.Bytes(), body) || w.final.Get("Content-Encoding") != "br" {
		t.Errorf("encoded body changed: %q, Content-Encoding %q", w.body.Bytes(), w.final.Get("Content-Encoding"))
	}
	if logs.count[slog.LevelWarn] != 1 {
		t.Errorf("%d warnings (%q), want exactly 1", logs.count[slog.LevelWarn], logs.msgs)
	}
}

func TestSniffsTypeFromMoreThanTheFirstWrite(t *testing.T) {
	c := newTestConsent(t, Options{})
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte("\n")) // e.g. a template comment's line
		_, _ = w.Write([]byte(trackedPage))
	})
	w := httptest.NewRecorder()
	c.Handler(h).ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
	if ct := w.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		t.Fatalf("Content-Type %q, want text/html", ct)
	}
	if !strings.Contains(w.Body.String(), `id="consent-state"`) || !strings.HasPrefix(w.Body.String(), "\n<!doctype html>") {
		t.Errorf("page not rewritten or bytes lost:\n%.200s", w.Body.String())
	}

	short := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("ok")) })
	w = httptest.NewRecorder()
	c.Handler(short).ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
	if w.Body.String() != "ok" || !strings.HasPrefix(w.Header().Get("Content-Type"), "text/plain") {
		t.Errorf("short body: %q %q", w.Body.String(), w.Header().Get("Content-Type"))
	}
}

func TestLocationHeadersInVary(t *testing.T) {
	c := newTestConsent(t, Options{CountryHeader: "cf-ipcountry", RegionHeader: "CF-Region-Code"})
	w := httptest.NewRecorder()
	c.Handler(htmlHandler(trackedPage, map[string]string{"Cache-Control": "public, max-age=60"})).ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
	vary := strings.Join(w.Header().Values("Vary"), ", ")
	for _, want := range []string{"Cookie", "Cf-Ipcountry", "Cf-Region-Code"} {
		if !strings.Contains(vary, want) {
			t.Errorf("Vary %q lacks %s", vary, want)
		}
	}
	if cc := w.Header().Get("Cache-Control"); cc != "private, max-age=60" {
		t.Errorf("Cache-Control %q", cc)
	}

	db := geotest.WriteDB(t, map[string][2]string{"81.2.69.0/24": {"DE", ""}})
	c = newTestConsent(t, Options{GeoIPDB: db})
	defer c.Close()
	w = httptest.NewRecorder()
	c.Handler(htmlHandler(trackedPage, map[string]string{"Cache-Control": "max-age=60"})).ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
	if cc := w.Header().Get("Cache-Control"); cc != "private, max-age=60" {
		t.Errorf("with a GeoIP database: Cache-Control %q, want private", cc)
	}
}
