package rewrite

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"testing"

	"github.com/consentry/consentry/sdk/internal/rewritebench"
)

// benchPage returns a deterministic ad-heavy publisher page of about size
// bytes: articles of divs and text, GTM, gtag and Facebook pixel snippets,
// ad slots, YouTube iframes, tracking pixels, JSON-LD, SVG icons, inline
// scripts with "<" in them and first-party assets.
func benchPage(size int) []byte {
	var b bytes.Buffer
	b.WriteString(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>The Daily Example &mdash; News</title>
<link rel="preconnect" href="https://www.googletagmanager.com">
<link rel="dns-prefetch" href="//stats.g.doubleclick.net">
<link rel="stylesheet" href="/assets/site.css">
<script async src="https://www.googletagmanager.com/gtag/js?id=G-XYZ"></script>
<script>
window.dataLayer = window.dataLayer || [];
function gtag(){dataLayer.push(arguments);}
gtag('js', new Date()); gtag('config', 'G-XYZ');
</script>
<script>(function(w,d,s,l,i){w[l]=w[l]||[];w[l].push({'gtm.start':new Date().getTime(),event:'gtm.js'});var f=d.getElementsByTagName(s)[0],j=d.createElement(s);j.async=true;j.src='https://www.googletagmanager.com/gtm.js?id='+i;f.parentNode.insertBefore(j,f);})(window,document,'script','dataLayer','GTM-ABC');</script>
<script>!function(f,b,e,v,n,t,s){if(f.fbq)return;n=f.fbq=function(){n.callMethod?n.callMethod.apply(n,arguments):n.queue.push(arguments)};}(window, document,'script','https://connect.facebook.net/en_US/fbevents.js');fbq('init', '123');fbq('track', 'PageView');</script>
<script type="application/ld+json">{"@context":"https://schema.org","@type":"NewsArticle","headline":"Example"}</script>
<script src="/assets/app.js" defer></script>
<style>body{font:16px/1.5 sans-serif}.ad{min-height:250px}</style>
</head>
<body class="home">
<noscript><iframe src="https://www.googletagmanager.com/ns.html?id=GTM-ABC" height="0" width="0" style="display:none;visibility:hidden"></iframe></noscript>
<noscript><img height="1" width="1" style="display:none" src="https://www.facebook.com/tr?id=123&amp;ev=PageView&amp;noscript=1"/></noscript>
<header><nav><ul><li><a href="/">Home</a></li><li><a href="/world">World</a></li><li><a href="/sport">Sport</a></li></ul></nav></header>
<main>
`)
	for i := 0; b.Len() < size-600; i++ {
		fmt.Fprintf(&b, `<article class="story" id="s%d" data-index="%d">
<h2><a href="/story/%d">Headline number %d &amp; more</a></h2>
<div class="meta"><span class="author">By A. Writer</span> <time datetime="2026-11-24">24 Nov</time></div>
<div class="body"><p>Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore et dolore magna aliqua. Ut enim ad minim veniam, quis nostrud exercitation ullamco laboris.</p>
<p>Duis aute irure dolor in reprehenderit in voluptate velit esse cillum dolore eu fugiat nulla pariatur &lt;b&gt; caf&eacute;.</p>
<img src="/img/%d.jpg" srcset="/img/%d-480.jpg 480w, /img/%d-960.jpg 960w" alt="Photo %d" loading="lazy"></div>
<svg class="icon" viewBox="0 0 16 16"><path d="M0 0h16v16H0z"/></svg>
</article>
`, i, i, i, i, i, i, i, i)
		switch i % 8 {
		case 1:
			b.WriteString(`<div class="ad"><script async src="https://pagead2.googlesyndication.com/pagead/js/adsbygoogle.js?client=ca-pub-1"></script><ins class="adsbygoogle" style="display:block" data-ad-slot="1"></ins><script>(adsbygoogle = window.adsbygoogle || []).push({});</script></div>` + "\n")
		case 3:
			b.WriteString(`<iframe width="560" height="315" src="https://www.youtube.com/embed/dQw4w9WgXcQ" title="YouTube video" frameborder="0" allowfullscreen></iframe>` + "\n")
		case 5:
			b.WriteString(`<img src="https://bat.bing.com/action/0?ti=1&amp;Ver=2" height="0" width="0" style="display:none" alt=""><img src="https://stats.g.doubleclick.net/p.gif" width="1" height="1">` + "\n")
		case 7:
			b.WriteString(`<script>if (window.innerWidth < 600 && document.body) { document.body.className += " narrow"; var s = "</div>"; }</script>` + "\n")
		}
	}
	b.WriteString("</main>\n<footer><p>&copy; 2026 The Daily Example</p></footer>\n</body>\n</html>\n")
	return b.Bytes()
}

// publisherPage returns a deterministic page of about size bytes built like
// a real publisher's: nested divs, spans, anchors, lists, paragraphs and
// buttons with class, id, data- and aria- attributes, first-party images
// and scripts, and about 3 % of the tags loading trackers (pixels, ad
// iframes, tag scripts, a video embed).
func publisherPage(size int) []byte {
	var b bytes.Buffer
	b.WriteString(`<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Publisher</title>
<link rel="stylesheet" href="/css/main.css"><script src="/js/main.js" defer></script>
<script async src="https://www.googletagmanager.com/gtag/js?id=G-1"></script>
</head><body class="page">
`)
	for i := 0; b.Len() < size-300; i++ {
		fmt.Fprintf(&b, `<div class="row" id="r%d"><div class="col col-8"><div class="card" data-id="%d" aria-label="Story %d">`+
			`<a class="card__link" href="/news/%d"><span class="card__kicker">World</span><span class="card__title">A headline about item %d</span></a>`+
			`<div class="card__meta"><span class="byline">By <a href="/author/%d" rel="author">Jane Doe</a></span><span class="dot">&middot;</span><time datetime="2026-11-24">2h</time></div>`+
			`<p class="card__dek">Some teaser text for the story, with <em>emphasis</em> and <strong>strong words</strong> in it.</p>`+
			`<ul class="tags"><li><a href="/t/a">Politics</a></li><li><a href="/t/b">Economy</a></li><li><a href="/t/c">Europe</a></li></ul>`+
			`<button class="share" type="button" data-share="%d"><span class="sr-only">Share</span></button></div></div>`+
			`<div class="col col-4"><img src="/img/%d.jpg" alt="" width="320" height="180" loading="lazy"></div></div>`+"\n",
			i, i, i, i, i, i, i, i)
		switch i % 4 {
		case 1:
			b.WriteString(`<div class="ad-slot"><iframe src="https://ads.example/slot?i=1" width="300" height="250"></iframe></div>` + "\n")
		case 3:
			b.WriteString(`<img src="https://www.facebook.com/tr?id=1&amp;ev=View" width="1" height="1" alt="">` + "\n")
		}
	}
	b.WriteString(`<iframe src="https://www.youtube.com/embed/x"></iframe><script>gtag('event','page_view');</script></body></html>` + "\n")
	return b.Bytes()
}

// benchPolicy is the test policy with the bench page's ad hosts.
func benchPolicy() *testPolicy {
	p := newTestPolicy()
	p.hosts["googlesyndication.com"] = "advertising"
	p.hosts["bing.com"] = "advertising"
	return p
}

func benchRewrite(b *testing.B, page []byte, chunk int) {
	benchRewriteWith(b, hostsOnly{benchPolicy()}, page, chunk)
}

// benchRewriteWith rewrites page, in writes of chunk bytes, under p.
func benchRewriteWith(b *testing.B, p Policy, page []byte, chunk int) {
	inject := []byte(testInject)
	rw := NewWriter(io.Discard, p, inject)
	rewritebench.Rewrite(b, page, chunk, func(w io.Writer) io.WriteCloser {
		rw.Reset(w, p, inject)
		return rw
	})
}

// copySink copies what it is given, as a network writer would.
type copySink = rewritebench.CopySink

func BenchmarkLexerOnly1MB(b *testing.B) { benchLexer(b, benchPage(1<<20)) }

// benchLexer runs the bare tdewolff lexer over page.
func benchLexer(b *testing.B, page []byte) { rewritebench.Lexer(b, page) }

func BenchmarkCopyBuffer1MB(b *testing.B) {
	page := benchPage(1 << 20)
	buf := make([]byte, 32<<10)
	w := &copySink{}
	b.SetBytes(int64(len(page)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := io.CopyBuffer(w, onlyReader{bytes.NewReader(page)}, buf); err != nil {
			b.Fatal(err)
		}
	}
}

// onlyReader hides bytes.Reader's WriterTo so that CopyBuffer really copies.
type onlyReader struct{ io.Reader }

func BenchmarkRewrite1MB32K(b *testing.B)   { benchRewrite(b, benchPage(1<<20), 32<<10) }
func BenchmarkRewrite100KB32K(b *testing.B) { benchRewrite(b, benchPage(100<<10), 32<<10) }
func BenchmarkRewrite1MB4K(b *testing.B)    { benchRewrite(b, benchPage(1<<20), 4<<10) }

// The publisher page, most tags divs, spans and anchors; and the bare
// lexer over it, for the ratio.
func BenchmarkRewritePublisher1MB32K(b *testing.B) { benchRewrite(b, publisherPage(1<<20), 32<<10) }

// BenchmarkRewritePathsPublisher1MB32K is the publisher page under a
// policy with first-party path prefixes: every relative URL is resolved.
func BenchmarkRewritePathsPublisher1MB32K(b *testing.B) {
	benchRewriteWith(b, benchPolicy(), publisherPage(1<<20), 32<<10)
}
func BenchmarkLexerOnlyPublisher1MB(b *testing.B) { benchLexer(b, publisherPage(1<<20)) }

func BenchmarkRewriteInlineScript1MB4K(b *testing.B) {
	benchRewrite(b, giantScript("app();", 1<<20), 4<<10)
}

// TestRewriteSpeedRatio measures, interleaved in one process and taking the
// fastest of many rounds (robust on a shared, noisy machine), the
// rewriter's speed against the bare lexer's on the bench pages. It only
// reports; run it with CONSENTRY_PERF=1.
func TestRewriteSpeedRatio(t *testing.T) {
	if os.Getenv("CONSENTRY_PERF") == "" {
		t.Skip("set CONSENTRY_PERF=1")
	}
	for _, pg := range []struct {
		name string
		page []byte
	}{{"bench 1MB", benchPage(1 << 20)}, {"publisher 1MB", publisherPage(1 << 20)}, {"bench 100KB", benchPage(100 << 10)}} {
		lex := func(b *testing.B) { benchLexer(b, pg.page) }
		rew := func(b *testing.B) { benchRewrite(b, pg.page, 32<<10) }
		best := [2]float64{}
		for range 15 {
			for i, f := range []func(*testing.B){lex, rew} {
				r := testing.Benchmark(f)
				mbs := float64(len(pg.page)) * float64(r.N) / r.T.Seconds() / 1e6
				best[i] = max(best[i], mbs)
			}
		}
		t.Logf("%-14s lexer %6.0f MB/s  rewriter %6.0f MB/s  ratio %3.0f %%", pg.name, best[0], best[1], 100*best[1]/best[0])
	}
}

// stylesheetPage returns a page whose inline <style> is a site's whole
// stylesheet of about size bytes: rules with first-party url()s,
// display:none rules, and one ad image, the case a whole-style
// neutralisation broke.
func stylesheetPage(size int) []byte {
	var b bytes.Buffer
	b.WriteString("<!doctype html><html><head><title>s</title><style>\n")
	for i := 0; b.Len() < size; i++ {
		fmt.Fprintf(&b, ".c%d { margin: 0 %dpx; background: url(/img/bg%d.png) no-repeat; font: 14px/1.4 \"Helvetica Neue\", sans-serif }\n.h%d { display: none }\n", i, i%16, i, i)
		if i == 100 {
			b.WriteString(".ad { background-image: url(https://ads.example/widget.png) }\n")
		}
	}
	b.WriteString("</style></head><body><p class=h1>x</p></body></html>\n")
	return b.Bytes()
}

func BenchmarkRewriteStylesheet300KB32K(b *testing.B) {
	benchRewrite(b, stylesheetPage(300<<10), 32<<10)
}
