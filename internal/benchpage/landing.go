// Package benchpage holds the small landing page that the load harness
// (bench/) serves and the handler benchmarks (sdk/) rewrite, so both
// measure the same bytes.
package benchpage

import "bytes"

// landing is a landing page of a phone shop: one analytics tag (gtag) in the
// head, a navigation, a short text and a footer; about 1.7 KB.
const landing = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Nimbus Phones: the N7, in stock</title>
<link rel="stylesheet" href="/static/site.css">
<link rel="icon" href="/favicon.ico">
<script async src="https://www.googletagmanager.com/gtag/js?id=G-BENCH1234"></script>
<script>
window.dataLayer = window.dataLayer || [];
function gtag(){dataLayer.push(arguments);}
gtag('js', new Date());
gtag('config', 'G-BENCH1234');
</script>
</head>
<body>
<header class="site-header"><a class="logo" href="/">Nimbus</a>
<nav><a href="/phones">Phones</a> <a href="/accessories">Accessories</a> <a href="/support">Support</a> <a href="/cart">Cart</a></nav>
</header>
<main>
<h1>The N7 is back in stock</h1>
<p>Six colours, two sizes, and a battery that lasts two days. Order today and it ships tomorrow, with free returns for thirty days.</p>
<p><a class="button" href="/phones/n7">See the N7</a></p>
<img src="/img/n7-front.jpg" alt="The N7 from the front" width="640" height="480" loading="lazy">
</main>
<footer><p>&copy; 2026 Nimbus Phones Ltd. <a href="/privacy">Privacy</a> <a href="/imprint">Imprint</a></p></footer>
<script src="/static/site.js" defer></script>
</body>
</html>
`

// Landing returns the landing page padded to size bytes (Pad).
func Landing(size int) []byte {
	b := bytes.NewBufferString(landing)
	Pad(b, size)
	return b.Bytes()
}

// Pad grows an HTML page to exactly size bytes with a trailing comment, or
// leaves it as it is when it is already as large.
func Pad(b *bytes.Buffer, size int) {
	const open, close = "<!-- ", " -->\n"
	n := size - b.Len() - len(open) - len(close)
	if n < 0 {
		return
	}
	b.WriteString(open)
	b.Write(bytes.Repeat([]byte{'.'}, n))
	b.WriteString(close)
}
