package sdk

import (
	"bytes"
	"encoding/json"
	"net/http"
	"sync"

	"github.com/consentry/consentry/banner"
	"github.com/mileusna/useragent"
)

// consentModeTypes maps each Google Consent Mode v2 type to the category
// that grants it ("" = always granted).
var consentModeTypes = [...]struct{ name, category string }{
	{"ad_storage", Advertising},
	{"ad_user_data", Advertising},
	{"ad_personalization", Advertising},
	{"analytics_storage", Analytics},
	{"functionality_storage", Preferences},
	{"personalization_storage", Preferences},
	{"security_storage", ""},
}

var injectPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// injection renders the markup that goes first into every rewritten page:
// the state, the banner configuration, Consent Mode defaults and the banner
// assets. JSON is marshalled with HTML escaping, so no text in it can close
// the script element.
//
// It also returns the markup for the top of <body>: the no-JavaScript
// consent form, for visitors who have not chosen yet.
//
// When the response's Content-Security-Policy allows scripts or styles by
// nonce, the injected elements carry that nonce.
//
// The head markup is written into b (from injectPool; the caller returns it
// once the response is done), so no page copies it.
func (c *Consent) injection(b *bytes.Buffer, r *http.Request, s *State, resp http.Header) (body []byte) {
	b.Reset()

	stateJSON, _ := json.Marshal(s) // a State always marshals
	lang := c.texts.pick(r.Header.Get("Accept-Language"))
	show := !isCrawler(r.UserAgent())
	if show && !s.Decided {
		body = c.texts.noJSFormFor(lang, safeReturn(r.URL.RequestURI()))
	}

	b.WriteString(`<script type="application/json" id="consent-state"`)
	if s.reask != "" {
		b.WriteString(` data-reask="` + s.reask + `"`)
	}
	b.WriteByte('>')
	b.Write(stateJSON)
	b.WriteString(`</script><script type="application/json" id="consent-config">`)
	b.Write(c.texts.configJSON(lang, show))
	scriptNonce, styleNonce := cspNonces(resp)
	// The guard holds tags the page's own scripts insert later.
	b.WriteString(`</script><script`)
	writeNonce(b, scriptNonce)
	b.WriteByte('>')
	b.WriteString(banner.Guard())
	b.WriteString(`</script><script`)
	writeNonce(b, scriptNonce)
	b.WriteString(`>window.dataLayer=window.dataLayer||[];function gtag(){dataLayer.push(arguments)}gtag("consent","default",{`)
	for i, t := range consentModeTypes {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(t.name)
		if t.category == "" || s.Categories[t.category] {
			b.WriteString(`:"granted"`)
		} else {
			b.WriteString(`:"denied"`)
		}
	}
	b.WriteString(`});`)
	if !s.Categories[Advertising] {
		b.WriteString(`gtag("set","ads_data_redaction",true);`)
	}
	// banner.js applies its own styles, so nothing blocks rendering; the
	// stylesheet is only for the no-JavaScript form.
	b.WriteString(`</script><noscript><link rel="stylesheet" href="`)
	b.WriteString(c.opts.Prefix + "/" + banner.CSS().Name)
	b.WriteByte('"')
	writeNonce(b, styleNonce)
	b.WriteString(`></noscript><script src="`)
	b.WriteString(c.opts.Prefix + "/" + banner.JS().Name)
	b.WriteByte('"')
	writeNonce(b, scriptNonce)
	b.WriteString(` defer></script>`)
	return body
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

// isCrawler reports whether the User-Agent is a known bot.
func isCrawler(ua string) bool {
	if ua == "" {
		return false
	}
	return useragent.Parse(ua).Bot
}
