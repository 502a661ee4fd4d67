package sdk

import (
	"bytes"
	"fmt"
	"io"
	"testing"

	"github.com/tdewolff/parse/v2"
	"github.com/tdewolff/parse/v2/html"
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

// benchPolicy is the test policy with the bench page's ad hosts.
func benchPolicy() *testPolicy {
	p := newTestPolicy()
	p.hosts["googlesyndication.com"] = "advertising"
	p.hosts["bing.com"] = "advertising"
	return p
}

func benchRewrite(b *testing.B, page []byte, chunk int) {
	p := benchPolicy()
	inject := []byte(testInject)
	rw := NewRewriter(io.Discard, p, inject)
	w := &copySink{}
	b.SetBytes(int64(len(page)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		w.buf = w.buf[:0]
		rw.Reset(w, p, inject)
		for in := page; len(in) > 0; {
			n := min(chunk, len(in))
			if _, err := rw.Write(in[:n]); err != nil {
				b.Fatal(err)
			}
			in = in[n:]
		}
		if err := rw.Close(); err != nil {
			b.Fatal(err)
		}
	}
}

// copySink copies what it is given, as a network writer would.
type copySink struct{ buf []byte }

func (s *copySink) Write(p []byte) (int, error) {
	s.buf = append(s.buf[:0], p...)
	return len(p), nil
}

func BenchmarkLexerOnly1MB(b *testing.B) {
	page := benchPage(1 << 20)
	scratch := make([]byte, len(page), len(page)+1)
	b.SetBytes(int64(len(page)))
	b.ReportAllocs()
	for b.Loop() {
		copy(scratch, page)
		in := parse.NewInputBytes(scratch)
		l := html.NewLexer(in)
		for {
			if tt, _ := l.Next(); tt == html.ErrorToken {
				break
			}
		}
		in.Restore()
	}
}

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

func BenchmarkRewriteInlineScript1MB4K(b *testing.B) {
	benchRewrite(b, giantScript("app();", 1<<20), 4<<10)
}
