package rewrite

import (
	"bytes"

	"github.com/tdewolff/parse/v2"
	"github.com/tdewolff/parse/v2/html"
)

// foreignHidden are the tag names the lexer gives special treatment that
// they do not have inside <svg> and <math>: raw text, and whole nested
// foreign elements. The foreign pass lexes a copy in which they are
// disguised and decides itself which of them are raw text.
var foreignHidden = [...]string{"script", "style", "textarea", "title", "xmp", "iframe", "noembed", "noframes", "plaintext", "svg", "math", "xml"}

// Namespaces of the elements the foreign pass keeps open.
const (
	nsHTML uint8 = iota
	nsSVG
	nsMath
)

// fnode is an element the foreign pass keeps open.
type fnode struct {
	name [16]byte // lowercase, cut at 16 bytes
	n    uint8
	ns   uint8
	ip   bool // an HTML integration point: svg foreignObject, desc, title; math annotation-xml of an HTML encoding
	text bool // a MathML text integration point: mi, mo, mn, ms, mtext
}

func (f *fnode) is(name []byte) bool {
	return int(f.n) == min(len(name), len(f.name)) && string(f.name[:f.n]) == string(name[:f.n])
}

// foreignTag is the start tag the foreign pass is reading.
type foreignTag struct {
	start, nameEnd int // relative to the element's start
	name           [16]byte
	n              int
	html           bool // read by HTML's rules (an integration point, or broken out)
	class          tagClass
	breakFont      bool // a <font> with color, face or size: breaks out
	htmlEncoding   bool // an annotation-xml whose encoding is HTML
}

func (t *foreignTag) lower() []byte { return t.name[:t.n] }

// foreign reads the <svg> or <math> element at carry[start:limit] as a
// browser's tree builder does (HTML's "rules for parsing tokens in foreign
// content"): every element inside is foreign (its body markup, <style>
// and <script> included) until an HTML integration point (foreignObject,
// desc and title in SVG; annotation-xml of an HTML encoding in MathML) or
// a MathML text integration point switches back to HTML's rules, where
// <style>, <textarea>, <script> … are raw text again, and until a tag
// that breaks out (<p>, <div>, <img>, <font color> …, HTML's list) ends
// the foreign content. It returns end, the offset where the foreign
// content ends (after the end tag that closes the root element, or at the
// tag that breaks out, or where an end tag closes an element opened
// before it), and ok false when that end is not in carry[start:limit]
// and more input may bring it (final: carry[:limit] is the whole
// document; a judging pass takes limit as the element's end).
//
// With judge set it also neutralises what would load, by the same rules
// as the main pass: HTML elements by the element table, foreign elements
// by their href, xlink:href and src (foreignClass), every element by its
// style attribute, <script> and <style> by their text. The lexer reads a
// copy of the element in which the names of foreignHidden are disguised
// and NULs replaced, so that it never reads raw text or whole elements of
// its own; the pass reads raw text itself where HTML's rules apply.
func (rw *Writer) foreign(start, limit int, final, judge bool) (end int, ok bool) {
	n := limit - start
	in, fb := rw.foreignInput(n)
	buf := rw.fscratch[fb : fb+n]
	copy(buf, rw.carry[start:limit])
	disguiseForeign(buf)
	l := html.NewLexer(in)
	stack := rw.fstack[:0]
	defer func() { rw.fstack = stack[:0] }()
	var t foreignTag
	open := false
	// atEnd: limit is the end of what the element can hold. Otherwise a
	// token that reaches limit may go on past it.
	atEnd := final && (judge || limit == len(rw.carry))
	for {
		tt, data := l.Next()
		off := in.Offset() - fb
		if off >= n && !atEnd {
			return limit, false
		}
		switch tt {
		case html.ErrorToken:
			return limit, atEnd
		case html.CommentToken:
			if k := emptyComment(data); k > 0 {
				relex(in, l, fb+off-len(data)+k)
			}
		case html.TextToken:
			if len(stack) > 0 && htmlContext(stack, nil) && bytes.HasPrefix(data, cdataOpen) {
				// A bogus comment to HTML's rules, up to the first '>'.
				if k := bytes.IndexByte(data, '>'); k >= 0 {
					relex(in, l, fb+off-len(data)+k+1)
				}
			}
		case html.StartTagToken:
			if i := bytes.IndexByte(data, '/'); i >= 0 {
				buf[off-len(data)+i] = ' ' // as in the main pass
				relex(in, l, fb+off-len(data))
				continue
			}
			t = foreignTag{start: off - len(data), nameEnd: off}
			t.n = copy(t.name[:], rw.carry[start+t.start+1:start+off])
			lowerASCII(t.name[:t.n])
			open = true
			if len(stack) > 0 {
				t.html = htmlContext(stack, t.lower())
				if !t.html && breaksOut(t.lower()) {
					stack = popToHTML(stack)
					if len(stack) == 0 {
						return start + t.start, true
					}
					t.html = true
				}
			}
			if t.html {
				t.class = classifyTag(t.lower())
			} else {
				t.class = foreignClass(t.lower())
			}
			rw.attrs = rw.attrs[:0]
		case html.AttributeToken:
			if !open {
				continue
			}
			key := l.AttrKey()
			if !t.html && string(t.lower()) == "font" && (equalFoldLower(key, "color") || equalFoldLower(key, "face") || equalFoldLower(key, "size")) {
				t.breakFont = true
			}
			if string(t.lower()) == "annotation-xml" && equalFoldLower(key, "encoding") {
				v := trimHTMLSpace(unquote(l.AttrVal()))
				t.htmlEncoding = equalFoldLower(v, "text/html") || equalFoldLower(v, "application/xhtml+xml")
			}
			if judge {
				rw.addAttr(l, t.class, off, t.start)
			}
		case html.StartTagCloseToken, html.StartTagVoidToken:
			if !open {
				continue
			}
			open = false
			if t.breakFont {
				stack = popToHTML(stack)
				if len(stack) == 0 {
					return start + t.start, true
				}
				t.html, t.class = true, classifyTag(t.lower())
			}
			s, e := start+t.start, start+off
			// A tag inside text a style's blank replaced is not judged
			// again (its bytes are out).
			judge := judge && s >= rw.done
			selfClosing := tt == html.StartTagVoidToken
			if !t.html || len(stack) == 0 {
				// A foreign element (the root is one).
				if judge {
					rw.foreignTag(s, e, t.nameEnd-t.start, t.class, limit)
				}
				if !selfClosing {
					stack = append(stack, foreignNode(stack, &t))
				} else if len(stack) == 0 {
					return e, true // "<svg/>": the root is closed
				}
				continue
			}
			// An element by HTML's rules.
			name := t.lower()
			switch {
			case string(name) == "svg" || string(name) == "math":
				if judge {
					rw.foreignTag(s, e, t.nameEnd-t.start, foreignClass(name), limit)
				}
				if !selfClosing {
					node := fnode{ns: nsSVG}
					if name[0] == 'm' {
						node.ns = nsMath
					}
					node.n = uint8(copy(node.name[:], name))
					stack = append(stack, node)
				}
			case t.class.raw != rawNone:
				bodyEnd, resume, found := rw.foreignRaw(t.class, e, limit, final)
				if judge {
					rw.foreignRawTag(s, e, t.nameEnd-t.start, t.class, bodyEnd, limit)
				}
				if !found {
					return limit, atEnd
				}
				relex(in, l, fb+resume-start)
			default:
				if judge {
					if t.class.el == elNoscript {
						rw.openNoscript(e)
					}
					rw.fetchTag(s, e, t.nameEnd-t.start, t.class)
				}
				if !isVoidElement(name) {
					node := fnode{ns: nsHTML}
					node.n = uint8(copy(node.name[:], name))
					stack = append(stack, node)
				}
			}
		case html.EndTagToken:
			if len(stack) == 0 {
				continue
			}
			var nb [16]byte
			name := endTagName(rw.carry[start+off-len(data):start+off], &nb)
			noscript := rw.inNoscript()
			if judge && noscript && string(name) == "noscript" {
				rw.closeNoscript(start + off - len(data))
			}
			if !htmlContext(stack, nil) && (string(name) == "br" || string(name) == "p") {
				// Break out, as a start tag of those names does.
				stack = popToHTML(stack)
				if len(stack) == 0 {
					return start + off - len(data), true
				}
				continue
			}
			stack = closeElement(stack, name, !htmlContext(stack, nil), noscript)
			if len(stack) == 0 {
				return start + off, true
			}
		}
	}
}

// foreignTag judges a start tag at carry[s:e] read as a foreign element:
// by its URL attributes and style, a <script> by its text and a <style> by
// its CSS (up to its end tag, character references decoded).
func (rw *Writer) foreignTag(s, e, nameEnd int, class tagClass, limit int) {
	switch class.el {
	case elScript:
		live, cat, inline, catAttr := rw.rawAttrs(s, class)
		if live && inline {
			bodyEnd := foreignBodyEnd(rw.carry[e:limit], false)
			cat = rw.bodyCategory(rw.carry[e:e+bodyEnd], true)
		}
		if live && cat != "" {
			rw.neutralise(s, e, nameEnd, cat, class.urls|attrType, true, catAttr)
		}
	case elStyle:
		rw.styleTag(s, e, nameEnd, class)
		rw.cssOn = false
		rw.foreignStyle(e, e+foreignBodyEnd(rw.carry[e:limit], true), limit, true)
	default:
		rw.fetchTag(s, e, nameEnd, class)
	}
}

// foreignRaw finds the end of the raw text of an HTML element of class c
// whose body starts at carry[e:], within carry[:limit], by the main pass's
// rules (scanRaw). found is false when the end is not there: the body
// then runs to limit.
func (rw *Writer) foreignRaw(c tagClass, e, limit int, final bool) (bodyEnd, resume int, found bool) {
	s := rawState{kind: c.raw, name: c.rawName, scan: e}
	if res, end, resume := scanRaw(&s, rw.carry[:limit], final || limit < len(rw.carry)); res == scanFound {
		return end, resume, true
	}
	return limit, limit, false
}

// foreignRawTag judges an HTML raw-text element inside foreign content:
// a <script> by its attributes and its body carry[e:bodyEnd], a <style> by
// its attributes and CSS, any other by its attributes.
func (rw *Writer) foreignRawTag(s, e, nameEnd int, c tagClass, bodyEnd, limit int) {
	switch c.el {
	case elScript:
		live, cat, inline, catAttr := rw.rawAttrs(s, c)
		if live && inline {
			cat = rw.bodyCategory(rw.carry[e:bodyEnd], false)
		}
		if live && cat != "" {
			rw.neutralise(s, e, nameEnd, cat, c.urls|attrType, true, catAttr)
		}
	case elStyle:
		rw.styleTag(s, e, nameEnd, c)
		rw.cssOn = false
		rw.foreignStyle(e, bodyEnd, limit, false)
	default:
		rw.fetchTag(s, e, nameEnd, c)
	}
}

// htmlContext reports whether a start tag named name (nil for any other
// token) is read by HTML's rules with stack open: in an HTML element, an
// HTML integration point, a MathML text integration point (but for
// mglyph and malignmark), or an <svg> in annotation-xml.
func htmlContext(stack []fnode, name []byte) bool {
	if len(stack) == 0 {
		return true
	}
	top := &stack[len(stack)-1]
	switch {
	case top.ns == nsHTML, top.ip:
		return true
	case top.text:
		return name == nil || string(name) != "mglyph" && string(name) != "malignmark"
	case top.ns == nsMath && top.is([]byte("annotation-xml")):
		return string(name) == "svg"
	}
	return false
}

// foreignNode is the open element of the foreign start tag t.
func foreignNode(stack []fnode, t *foreignTag) fnode {
	node := fnode{ns: nsSVG}
	if len(stack) > 0 {
		node.ns = stack[len(stack)-1].ns
		if node.ns == nsHTML {
			node.ns = nsSVG
		}
	}
	name := t.lower()
	if len(stack) == 0 && string(name) == "math" {
		node.ns = nsMath
	}
	node.n = uint8(copy(node.name[:], name))
	switch node.ns {
	case nsSVG:
		node.ip = string(name) == "foreignobject" || string(name) == "desc" || string(name) == "title"
	case nsMath:
		switch string(name) {
		case "mi", "mo", "mn", "ms", "mtext":
			node.text = true
		case "annotation-xml":
			node.ip = t.htmlEncoding
		}
	}
	return node
}

// popToHTML pops the foreign elements off the top of stack, down to an
// HTML element or an integration point, as a tag that breaks out does.
func popToHTML(stack []fnode) []fnode {
	for len(stack) > 0 {
		top := &stack[len(stack)-1]
		if top.ns == nsHTML || top.ip || top.text {
			break
		}
		stack = stack[:len(stack)-1]
	}
	return stack
}

// closeElement pops the element the end tag named name closes, as HTML's
// tree builder does: by the rules for foreign content (foreign), the
// nearest open foreign element of that name, up to an HTML element; then
// by HTML's rules, the nearest open element of that name unless a special
// one (an HTML element, an integration point) comes first. An end tag that
// matches nothing open inside the foreign element would close an element
// open around it of that name, if there is one; the pass knows only of an
// open <noscript> (around, when noscript is set): its end tag empties the
// stack, ending the foreign content. Any other is taken to match nothing
// (a limit: "<div><svg></div>" reads on as foreign content).
func closeElement(stack []fnode, name []byte, foreign, noscript bool) []fnode {
	if foreign {
		for i := len(stack) - 1; i >= 0 && stack[i].ns != nsHTML; i-- {
			if stack[i].is(name) {
				return stack[:i]
			}
		}
	}
	for i := len(stack) - 1; i >= 0; i-- {
		node := &stack[i]
		if node.is(name) {
			return stack[:i]
		}
		if node.ns == nsHTML || node.ip || node.text || node.is([]byte("annotation-xml")) {
			return stack
		}
	}
	if noscript && string(name) == "noscript" {
		return stack[:0]
	}
	return stack
}

// endTagName returns the lowercase name of the end tag t ("</Name …>")
// in buf, cut at its length.
func endTagName(t []byte, buf *[16]byte) []byte {
	k := 2
	for k < len(t) && k-2 < len(buf) && !isHTMLSpace(t[k]) && t[k] != '/' && t[k] != '>' {
		k++
	}
	name := buf[:copy(buf[:], t[2:k])]
	lowerASCII(name)
	return name
}

// breaksOut reports whether a start tag of this lowercase name ends
// foreign content (HTML's list; <font> only with color, face or size,
// checked by the caller).
func breaksOut(name []byte) bool {
	switch string(name) {
	case "b", "big", "blockquote", "body", "br", "center", "code", "dd", "div", "dl", "dt",
		"em", "embed", "h1", "h2", "h3", "h4", "h5", "h6", "head", "hr", "i", "img", "li",
		"listing", "menu", "meta", "nobr", "ol", "p", "pre", "ruby", "s", "small", "span",
		"strong", "strike", "sub", "sup", "table", "tt", "u", "ul", "var":
		return true
	}
	return false
}

// isVoidElement reports whether the HTML element of this lowercase name
// has no end tag (and no content).
func isVoidElement(name []byte) bool {
	switch string(name) {
	case "area", "base", "br", "col", "embed", "hr", "img", "image", "input", "link", "meta",
		"param", "source", "track", "wbr", "keygen", "frame":
		return true
	}
	return false
}

func lowerASCII(b []byte) {
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
}

// foreignInert reports whether the foreign element b cannot load anything
// a rule covers, so that it needs no judging pass: a URL naming a host
// needs a ':' or two slashes or backslashes, spelled plainly or with a
// character reference ('&'); a script matching inline patterns holds
// "script"; a marked element holds "category"; a noscript end needs
// "noscript".
func foreignInert(b []byte) bool {
	return bytes.IndexByte(b, ':') < 0 && bytes.IndexByte(b, '&') < 0 &&
		bytes.IndexByte(b, '\\') < 0 && !bytes.Contains(b, []byte("//")) &&
		indexFold(b, "script") < 0 && indexFold(b, "category") < 0
}

// indexFold returns the index of the lowercase ASCII string s in b,
// ignoring case, or -1.
func indexFold(b []byte, s string) int {
	last := len(b) - len(s) // the last possible start
	if last < 0 {
		return -1
	}
	lo, up := s[0], s[0]
	if 'a' <= lo && lo <= 'z' {
		up = lo - ('a' - 'A')
	}
	// The next start of each case of the first letter at or after i (or
	// past last), found with the vectorised IndexByte and kept until i
	// passes it, so each byte is searched once per case.
	next := func(c byte, from int) int {
		if k := bytes.IndexByte(b[from:last+1], c); k >= 0 {
			return from + k
		}
		return last + 1
	}
	nl, nu := next(lo, 0), last+1
	if up != lo {
		nu = next(up, 0)
	}
	for {
		i := min(nl, nu)
		if i > last {
			return -1
		}
		if equalFoldLower(b[i:i+len(s)], s) {
			return i
		}
		if i == nl {
			nl = next(lo, i+1)
		} else {
			nu = next(up, i+1)
		}
	}
}

// foreignInput returns the lexer input for a foreign element of n bytes,
// at fscratch[fb:fb+n]. The element is copied to the end of a buffer whose
// one Input is kept: the NUL the lexer needs after it is the buffer's last
// byte, and the Input starts at fb. So the pass allocates only when the
// buffer grows.
func (rw *Writer) foreignInput(n int) (in *parse.Input, fb int) {
	if rw.fin == nil || len(rw.fscratch) < n+1 {
		size := max(n+1, 2*len(rw.fscratch), 4<<10)
		rw.fscratch = make([]byte, size)
		rw.fin = parse.NewInputBytes(rw.fscratch[:size-1])
	}
	fb = len(rw.fscratch) - 1 - n
	rw.fin.Reset()
	rw.fin.Move(fb)
	rw.fin.Skip()
	return rw.fin, fb
}

// foreignBodyEnd returns the length of the text of a <script> or <style>
// read as a foreign element: up to its "</script" or "</style" followed by
// whitespace, '/' or '>', or all of b.
func foreignBodyEnd(b []byte, style bool) int {
	want := "script"
	if style {
		want = "style"
	}
	for i := 0; ; {
		j := bytes.Index(b[i:], []byte("</"))
		if j < 0 {
			return len(b)
		}
		i += j
		if _, match, _ := rawTagName(b, i+2, want, true); match {
			return i
		}
		i += 2
	}
}

// disguiseForeign rewrites the lexer's copy of a foreign element: the last
// letter of every tag name in foreignHidden becomes '_' (the element's own
// name included) and NULs become 0x01. Offsets do not change.
func disguiseForeign(b []byte) {
	for i := 0; i < len(b); i++ {
		switch b[i] {
		case 0:
			b[i] = 1
			continue
		case '<':
		default:
			continue
		}
		k := i + 1
		if k < len(b) && b[k] == '/' {
			k++
		}
		j := k
		for j < len(b) && isLetterASCII(b[j]) {
			j++
		}
		for _, h := range foreignHidden {
			if equalFoldLower(b[k:j], h) {
				b[j-1] = '_'
				break
			}
		}
		i = j - 1
	}
}
