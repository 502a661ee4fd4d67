package sdk

import "bytes"

// elKind is what the rewriter cares about in a start tag.
type elKind uint8

const (
	elOther  elKind = iota
	elHTML          // <html>: skipped when looking for the injection point
	elHead          // <head>: the injection goes right after it
	elBody          // <body>: the body injection goes right after it
	elScript        // <script>
	elMedia         // iframe, img, embed, object, video, audio, source, frame, track, input
	elLink          // <link>: only with a loading rel
)

// attrKind names the attributes the rewriter reads or renames. The URL
// kinds are renamed with a "data-" prefix when the tag is neutralised.
type attrKind uint16

const (
	attrSrc attrKind = 1 << iota
	attrSrcset
	attrData
	attrPoster
	attrHref
	attrType
	attrRel
	attrCategory
)

// tagClass is a start tag's kind, its raw-text rule and its URL attributes.
type tagClass struct {
	el      elKind
	raw     rawKind
	urls    attrKind
	rawName string // the end tag that closes a raw-text element
}

// classifyTag returns the class of the lowercase tag name.
func classifyTag(name []byte) tagClass {
	switch string(name) {
	case "html":
		return tagClass{el: elHTML}
	case "head":
		return tagClass{el: elHead}
	case "body":
		return tagClass{el: elBody}
	case "script":
		return tagClass{el: elScript, raw: rawScript, urls: attrSrc, rawName: "script"}
	case "iframe":
		return tagClass{el: elMedia, raw: rawText, urls: attrSrc, rawName: "iframe"}
	case "img":
		return tagClass{el: elMedia, urls: attrSrc | attrSrcset}
	case "embed", "frame", "track", "input":
		return tagClass{el: elMedia, urls: attrSrc}
	case "object":
		return tagClass{el: elMedia, urls: attrData}
	case "video":
		return tagClass{el: elMedia, urls: attrSrc | attrPoster}
	case "audio":
		return tagClass{el: elMedia, urls: attrSrc}
	case "source":
		return tagClass{el: elMedia, urls: attrSrc | attrSrcset}
	case "link":
		return tagClass{el: elLink, urls: attrHref}
	case "style":
		return tagClass{raw: rawText, rawName: "style"}
	case "textarea":
		return tagClass{raw: rawText, rawName: "textarea"}
	case "title":
		return tagClass{raw: rawText, rawName: "title"}
	case "xmp":
		return tagClass{raw: rawText, rawName: "xmp"}
	case "noembed":
		return tagClass{raw: rawText, rawName: "noembed"}
	case "noframes":
		return tagClass{raw: rawText, rawName: "noframes"}
	case "plaintext":
		return tagClass{raw: rawPlain}
	}
	return tagClass{}
}

// classifyAttr returns the kind of the lowercase attribute name key within
// a tag of class c, or 0 when the rewriter does not care about it.
func classifyAttr(key []byte, c tagClass) attrKind {
	var k attrKind
	switch string(key) {
	case "src":
		k = attrSrc
	case "srcset":
		k = attrSrcset
	case "data":
		k = attrData
	case "poster":
		k = attrPoster
	case "href":
		k = attrHref
	case "type":
		if c.el == elScript {
			return attrType
		}
		return 0
	case "rel":
		if c.el == elLink {
			return attrRel
		}
		return 0
	case "data-category":
		return attrCategory
	default:
		return 0
	}
	return k & c.urls
}

// tagAttr is one attribute of interest in a start tag. Offsets are relative
// to the tag's "<".
type tagAttr struct {
	kind   attrKind
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
	"modulepreload", "prerender",
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
