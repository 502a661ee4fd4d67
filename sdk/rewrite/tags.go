package rewrite

import (
	"bytes"

	"github.com/tdewolff/parse/v2"
	"github.com/tdewolff/parse/v2/html"
)

// addAttr records the attribute the lexer just returned when the rewriter
// cares about it, with offsets relative to the tag at scratch[tag:].
func (rw *Writer) addAttr(l *html.Lexer, class tagClass, end, tag int) {
	key := l.AttrKey()
	if i := bytes.LastIndexByte(key, '/'); i >= 0 {
		key = key[i+1:] // "a/src=…": browsers read a '/' as a space
	}
	k := classifyAttr(key, class)
	twin := dataTwin(key) & (class.urls | attrStyle | attrType)
	if k == 0 && twin == 0 {
		return
	}
	a := tagAttr{kind: k, twin: twin, keyOff: end - cap(key) - tag, valOff: -1}
	a.keyEnd = a.keyOff + len(key)
	if v := l.AttrVal(); v != nil {
		a.valOff = end - cap(v) - tag
		a.valEnd = a.valOff + len(v)
	}
	rw.attrs = append(rw.attrs, a)
}

// jump moves the lexer to done, where a raw-text element's end tag or the
// markup after a comment starts, and returns that offset in scratch.
func (rw *Writer) jump(in *parse.Input, base int) int {
	rel := rw.done - base
	in.Move(rel - in.Offset())
	in.Skip()
	return rel
}

// rawStep scans the current raw-text element or comment. It returns true
// when its end was found and markup continues at done; false when the input
// is used up (everything decided is emitted, the rest held).
func (rw *Writer) rawStep(final bool) bool {
	res, end, resume := scanRaw(&rw.raw, rw.carry, final)
	if res == scanFound {
		if rw.held.active {
			rw.finishHeld(end, false)
		}
		if rw.cssOn {
			rw.styleBody(end, true)
			rw.endStyle(true)
		}
		rw.emitTo(resume)
		rw.raw.kind = rawNone
		return true
	}
	if final {
		if rw.held.active {
			rw.finishHeld(len(rw.carry), true)
		}
		if rw.cssOn {
			rw.styleBody(len(rw.carry), true)
			rw.endStyle(false)
		}
		rw.emitTo(len(rw.carry))
		rw.raw.kind = rawNone
		return false
	}
	if rw.cssOn {
		rw.styleBody(rw.raw.scan, false)
		return false
	}
	if rw.held.active {
		if rw.raw.scan-rw.held.end <= rw.maxHold {
			return false
		}
		rw.finishHeld(rw.raw.scan, false)
	}
	rw.emitTo(rw.raw.scan)
	return false
}

// startTag handles a complete start tag at carry[start:end].
func (rw *Writer) startTag(start, end, nameEnd int, c tagClass) {
	if !rw.injected && c.el != elHTML && c.el != elHead {
		rw.emitTo(start)
		rw.injectNow()
	}
	switch c.el {
	case elScript:
		rw.rawTag(start, end, nameEnd, c)
	case elStyle:
		rw.styleTag(start, end, nameEnd, c)
	default:
		rw.fetchTag(start, end, nameEnd, c)
	}
	switch c.el {
	case elNoscript:
		rw.openNoscript(end)
	case elHead:
		if !rw.injected {
			rw.emitTo(end)
			rw.injectNow()
		}
	case elBody:
		if !rw.bodyDone {
			rw.emitTo(end)
			rw.out = append(rw.out, rw.bodyInject...)
			rw.bodyDone = true
		}
	}
}

// attrValue returns the unquoted value of a, an attribute of the tag at
// carry[start:].
func (rw *Writer) attrValue(start int, a tagAttr) []byte {
	if a.valOff < 0 {
		return nil
	}
	return unquote(rw.carry[start+a.valOff : start+a.valEnd])
}

// rawAttrs reads the attributes of a script or style start tag at
// carry[start:]. live is false when its type makes it inert (data,
// templates, import maps, already neutralised tags); cat is the refused
// category its marking or its source decides; inline is true when only its
// body can decide.
func (rw *Writer) rawAttrs(start int, c tagClass) (live bool, cat string, inline bool, catAttr int) {
	typ, src := -1, -1
	catAttr = -1
	for i, a := range rw.attrs {
		switch {
		case a.kind == attrType && typ < 0:
			typ = i
		case a.kind&c.urls != 0 && src < 0:
			src = i
		case a.kind == attrCategory && catAttr < 0:
			catAttr = i
		}
	}
	if typ >= 0 {
		v := rw.attrValue(start, rw.attrs[typ])
		if c.el == elStyle && !isCSSType(v) || c.el != elStyle && !isJSType(v) {
			return false, "", false, catAttr
		}
	}
	if catAttr >= 0 {
		cat = rw.refusedKey(rw.attrValue(start, rw.attrs[catAttr]))
	}
	if cat == "" && src >= 0 {
		cat = rw.attrCategory(start, rw.attrs[src], c.doc)
	}
	return true, cat, cat == "" && src < 0, catAttr
}

// rawTag neutralises a script start tag decided by its attributes, or
// holds an inline one until its body is known. (Styles: styleTag.)
func (rw *Writer) rawTag(start, end, nameEnd int, c tagClass) {
	live, cat, inline, catAttr := rw.rawAttrs(start, c)
	switch {
	case !live && c.el == elScript && catAttr < 0 && rw.isURLDocScript(start):
		rw.emitTo(start)
		rw.held = heldTag{active: true, start: start, end: end, nameEnd: nameEnd, catAttr: -1, urlDoc: true, urls: c.urls}
	case live && cat != "":
		rw.neutralise(start, end, nameEnd, cat, c.urls|attrType, true, catAttr)
	case live && inline:
		rw.emitTo(start)
		rw.held = heldTag{active: true, start: start, end: end, nameEnd: nameEnd, catAttr: catAttr, urls: c.urls}
	case catAttr >= 0:
		rw.stampTag(start, nameEnd) // the site's own manual tagging
	}
}

// finishHeld decides the held inline script from its body,
// carry[held.end:bodyEnd]. An unterminated script at the end of the
// document (browsers do not run it) passes unmodified.
func (rw *Writer) finishHeld(bodyEnd int, unterminated bool) {
	h := rw.held
	rw.held.active = false
	body := rw.carry[h.end:bodyEnd]
	if len(body) > rw.maxHold {
		body = body[:rw.maxHold]
		rw.overflows++
	} else if unterminated {
		return
	}
	var cat string
	if h.urlDoc {
		cat = rw.jsonURLCategory(body)
	} else {
		cat = rw.bodyCategory(body, false)
	}
	if cat != "" {
		rw.neutralise(h.start, h.end, h.nameEnd, cat, h.urls|attrType, true, h.catAttr)
	} else if h.catAttr >= 0 {
		rw.stampTag(h.start, h.nameEnd)
	}
}

// bodyCategory returns the refused category a script body belongs to, or
// "": the category whose inline patterns it matches (the vendors' loader
// snippets and queue calls) or whose host or first-party path it imports
// (scriptCategory); a host merely named in it does not count. decode
// first decodes character references, for bodies in foreign content.
// Styles are read with the CSS tokenizer instead (style.go).
func (rw *Writer) bodyCategory(body []byte, decode bool) string {
	if decode {
		rw.textBuf = decodeText(rw.textBuf[:0], body)
		body = rw.textBuf
	}
	if cat := rw.p.RefusedInline(body); cat != "" {
		return cat
	}
	return rw.scriptCategory(body)
}

// scriptCategory returns the refused category of a module or worker
// script the script body imports (see scriptLoads), or "". When an import
// takes a computed URL, or a data: or blob: one whose content the Writer
// does not read, any refused host the body names decides, as
// textCategory finds it.
func (rw *Writer) scriptCategory(body []byte) string {
	cat, opaque := "", false
	computed := scriptLoads(body, func(spec []byte) bool {
		s := trimC0Space(spec)
		if len(s) >= 5 && (equalFoldLower(s[:5], "data:") || equalFoldLower(s[:5], "blob:")) {
			opaque = true
			return true
		}
		if !isURLSpecifier(s) {
			return true // a bare specifier: an import map decides
		}
		cat = rw.hostCategory(s, false)
		return cat == ""
	})
	if cat == "" && (computed || opaque) {
		cat = rw.textCategory(body)
	}
	return cat
}

// isURLSpecifier reports whether the module specifier s is a URL (absolute,
// or relative: "/", "./", "../") rather than a bare name resolved through
// an import map.
func isURLSpecifier(s []byte) bool {
	if len(s) > 0 && (s[0] == '/' || s[0] == '\\') {
		return true
	}
	if bytes.HasPrefix(s, []byte("./")) || bytes.HasPrefix(s, []byte("../")) {
		return true
	}
	return bytes.IndexByte(s, ':') > 0
}

// mayBeDataURL reports whether the attribute value v may spell a data: or
// a javascript: URL: its first byte after leading spaces and controls is a
// 'd', a 'j' (any case) or the '&' of a character reference.
func mayBeDataURL(v []byte) bool {
	for _, c := range v {
		if c > ' ' {
			return c|0x20 == 'd' || c|0x20 == 'j' || c == '&'
		}
	}
	return false
}

// fetchTag neutralises an element whose fetching URL attributes (see
// the element table) point at a refused host or that is marked with a refused
// data-category, and blanks the refused URLs of its style attributes in
// place (style.go).
func (rw *Writer) fetchTag(start, end, nameEnd int, c tagClass) {
	if len(rw.attrs) == 0 {
		return
	}
	loads := c.el != elLink && c.el != elMeta
	catAttr := -1
	for i, a := range rw.attrs {
		switch a.kind {
		case attrRel:
			if c.el == elLink && !loads {
				loads = isLoadingRel(rw.attrValue(start, a))
			}
		case attrHTTPEquiv:
			if !loads {
				loads = equalFoldLower(trimHTMLSpace(rw.attrValue(start, a)), "refresh")
			}
		case attrCategory:
			if catAttr < 0 {
				catAttr = i
			}
		}
	}
	cat := ""
	var rename attrKind
	if loads && c.urls != 0 {
		if catAttr >= 0 {
			cat = rw.refusedKey(rw.attrValue(start, rw.attrs[catAttr]))
		}
		for _, a := range rw.attrs {
			if cat != "" {
				break
			}
			if a.kind&c.urls == 0 || a.kind == attrLazy && catAttr >= 0 {
				continue // a marked element's data-src is the consent protocol's
			}
			cat = rw.attrCategory(start, a, c.doc)
		}
		if cat != "" {
			rename = c.urls
		}
	}
	rw.edits = rw.edits[:0]
	rw.cssCats = rw.cssCats[:0]
	rw.styleAttrEdits(start)
	for _, k := range rw.cssCats {
		if k.Key != cat {
			rw.counts = rw.counts.Add(k.Key)
		}
	}
	switch {
	case cat != "":
		rw.neutralise(start, end, nameEnd, cat, rename, false, catAttr)
	case catAttr >= 0 && !c.fast:
		rw.stampTag(start, nameEnd) // the site's own manual tagging
		fallthrough
	case len(rw.edits) > 0:
		if len(rw.edits) > 0 {
			rw.emitEdited(start, end)
		}
	}
	rw.edits = rw.edits[:0]
}

// attrCategory returns the refused category of the host a URL attribute of
// the tag at carry[start:] points at, or "". A data: URL in an attribute of
// an element whose data: content runs or loads (doc) is judged by that
// content (dataCategory).
func (rw *Writer) attrCategory(start int, a tagAttr, doc docKind) string {
	v := rw.attrValue(start, a)
	switch a.kind {
	case attrSrcset, attrImagesrcset, attrLazy:
		for i := 0; ; {
			var u []byte
			if u, i = nextSrcsetURL(v, i); u == nil {
				return ""
			}
			if cat := rw.hostCategory(u, false); cat != "" {
				return cat
			}
		}
	case attrPing, attrArchive:
		for len(v) > 0 {
			i := 0
			for i < len(v) && (isHTMLSpace(v[i]) || v[i] == ',') {
				i++
			}
			j := i
			for j < len(v) && !isHTMLSpace(v[j]) && v[j] != ',' {
				j++
			}
			if cat := rw.hostCategory(v[i:j], false); cat != "" {
				return cat
			}
			v = v[j:]
		}
		return ""
	case attrSrcdoc:
		// The value is a document: judged as a page (docCategory).
		rw.textBuf = decodeText(rw.textBuf[:0], v)
		return rw.docCategory(rw.textBuf)
	case attrContent:
		rw.textBuf = decodeText(rw.textBuf[:0], v)
		return rw.hostCategory(refreshURL(rw.textBuf), false)
	}
	if doc != docNone && mayBeDataURL(v) {
		rw.textBuf = decodeText(rw.textBuf[:0], v)
		if isDataURL(rw.textBuf) {
			return rw.dataCategory(rw.textBuf, doc)
		}
		if doc == docFrame && isJavaScriptURL(rw.textBuf) {
			return rw.javaScriptURLCategory(rw.textBuf)
		}
	}
	return rw.hostCategory(v, false)
}
