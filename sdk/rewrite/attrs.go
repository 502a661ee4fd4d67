package rewrite

import (
	"bytes"
)

// elKind is what the rewriter cares about in a start tag.
type elKind uint8

const (
	elOther    elKind = iota // only a style attribute can matter
	elHTML                   // <html>: skipped when looking for the injection point
	elHead                   // <head>: the injection goes right after it
	elBody                   // <body>: the body injection goes right after it
	elScript                 // <script>: held until its body is known when inline
	elStyle                  // <style>: held until its body is known
	elFetch                  // an element with URL attributes the browser fetches
	elLink                   // <link>: only with a loading rel
	elMeta                   // <meta>: only http-equiv=refresh
	elNoscript               // <noscript>: see noscript.go
)

// attrKind names the attributes the rewriter reads or renames. The URL
// kinds are renamed with a "data-" prefix when the tag is neutralised.
type attrKind uint32

const (
	attrSrc attrKind = 1 << iota
	attrSrcset
	attrData
	attrPoster
	attrHref
	attrXlinkHref
	attrLowsrc
	attrBackground
	attrArchive  // space- or comma-separated URLs
	attrCodebase // base URL of an object or applet
	attrManifest
	attrImagesrcset
	attrPing    // space-separated URLs
	attrSrcdoc  // an HTML document
	attrContent // <meta http-equiv=refresh content="0;url=…">
	attrStyle   // CSS declarations
	attrLazy    // data-src, data-srcset …: see dataTwin
	attrType
	attrRel
	attrCategory
	attrHTTPEquiv
)

// tagClass is a start tag's kind, its raw-text rule and its URL attributes.
type tagClass struct {
	el      elKind
	raw     rawKind
	urls    attrKind // the URL attributes that fetch (renamed on neutralising)
	rawName string   // the end tag that closes a raw-text element
	fast    bool     // the element table's fast column (see element)
	doc     docKind  // what a data: URL in urls holds
}

// foreignClass returns the class of the lowercase tag name inside <svg> or
// <math>: the HTML class for the HTML elements (they may break out of the
// foreign content), else a fetching element with href, xlink:href and src.
func foreignClass(name []byte) tagClass {
	if i := elementIndex(name); i >= 0 && string(name) != "image" {
		c := elements[i].class
		c.raw = rawNone // the foreign pass has no raw text
		if c.el == elScript {
			c.urls |= attrHref | attrXlinkHref
		}
		return c
	}
	return tagClass{el: elFetch, urls: attrSrc | attrHref | attrXlinkHref}
}

// dataTwin returns, for the lowercase attribute name key, the kind of the
// attribute whose neutralised name it already is ("data-src" for src), or
// 0. When a tag is neutralised and the attribute it twins is renamed, the
// pre-existing twin is renamed "data-consent-orig-…" so that the tag never
// carries two attributes of one name (the browser would keep the first).
// On an element the site did not mark, a lazy-loading data-src or
// data-srcset is renamed so too whenever the element is neutralised, so
// that the page's lazy loader finds nothing to load; on a marked element it
// belongs to the consent protocol and stays. Re-activation restores
// "data-consent-orig-src" to "data-src".
func dataTwin(key []byte) attrKind {
	if len(key) < 6 || string(key[:5]) != "data-" {
		return 0
	}
	switch k := attrNameKind(key[5:]); k {
	case attrType, attrRel, attrCategory, attrHTTPEquiv, attrLazy:
		return 0
	default:
		return k
	}
}

// classifyAttr returns the kind of the lowercase attribute name key within
// a tag of class c, or 0 when the rewriter does not care about it.
func classifyAttr(key []byte, c tagClass) attrKind {
	k := attrNameKind(key)
	switch k {
	case 0:
		return 0
	case attrStyle:
		return k
	case attrType:
		if c.el == elScript || c.el == elStyle {
			return k
		}
		return 0
	case attrRel:
		if c.el == elLink {
			return k
		}
		return 0
	case attrHTTPEquiv:
		if c.el == elMeta {
			return k
		}
		return 0
	case attrCategory:
		if c.el == elOther || c.el == elHead {
			return 0
		}
		return k
	}
	return k & c.urls
}

// tagAttr is one attribute of interest in a start tag. Offsets are relative
// to the tag's "<".
type tagAttr struct {
	kind   attrKind
	twin   attrKind // for a "data-" twin of a URL attribute, that attribute's kind
	keyOff int
	keyEnd int
	valOff int // -1 when the attribute has no value
	valEnd int // the value includes its quotes
}

// unquote returns an attribute value without its quotes.
func unquote(v []byte) []byte {
	if len(v) > 0 && (v[0] == '"' || v[0] == '\'') {
		q := v[0]
		v = v[1:]
		if len(v) > 0 && v[len(v)-1] == q {
			v = v[:len(v)-1]
		}
	}
	return v
}

// trimHTMLSpace trims ASCII whitespace as HTML defines it.
func trimHTMLSpace(b []byte) []byte {
	for len(b) > 0 && isHTMLSpace(b[0]) {
		b = b[1:]
	}
	for len(b) > 0 && isHTMLSpace(b[len(b)-1]) {
		b = b[:len(b)-1]
	}
	return b
}

func isHTMLSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'
}

// jsTypes are the script type values that run as JavaScript (HTML's
// "JavaScript MIME type essence match", plus "module").
var jsTypes = [...]string{
	"", "module", "text/javascript", "application/javascript",
	"application/ecmascript", "application/x-ecmascript",
	"application/x-javascript", "text/ecmascript", "text/javascript1.0",
	"text/javascript1.1", "text/javascript1.2", "text/javascript1.3",
	"text/javascript1.4", "text/javascript1.5", "text/jscript",
	"text/livescript", "text/x-ecmascript", "text/x-javascript",
}

// isJSType reports whether a script with this type attribute value runs as
// JavaScript.
func isJSType(v []byte) bool {
	v = trimHTMLSpace(v)
	for _, t := range jsTypes {
		if equalFoldLower(v, t) {
			return true
		}
	}
	return false
}

// loadingRels are the link relations that make the browser fetch or connect.
var loadingRels = [...]string{
	"stylesheet", "preload", "prefetch", "preconnect", "dns-prefetch",
	"modulepreload", "prerender", "icon", "manifest", "apple-touch-icon",
	"apple-touch-icon-precomposed", "mask-icon", "apple-touch-startup-image",
}

// isLoadingRel reports whether a link rel value contains a relation that
// fetches from or connects to the href.
func isLoadingRel(v []byte) bool {
	for len(v) > 0 {
		for len(v) > 0 && isHTMLSpace(v[0]) {
			v = v[1:]
		}
		i := 0
		for i < len(v) && !isHTMLSpace(v[i]) {
			i++
		}
		tok := v[:i]
		v = v[i:]
		for _, r := range loadingRels {
			if equalFoldLower(tok, r) {
				return true
			}
		}
	}
	return false
}

// nextSrcsetURL returns the URL of the srcset candidate at or after v[i:]
// and the index to continue from, or a nil url at the end. It follows the
// HTML srcset parsing rules closely enough to find every candidate URL.
func nextSrcsetURL(v []byte, i int) (url []byte, next int) {
	for i < len(v) && (isHTMLSpace(v[i]) || v[i] == ',') {
		i++
	}
	if i >= len(v) {
		return nil, len(v)
	}
	start := i
	for i < len(v) && !isHTMLSpace(v[i]) {
		i++
	}
	url = v[start:i]
	if bytes.HasSuffix(url, []byte{','}) {
		return bytes.TrimRight(url, ","), i
	}
	// Skip the descriptors up to the comma that ends the candidate.
	paren := false
	for i < len(v) {
		switch c := v[i]; {
		case c == '(':
			paren = true
		case c == ')':
			paren = false
		case c == ',' && !paren:
			return url, i + 1
		}
		i++
	}
	return url, i
}

// appendAttrValue appends s escaped for a double-quoted attribute value.
func appendAttrValue(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '"':
			dst = append(dst, "&quot;"...)
		case '&':
			dst = append(dst, "&amp;"...)
		case '<':
			dst = append(dst, "&lt;"...)
		case '>':
			dst = append(dst, "&gt;"...)
		default:
			dst = append(dst, c)
		}
	}
	return dst
}
