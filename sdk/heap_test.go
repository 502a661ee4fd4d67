package sdk

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"testing"
)

// pageStream is an io.Reader producing an HTML page of size bytes: a head
// with trackers, then articles with images, iframes and inline scripts,
// generated as it is read so the page itself costs no memory.
type pageStream struct {
	size, read int
	pending    []byte // the rest of the current piece
	buf        []byte // storage reused for each piece
	i          int
}

func (p *pageStream) Read(b []byte) (int, error) {
	if p.read >= p.size {
		return 0, io.EOF
	}
	if len(p.pending) == 0 {
		switch {
		case p.read == 0:
			p.pending = []byte(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Big</title>` +
				`<script async src="https://www.googletagmanager.com/gtag/js?id=G-1"></script>` +
				`<link rel="stylesheet" href="/site.css"></head><body><main>` + "\n")
		case p.size-p.read < 512:
			p.pending = []byte("</main></body></html>\n")
		default:
			p.i++
			p.buf = fmt.Appendf(p.buf[:0], `<article id="a%d"><h2><a href="/s/%d">Story %d &amp; more</a></h2>`+
				`<p>Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor.</p>`+
				`<img src="/img/%d.jpg" alt="" loading="lazy">`+
				`<iframe src="https://www.youtube.com/embed/x%d"></iframe>`+
				`<script>window.dataLayer=window.dataLayer||[];dataLayer.push({n:%d});</script>`+
				`<img src="https://www.facebook.com/tr?id=1&amp;ev=%d" width="1" height="1"></article>`+"\n",
				p.i, p.i, p.i, p.i, p.i, p.i, p.i)
			p.pending = p.buf
		}
	}
	n := copy(b, p.pending)
	p.pending = p.pending[n:]
	p.read += n
	return n, nil
}

// heapWriter discards the body and, every sampleEvery writes, records the
// live heap after a GC, so the peak during streaming is known.
type heapWriter struct {
	header      http.Header
	written     int64
	writes      int
	sampleEvery int
	peak        uint64
}

func (w *heapWriter) Header() http.Header { return w.header }
func (w *heapWriter) WriteHeader(int)     {}
func (w *heapWriter) Write(p []byte) (int, error) {
	w.written += int64(len(p))
	w.writes++
	if w.writes%w.sampleEvery == 0 {
		w.peak = max(w.peak, liveHeap())
	}
	return len(p), nil
}

// liveHeap returns HeapAlloc after a full GC.
func liveHeap() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// TestHeapConstant streams a 100 MB page through the middleware in 32 KiB
// writes (as reverse_proxy does) and checks that the live heap grows by
// less than 1 MB at any point.
func TestHeapConstant(t *testing.T) {
	if testing.Short() {
		t.Skip("streams 100 MB")
	}
	const size = 100 << 20
	c := newTestConsent(t, Options{})
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusOK)
		buf := make([]byte, 32<<10)
		src := &pageStream{size: size}
		for {
			n, err := io.ReadFull(src, buf)
			if n > 0 {
				_, _ = w.Write(buf[:n])
			}
			if err != nil {
				return
			}
		}
	})
	handler := c.Handler(h)
	// Warm up: pools, the catalogue, lazily built tables.
	handler.ServeHTTP(&heapWriter{header: http.Header{}, sampleEvery: 1 << 30}, httptest.NewRequest("GET", "/", nil))
	c.awaitListing() // the page's vendors, listed in the background

	w := &heapWriter{header: http.Header{}, sampleEvery: 64}
	var before runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	handler.ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
	after := liveHeap()

	if w.written < size {
		t.Fatalf("only %d bytes reached the writer", w.written)
	}
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	growth := int64(w.peak) - int64(before.HeapAlloc)
	t.Logf("100 MB page: %d writes; live heap before %d B, peak during %d B (growth %+d B), after %d B; %d B allocated in total (%.1f B per input KiB)",
		w.writes, before.HeapAlloc, w.peak, growth, after, m.TotalAlloc-before.TotalAlloc, float64(m.TotalAlloc-before.TotalAlloc)/float64(size>>10))
	if growth >= 1<<20 {
		t.Errorf("live heap grew by %d bytes while streaming, want < 1 MiB", growth)
	}
	if int64(after)-int64(before.HeapAlloc) >= 1<<20 {
		t.Errorf("live heap grew by %d bytes after streaming, want < 1 MiB", int64(after)-int64(before.HeapAlloc))
	}
}
