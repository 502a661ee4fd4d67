package caddymodule

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2/caddytest"
	"github.com/consentry/consentry/internal/upgradetest"
)

// upstream is a Go origin server behind Caddy's reverse_proxy, with one
// path per response shape. Handlers that must wait for the test block on
// release; each records what it saw of the request.
type upstream struct {
	*httptest.Server
	release map[string]chan struct{} // by path: closed by the test to let a slow handler finish
	waited  map[string]chan bool     // by path: a slow handler's report, true if released, false on timeout

	mu   sync.Mutex
	seen map[string]http.Header // path → request header as the upstream got it
}

const (
	upstreamPage = `<!doctype html><html><head><title>Shop</title>` +
		`<script async src="https://www.googletagmanager.com/gtag/js?id=G-1"></script>` +
		`</head><body><h1>Shop</h1></body></html>`
	upstreamJSON = `{"tracker":"<script src=\"https://www.googletagmanager.com/gtag/js\"></script>"}`
)

func newUpstream(t *testing.T) *upstream {
	t.Helper()
	u := &upstream{release: map[string]chan struct{}{"/slow": make(chan struct{}), "/sse": make(chan struct{})}, waited: map[string]chan bool{"/slow": make(chan bool, 1), "/sse": make(chan bool, 1)}, seen: map[string]http.Header{}}
	mux := http.NewServeMux()
	html := func(w http.ResponseWriter, extra map[string]string) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		for k, v := range extra {
			w.Header().Set(k, v)
		}
	}
	mux.HandleFunc("/page", func(w http.ResponseWriter, r *http.Request) {
		html(w, map[string]string{"ETag": `"p1"`, "Cache-Control": "public, max-age=60", "Accept-Ranges": "bytes"})
		if strings.Contains(r.Header.Get("If-None-Match"), `"p1"`) {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("Content-Length", fmt.Sprint(len(upstreamPage)))
		_, _ = io.WriteString(w, upstreamPage)
	})
	mux.HandleFunc("/json", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("ETag", `"j1"`)
		w.Header().Add("Set-Cookie", "_ga=GA1.2; Path=/")
		w.Header().Add("Set-Cookie", "session=abc; HttpOnly")
		if r.Header.Get("If-None-Match") == `"j1"` {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		_, _ = io.WriteString(w, upstreamJSON)
	})
	mux.HandleFunc("/no-transform", func(w http.ResponseWriter, r *http.Request) {
		html(w, map[string]string{"Cache-Control": "no-transform"})
		_, _ = io.WriteString(w, upstreamPage)
	})
	mux.HandleFunc("/utf16", func(w http.ResponseWriter, r *http.Request) {
		html(w, map[string]string{"Content-Type": "text/html; charset=utf-16"})
		_, _ = io.WriteString(w, upstreamPage)
	})
	mux.HandleFunc("/empty", func(w http.ResponseWriter, r *http.Request) {
		html(w, nil)
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("/file.html", func(w http.ResponseWriter, r *http.Request) {
		http.ServeContent(w, r, "file.html", time.Time{}, strings.NewReader(upstreamPage))
	})
	mux.HandleFunc("/clip.mp4", func(w http.ResponseWriter, r *http.Request) {
		http.ServeContent(w, r, "clip.mp4", time.Time{}, strings.NewReader(upstreamVideo))
	})
	mux.HandleFunc("/gzip", func(w http.ResponseWriter, r *http.Request) {
		html(w, nil)
		if !strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
			_, _ = io.WriteString(w, upstreamPage)
			return
		}
		w.Header().Set("Content-Encoding", "gzip")
		zw := gzip.NewWriter(w)
		_, _ = io.WriteString(zw, upstreamPage)
		_ = zw.Close()
	})
	mux.HandleFunc("/br", func(w http.ResponseWriter, r *http.Request) {
		html(w, map[string]string{"Content-Encoding": "br"})
		_, _ = w.Write(fakeBrotli)
	})
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		html(w, nil)
		_, _ = io.WriteString(w, `<!doctype html><html><head><title>Slow</title></head><body><h1>first</h1>`+"\n")
		http.NewResponseController(w).Flush()
		u.wait(r.URL.Path)
		_, _ = io.WriteString(w, `<p>last</p></body></html>`)
	})
	mux.HandleFunc("/sse", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		_, _ = io.WriteString(w, "data: one\n\n")
		http.NewResponseController(w).Flush()
		u.wait(r.URL.Path)
		_, _ = io.WriteString(w, "data: two\n\n")
	})
	mux.HandleFunc("/ws", upgradetest.Echo)
	u.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u.mu.Lock()
		u.seen[r.URL.Path] = r.Header.Clone()
		u.mu.Unlock()
		mux.ServeHTTP(w, r)
	}))
	t.Cleanup(u.Close)
	return u
}

// fakeBrotli stands for a body in an encoding nothing here decodes.
var fakeBrotli = []byte("\x1b\x03\x00\xf8\xa5\x40\x02<html>not really brotli</html>")

// wait blocks a slow handler until the test releases it, and reports
// whether it was released or gave up.
func (u *upstream) wait(path string) {
	select {
	case <-u.release[path]:
		u.waited[path] <- true
	case <-time.After(10 * time.Second):
		u.waited[path] <- false
	}
}

func (u *upstream) header(path string) http.Header {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.seen[path]
}

func (u *upstream) hostPort() string { return strings.TrimPrefix(u.URL, "http://") }

// proxyConfig puts consent in front of a reverse_proxy to u, with
// handle_errors, and before it the given directives (e.g. encode).
func proxyConfig(to, before string) string {
	return fmt.Sprintf(testGlobal, "") + `
:9080 {
	` + before + `
	consent {
		hash_key ` + strings.Repeat("5a", 32) + `
		# The upstream's vendors, declared: none is first seen by a
		# test, which would change the listing and the state tag then
		# (sdk/vendors_listed.go).
		vendor "Google Tag Manager" {
			category analytics
		}
		vendor "Google Analytics" {
			category analytics
		}
	}
	reverse_proxy ` + to + `
	handle_errors {
		respond "custom error {err.status_code}" {err.status_code}
	}
}
`
}

// rawClient keeps encodings as they arrive.
var rawClient = &http.Client{Timeout: 15 * time.Second, Transport: &http.Transport{DisableCompression: true}}

func fetch(t *testing.T, method, path string, hdr map[string]string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, testSite+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", "text/html,*/*")
	for k, v := range hdr {
		if k == "Host" {
			req.Host = v
			continue
		}
		req.Header.Set(k, v)
	}
	resp, err := rawClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}

func startProxy(t *testing.T, to, before string) {
	t.Helper()
	caddytest.NewTester(t).InitServer(proxyConfig(to, before), "caddyfile")
	if t.Failed() {
		t.FailNow()
	}
}

func isRewritten(body []byte) bool { return bytes.Contains(body, []byte(`id="consent-state"`)) }

// TestIntegrationResponseShapes sends each response shape through Caddy:
// only the HTML 200 to GET is rewritten, the rest arrive as sent.
func TestIntegrationResponseShapes(t *testing.T) {
	u := newUpstream(t)
	startProxy(t, u.hostPort(), "")

	t.Run("page", func(t *testing.T) {
		resp, body := fetch(t, "GET", "/page", nil)
		if resp.StatusCode != 200 || !isRewritten(body) || !bytes.Contains(body, []byte(`data-category="analytics"`)) {
			t.Fatalf("status %d, body not rewritten:\n%s", resp.StatusCode, body)
		}
		h := resp.Header
		// A small page is held whole and sent with its own length.
		if resp.ContentLength != int64(len(body)) || h.Get("Accept-Ranges") != "" {
			t.Errorf("Content-Length %d for %d bytes, Accept-Ranges %q: want the rewritten length and no ranges",
				resp.ContentLength, len(body), h.Get("Accept-Ranges"))
		}
		if et := h.Get("ETag"); !strings.HasPrefix(et, `W/"p1-cs`) {
			t.Errorf("ETag = %q, want weak and state-tagged", et)
		}
		if got := strings.Join(h.Values("Vary"), ", "); !strings.Contains(got, "Cookie") || !strings.Contains(got, "Sec-GPC") {
			t.Errorf("Vary = %q, want Cookie and the signals", got)
		}
		if got := h.Get("Cache-Control"); got != "private, max-age=60" {
			t.Errorf("Cache-Control = %q, want private, max-age=60", got)
		}
		if ae := u.header("/page").Get("Accept-Encoding"); ae != "gzip" {
			t.Errorf("upstream Accept-Encoding = %q, want gzip (added and decoded by Go's transport)", ae)
		}

		// Revalidating the page for the same state gets the upstream's 304,
		// still tagged; for another state the full page.
		resp, body = fetch(t, "GET", "/page", map[string]string{"If-None-Match": h.Get("ETag")})
		if resp.StatusCode != http.StatusNotModified || len(body) != 0 || resp.Header.Get("ETag") != h.Get("ETag") {
			t.Errorf("revalidation: status %d, ETag %q, %d body bytes; want 304 with %q", resp.StatusCode, resp.Header.Get("ETag"), len(body), h.Get("ETag"))
		}
		resp, body = fetch(t, "GET", "/page", map[string]string{"If-None-Match": h.Get("ETag"), "Sec-GPC": "1"})
		if resp.StatusCode != 200 || !isRewritten(body) {
			t.Errorf("revalidation with another state: status %d, want the rewritten page", resp.StatusCode)
		}
	})

	direct := func(t *testing.T, method, path string, hdr map[string]string) (*http.Response, []byte) {
		t.Helper()
		req, _ := http.NewRequest(method, u.URL+path, nil)
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		resp, err := rawClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, b
	}
	passThrough := []struct {
		name, method, path string
		hdr                map[string]string
		status             int
	}{
		{"json", "GET", "/json", nil, 200},
		{"no-content", "GET", "/empty", nil, 204},
		{"not modified", "GET", "/json", map[string]string{"If-None-Match": `"j1"`}, 304},
		{"range of a video", "GET", "/clip.mp4", map[string]string{"Range": "bytes=0-19", "Accept": "*/*", "Sec-Fetch-Dest": "video"}, 206},
		{"no-transform", "GET", "/no-transform", nil, 200},
		{"utf-16", "GET", "/utf16", nil, 200},
		{"brotli", "GET", "/br", map[string]string{"Accept-Encoding": "br"}, 200},
	}
	for _, tc := range passThrough {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := fetch(t, tc.method, tc.path, tc.hdr)
			want, wantBody := direct(t, tc.method, tc.path, tc.hdr)
			if resp.StatusCode != tc.status || want.StatusCode != tc.status {
				t.Fatalf("status %d through Caddy, %d direct; want %d", resp.StatusCode, want.StatusCode, tc.status)
			}
			if !bytes.Equal(body, wantBody) {
				t.Errorf("body through Caddy %q, direct %q", body, wantBody)
			}
			for _, k := range []string{"Content-Type", "Content-Length", "Content-Encoding", "Content-Range", "ETag", "Cache-Control", "Accept-Ranges", "Vary"} {
				if got, w := resp.Header.Values(k), want.Header.Values(k); strings.Join(got, ",") != strings.Join(w, ",") {
					t.Errorf("%s through Caddy %q, direct %q", k, got, w)
				}
			}
		})
	}
}

// upstreamVideo stands for a video file the upstream serves with ranges.
var upstreamVideo = strings.Repeat("0123456789", 100)

// TestIntegrationRangesAndHead: through Caddy's reverse proxy, a range of
// an HTML page is served whole and rewritten, whether the request loses
// its Range (it accepts HTML) or the upstream's 206 makes the module ask
// again (it accepts anything); a range of a video still gets its 206; and
// a HEAD of a page gets the header fields of its GET.
func TestIntegrationRangesAndHead(t *testing.T) {
	u := newUpstream(t)
	startProxy(t, u.hostPort(), "")

	for _, hdr := range []map[string]string{
		{"Range": "bytes=0-19"},
		{"Range": "bytes=0-19", "Accept": "*/*"},
		{"Range": "bytes=0-4,10-14", "Accept": "*/*"},
	} {
		resp, body := fetch(t, "GET", "/file.html", hdr)
		if resp.StatusCode != 200 || resp.Header.Get("Content-Range") != "" || !isRewritten(body) ||
			!bytes.Contains(body, []byte(`data-category="analytics"`)) || !bytes.HasSuffix(body, []byte("</html>")) {
			t.Errorf("%v: status %d, Content-Range %q, body %q; want the whole page rewritten", hdr, resp.StatusCode, resp.Header.Get("Content-Range"), body)
		}
	}
	resp, body := fetch(t, "GET", "/clip.mp4", map[string]string{"Range": "bytes=10-19", "Accept": "*/*"})
	if resp.StatusCode != 206 || string(body) != upstreamVideo[10:20] {
		t.Errorf("video range: status %d, body %q; want 206 and %q", resp.StatusCode, body, upstreamVideo[10:20])
	}

	get, _ := fetch(t, "GET", "/page", nil)
	head, _ := fetch(t, "HEAD", "/page", nil)
	for _, h := range []http.Header{get.Header, head.Header} {
		h.Del("Date")
		h.Del("Content-Length")
	}
	for k := range get.Header {
		if g, h := strings.Join(get.Header.Values(k), ", "), strings.Join(head.Header.Values(k), ", "); g != h {
			t.Errorf("%s: GET %q, HEAD %q", k, g, h)
		}
	}
	for k := range head.Header {
		if _, ok := get.Header[k]; !ok {
			t.Errorf("%s: only HEAD has it (%q)", k, head.Header.Values(k))
		}
	}
}

// TestIntegrationCookiesAndHeaders checks what the upstream learns and
// which cookies the visitor's browser is told to keep or delete.
func TestIntegrationCookiesAndHeaders(t *testing.T) {
	u := newUpstream(t)
	startProxy(t, u.hostPort(), "")

	resp, _ := fetch(t, "GET", "/json", map[string]string{
		"Cookie":             "_ga=GA1.2; session=abc; _fbp=fb.1",
		"Consent-Categories": "necessary, analytics, advertising",
		"Consent-Signals":    "none",
		"Sec-GPC":            "1",
	})
	seen := u.header("/json")
	if got := seen.Values("Consent-Categories"); len(got) != 1 || got[0] != "necessary" {
		t.Errorf("upstream Consent-Categories = %q, want the forgery replaced by necessary", got)
	}
	if got := seen.Values("Consent-Signals"); len(got) != 1 || got[0] != "gpc" {
		t.Errorf("upstream Consent-Signals = %q, want gpc", got)
	}
	if got := seen.Get("Cookie"); got != "session=abc" {
		t.Errorf("upstream Cookie = %q, want the refused cookies stripped", got)
	}
	if got := resp.Header.Values("Set-Cookie"); len(got) != 1 || got[0] != "session=abc; HttpOnly" {
		t.Errorf("undecided visitor: Set-Cookie = %q, want _ga dropped and nothing expired", got)
	}

	// After reject_all, the next response deletes the refused cookies the
	// browser still sends, host-only and for the registrable domain. (The
	// choice is made on the host it is used on: a cookie is bound to its
	// site.)
	post, _ := postChoice(t, `{"action":"reject_all"}`, map[string]string{"Host": "www.shop.example.com"})
	cookie := consentCookie(t, post)
	resp, _ = fetch(t, "GET", "/json", map[string]string{
		"Host":   "www.shop.example.com",
		"Cookie": "_ga=GA1.2; session=abc; " + cookie.Name + "=" + cookie.Value,
	})
	deleted := map[string]bool{}
	for _, line := range resp.Header.Values("Set-Cookie") {
		ck, err := http.ParseSetCookie(line)
		if err != nil {
			t.Fatalf("Set-Cookie %q: %v", line, err)
		}
		if ck.Name == "_ga" && ck.MaxAge < 0 && ck.Path == "/" {
			deleted[ck.Domain] = true
		} else if ck.Name != "session" {
			t.Errorf("unexpected Set-Cookie %q", line)
		}
	}
	for _, d := range []string{"", "example.com"} {
		if !deleted[d] {
			t.Errorf("_ga not deleted for domain %q; Set-Cookie: %q", d, resp.Header.Values("Set-Cookie"))
		}
	}
}

// TestIntegrationCompressedUpstream checks a gzip-encoding upstream without
// and with encode in front of consent, and an encoding nothing decodes.
func TestIntegrationCompressedUpstream(t *testing.T) {
	u := newUpstream(t)
	for _, tc := range []struct {
		name, before string
		wantEncoding string
	}{{"plain", "", ""}, {"encode gzip", "encode gzip", "gzip"}} {
		t.Run(tc.name, func(t *testing.T) {
			startProxy(t, u.hostPort(), tc.before)
			resp, body := fetch(t, "GET", "/gzip", map[string]string{"Accept-Encoding": "gzip, br"})
			if ae := u.header("/gzip").Get("Accept-Encoding"); ae != "gzip" {
				t.Errorf("upstream Accept-Encoding = %q, want gzip from Go's transport", ae)
			}
			if got := resp.Header.Get("Content-Encoding"); got != tc.wantEncoding {
				t.Fatalf("Content-Encoding = %q, want %q", got, tc.wantEncoding)
			}
			if tc.wantEncoding == "gzip" {
				zr, err := gzip.NewReader(bytes.NewReader(body))
				if err != nil {
					t.Fatalf("gzip: %v", err)
				}
				if body, err = io.ReadAll(zr); err != nil {
					t.Fatalf("gzip body: %v", err)
				}
			}
			if !isRewritten(body) || !bytes.Contains(body, []byte(`data-category="analytics"`)) || !bytes.Contains(body, []byte("<h1>Shop</h1>")) {
				t.Errorf("decoded page not rewritten:\n%s", body)
			}
		})
	}
}

// TestIntegrationStreaming checks that the first bytes of a page and of an
// event stream reach the client while the upstream is still blocked.
func TestIntegrationStreaming(t *testing.T) {
	u := newUpstream(t)
	startProxy(t, u.hostPort(), "")
	for _, tc := range []struct {
		path, first, rest string
		rewritten         bool
	}{
		{"/slow", "<h1>first</h1>", "<p>last</p></body></html>", true},
		{"/sse", "data: one\n\n", "data: two\n\n", false},
	} {
		t.Run(tc.path, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
			defer cancel()
			req, _ := http.NewRequestWithContext(ctx, "GET", testSite+tc.path, nil)
			req.Header.Set("Accept", "text/html")
			resp, err := rawClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var got bytes.Buffer
			buf := make([]byte, 4096)
			for !bytes.Contains(got.Bytes(), []byte(tc.first)) {
				n, err := resp.Body.Read(buf)
				got.Write(buf[:n])
				if err != nil {
					t.Fatalf("reading the first bytes: %v (have %q)", err, got.String())
				}
			}
			close(u.release[tc.path]) // only now may the upstream finish
			if released := <-u.waited[tc.path]; !released {
				t.Fatalf("the upstream timed out: the first bytes did not arrive before its last")
			}
			if _, err := io.Copy(&got, resp.Body); err != nil {
				t.Fatal(err)
			}
			if !strings.HasSuffix(got.String(), tc.rest) || isRewritten(got.Bytes()) != tc.rewritten {
				t.Errorf("body %q: want it to end with %q, rewritten %v", got.String(), tc.rest, tc.rewritten)
			}
			if !tc.rewritten && got.String() != tc.first+tc.rest {
				t.Errorf("event stream = %q, want %q byte for byte", got.String(), tc.first+tc.rest)
			}
		})
	}
}

// TestIntegrationUpgrade proxies a raw Connection: Upgrade handshake and
// echoes bytes over the hijacked connection.
func TestIntegrationUpgrade(t *testing.T) {
	u := newUpstream(t)
	startProxy(t, u.hostPort(), "")
	conn, err := net.Dial("tcp", "localhost:9080")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	_, _ = io.WriteString(conn, "GET /ws HTTP/1.1\r\nHost: localhost:9080\r\nAccept: text/html\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n")
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("status %d, want 101", resp.StatusCode)
	}
	for _, msg := range []string{"ping\n", "<script src=\"https://www.googletagmanager.com/x.js\"></script>\n"} {
		_, _ = io.WriteString(conn, msg)
		line, err := br.ReadString('\n')
		if err != nil || line != "echo: "+msg {
			t.Errorf("echo = %q, %v; want %q", line, err, "echo: "+msg)
		}
	}
}
