package sdk

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// injected returns the markup c injects into a page for a visitor who has
// not chosen (head and the top of body), the page's largest case.
func injected(t *testing.T, c *Consent) []byte {
	t.Helper()
	return injectedFor(t, c, false)
}

// injectedFor is injected for a visitor who has chosen (Accept all) or not.
func injectedFor(t *testing.T, c *Consent, decided bool) []byte {
	t.Helper()
	return injectedOn(t, c, decided, false)
}

// injectedOn is injectedFor on a page the visitor reached from a page of
// the same origin (linked), or not.
func injectedOn(t *testing.T, c *Consent, decided, linked bool) []byte {
	t.Helper()
	r := httptest.NewRequest("GET", "/shop?x=1", nil)
	if decided {
		r.AddCookie(cookieFor(t, c, acceptAllChoice(c)))
	}
	if linked {
		r.Header.Set("Sec-Fetch-Site", "same-origin")
		r.Header.Set("Sec-Fetch-Mode", "navigate")
	}
	r.Header.Set("Accept-Language", "en")
	head, body := injectedInto(c, r, http.Header{})
	return append(head, body...)
}

// injectedInto returns the head and body markup c injects into the page
// that answers r with the response headers resp.
func injectedInto(c *Consent, r *http.Request, resp http.Header) (head, body []byte) {
	s, _ := c.stateFor(r)
	var b bytes.Buffer
	head, body, _ = c.injection(&b, r, s, resp)
	return bytes.Clone(head), bytes.Clone(body)
}

func gzipSize(t *testing.T, b []byte) int {
	t.Helper()
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	_, _ = zw.Write(b)
	_ = zw.Close()
	return buf.Len()
}

// TestInlineBytesDoNotGrowWithCatalogue: the guard's host table is a
// cached file, not inline JSON, so a page carries the same number of bytes
// whatever the catalogue's size: a site with the hand-written vendors only
// and one with the whole built-in catalogue plus 1 500 vendors of its own
// (over 3 000 hosts) inject markup of exactly the same length, and the
// table file holds every host of the larger one.
func TestInlineBytesDoNotGrowWithCatalogue(t *testing.T) {
	small := scaleConsent(t, false)
	var own []Vendor
	for i := range 1500 {
		own = append(own, Vendor{Vendor: fmt.Sprintf("Long tail %d", i), Category: Advertising,
			Hosts: []string{fmt.Sprintf("px%d.tail-%d.example", i, i)}})
	}
	big := newTestConsent(t, Options{Languages: []string{"en"}, Vendors: own})
	small2 := newTestConsent(t, Options{Languages: []string{"en"}, NoBuiltinCatalogue: true, Categories: small.Categories()})

	var table map[string][]string
	if err := json.Unmarshal(big.texts.table.Body(), &table); err != nil {
		t.Fatal(err)
	}
	n, listed := 0, map[string]bool{}
	for _, hosts := range table {
		n += len(hosts)
		for _, h := range hosts {
			listed[h] = true
		}
	}
	if n < 3000 || !listed["px1499.tail-1499.example"] {
		t.Fatalf("the host table holds %d hosts; want over 3 000, the site's own vendors'", n)
	}
	for _, c := range big.Categories() {
		for _, h := range c.Hosts {
			if h = strings.ToLower(h); c.Key != Necessary && !listed[h] {
				t.Errorf("the host table lacks %s (%s)", h, c.Key)
			}
		}
	}
	var st map[string][]string
	if err := json.Unmarshal(small2.texts.table.Body(), &st); err != nil {
		t.Fatal(err)
	}
	m := 0
	for _, hosts := range st {
		m += len(hosts)
	}
	b, s := injected(t, big), injected(t, small2)
	t.Logf("injected per page (no choice yet, English): %d B, %d B gzip; host table %d hosts (%d B, %d B gzip) against %d hosts",
		len(b), gzipSize(t, b), n, len(big.texts.table.Body()), gzipSize(t, big.texts.table.Body()), m)
	if len(b) != len(s) || m >= n/10 {
		t.Errorf("injected markup: %d B with %d hosts, %d B with %d: want the same length", len(b), n, len(s), m)
	}
	if !bytes.Contains(b, []byte(`id="consent-hosts" data-src="/_consent/`+big.texts.table.Name()+`">{}</script>`)) {
		t.Errorf("the page does not point the guard at its host table:\n%.400s", b)
	}
}

// TestHostTableServed: the table is served under the consent prefix,
// cached for good under its hash; under another hash (a page rendered
// before the configuration changed) it is the current one, revalidated.
func TestHostTableServed(t *testing.T) {
	c := newTestConsent(t, Options{Languages: []string{"en"}})
	h := c.Handler(http.NotFoundHandler())
	t.Logf("host table of the built-in catalogue: %d B, %d B gzip", len(c.texts.table.Body()), gzipSize(t, c.texts.table.Body()))
	for _, tc := range []struct{ name, cache string }{
		{c.texts.table.Name(), "public, max-age=31536000, immutable"},
		{"hosts.000000000000.json", "no-cache"},
	} {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest("GET", "/_consent/"+tc.name, nil))
		if w.Code != 200 || w.Header().Get("Cache-Control") != tc.cache || !bytes.Equal(w.Body.Bytes(), c.texts.table.Body()) ||
			w.Header().Get("Content-Type") != "application/json" {
			t.Errorf("GET %s: %d %q %q, %d B", tc.name, w.Code, w.Header().Get("Cache-Control"), w.Header().Get("Content-Type"), w.Body.Len())
		}
	}
}
