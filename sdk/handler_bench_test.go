package sdk

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/consentry/consentry/internal/benchpage"
)

// benchWriter is a discarding http.ResponseWriter that can be reset
// between iterations (the pattern of Caddy's encode_bench_test.go).
type benchWriter struct {
	header http.Header
	n      int64
}

func (w *benchWriter) Header() http.Header         { return w.header }
func (w *benchWriter) WriteHeader(int)             {}
func (w *benchWriter) Write(p []byte) (int, error) { w.n += int64(len(p)); return len(p), nil }
func (w *benchWriter) reset()                      { clear(w.header); w.n = 0 }

// chunkedHandler writes body with the given Content-Type in 32 KiB writes,
// as reverse_proxy copies an upstream body.
func chunkedHandler(contentType string, body []byte) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", contentType)
		w.WriteHeader(http.StatusOK)
		for p := body; len(p) > 0; {
			n := min(len(p), 32<<10)
			_, _ = w.Write(p[:n])
			p = p[n:]
		}
	})
}

func benchHandler(b *testing.B, h http.Handler, size int) { benchHandlerWith(b, h, size) }

// benchHandlerWith is benchHandler with extra request headers (name, value
// pairs) and a browser's usual ones.
func benchHandlerWith(b *testing.B, h http.Handler, size int, header ...string) {
	w := &benchWriter{header: http.Header{}}
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("Accept", "text/html")
	for i := 0; i+1 < len(header); i += 2 {
		r.Header.Set(header[i], header[i+1])
	}
	hdr := r.Header.Clone()
	b.SetBytes(int64(size))
	b.ReportAllocs()
	for b.Loop() {
		w.reset()
		clear(r.Header)
		for k, v := range hdr {
			r.Header[k] = v
		}
		h.ServeHTTP(w, r)
	}
	if w.n < int64(size) {
		b.Fatalf("wrote %d bytes, want at least %d", w.n, size)
	}
}

// BenchmarkHandler compares handlers with and without the consent
// middleware: a non-HTML response that passes through, and HTML pages of
// 2 KB, 100 KB and 1 MB that are rewritten for a visitor who has not
// chosen yet (every tracker refused).
func BenchmarkHandler(b *testing.B) {
	c, err := New(Options{Keys: []KeyPair{{Hash: testHash, Block: testBlock}}, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	json := make([]byte, 100<<10)
	for i := range json {
		json[i] = "{}[]:,\"abcdef0123456789"[i%22]
	}
	b.Run("passthrough-100KB/plain", func(b *testing.B) {
		benchHandler(b, chunkedHandler("application/json", json), len(json))
	})
	b.Run("passthrough-100KB/consent", func(b *testing.B) {
		benchHandler(b, c.Handler(chunkedHandler("application/json", json)), len(json))
	})
	b.Run("passthrough-100KB/granted", func(b *testing.B) {
		ck := cookieFor(b, c, acceptAllChoice(c))
		benchHandlerWith(b, c.Handler(chunkedHandler("application/json", json)), len(json), "Cookie", ck.Name+"="+ck.Value)
	})
	for _, size := range []int{2 << 10, 100 << 10, 1 << 20} {
		page, _ := io.ReadAll(&pageStream{size: size})
		name := fmt.Sprintf("html-%dKB", size>>10)
		b.Run(name+"/plain", func(b *testing.B) {
			benchHandler(b, chunkedHandler("text/html; charset=utf-8", page), len(page))
		})
		b.Run(name+"/consent", func(b *testing.B) {
			benchHandler(b, c.Handler(chunkedHandler("text/html; charset=utf-8", page)), len(page))
		})
	}
	// The load harness's 2 KB page (internal/benchpage): a landing page with
	// gtag in the head and little else, where the fixed cost per page shows.
	landing := benchpage.Landing(2 << 10)
	b.Run("landing-2KB/plain", func(b *testing.B) {
		benchHandler(b, chunkedHandler("text/html; charset=utf-8", landing), len(landing))
	})
	b.Run("landing-2KB/consent", func(b *testing.B) {
		benchHandler(b, c.Handler(chunkedHandler("text/html; charset=utf-8", landing)), len(landing))
	})
	b.Run("landing-2KB/granted", func(b *testing.B) {
		h := c.Handler(chunkedHandler("text/html; charset=utf-8", landing))
		ck := cookieFor(b, c, acceptAllChoice(c))
		benchHandlerWith(b, h, len(landing), "Cookie", ck.Name+"="+ck.Value)
	})
	// The same page with the GPP on, for a Californian: the string, the
	// API and the headers to the origin.
	gpp, err := New(Options{Keys: []KeyPair{{Hash: testHash, Block: testBlock}}, Logger: slog.New(slog.DiscardHandler),
		CountryHeader: "X-Country", RegionHeader: "X-Region", GPP: GPPOptions{On: true, States: []string{"CA"}}})
	if err != nil {
		b.Fatal(err)
	}
	b.Run("landing-2KB/gpp", func(b *testing.B) {
		h := gpp.Handler(chunkedHandler("text/html; charset=utf-8", landing))
		benchHandlerWith(b, h, len(landing), "X-Country", "US", "X-Region", "CA")
	})
	b.Run("landing-2KB/gpp-off-located", func(b *testing.B) {
		off, err := New(Options{Keys: []KeyPair{{Hash: testHash, Block: testBlock}}, Logger: slog.New(slog.DiscardHandler),
			CountryHeader: "X-Country", RegionHeader: "X-Region"})
		if err != nil {
			b.Fatal(err)
		}
		h := off.Handler(chunkedHandler("text/html; charset=utf-8", landing))
		benchHandlerWith(b, h, len(landing), "X-Country", "US", "X-Region", "CA")
	})
}
