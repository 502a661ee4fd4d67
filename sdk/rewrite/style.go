package rewrite

import (
	"bytes"
	"unicode/utf8"
)

// This file neutralises the tracker in CSS, not the page: in a <style>
// element or a style attribute only the url(), @import and image-set URLs
// of a refused host are blanked (css.go); every other rule still applies.
//
// A <style> element keeps its start tag; each blank is followed by cssMark,
// and after its end tag comes a carrier,
//
//	<script type="text/x-consentry-css" data-consent-key=… data-category="advertising" data-consent-css>["url(//ads.example/a.png)"]</script>
//
// an inert element with the originals, in order, as a JSON list (with <, >
// and & escaped, so that it reads the same as HTML or foreign content).
// The banner, once every category of the carrier is granted, puts them back
// into the <style> right before the carrier. Chromium's preload scanner
// fetches @import URLs from any <style> element whatever its type, and
// never reads a script of an unknown type: so the originals are kept where
// nothing fetches them. A style the site or the server holds whole (a
// refused data-category: type="text/plain") has every @import blanked so,
// and a style that is not applied (another type) its @import URLs of a
// refused host.
//
// A style attribute has its refused url()s blanked in place, without a
// carrier: the activation contract never restores a style attribute from
// markup, so the element shows the image from the next page load after
// consent, when the server no longer blanks it.

// cssCarrierOpen starts the carrier of a <style> element's originals.
const cssCarrierOpen = `<script type="text/x-consentry-css"`

// tagEdit is a blank in a style attribute, at [off, end) of the tag.
type tagEdit struct{ off, end int }

// styleTag decides a <style> start tag at carry[start:end] by its
// attributes and starts reading its body.
func (rw *Writer) styleTag(start, end, nameEnd int, c tagClass) {
	typ, catAttr := -1, -1
	for i, a := range rw.attrs {
		switch {
		case a.kind == attrType && typ < 0:
			typ = i
		case a.kind == attrCategory && catAttr < 0:
			catAttr = i
		}
	}
	applied := typ < 0 || isCSSType(rw.attrValue(start, rw.attrs[typ]))
	cat := ""
	if catAttr >= 0 {
		cat = rw.refusedKey(rw.attrValue(start, rw.attrs[catAttr]))
	}
	mode := cssRefused
	switch {
	case cat != "" && applied:
		rw.neutralise(start, end, nameEnd, cat, c.urls|attrType, true, catAttr)
		mode = cssAllImports
	case cat != "":
		rw.stampTag(start, nameEnd) // the site holds it itself
		mode = cssAllImports
	case !applied:
		mode = cssImports
		fallthrough
	default:
		if catAttr >= 0 {
			rw.stampTag(start, nameEnd) // the site's own manual tagging
		}
	}
	rw.emitTo(end) // the body is read from done
	rw.css = cssState{mode: mode, cat: cat}
	rw.cssOn, rw.cssTried = true, 0
	rw.cssCats = rw.cssCats[:0]
	rw.cssList = rw.cssList[:0]
}

// styleBody passes the style body up to carry[to] with its refused URLs
// blanked. final is true when the body ends at to. Text that more bytes
// could still change stays held; it is read again, once it has doubled,
// so that a long token streamed in small writes costs linear time.
func (rw *Writer) styleBody(to int, final bool) {
	seg := rw.carry[rw.done:to]
	if !final && len(seg) < 2*rw.cssTried {
		return
	}
	if final && rw.css.neutral() && !cssMayLoad(seg, false) {
		rw.emitTo(to)
		return
	}
	base := rw.done
	rw.cssHits = rw.cssHits[:0]
	n := rw.readCSS(seg, &rw.css, final, rw.maxHold)
	for _, h := range rw.cssHits {
		rw.emitTo(base + h.start)
		if h.cat != "" {
			rw.out = append(rw.out, cssBlank...)
			if !h.cut {
				rw.out = append(rw.out, cssMark...)
				rw.cssList = appendJSONString(rw.cssList, rw.carry[base+h.start:base+h.end])
			}
			rw.cssCats = rw.cssCats.Add(h.cat)
		}
		rw.done = base + h.end
	}
	rw.emitTo(base + n)
	rw.cssTried = to - rw.done
}

// endStyle ends the body of the <style> element being read: its
// categories are counted and, when its end tag follows (terminated), the
// carrier of its originals is made ready to follow that end tag.
func (rw *Writer) endStyle(terminated bool) {
	rw.cssOn = false
	if len(rw.cssCats) == 0 {
		return
	}
	if rw.css.mode != cssAllImports { // a held style is counted once, by neutralise
		for _, k := range rw.cssCats {
			rw.counts = rw.counts.Add(k.Key)
		}
	}
	if !terminated || len(rw.cssList) == 0 {
		return
	}
	rw.cssCarrier = rw.appendCarrier(rw.cssCarrier[:0], rw.cssCats, rw.cssList)
	rw.cssPend = true
}

// appendCarrier appends the carrier element of the originals list (JSON
// strings separated by commas) for the categories cats.
func (rw *Writer) appendCarrier(dst []byte, cats Counts, list []byte) []byte {
	dst = append(dst, cssCarrierOpen...)
	dst = append(dst, rw.stamp...)
	dst = append(dst, ` data-category="`...)
	for i, k := range cats {
		if i > 0 {
			dst = append(dst, ' ')
		}
		dst = appendAttrValue(dst, k.Key)
	}
	dst = append(dst, `" data-consent-css>[`...)
	dst = append(dst, list...)
	return append(dst, "]</script>"...)
}

// appendJSONString appends s to the comma-separated list dst as a JSON
// string whose text has no '<', '>' or '&', so that it reads the same in a
// script element and in foreign content. Bytes from 0x80 pass as they are:
// the browser decodes them as it decodes the style they came from.
func appendJSONString(dst, s []byte) []byte {
	if len(dst) > 0 {
		dst = append(dst, ',')
	}
	dst = append(dst, '"')
	const hex = "0123456789abcdef"
	for _, c := range s {
		switch {
		case c == '"' || c == '\\':
			dst = append(dst, '\\', c)
		case c < 0x20 || c == '<' || c == '>' || c == '&':
			dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&15])
		default:
			dst = append(dst, c)
		}
	}
	return append(dst, '"')
}

// styleAttrEdits reads the style attributes of the tag at carry[start:]
// and appends to rw.edits the blanks of their refused URLs, to
// rw.cssCats their categories.
func (rw *Writer) styleAttrEdits(start int) {
	for _, a := range rw.attrs {
		if a.kind != attrStyle || a.valOff < 0 {
			continue
		}
		off := a.valOff
		v := rw.carry[start+a.valOff : start+a.valEnd]
		if len(v) > 0 && (v[0] == '"' || v[0] == '\'') {
			off++
			v = unquote(v)
		}
		if !cssMayLoad(v, true) {
			continue
		}
		dec := rw.decodeMapped(v, true)
		st := cssState{mode: cssRefused}
		rw.cssHits = rw.cssHits[:0]
		rw.readCSS(dec, &st, true, len(dec))
		for _, h := range rw.cssHits {
			if h.cat == "" {
				continue
			}
			rw.edits = append(rw.edits, tagEdit{off + int(rw.cssMap[h.start]), off + int(rw.cssMap[h.end])})
			rw.cssCats = rw.cssCats.Add(h.cat)
		}
	}
}

// legacyRefs are the named references HTML decodes without their ';'
// that spell a character CSS reads as syntax.
var legacyRefs = [...]struct {
	name string
	r    rune
}{{"quot", '"'}, {"QUOT", '"'}, {"amp", '&'}, {"AMP", '&'}, {"lt", '<'}, {"LT", '<'}, {"gt", '>'}, {"GT", '>'}}

// legacyRef decodes a reference without its ';' at the start of b ("&quot"),
// as HTML does in text, and in an attribute value (attr) unless a letter,
// digit or '=' follows.
func legacyRef(b []byte, attr bool) (rune, int) {
	for _, l := range legacyRefs {
		n := 1 + len(l.name)
		if len(b) >= n && string(b[1:n]) == l.name {
			if attr && len(b) > n && (isLetterASCII(b[n]) || '0' <= b[n] && b[n] <= '9' || b[n] == '=') {
				return 0, 0
			}
			return l.r, n
		}
	}
	return 0, 0
}

// decodeMapped decodes the character references of v into rw.cssDec and
// records in rw.cssMap, for each decoded byte and for the end, its offset
// in v. Whitespace is kept: it means something in CSS. attr is true for an
// attribute value, false for text (in <svg> and <math>).
func (rw *Writer) decodeMapped(v []byte, attr bool) []byte {
	d, m := rw.cssDec[:0], rw.cssMap[:0]
	for i := 0; i < len(v); {
		if v[i] == '&' {
			l := len(d)
			var n int
			d, n = appendCharRef(d, v[i:])
			if n == 0 {
				var r rune
				if r, n = legacyRef(v[i:], attr); n > 0 {
					d = utf8.AppendRune(d, r)
				}
			}
			if n > 0 {
				for range len(d) - l {
					m = append(m, int32(i))
				}
				i += n
				continue
			}
		}
		d = append(d, v[i])
		m = append(m, int32(i))
		i++
	}
	m = append(m, int32(len(v)))
	rw.cssDec, rw.cssMap = d, m
	return d
}

// appendEdited appends carry[start+from:start+to], a part of the tag at
// carry[start:], with the blanks of rw.edits that fall in it. Bytes are
// copied by appendCarry, which defuses "</noscript" in a noscript.
func (rw *Writer) appendEdited(dst []byte, start, from, to int) []byte {
	for _, e := range rw.edits {
		if e.off < from || e.off >= to {
			continue
		}
		dst = rw.appendCarry(dst, start+from, start+e.off)
		dst = append(dst, cssBlank...)
		from = e.end
	}
	return rw.appendCarry(dst, start+from, start+to)
}

// emitEdited emits the rest of the tag at carry[start:end] with its style
// attribute blanks.
func (rw *Writer) emitEdited(start, end int) {
	rw.emitTo(start)
	rw.out = rw.appendEdited(rw.out, start, rw.done-start, end-start)
	rw.done = end
}

// cssCategory returns the refused category of the first URL the style
// sheet b would load from a refused host (read with the CSS tokenizer, as
// a <style> body is), or "". It judges a style sheet that cannot be
// blanked in place, such as a data: URL's.
func (rw *Writer) cssCategory(b []byte) string {
	if !cssMayLoad(b, false) {
		return ""
	}
	st := cssState{mode: cssRefused}
	rw.cssHits = rw.cssHits[:0]
	rw.readCSS(b, &st, true, len(b))
	for _, h := range rw.cssHits {
		if h.cat != "" {
			return h.cat
		}
	}
	return ""
}

// foreignStyle reads the text of a <style> inside <svg> or <math>,
// carry[e:bodyEnd] (with decode, character references decoded, as the
// browser builds a foreign element's text; without, raw text, as in an
// HTML integration point), by the mode styleTag chose, blanks its refused
// URLs in place and puts the carrier of their originals after its end
// tag, before carry[limit].
func (rw *Writer) foreignStyle(e, bodyEnd, limit int, decode bool) {
	mode, cat := rw.css.mode, rw.css.cat
	body := rw.carry[e:bodyEnd]
	if !cssMayLoad(body, decode) {
		return
	}
	dec := body
	if decode {
		dec = rw.decodeMapped(body, false)
	}
	at := func(k int) int {
		if decode {
			return e + int(rw.cssMap[k])
		}
		return e + k
	}
	st := cssState{mode: mode, cat: cat}
	rw.cssHits = rw.cssHits[:0]
	rw.readCSS(dec, &st, true, len(dec))
	if len(rw.cssHits) == 0 {
		return
	}
	rw.cssList = rw.cssList[:0]
	rw.cssCats = rw.cssCats[:0]
	for _, h := range rw.cssHits {
		s, t := at(h.start), at(h.end)
		if s < rw.done || h.cat == "" {
			continue
		}
		rw.emitTo(s)
		rw.out = append(rw.out, cssBlank...)
		rw.out = append(rw.out, cssMark...)
		rw.cssList = appendJSONString(rw.cssList, dec[h.start:h.end])
		rw.cssCats = rw.cssCats.Add(h.cat)
		rw.done = t
	}
	if mode != cssAllImports {
		for _, k := range rw.cssCats {
			rw.counts = rw.counts.Add(k.Key)
		}
	}
	if len(rw.cssList) > 0 && bodyEnd < limit {
		if k := bytes.IndexByte(rw.carry[bodyEnd:limit], '>'); k >= 0 {
			rw.emitTo(bodyEnd + k + 1)
			rw.out = rw.appendCarrier(rw.out, rw.cssCats, rw.cssList)
		}
	}
}
