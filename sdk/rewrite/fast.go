package rewrite

import "bytes"

// skipFast is the cheap half of a dual parser (the design of Cloudflare's
// lol-html): it returns how many bytes at the start of b, which starts at a
// token boundary, are text, end tags and start tags that no rule can touch,
// so that they pass through without the lexer. It stops at the "<" of the
// first construct a rule may care about or that it does not read exactly
// as the lexer does: comments, doctypes, CDATA and processing
// instructions, start tags whose name is in the element table (or svg, math, xml,
// or holds a '/'), start tags with an attribute that matters for their
// element (see fastAttrs) or whose name holds a '/', and anything cut off
// by the end of b. It reads tags by the lexer's rules (tdewolff's
// shiftStartTag, shiftAttribute and shiftEndTag), so that lexing resumes
// exactly where the lexer would have been.
//
// Callers use it only once the injections are written: until then any
// start tag matters.
//
// In a noscript element (noscript) it also stops at end tags whose name
// starts with 'n', so that the lexer sees the noscript end tag.
func skipFast(b []byte, noscript bool) int {
	n := len(b)
	i := 0
	for {
		j := bytes.IndexByte(b[i:], '<')
		if j < 0 {
			return n
		}
		i += j
		if i+2 >= n {
			return i
		}
		c := b[i+1]
		switch {
		case c == '/':
			if b[i+2] == '>' {
				i++ // "</>" is text to the lexer
				continue
			}
			if noscript && b[i+2]|0x20 == 'n' {
				return i
			}
			k := bytes.IndexByte(b[i+2:], '>')
			if k < 0 {
				return i
			}
			i += 2 + k + 1
		case isLetterASCII(c):
			end := skipStartTag(b, i)
			if end < 0 {
				return i
			}
			i = end
		default:
			if c == '!' || c == '?' {
				return i
			}
			i++ // "<" and a non-letter: text
		}
	}
}

// skipStartTag returns the end of the start tag at b[i:] when no rule can
// touch it, or -1.
func skipStartTag(b []byte, i int) int {
	n := len(b)
	k := i + 1
	for k < n {
		c := b[k]
		if c == ' ' || c == '>' || c == '\t' || c == '\n' || c == '\r' || c == '\f' {
			break
		}
		if c == '/' {
			if k+1 < n && b[k+1] == '>' {
				break
			}
			return -1 // "<name/…": see the main pass
		}
		k++
	}
	if k >= n {
		return -1
	}
	mask, ok := fastAttrs(b[i+1 : k])
	if !ok {
		return -1
	}
	for {
		for k < n && isHTMLSpace(b[k]) {
			k++
		}
		if k >= n {
			return -1
		}
		switch b[k] {
		case '>':
			return k + 1
		case '/':
			if k+1 >= n {
				return -1
			}
			if b[k+1] == '>' {
				return k + 2
			}
		}
		// An attribute name, up to a space, '=', '>' or "/>".
		s := k
		for k < n {
			c := b[k]
			if c == ' ' || c == '=' || c == '>' || c == '\t' || c == '\n' || c == '\r' || c == '\f' {
				break
			}
			if c == '/' {
				if k+1 < n && b[k+1] == '>' {
					break
				}
				return -1 // "a/src=…"
			}
			k++
		}
		if k >= n {
			return -1
		}
		if fastAttrMatters(b[s:k], mask) {
			return -1
		}
		v := k
		for v < n && isHTMLSpace(b[v]) {
			v++
		}
		if v >= n {
			return -1
		}
		if b[v] != '=' {
			continue // no value; the lexer goes on from the name's end
		}
		v++
		for v < n && isHTMLSpace(b[v]) {
			v++
		}
		if v >= n {
			return -1
		}
		if q := b[v]; q == '"' || q == '\'' {
			e := bytes.IndexByte(b[v+1:], q)
			if e < 0 {
				return -1
			}
			k = v + 1 + e + 1
			continue
		}
		for v < n {
			c := b[v]
			if c == ' ' || c == '>' || c == '\t' || c == '\n' || c == '\r' || c == '\f' {
				break
			}
			v++
		}
		if v >= n {
			return -1
		}
		k = v
	}
}

// fastAttrs returns the attributes that matter on a start tag named name
// (any case) when the injections are already written, and ok false when
// the tag needs the lexer whatever its attributes: an element of the table
// not marked fast, and svg, math and xml, which the lexer returns as
// tokens of their own.
func fastAttrs(name []byte) (mask attrKind, ok bool) {
	var buf [maxNameLen]byte
	lower, ok := lowerName(&buf, name)
	if !ok {
		return attrStyle, true // longer than any name of the table
	}
	if i := elementIndex(lower); i >= 0 {
		if e := &elements[i]; e.fast {
			return attrStyle | e.class.urls, true
		}
		return 0, false
	}
	if string(lower) == "svg" || string(lower) == "math" || string(lower) == "xml" {
		return 0, false
	}
	return attrStyle, true
}

// fastAttrMatters reports whether the attribute named key (any case) is one
// of mask. Only style and the URL attributes of the elements marked fast
// can be, a name or two of each length (fastAttrNames), so most attributes
// (class, id, href on <a> …) are ruled out by their length alone.
func fastAttrMatters(key []byte, mask attrKind) bool {
	if len(key) >= len(fastAttrNames) {
		return false
	}
	for _, a := range fastAttrNames[len(key)] {
		if a.kind&mask != 0 && equalFoldLower(key, a.name) {
			return true
		}
	}
	return false
}

// fastAttrNames holds, by length, the attributes the fast scanner may have
// to stop for: style, and the URL attributes of the elements marked fast.
var fastAttrNames = func() (byLen [maxNameLen + 1][]attribute) {
	kinds := attrStyle
	for _, e := range elements {
		if e.fast {
			kinds |= e.class.urls
		}
	}
	for _, a := range attributes {
		if a.kind&kinds != 0 {
			byLen[len(a.name)] = append(byLen[len(a.name)], a)
		}
	}
	return byLen
}()
