package sdk

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
)

// eventWriter is an http.ResponseWriter that logs, in order, each status
// ("H404"), each write ("W<bytes>") and each flush ("F"), with the header
// at the status.
type eventWriter struct {
	header http.Header
	final  http.Header
	events []string
	body   bytes.Buffer
}

func newEventWriter() *eventWriter { return &eventWriter{header: http.Header{}} }

func (w *eventWriter) Header() http.Header { return w.header }
func (w *eventWriter) WriteHeader(code int) {
	w.final = w.header.Clone()
	w.events = append(w.events, "H"+strconv.Itoa(code))
}
func (w *eventWriter) Write(p []byte) (int, error) {
	if w.final == nil {
		w.WriteHeader(http.StatusOK)
	}
	w.events = append(w.events, "W"+strconv.Itoa(len(p)))
	return w.body.Write(p)
}
func (w *eventWriter) Flush() {
	if w.final == nil {
		w.WriteHeader(http.StatusOK)
	}
	w.events = append(w.events, "F")
}

// page returns an HTML page of about n bytes with a tracker tag.
func page(n int) string {
	var b strings.Builder
	b.WriteString(`<!doctype html><html><head><title>t</title>` +
		`<script async src="https://www.googletagmanager.com/gtag/js?id=G-1"></script></head><body>`)
	for b.Len() < n-20 {
		fmt.Fprintf(&b, "<p>paragraph %d</p>\n", b.Len())
	}
	b.WriteString("</body></html>")
	return b.String()
}

// TestSmallPageHeldWhole checks that a rewritten page no larger than
// holdPageLimit reaches the client in one write, after its status, with
// its own Content-Length, however many writes the upstream made; the
// status is the upstream's.
func TestSmallPageHeldWhole(t *testing.T) {
	c := newTestConsent(t, Options{})
	for _, tc := range []struct {
		name   string
		length bool // the upstream declares its length
		code   int
	}{{"declared", true, 200}, {"undeclared", false, 200}, {"error page", true, 404}} {
		t.Run(tc.name, func(t *testing.T) {
			p := page(6000)
			h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/html")
				if tc.length {
					w.Header().Set("Content-Length", strconv.Itoa(len(p)))
				}
				w.WriteHeader(tc.code)
				for s := p; s != ""; {
					n := min(len(s), 1000)
					_, _ = w.Write([]byte(s[:n]))
					s = s[n:]
				}
			})
			w := newEventWriter()
			c.Handler(h).ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
			want := []string{"H" + strconv.Itoa(tc.code), "W" + strconv.Itoa(w.body.Len())}
			if strings.Join(w.events, " ") != strings.Join(want, " ") {
				t.Errorf("events %v, want %v", w.events, want)
			}
			if got := w.final.Get("Content-Length"); got != strconv.Itoa(w.body.Len()) {
				t.Errorf("Content-Length %q, body %d bytes", got, w.body.Len())
			}
			if !strings.Contains(w.body.String(), `id="consent-state"`) || !strings.Contains(w.body.String(), `data-src="https://www.googletagmanager.com`) {
				t.Errorf("page not rewritten:\n%.400s", w.body.String())
			}
		})
	}
}

// TestHeldPageReleases checks when a page stops being held: a page the
// upstream declares larger than holdPageLimit streams from its first
// write; an undeclared one streams once it passes the limit; a flush sends
// what is held, with the status, at once. None of them gets a
// Content-Length.
func TestHeldPageReleases(t *testing.T) {
	c := newTestConsent(t, Options{})
	big := page(3 * holdPageLimit)
	cases := []struct {
		name string
		body string
		cl   bool
		// flushAfter flushes after that many bytes (0: never).
		flushAfter int
	}{
		{"declared large", big, true, 0},
		{"undeclared large", big, false, 0},
		{"flushed small", page(4000), true, 2000},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var seenBeforeEnd int
			var w *eventWriter
			h := http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
				rw.Header().Set("Content-Type", "text/html")
				if tc.cl {
					rw.Header().Set("Content-Length", strconv.Itoa(len(tc.body)))
				}
				rw.WriteHeader(http.StatusTeapot)
				s := tc.body
				for written := 0; s != ""; {
					n := min(len(s), 4096)
					_, _ = rw.Write([]byte(s[:n]))
					s, written = s[n:], written+n
					if tc.flushAfter > 0 && written >= tc.flushAfter {
						rw.(http.Flusher).Flush()
						tc.flushAfter = 0
					}
				}
				seenBeforeEnd = w.body.Len()
			})
			w = newEventWriter()
			c.Handler(h).ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
			if seenBeforeEnd == 0 {
				t.Errorf("nothing reached the client before the upstream finished; events %v", w.events)
			}
			if len(w.events) == 0 || w.events[0] != "H418" {
				t.Errorf("events %v, want the status first", w.events)
			}
			if cl := w.final.Get("Content-Length"); cl != "" {
				t.Errorf("Content-Length %q on a streamed page", cl)
			}
			if !strings.HasSuffix(w.body.String(), "</body></html>") || !strings.Contains(w.body.String(), `id="consent-state"`) {
				t.Errorf("page incomplete or not rewritten (%d bytes)", w.body.Len())
			}
		})
	}
}

// TestHeldEmptyPage checks that an HTML response with an empty body keeps
// its status and gets Content-Length 0.
func TestHeldEmptyPage(t *testing.T) {
	c := newTestConsent(t, Options{})
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Header().Set("Content-Length", "0")
		w.WriteHeader(http.StatusNotFound)
	})
	w := newEventWriter()
	c.Handler(h).ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
	if strings.Join(w.events, " ") != "H404" || w.final.Get("Content-Length") != "0" {
		t.Errorf("events %v, Content-Length %q; want H404 and 0", w.events, w.final.Get("Content-Length"))
	}
}

// TestHeldPageAbort checks that a handler failing after its status drops
// the held page: nothing reaches the client, so the error handling that
// follows (Caddy's handle_errors) can answer cleanly.
func TestHeldPageAbort(t *testing.T) {
	c := newTestConsent(t, Options{})
	w := newEventWriter()
	err := c.Process(w, httptest.NewRequest("GET", "/", nil), func(rw http.ResponseWriter, r *http.Request) error {
		rw.Header().Set("Content-Type", "text/html")
		rw.WriteHeader(http.StatusOK)
		_, _ = rw.Write([]byte(page(3000)))
		return fmt.Errorf("upstream gone")
	})
	if err == nil || len(w.events) != 0 {
		t.Errorf("err %v, events %v; want the error and nothing written", err, w.events)
	}
}

// TestRewritableType: the spellings answered without parsing and the
// parsed ones agree with the rule (HTML or XHTML, not UTF-16).
func TestRewritableType(t *testing.T) {
	for ct, want := range map[string]bool{
		"text/html": true, "text/html; charset=utf-8": true, "text/html; charset=UTF-8": true,
		"text/html;charset=utf-8": true, "TEXT/HTML; Charset=\"utf-8\"": true, "application/xhtml+xml": true,
		"text/html; charset=utf-16le": false, "text/html; charset=UTF-16": false, "text/plain": false,
		"application/json": false, "": false, "text/html; charset": false, "text/htmlx": false,
	} {
		if got := rewritableType(ct); got != want {
			t.Errorf("rewritableType(%q) = %v, want %v", ct, got, want)
		}
	}
}
