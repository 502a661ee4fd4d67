package sdk

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"sync"

	"github.com/consentry/consentry/banner"
)

var injectPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// injection renders the markup that goes first into every rewritten page:
// the state and the catalogued hosts as inline JSON, the guard (inline, so
// it runs before any page script without blocking rendering, or a
// parser-blocking file where guardFile says so: appendGuard), the vendors'
// consent defaults (appendSignals), and the deferred banner configuration (one cached file per
// language: banner.ConfigScript) and banner script. JSON is written with
// HTML escaping, so no text in it can close the script element.
//
// It also renders the markup for the top of <body>: for visitors who have
// not chosen yet, the no-JavaScript consent form and its stylesheet, inside
// <noscript>.
//
// When the response's Content-Security-Policy allows scripts or styles by
// nonce, the injected elements carry that nonce.
//
// And it makes the response's activation key: a random secret that
// #consent-state carries in data-key and stamp (` data-consent-key="…"`,
// for rewrite.Writer.SetStamp) puts on every element the server held or
// the site marked. The banner activates only elements with the key, so
// markup that a page script or a sanitiser inserts later never runs (see
// docs/SECURITY.md, "The activation contract").
//
// All three are written into b (from injectPool; the caller returns it once
// the response is done), so no page copies them.
func (c *Consent) injection(b *bytes.Buffer, r *http.Request, s *State, resp http.Header) (head, body, stamp []byte) {
	b.Reset()
	lang := c.texts.pick(r.Header.Get("Accept-Language"))
	crawler := c.isCrawler(r.UserAgent())
	policies := cspPolicies(resp)
	scriptNonce, styleNonce := cspNonces(policies)
	var key [activationKeyLen]byte
	newActivationKey(&key)

	b.WriteString(`<script type="application/json" id="consent-state"`)
	if s.reask != "" {
		b.WriteString(` data-reask="` + s.reask + `"`)
	}
	if crawler {
		b.WriteString(` data-show="false"`)
	}
	b.WriteString(` data-key="`)
	b.Write(key[:])
	b.WriteString(`">`)
	appendStateJSON(b, s)
	// The guard holds tags the page's own scripts insert later. Its host
	// table is a cached file (data-src); only path prefixes are inline.
	b.WriteString(`</script><script type="application/json" id="consent-hosts" data-src="`)
	c.writeAssetPath(b, c.texts.table.Name())
	b.WriteString(`">`)
	b.Write(c.texts.hosts)
	b.WriteString(`</script>`)
	asFile, prefetch := c.guardFile(r, s, policies, scriptNonce)
	c.appendGuard(b, scriptNonce, asFile)
	// The vendors' consent defaults, before any tag.
	c.appendSignals(b, s, scriptNonce)
	// The GPP API, before any tag too.
	c.appendGPP(b, scriptNonce, asFile)
	// The configuration, then banner.js, which applies its own styles:
	// nothing blocks rendering.
	b.WriteString(`<script src="`)
	c.writeAssetPath(b, c.texts.scriptName(lang))
	b.WriteByte('"')
	writeNonce(b, scriptNonce)
	b.WriteString(` defer></script><script src="`)
	c.writeAssetPath(b, banner.JS().Name)
	b.WriteByte('"')
	writeNonce(b, scriptNonce)
	b.WriteString(` defer></script>`)
	if prefetch && !crawler {
		c.appendPrefetch(b)
	}
	n := b.Len()
	if !crawler && !s.Decided {
		// The stylesheet is only for the no-JavaScript form.
		b.WriteString(`<noscript><link rel="stylesheet" href="`)
		c.writeAssetPath(b, banner.CSS().Name)
		b.WriteByte('"')
		writeNonce(b, styleNonce)
		b.WriteByte('>')
		c.texts.appendNoJSForm(b, lang, s.Regime, safeReturn(r.URL.RequestURI()))
		b.WriteString(`</noscript>`)
	}
	m := b.Len()
	b.WriteString(` data-consent-key="`)
	b.Write(key[:])
	b.WriteByte('"')
	all := b.Bytes()
	return all[:n], all[n:m], all[m:]
}

// appendGuard writes the guard where guardFile puts it: inline, or as a
// parser-blocking same-origin script (no defer or async, so that it runs
// before any later page script, as the inline one does), at the same place.
func (c *Consent) appendGuard(b *bytes.Buffer, nonce string, asFile bool) {
	if asFile {
		b.WriteString(`<script src="`)
		c.writeAssetPath(b, banner.GuardFile().Name)
		b.WriteByte('"')
		writeNonce(b, nonce)
		b.WriteString(`></script>`)
		return
	}
	b.WriteString(`<script`)
	writeNonce(b, nonce)
	b.WriteByte('>')
	b.WriteString(banner.Guard())
	b.WriteString(`</script>`)
}

// appendPrefetch writes, for a page with the guard inline under
// GuardAuto, <link rel="prefetch"> to the guard's file (and the GPP API's,
// when on): the browser fetches them at low priority once the page is
// idle, so that the visitor's next pages, which load them with a
// parser-blocking <script src> (guardFile), take them from the cache.
func (c *Consent) appendPrefetch(b *bytes.Buffer) {
	names, n := [2]string{banner.GuardFile().Name, banner.GPPFile().Name}, 1
	if c.gpp != nil {
		n = 2
	}
	for _, name := range names[:n] {
		b.WriteString(`<link rel="prefetch" href="`)
		c.writeAssetPath(b, name)
		b.WriteString(`">`)
	}
}

// writeAssetPath writes the path of one of the prefix's files
// ("/_consent/banner.<hash>.js").
func (c *Consent) writeAssetPath(b *bytes.Buffer, name string) {
	b.WriteString(c.opts.Prefix)
	b.WriteByte('/')
	b.WriteString(name)
}

// activationKeyLen is the length of an activation key: 16 characters of
// base64url, 96 random bits.
const activationKeyLen = 16

// newActivationKey fills key with a fresh random activation key.
func newActivationKey(key *[activationKeyLen]byte) {
	var raw [activationKeyLen * 3 / 4]byte
	_, _ = rand.Read(raw[:])
	base64.RawURLEncoding.Encode(key[:], raw[:])
}

// writeNonce writes a nonce attribute when nonce is set (validNonce keeps
// it free of characters that need escaping).
func writeNonce(b *bytes.Buffer, nonce string) {
	if nonce != "" {
		b.WriteString(` nonce="`)
		b.WriteString(nonce)
		b.WriteByte('"')
	}
}
