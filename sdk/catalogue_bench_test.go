package sdk

import (
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"

	"github.com/consentry/consentry/sdk/internal/rewritebench"
	"github.com/consentry/consentry/sdk/rewrite"
)

// What the whole catalogue costs against the hand-written part alone
// (the catalogue before the datasets): the rewriter over a publisher page,
// next to the bare lexer, and the cookie filters of one request.

// scaleConsent returns a Consent over the hand-written vendors only (as
// configured categories) or over the whole built-in catalogue.
func scaleConsent(tb testing.TB, whole bool) *Consent {
	tb.Helper()
	o := Options{Keys: []KeyPair{{Hash: testHash, Block: testBlock}}, Logger: slog.New(slog.DiscardHandler)}
	if !whole {
		// The hand-written vendors as the site's own, so that the banner
		// names them as it names the built-in ones.
		o.Vendors, o.NoBuiltinCatalogue = handWritten(BuiltinCatalogue()), true
	}
	c, err := New(o)
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

// scalePage is a publisher page of about size bytes: stories with images,
// inline scripts and tags of hand-written vendors, of uncatalogued CDNs and
// of the site itself, and, with longTail, of the datasets' vendors (else
// that tag is of a host no catalogue knows, so both catalogues take the
// same decisions and only the lookups differ).
func scalePage(size int, longTail bool) []byte {
	var tail []string
	for _, v := range BuiltinCatalogue() {
		if v.Source == SourceThirdPartyWeb {
			tail = append(tail, v.Hosts...)
		}
	}
	var b bytes.Buffer
	b.WriteString(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>News</title>` +
		`<script async src="https://www.googletagmanager.com/gtag/js?id=G-1"></script>` +
		`<link rel="stylesheet" href="https://cdn.jsdelivr.net/npm/x/site.css"></head><body><main>` + "\n")
	for i := 0; b.Len() < size-512; i++ {
		t := tail[(i*7919)%len(tail)]
		if !longTail {
			t = fmt.Sprintf("static%d.site-cdn.example", i%50)
		}
		fmt.Fprintf(&b, `<article id="a%d"><h2><a href="/s/%d">Story %d &amp; more</a></h2>`+
			`<p style="margin:0">Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor.</p>`+
			`<img src="/img/%d.jpg" srcset="/img/%d@2x.jpg 2x" alt="" loading="lazy">`+
			`<script src="https://%s/tag.js?i=%d" async></script>`+
			`<img src="https://cdn%d.cloudfront.net/i.png" alt="">`+
			`<script>window.dataLayer=window.dataLayer||[];dataLayer.push({n:%d});</script>`+
			`<iframe src="https://www.youtube.com/embed/x%d"></iframe>`+
			`<img src="https://www.facebook.com/tr?id=1&amp;ev=%d" width="1" height="1"></article>`+"\n",
			i, i, i, i, i, t, i, i%10, i, i, i)
	}
	b.WriteString("</main></body></html>\n")
	return b.Bytes()
}

// benchScaleRewrite runs the rewriter with c's matcher, every category
// refused, over page in 32 KiB writes.
func benchScaleRewrite(b *testing.B, c *Consent, page []byte) {
	r := httptest.NewRequest("GET", "/", nil)
	s, _ := c.stateFor(r)
	p := statePolicy{c.match, s}
	rw := rewrite.NewWriter(io.Discard, p, nil)
	rewritebench.Rewrite(b, page, 32<<10, func(w io.Writer) io.WriteCloser {
		rw.Reset(w, p, nil)
		return rw
	})
}

// scaleCookies is a request's Cookie header: trackers of hand-written and
// dataset vendors among the site's own cookies.
const scaleCookies = "_ga=GA1.1.1.1; _ga_ABC123=GS1.1; _fbp=fb.1.1; session=abc; PHPSESSID=x; lang=en; cart=3; " +
	"_cs_id=1; _lo_uid=2; csrftoken=t; theme=dark; __Host-id=9"

// scaleSetCookies are a response's Set-Cookie lines.
var scaleSetCookies = []string{"_ga=GA1.1; Path=/", "_fbp=fb.1; Path=/", "session=abc; HttpOnly", "lang=en", "_cs_s=1; Path=/"}

// benchScaleCookies runs one request's cookie filters with every category
// refused: the request's Cookie header (request), the response's
// Set-Cookies (response), or both.
func benchScaleCookies(b *testing.B, c *Consent, request, response bool) {
	r := httptest.NewRequest("GET", "http://www.example.com/", nil)
	s, _ := c.stateFor(r)
	h := http.Header{}
	step := func() {
		if request {
			r.Header["Cookie"] = append(r.Header["Cookie"][:0], scaleCookies)
			c.stripRefusedCookies(r, s)
		}
		if response {
			h["Set-Cookie"] = append(h["Set-Cookie"][:0], scaleSetCookies...)
			c.dropRefusedSetCookies(h, r, s)
		}
	}
	step() // the first Set-Cookie of a vendor lists it (vendors_listed.go), once
	c.awaitListing()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		step()
	}
}

// BenchmarkCatalogueScale: the rewriter and the cookie filters with the
// hand-written vendors and with the whole catalogue, and the bare lexer.
func BenchmarkCatalogueScale(b *testing.B) {
	page, same := scalePage(1<<20, true), scalePage(1<<20, false)
	hand, whole := scaleConsent(b, false), scaleConsent(b, true)
	b.Run("lexer-1MB", func(b *testing.B) { rewritebench.Lexer(b, page) })
	b.Run("rewrite-1MB/handwritten", func(b *testing.B) { benchScaleRewrite(b, hand, page) })
	b.Run("rewrite-1MB/catalogue", func(b *testing.B) { benchScaleRewrite(b, whole, page) })
	b.Run("rewrite-same-1MB/handwritten", func(b *testing.B) { benchScaleRewrite(b, hand, same) })
	b.Run("rewrite-same-1MB/catalogue", func(b *testing.B) { benchScaleRewrite(b, whole, same) })
	for _, part := range []struct {
		name              string
		request, response bool
	}{{"cookies", true, true}, {"cookies-request", true, false}, {"cookies-response", false, true}} {
		b.Run(part.name+"/handwritten", func(b *testing.B) { benchScaleCookies(b, hand, part.request, part.response) })
		b.Run(part.name+"/catalogue", func(b *testing.B) { benchScaleCookies(b, whole, part.request, part.response) })
	}
}

// TestCatalogueScaleSpeed measures, interleaved in one process and taking
// the fastest of many rounds, the rewriter's MB/s against the bare lexer's
// with the hand-written vendors and with the whole catalogue, and the
// cookie filters' time per request. It only reports; run it with
// CONSENTRY_PERF=1.
func TestCatalogueScaleSpeed(t *testing.T) {
	if os.Getenv("CONSENTRY_PERF") == "" {
		t.Skip("set CONSENTRY_PERF=1")
	}
	page, same := scalePage(1<<20, true), scalePage(1<<20, false)
	hand, whole := scaleConsent(t, false), scaleConsent(t, true)
	t.Logf("matcher hosts: hand-written %d, catalogue %d; filtered cookie names: %d, %d",
		hand.match.HostCount(), whole.match.HostCount(), hand.match.CookieCount(), whole.match.CookieCount())
	runs := []func(*testing.B){
		func(b *testing.B) { rewritebench.Lexer(b, page) },
		func(b *testing.B) { benchScaleRewrite(b, hand, page) },
		func(b *testing.B) { benchScaleRewrite(b, whole, page) },
		func(b *testing.B) { benchScaleRewrite(b, hand, same) },
		func(b *testing.B) { benchScaleRewrite(b, whole, same) },
		func(b *testing.B) { benchScaleCookies(b, hand, true, false) },
		func(b *testing.B) { benchScaleCookies(b, whole, true, false) },
		func(b *testing.B) { benchScaleCookies(b, hand, false, true) },
		func(b *testing.B) { benchScaleCookies(b, whole, false, true) },
	}
	var mbs [5]float64
	ns := [4]float64{1e18, 1e18, 1e18, 1e18}
	for range 8 {
		for i, f := range runs {
			r := testing.Benchmark(f)
			if i < len(mbs) {
				mbs[i] = max(mbs[i], float64(len(page))*float64(r.N)/r.T.Seconds()/1e6)
			} else {
				ns[i-len(mbs)] = min(ns[i-len(mbs)], float64(r.T.Nanoseconds())/float64(r.N))
			}
		}
	}
	t.Logf("1 MB publisher page: lexer %.0f MB/s; rewriter, hand-written %.0f MB/s (%.0f %%), catalogue %.0f MB/s (%.0f %%; it holds the long tail's tags too)",
		mbs[0], mbs[1], 100*mbs[1]/mbs[0], mbs[2], 100*mbs[2]/mbs[0])
	t.Logf("same decisions (long-tail tags on unknown hosts): hand-written %.0f MB/s (%.0f %%), catalogue %.0f MB/s (%.0f %%)",
		mbs[3], 100*mbs[3]/mbs[0], mbs[4], 100*mbs[4]/mbs[0])
	t.Logf("request Cookie filter (12 cookies): hand-written %.0f ns, catalogue %.0f ns (%.2f ×)", ns[0], ns[1], ns[1]/ns[0])
	t.Logf("Set-Cookie filter (5 lines): hand-written %.0f ns, catalogue %.0f ns (%.2f ×)", ns[2], ns[3], ns[3]/ns[2])
}
