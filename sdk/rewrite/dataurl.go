package rewrite

import (
	"bytes"
	"encoding/base64"
	"io"
	"strings"

	xhtml "golang.org/x/net/html"
)

// maxDocDepth bounds how deep frame documents inside frame documents
// (srcdoc and data: URLs, each decoded from the one around it) are judged
// by a nested Writer. Past it, a document is judged by its text alone
// (textCategory), with its character references decoded once more.
const maxDocDepth = 4

// isDataURL reports whether the decoded URL u is a data: URL.
func isDataURL(u []byte) bool {
	u = trimC0Space(u)
	return len(u) >= 5 && equalFoldLower(u[:5], "data:")
}

// appendDataBody appends to dst the content of the decoded data: URL u as
// the fetch standard's data: URL processor reads it: the part after the
// first ',' percent-decoded, then, when the media type ends in ";base64",
// decoded by forgiving-base64. ok is false when u is no data: URL or its
// base64 does not decode (the browser then loads nothing).
func appendDataBody(dst, u []byte) (out []byte, ok bool) {
	u = trimC0Space(u)
	if !isDataURL(u) {
		return dst, false
	}
	u = u[5:]
	comma := indexByteFrom(u, ',')
	if comma < 0 {
		return dst, false
	}
	mime := trimC0Space(u[:comma])
	b64 := false
	if k := len(mime) - len("base64"); k >= 0 && equalFoldLower(mime[k:], "base64") {
		m := trimC0Space(mime[:k])
		b64 = len(m) > 0 && m[len(m)-1] == ';'
	}
	start := len(dst)
	body := u[comma+1:]
	for i := 0; i < len(body); i++ {
		c := body[i]
		if c == '%' && i+2 < len(body) && isHexDigit(body[i+1]) && isHexDigit(body[i+2]) {
			c = hexValue(body[i+1])<<4 | hexValue(body[i+2])
			i += 2
		}
		if b64 && (c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r') {
			continue // forgiving-base64 drops ASCII whitespace
		}
		dst = append(dst, c)
	}
	if !b64 {
		return dst, true
	}
	enc := dst[start:]
	if len(enc)%4 == 0 {
		for k := 0; k < 2 && len(enc) > 0 && enc[len(enc)-1] == '='; k++ {
			enc = enc[:len(enc)-1]
		}
	}
	n, err := base64.RawStdEncoding.Decode(dst[start:], enc)
	if err != nil {
		return dst[:start], false
	}
	return dst[:start+n], true
}

// dataCategory returns the refused category of what the data: URL u (its
// character references decoded) would run or load as the content of an
// attribute of kind doc: a frame's document, a script or a style sheet.
func (rw *Writer) dataCategory(u []byte, doc docKind) string {
	body, ok := appendDataBody(rw.dataBuf[:0], u)
	rw.dataBuf = body[:0]
	if !ok {
		return ""
	}
	switch doc {
	case docScript:
		return rw.bodyCategory(body, false)
	case docStyle:
		return rw.cssCategory(body)
	}
	return rw.docCategory(body)
}

// docCategory returns the refused category of what the document doc (a
// srcdoc value or a data: frame's content, decoded) would load or run, or
// "". The document is judged as a page is, by a nested Writer with the
// same Policy: anything it would neutralise makes the frame refused.
// Frame documents get no guard, so its text is also judged as inline
// script text is (any refused host named anywhere, the Policy's inline
// patterns). The hosts it looks up count as the page's (Hosts).
func (rw *Writer) docCategory(doc []byte) string {
	cat, _ := rw.judgeDoc(doc)
	return cat
}

// judgeDoc is docCategory; open also reports whether the document ends
// with something a reader of more text would read on: a raw-text element,
// a comment or a tag left open (endsOpen).
func (rw *Writer) judgeDoc(doc []byte) (cat string, open bool) {
	open = endsOpen(doc)
	if cat := rw.p.RefusedInline(doc); cat != "" {
		return cat, open
	}
	if rw.depth >= maxDocDepth {
		rw.textBuf2 = decodeText(rw.textBuf2[:0], doc)
		if cat := rw.textCategory(doc); cat != "" {
			return cat, open
		}
		return rw.textCategory(rw.textBuf2), open
	}
	if rw.nested == nil {
		rw.nested = new(Writer)
	}
	nw := rw.nested
	nw.Reset(io.Discard, rw.p, nil)
	nw.depth = rw.depth + 1
	nw.Write(doc)
	nw.Close()
	for h, k := range nw.hosts {
		if rw.hosts == nil {
			rw.hosts = make(map[string]string)
		}
		if len(rw.hosts) >= maxCacheEntries {
			break
		}
		rw.hosts[h] = k
		if nw.fetched[h] {
			if rw.fetched == nil {
				rw.fetched = make(map[string]bool)
			}
			rw.fetched[h] = true
		}
	}
	if len(nw.counts) > 0 {
		return nw.counts[0].Key, open
	}
	return rw.textCategory(doc), open
}

// isJavaScriptURL reports whether the decoded URL u is a javascript: URL.
func isJavaScriptURL(u []byte) bool {
	u = trimC0Space(u)
	return len(u) >= 11 && equalFoldLower(u[:11], "javascript:")
}

// javaScriptURLCategory judges a frame's javascript: URL u (decoded): the
// browser runs its percent-decoded text as a script in the frame, which
// gets no guard, and a string it evaluates to becomes the frame's
// document; so the text is judged as inline script text and as a
// document's text.
func (rw *Writer) javaScriptURLCategory(u []byte) string {
	u = trimC0Space(u)[len("javascript:"):]
	body := rw.dataBuf[:0]
	for i := 0; i < len(u); i++ {
		c := u[i]
		if c == '%' && i+2 < len(u) && isHexDigit(u[i+1]) && isHexDigit(u[i+2]) {
			c = hexValue(u[i+1])<<4 | hexValue(u[i+2])
			i += 2
		}
		body = append(body, c)
	}
	rw.dataBuf = body[:0]
	if cat := rw.bodyCategory(body, false); cat != "" {
		return cat
	}
	return rw.docCategory(body)
}

// endMark is the tag endsOpen puts after a document to see whether HTML's
// tokenizer reads it as a tag.
const endMark = "<consentry-end>"

// endsOpen reports whether HTML's tokenizer (golang.org/x/net/html), fed
// doc, ends in any state but reading text: inside a raw-text element
// (script, style, textarea, title …), a comment or a tag. It is used
// rarely (noscript.go), so it may allocate.
func endsOpen(doc []byte) bool {
	z := xhtml.NewTokenizer(io.MultiReader(bytes.NewReader(doc), strings.NewReader(endMark)))
	last := xhtml.ErrorToken
	var name []byte
	for {
		tt := z.Next()
		if tt == xhtml.ErrorToken {
			return !(last == xhtml.StartTagToken && string(name) == endMark[1:len(endMark)-1])
		}
		last = tt
		if tt == xhtml.StartTagToken {
			name, _ = z.TagName()
		}
	}
}
