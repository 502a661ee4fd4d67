package rewrite

import "bytes"

// passOverlong passes on carry[i:], an incomplete token longer than
// maxHold, without holding it any longer. When it is a start tag whose
// fetching URL attributes seen so far name a refused host (a tracker whose
// URL or attributes run past MaxHold), the part passed on is neutralised
// as far as it goes, so the tag fails closed: ` type="text/plain"` for a
// script, ` data-category="cat"`, and a "data-" prefix on each URL
// attribute of the part. The rest of the tag follows unchanged in later
// writes. Anything else passes through unmodified.
func (rw *Writer) passOverlong(i int) {
	t := rw.carry[i:]
	nameEnd, cls := overlongTag(t)
	if cls.urls == 0 {
		rw.emitTo(len(rw.carry))
		return
	}
	cat := ""
	var renames []int // offsets in t of the URL attribute names
	for k := nameEnd; k < len(t); {
		for k < len(t) && (isHTMLSpace(t[k]) || t[k] == '/') {
			k++
		}
		if k >= len(t) || t[k] == '>' {
			break
		}
		keyOff := k
		for k < len(t) && !isHTMLSpace(t[k]) && t[k] != '=' && t[k] != '>' && t[k] != '/' {
			k++
		}
		kind := classifyAttr(bytes.ToLower(t[keyOff:k]), cls)
		for k < len(t) && isHTMLSpace(t[k]) {
			k++
		}
		var val []byte
		if k < len(t) && t[k] == '=' {
			k++
			for k < len(t) && isHTMLSpace(t[k]) {
				k++
			}
			val, k = overlongValue(t, k)
		}
		if kind&cls.urls == 0 {
			continue
		}
		renames = append(renames, keyOff)
		if cat == "" {
			cat = rw.overlongCategory(val, kind, cls.doc)
		}
	}
	if cat == "" {
		rw.emitTo(len(rw.carry))
		return
	}
	rw.emitTo(i)
	out := rw.appendCarry(rw.out, i, i+nameEnd)
	if cls.el == elScript {
		out = append(out, ` type="text/plain"`...)
	}
	out = append(out, ` data-category="`...)
	out = appendAttrValue(out, cat)
	out = append(out, '"')
	last := nameEnd
	for _, off := range renames {
		out = rw.appendCarry(out, i+last, i+off)
		out = append(out, "data-"...)
		last = off
	}
	rw.out = rw.appendCarry(out, i+last, len(rw.carry))
	rw.done = len(rw.carry)
	rw.counts = rw.counts.Add(cat)
}

// overlongTag returns the end of the tag name of the start tag t begins
// with and its class; a zero class when t is no start tag the rewriter
// neutralises.
func overlongTag(t []byte) (nameEnd int, cls tagClass) {
	if len(t) < 2 || t[0] != '<' || !(t[1] >= 'a' && t[1] <= 'z' || t[1] >= 'A' && t[1] <= 'Z') {
		return 0, tagClass{}
	}
	j := 1
	for j < len(t) && !isHTMLSpace(t[j]) && t[j] != '/' && t[j] != '>' {
		j++
	}
	return j, classifyTag(bytes.ToLower(t[1:j]))
}

// overlongValue returns the attribute value starting at t[k] (quoted or
// not, possibly cut off by the end of t) and the offset after it.
func overlongValue(t []byte, k int) ([]byte, int) {
	if k < len(t) && (t[k] == '"' || t[k] == '\'') {
		q := t[k]
		end := bytes.IndexByte(t[k+1:], q)
		if end < 0 {
			return t[k+1:], len(t)
		}
		return t[k+1 : k+1+end], k + 2 + end
	}
	s := k
	for k < len(t) && !isHTMLSpace(t[k]) && t[k] != '>' {
		k++
	}
	return t[s:k], k
}

// overlongCategory judges the part val of a URL attribute of kind in an
// overlong tag: a srcdoc document or a data: document, script or style
// sheet by its first maxHold bytes (docCategory, dataCategory), any other
// URL by its host.
func (rw *Writer) overlongCategory(val []byte, kind attrKind, doc docKind) string {
	if kind == attrSrcdoc || doc != docNone && mayBeDataURL(val) {
		rw.textBuf = decodeText(rw.textBuf[:0], val[:min(len(val), rw.maxHold)])
		if kind == attrSrcdoc {
			return rw.docCategory(rw.textBuf)
		}
		if isDataURL(rw.textBuf) {
			return rw.dataCategory(rw.textBuf, doc)
		}
	}
	return rw.hostCategory(val[:min(len(val), 4096)], false)
}
