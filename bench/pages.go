package main

import (
	"bytes"
	"fmt"
	"math/rand/v2"

	"github.com/consentry/consentry/internal/benchpage"
)

// page is one upstream resource the harness requests.
type page struct {
	Key         string // short name used in tables and flags: 2KB, 50KB, 1MB, image
	Path        string // request path
	ContentType string
	HTML        bool
	Body        []byte
}

// buildPages returns the upstream resources. They are generated
// deterministically, so the upstream process and the harness (which checks
// responses against them) build the same bytes.
func buildPages() []*page {
	return []*page{
		{Key: "2KB", Path: "/page-2k.html", ContentType: "text/html; charset=utf-8", HTML: true, Body: benchpage.Landing(2 << 10)},
		{Key: "50KB", Path: "/page-50k.html", ContentType: "text/html; charset=utf-8", HTML: true, Body: articlePage(50 << 10)},
		{Key: "1MB", Path: "/page-1m.html", ContentType: "text/html; charset=utf-8", HTML: true, Body: articlePage(1 << 20)},
		{Key: "image", Path: "/image-300k.jpg", ContentType: "image/jpeg", Body: image(300 << 10)},
		// Not measured by default (-pages 2KB,3KB,7KB): the 2 KB page
		// padded to the size consent sends it at before a choice (7 KB),
		// and to 3 KB, which with the response header still fits the 4 KiB
		// that net/http writes in one system call. Plain proxy on them is
		// the cost of those bytes alone, without any rewriting.
		{Key: "3KB", Path: "/page-3k.html", ContentType: "text/html; charset=utf-8", HTML: true, Body: benchpage.Landing(3 << 10)},
		{Key: "7KB", Path: "/page-7k.html", ContentType: "text/html; charset=utf-8", HTML: true, Body: benchpage.Landing(7 << 10)},
	}
}

// articlePage is a news or shop page of about size bytes: GTM and gtag in
// the head, the Facebook SDK (connect.facebook.net), then articles; every
// fourth article is followed by a DoubleClick ad slot, every seventh embeds
// a YouTube video, every ninth has a share button (Twitter widgets).
func articlePage(size int) []byte {
	var b bytes.Buffer
	b.Grow(size + 4096)
	b.WriteString(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Nimbus Journal: phones, reviews and deals</title>
<link rel="stylesheet" href="/static/journal.css">
<link rel="preconnect" href="https://fonts.example.net">
<script>(function(w,d,s,l,i){w[l]=w[l]||[];w[l].push({'gtm.start':new Date().getTime(),event:'gtm.js'});var f=d.getElementsByTagName(s)[0],j=d.createElement(s),dl=l!='dataLayer'?'&l='+l:'';j.async=true;j.src='https://www.googletagmanager.com/gtm.js?id='+i+dl;f.parentNode.insertBefore(j,f);})(window,document,'script','dataLayer','GTM-BENCH');</script>
<script async src="https://www.googletagmanager.com/gtag/js?id=G-BENCH1234"></script>
<script>window.dataLayer=window.dataLayer||[];function gtag(){dataLayer.push(arguments);}gtag('js',new Date());gtag('config','G-BENCH1234');</script>
<script async src="https://securepubads.g.doubleclick.net/tag/js/gpt.js"></script>
<script>window.googletag=window.googletag||{cmd:[]};googletag.cmd.push(function(){googletag.defineSlot('/1234/journal',[300,250],'ad-slot').addService(googletag.pubads());googletag.enableServices();});</script>
<script type="application/ld+json">{"@context":"https://schema.org","@type":"NewsArticle","headline":"Nimbus Journal"}</script>
</head>
<body>
<div id="fb-root"></div>
<script async defer crossorigin="anonymous" src="https://connect.facebook.net/en_US/sdk.js#xfbml=1&version=v19.0"></script>
<header class="site-header"><a class="logo" href="/">Nimbus Journal</a>
<nav><a href="/reviews">Reviews</a> <a href="/deals">Deals</a> <a href="/guides">Guides</a> <a href="/newsletter">Newsletter</a></nav>
</header>
<main>
`)
	rng := rand.New(rand.NewPCG(uint64(size), 7))
	const tail = "</main>\n<footer><p>&copy; 2026 Nimbus Journal. <a href=\"/privacy\">Privacy</a> <a href=\"/cookies\">Cookies</a></p></footer>\n<script src=\"/static/journal.js\" defer></script>\n</body>\n</html>\n"
	for i := 1; b.Len() < size-len(tail)-3000; i++ {
		fmt.Fprintf(&b, "<article class=\"story\" id=\"story-%d\">\n<h2><a href=\"/stories/%d\">%s</a></h2>\n", i, i, sentence(rng, 6))
		fmt.Fprintf(&b, "<p class=\"byline\">By <a href=\"/authors/%d\">%s</a> &middot; <time datetime=\"2026-03-%02d\">March %d</time></p>\n", i%17, sentence(rng, 2), i%28+1, i%28+1)
		fmt.Fprintf(&b, "<img src=\"/img/story-%d.jpg\" alt=\"%s\" width=\"800\" height=\"450\" loading=\"lazy\">\n", i, sentence(rng, 4))
		for p := 0; p < 3; p++ {
			fmt.Fprintf(&b, "<p>%s <a href=\"/topics/%d\">%s</a> %s</p>\n", sentence(rng, 30), rng.IntN(100), sentence(rng, 2), sentence(rng, 20))
		}
		if i%7 == 0 {
			fmt.Fprintf(&b, "<iframe width=\"560\" height=\"315\" src=\"https://www.youtube.com/embed/bench%04d\" title=\"Video\" allowfullscreen></iframe>\n", i)
		}
		if i%9 == 0 {
			b.WriteString("<a class=\"twitter-share-button\" href=\"https://twitter.com/intent/tweet\">Share</a><script async src=\"https://platform.twitter.com/widgets.js\"></script>\n")
		}
		b.WriteString("</article>\n")
		if i%4 == 0 {
			fmt.Fprintf(&b, "<div class=\"ad\" id=\"ad-%d\"><script>googletag.cmd.push(function(){googletag.display('ad-%d');});</script><noscript><a href=\"https://ad.doubleclick.net/ddm/jump/N1234.%d\"><img src=\"https://ad.doubleclick.net/ddm/ad/N1234.%d\" width=\"300\" height=\"250\" alt=\"Advertisement\"></a></noscript></div>\n", i, i, i, i)
		}
	}
	b.WriteString(`<aside class="newsletter"><form action="/newsletter" method="post"><label>Email <input type="email" name="email"></label> <button>Subscribe</button></form></aside>
<img src="https://www.facebook.com/tr?id=1234567890&amp;ev=PageView&amp;noscript=1" height="1" width="1" style="display:none" alt="">
`)
	b.WriteString(tail)
	benchpage.Pad(&b, size)
	return b.Bytes()
}

var words = []string{"phone", "battery", "camera", "screen", "review", "deal", "update", "the", "a", "with", "and", "for",
	"new", "fast", "charging", "display", "price", "launch", "model", "colour", "storage", "night", "mode", "week",
	"software", "design", "glass", "aluminium", "network", "signal", "test", "hours", "days", "better", "than", "last"}

// sentence returns n pseudo-random words.
func sentence(rng *rand.Rand, n int) string {
	var b bytes.Buffer
	for i := range n {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(words[rng.IntN(len(words))])
	}
	return b.String()
}

// image is a body of size bytes that starts like a JPEG and is otherwise
// random, so it does not compress.
func image(size int) []byte {
	b := make([]byte, size)
	rng := rand.New(rand.NewPCG(3, 5))
	for i := range b {
		b[i] = byte(rng.Uint32())
	}
	copy(b, []byte{0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 'J', 'F', 'I', 'F', 0x00})
	b[size-2], b[size-1] = 0xFF, 0xD9
	return b
}
