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
		cat = rw.hostCategory(rw.attrValue(start, rw.attrs[src]), false)
	}
	return true, cat, cat == "" && src < 0, catAttr
}

// rawTag neutralises a script start tag decided by its attributes, or
// holds an inline one until its body is known. (Styles: styleTag.)
func (rw *Writer) rawTag(start, end, nameEnd int, c tagClass) {
	live, cat, inline, catAttr := rw.rawAttrs(start, c)
	switch {
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
	if cat := rw.bodyCategory(body, false); cat != "" {
		rw.neutralise(h.start, h.end, h.nameEnd, cat, h.urls|attrType, true, h.catAttr)
	} else if h.catAttr >= 0 {
		rw.stampTag(h.start, h.nameEnd)
	}
}

// bodyCategory returns the refused category a script body belongs to (by
// the policy's inline patterns, or a refused host it names), or "".
// decode first decodes character references, for bodies in foreign
// content.
func (rw *Writer) bodyCategory(body []byte, decode bool) string {
	if decode {
		rw.textBuf = decodeText(rw.textBuf[:0], body)
		body = rw.textBuf
	}
	if cat := rw.p.RefusedInline(body); cat != "" {
		return cat
	}
	return rw.textCategory(body)
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
			cat = rw.attrCategory(start, a)
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
// the tag at carry[start:] points at, or "".
func (rw *Writer) attrCategory(start int, a tagAttr) string {
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
		// The value is a document: any refused host it names in any URL
		// position would load. Entities may be doubled (an attribute
		// inside the document), so decode twice.
		rw.textBuf = decodeText(rw.textBuf[:0], v)
		rw.textBuf2 = decodeText(rw.textBuf2[:0], rw.textBuf)
		if cat := rw.p.RefusedInline(rw.textBuf2); cat != "" {
			return cat
		}
		return rw.textCategory(rw.textBuf2)
	case attrContent:
		rw.textBuf = decodeText(rw.textBuf[:0], v)
		return rw.hostCategory(refreshURL(rw.textBuf), false)
	}
	return rw.hostCategory(v, false)
}
