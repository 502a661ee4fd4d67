package rewrite

import (
	"unicode/utf8"
)

// An inline script is a tracker when it loads or runs one, not when a host
// merely appears in its text. It loads one where the guard cannot hold the
// request: a module it imports (a static "import … from '…'", "import '…'",
// "export … from '…'", a dynamic "import(…)") or a worker script it imports
// ("importScripts(…)"). Everything else a script does to load a tracker —
// inserting a script, iframe or image, setting innerHTML, calling fetch —
// goes through the DOM and the network APIs that the guard intercepts, so
// the script itself may run.
//
// scriptLoads scans the script text b for those positions without parsing
// it: every "import", "export … from" and "importScripts" spelled as a
// keyword or identifier (not as a property, "x.import(") counts, even in a
// string or comment, which can only make a script wait for consent, never
// let one through. It calls yield with the decoded specifier of each
// literal one ('…', "…" or `…` without substitutions, JavaScript escapes
// decoded) and returns true when a dynamic import or importScripts takes
// something else (a variable, a concatenation), whose URL only running the
// script would tell. yield returning false stops the scan.
func scriptLoads(b []byte, yield func(spec []byte) bool) (computed bool) {
	var buf []byte
	for i := 0; i < len(b); i++ {
		c := b[i]
		if c != 'i' && c != 'e' {
			continue
		}
		if i > 0 && isIdentByte(b[i-1]) {
			continue
		}
		var word string
		switch {
		case hasWord(b[i:], "importScripts"):
			word = "importScripts"
		case hasWord(b[i:], "import"):
			word = "import"
		case hasWord(b[i:], "export"):
			word = "export"
		default:
			continue
		}
		member := isMemberAccess(b[:i])
		if member && word != "importScripts" {
			continue // x.import(…), x.export
		}
		j := skipJSSpace(b, i+len(word))
		switch {
		case word == "import" && j < len(b) && b[j] == '.':
			// import.meta
		case word != "export" && j < len(b) && b[j] == '(':
			// import(…) and importScripts(…): each argument a literal,
			// or the URL is computed.
			for k := j + 1; ; {
				k = skipJSSpace(b, k)
				if k < len(b) && b[k] == ')' {
					break
				}
				var spec []byte
				var ok bool
				buf, spec, k, ok = jsStringLiteral(buf[:0], b, k)
				if !ok {
					computed = true
					break
				}
				if !yield(spec) {
					return computed
				}
				k = skipJSSpace(b, k)
				if k >= len(b) || b[k] != ',' {
					if k >= len(b) || b[k] != ')' {
						computed = true // "a" + b
					}
					break
				}
				if word == "import" {
					break // the second argument holds options
				}
				k++
			}
		case word == "import" && j < len(b) && isQuote(b[j]):
			// import "…"
			var spec []byte
			var ok bool
			if buf, spec, _, ok = jsStringLiteral(buf[:0], b, j); ok && !yield(spec) {
				return computed
			}
		case word != "importScripts":
			// import … from "…", export … from "…": the first string
			// after the word "from" within the statement.
			if spec, ok := fromClause(b, j, &buf); ok && !yield(spec) {
				return computed
			}
		}
		i += len(word) - 1
	}
	return computed
}

// maxClause bounds how far fromClause looks for "from" after "import" or
// "export": import and export clauses are short.
const maxClause = 4 << 10

// fromClause finds the module specifier of an import or export clause
// starting at b[i:]: the string literal that follows the word "from",
// before the statement's end (a ';') and within maxClause bytes. Other
// string literals (module export names: import {"a-b" as c} from …) are
// skipped.
func fromClause(b []byte, i int, buf *[]byte) ([]byte, bool) {
	end := min(len(b), i+maxClause)
	for k := i; k < end; k++ {
		switch c := b[k]; {
		case c == ';':
			return nil, false
		case isQuote(c):
			var ok bool
			*buf, _, k, ok = jsStringLiteral((*buf)[:0], b, k)
			if !ok {
				return nil, false
			}
			k--
		case c == 'f' && !isIdentByte(b[k-1]) && hasWord(b[k:], "from"):
			var spec []byte
			var ok bool
			j := skipJSSpace(b, k+len("from"))
			if *buf, spec, _, ok = jsStringLiteral((*buf)[:0], b, j); ok {
				return spec, true
			}
			k += len("from") - 1
		}
	}
	return nil, false
}

// hasWord reports whether b starts with the identifier w, not followed by
// more of an identifier.
func hasWord(b []byte, w string) bool {
	return len(b) >= len(w) && string(b[:len(w)]) == w && (len(b) == len(w) || !isIdentByte(b[len(w)]))
}

// isMemberAccess reports whether the identifier that follows b is a
// property name: b ends with '.' (spaces aside) that is not the end of a
// spread "...".
func isMemberAccess(b []byte) bool {
	i := len(b) - 1
	for i >= 0 && isJSSpace(b[i]) {
		i--
	}
	if i < 0 || b[i] != '.' {
		return false
	}
	return !(i >= 2 && b[i-1] == '.' && b[i-2] == '.') // "x.", "x?.", not "..."

}

// isIdentByte reports whether c continues an identifier (non-ASCII bytes
// count: they can only be part of one here).
func isIdentByte(c byte) bool {
	return isLetterASCII(c) || '0' <= c && c <= '9' || c == '_' || c == '$' || c >= 0x80
}

func isQuote(c byte) bool { return c == '"' || c == '\'' || c == '`' }

func isJSSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'
}

// skipJSSpace returns the index of the first byte of b[i:] that is not
// white space or inside a comment.
func skipJSSpace(b []byte, i int) int {
	for i < len(b) {
		switch {
		case isJSSpace(b[i]):
			i++
		case b[i] == 0xC2 && i+1 < len(b) && b[i+1] == 0xA0: // NBSP
			i += 2
		case b[i] == '/' && i+1 < len(b) && b[i+1] == '/':
			for i < len(b) && b[i] != '\n' && b[i] != '\r' {
				i++
			}
		case b[i] == '/' && i+1 < len(b) && b[i+1] == '*':
			k := indexString(b[i+2:], "*/")
			if k < 0 {
				return len(b)
			}
			i += 2 + k + 2
		default:
			return i
		}
	}
	return i
}

func indexString(b []byte, s string) int {
	for i := 0; i+len(s) <= len(b); i++ {
		if string(b[i:i+len(s)]) == s {
			return i
		}
	}
	return -1
}

// jsStringLiteral decodes the JavaScript string literal at b[i:] ('…',
// "…", or a template `…` without substitutions) into dst, and returns dst,
// the decoded value (dst's new bytes), the index after the literal, and
// whether there was such a literal. Escapes are decoded as JavaScript
// does (\xHH, \uHHHH, \u{H…}, a line continuation, \ before any other
// character).
func jsStringLiteral(dst, b []byte, i int) ([]byte, []byte, int, bool) {
	if i >= len(b) || !isQuote(b[i]) {
		return dst, nil, i, false
	}
	q := b[i]
	start := len(dst)
	for k := i + 1; k < len(b); k++ {
		c := b[k]
		switch {
		case c == q:
			return dst, dst[start:], k + 1, true
		case q == '`' && c == '$' && k+1 < len(b) && b[k+1] == '{':
			return dst, nil, i, false // a substitution: computed
		case (c == '\n' || c == '\r') && q != '`':
			return dst, nil, i, false // unterminated
		case c != '\\':
			dst = append(dst, c)
			continue
		}
		k++
		if k >= len(b) {
			break
		}
		switch e := b[k]; e {
		case '\r':
			if k+1 < len(b) && b[k+1] == '\n' {
				k++
			}
		case '\n':
		case 'n':
			dst = append(dst, '\n')
		case 't':
			dst = append(dst, '\t')
		case 'r':
			dst = append(dst, '\r')
		case 'x':
			if k+2 < len(b) && isHexDigit(b[k+1]) && isHexDigit(b[k+2]) {
				dst = utf8.AppendRune(dst, rune(hexValue(b[k+1])<<4|hexValue(b[k+2])))
				k += 2
			} else {
				dst = append(dst, e)
			}
		case 'u':
			r, n := jsUnicodeEscape(b[k+1:])
			if n == 0 {
				dst = append(dst, e)
				continue
			}
			dst = utf8.AppendRune(dst, r)
			k += n
		default:
			dst = append(dst, e)
		}
	}
	return dst, nil, i, false
}

// jsUnicodeEscape decodes the digits of a \u escape at the start of b
// ("HHHH" or "{H…}") and returns the character and the bytes spanned, or 0
// bytes when b holds none.
func jsUnicodeEscape(b []byte) (rune, int) {
	if len(b) > 0 && b[0] == '{' {
		var r rune
		for k := 1; k < len(b) && k < 10; k++ {
			if b[k] == '}' {
				if k == 1 || r > utf8.MaxRune {
					return 0, 0
				}
				return r, k + 1
			}
			if !isHexDigit(b[k]) {
				return 0, 0
			}
			r = r<<4 | rune(hexValue(b[k]))
		}
		return 0, 0
	}
	if len(b) < 4 {
		return 0, 0
	}
	var r rune
	for k := range 4 {
		if !isHexDigit(b[k]) {
			return 0, 0
		}
		r = r<<4 | rune(hexValue(b[k]))
	}
	return r, 4
}

// isURLDocScript reports whether the script start tag at carry[start:]
// (attributes in rw.attrs) is an import map or speculation rules: JSON
// whose URLs the browser loads from without any script running (a module's
// bare import mapped to a tracker, a prefetch or prerender of one).
func (rw *Writer) isURLDocScript(start int) bool {
	for _, a := range rw.attrs {
		if a.kind == attrType {
			v := trimHTMLSpace(rw.attrValue(start, a))
			return equalFoldLower(v, "importmap") || equalFoldLower(v, "speculationrules")
		}
	}
	return false
}

// jsonURLCategory returns the refused category of the first string in the
// JSON text b (an import map's addresses, speculation rules' URLs) that is
// a URL on a refused host or first-party path, or "". Values are decoded
// (JSON escapes are JavaScript's); keys (an import map's specifiers) are
// names, not loads.
func (rw *Writer) jsonURLCategory(b []byte) string {
	var buf []byte
	for i := 0; i < len(b); i++ {
		if b[i] != '"' {
			continue
		}
		var s []byte
		var ok bool
		var next int
		buf, s, next, ok = jsStringLiteral(buf[:0], b, i)
		if !ok {
			continue
		}
		k := next
		for k < len(b) && isJSSpace(b[k]) {
			k++
		}
		if k < len(b) && b[k] == ':' {
			i = next - 1
			continue // a key: a specifier remapped, not loaded
		}
		if s = trimC0Space(s); isURLSpecifier(s) {
			if cat := rw.hostCategory(s, false); cat != "" {
				return cat
			}
		}
		i = next - 1
	}
	return ""
}
