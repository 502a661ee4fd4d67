package rewrite

import (
	"bytes"

	"github.com/tdewolff/parse/v2"
	"github.com/tdewolff/parse/v2/html"
)

// foreignHidden are the tag names the lexer gives special treatment that
// they do not have inside <svg> and <math>: raw text, and whole nested
// foreign elements. In foreign content every element's body is markup.
var foreignHidden = [...]string{"script", "style", "textarea", "title", "xmp", "iframe", "plaintext", "svg", "math", "xml"}

// foreign neutralises what would load inside the <svg> or <math> element
// carry[start:end], which the lexer returns as one token. It lexes a copy
// of the element again in which the names of foreignHidden are disguised,
// NULs replaced, so that every start tag inside is
// seen once, in order, with its attributes; each is judged by foreignClass:
// HTML elements (which may break out of the foreign content) by their HTML
// rules, any other element by its href, xlink:href and src, every element
// by its style attribute, and <script> and <style> by their text up to
// their end tag. The edits are applied by offset as in the main pass.
func (rw *Writer) foreign(start, end int) {
	if foreignInert(rw.carry[start:end]) {
		return
	}
	n := end - start
	in, fb := rw.foreignInput(n)
	buf := rw.fscratch[fb : fb+n]
	copy(buf, rw.carry[start:end])
	disguiseForeign(buf)
	l := html.NewLexer(in)
	tag, nameEnd := -1, 0
	var class tagClass
	var name [16]byte
	for {
		tt, data := l.Next()
		off := in.Offset() - fb
		switch tt {
		case html.ErrorToken:
			return
		case html.StartTagToken:
			tag, nameEnd = off-len(data), off
			if i := bytes.IndexByte(data, '/'); i >= 0 {
				buf[tag+i] = ' ' // as in the main pass
				relex(in, l, fb+tag)
				tag = -1
				continue
			}
			nm := rw.carry[start+tag+1 : start+nameEnd]
			if len(nm) > len(name) {
				class = foreignClass(nil)
			} else {
				for i, c := range nm {
					if 'A' <= c && c <= 'Z' {
						c += 'a' - 'A'
					}
					name[i] = c
				}
				class = foreignClass(name[:len(nm)])
			}
			rw.attrs = rw.attrs[:0]
		case html.AttributeToken:
			if tag >= 0 {
				rw.addAttr(l, class, off, tag)
			}
		case html.StartTagCloseToken, html.StartTagVoidToken:
			if tag < 0 {
				continue
			}
			s, e := start+tag, start+off
			if s < rw.done {
				tag = -1 // inside a span a style's blank replaced
				continue
			}
			switch class.el {
			case elScript:
				live, cat, inline, catAttr := rw.rawAttrs(s, class)
				if live && inline {
					bodyEnd := foreignBodyEnd(rw.carry[e:end], false)
					cat = rw.bodyCategory(rw.carry[e:e+bodyEnd], true)
				}
				if live && cat != "" {
					rw.neutralise(s, e, nameEnd-tag, cat, class.urls|attrType, true, catAttr)
				}
			case elStyle:
				rw.styleTag(s, e, nameEnd-tag, class)
				rw.cssOn = false
				rw.foreignStyle(e, foreignBodyEnd(rw.carry[e:end], true), end, rw.css.mode, rw.css.cat)
			default:
				rw.fetchTag(s, e, nameEnd-tag, class)
			}
			tag = -1
		}
	}
}

// foreignInert reports whether the foreign element b cannot load anything
// a rule covers, so that it needs no pass: a URL naming a host needs a ':'
// or two slashes or backslashes, spelled plainly or with a character
// reference ('&'); a script matching inline patterns holds "script"; a
// marked element holds "category".
func foreignInert(b []byte) bool {
	return bytes.IndexByte(b, ':') < 0 && bytes.IndexByte(b, '&') < 0 &&
		bytes.IndexByte(b, '\\') < 0 && !bytes.Contains(b, []byte("//")) &&
		indexFold(b, "script") < 0 && indexFold(b, "category") < 0
}

// indexFold returns the index of the lowercase ASCII string s in b,
// ignoring case, or -1.
func indexFold(b []byte, s string) int {
	for i := 0; i+len(s) <= len(b); i++ {
		if c := b[i] | 0x20; c == s[0] && equalFoldLower(b[i:i+len(s)], s) {
			return i
		}
	}
	return -1
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
// inside foreign content: up to its "</script" or "</style", or all of b.
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
		if k := i + 2 + len(want); k <= len(b) && equalFoldLower(b[i+2:k], want) {
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
