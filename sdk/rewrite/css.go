package rewrite

import (
	"bytes"
	"unicode/utf8"

	"github.com/tdewolff/parse/v2"
	"github.com/tdewolff/parse/v2/css"
)

// This file reads CSS as a browser does, with the tdewolff/parse/v2/css
// tokenizer, to find every place that loads a URL:
//
//  1. a url token, url(…) quoted or not, whatever the case or escapes of
//     its name ("URL(", "u\72l("), a bad-url token included;
//  2. a string right after @import (any case, escapes decoded: "@\69mport"),
//     comments and whitespace between;
//  3. a string directly inside image-set(), -webkit-image-set(), image() or
//     src(), however deeply those nest.
//
// Each URL is decoded as the CSS tokenizer decodes it (escapes such as
// "\2e ", "\2f", "\000068", escaped newlines in strings) and handed to the
// one URL-to-host function (hostCategory). A place whose host is refused is
// blanked: replaced by cssBlank, an empty url(), which per CSS Values 4
// "resolves to an invalid resource" and which Chromium fetches nothing for,
// as @import, in a property, in image-set and in @font-face src alike.

// cssBlank replaces a refused url(), @import string or image-set string.
const cssBlank = "url()"

// cssMark follows cssBlank in a <style> element, so that the banner finds
// the places to restore on consent (see cssCarrier).
const cssMark = "/*consentry*/"

// maxCSSDepth bounds the nesting whose kinds the reader keeps; deeper
// blocks are read as if they were plain parentheses.
const maxCSSDepth = 32

// cssMode says which URLs of a style are blanked.
type cssMode uint8

const (
	cssRefused    cssMode = iota // an applied style: every URL of a refused host
	cssImports                   // a style not applied: @import URLs of a refused host (Chromium's preload scanner fetches them whatever the type)
	cssAllImports                // a style held for a refused category: every @import URL
)

// cssState is what the reader knows between two pieces of a streamed style
// body: the open blocks and functions, whether an @import waits for its
// URL, and the rest of an overlong token to pass or drop.
type cssState struct {
	mode cssMode
	cat  string // the category of a cssAllImports style
	cssCtx

	// The rest of a token longer than the hold limit, still streaming.
	skip      skipKind
	skipQuote byte
	skipParen bool // a quoted url(: after the string, up to ')'
	skipDrop  bool // the token was blanked: drop the rest
	skipHalf  bool // the piece ended in a backslash (or a comment's '*')
}

// cssCtx is the part of cssState that each token may change, small enough
// to keep a copy of before each token.
type cssCtx struct {
	imp   bool   // an @import waits for its URL
	depth int32  // open blocks and functions
	stack uint64 // the kinds of the innermost maxCSSDepth, 2 bits each
}

// cssBlock is an open block or function.
type cssBlock uint8

const (
	blockParen   cssBlock = iota // ( or a function other than the ones below
	blockSquare                  // [
	blockCurly                   // {
	blockStrURLs                 // image-set(, -webkit-image-set(, image(, src(: strings are URLs
)

// skipKind is the kind of an overlong token whose rest is still streaming.
type skipKind uint8

const (
	skipNone skipKind = iota
	skipComment
	skipString
	skipURL
	skipIdent // an identifier, name, number or at-keyword
	skipSpace
)

// cssHit is one place to blank, relative to the text read.
type cssHit struct {
	start, end int
	cat        string // "" for the rest of a blanked overlong token, dropped
	cut        bool   // a blanked overlong token: its original is not kept
}

// neutral reports whether no token or construct is open, so that text
// with no '(' and no '@' cannot hold a URL.
func (st *cssState) neutral() bool {
	return !st.imp && st.depth == 0 && st.skip == skipNone
}

// cssMayLoad reports whether CSS text b can hold a URL at all: every
// place that loads one needs a '(' or an '@'. decoded is true for text in
// which character references are still to be decoded ('&').
func cssMayLoad(b []byte, encoded bool) bool {
	return bytes.IndexByte(b, '(') >= 0 || bytes.IndexByte(b, '@') >= 0 ||
		encoded && bytes.IndexByte(b, '&') >= 0
}

// readCSS reads the CSS text b from state st and appends to rw.cssHits the
// places to blank. It returns how much of b is decided: all of it when
// final; otherwise up to the tokens that more text could still change,
// which the caller gives again with the next piece. A token longer than
// limit is decided on what there is of it (overlong), so that nothing is
// held past the limit, and the decisions do not depend on how the text is
// split into pieces.
func (rw *Writer) readCSS(b []byte, st *cssState, final bool, limit int) int {
	done := 0
	if st.skip != skipNone {
		end, ok := skipRest(b, st)
		if st.skipDrop && end > 0 {
			rw.cssHits = append(rw.cssHits, cssHit{start: 0, end: end})
		}
		if !ok {
			return len(b)
		}
		st.skip, st.skipDrop = skipNone, false
		done = end
	}
	if done == len(b) {
		return done
	}
	n := len(b) - done
	if cap(rw.cssBuf) <= n {
		rw.cssBuf = make([]byte, n, n+n/4+64)
	}
	buf := rw.cssBuf[:n]
	copy(buf, b[done:])
	in := parse.NewInputBytes(buf)
	defer in.Restore()
	l := css.NewLexer(in)

	hits := len(rw.cssHits)
	last, prev := 0, 0                     // starts of the last two tokens
	stLast, stPrev := st.cssCtx, st.cssCtx // the state before each of them
	for {
		start := in.Offset()
		tt, data := l.Next()
		if tt == css.ErrorToken {
			break
		}
		end := in.Offset()
		if end-start > limit {
			if open := rw.overlong(tt, data, st, done+start, final || end < n); open {
				return len(b)
			}
			last, prev, stLast, stPrev = end, end, st.cssCtx, st.cssCtx
			continue
		}
		prev, last = last, start
		stPrev, stLast = stLast, st.cssCtx
		switch tt {
		case css.WhitespaceToken, css.CommentToken:
			continue
		case css.AtKeywordToken:
			rw.cssText = cssUnescape(rw.cssText[:0], data[1:])
			st.imp = equalFoldLower(rw.cssText, "import")
			continue
		case css.URLToken, css.BadURLToken:
			rw.cssURL(st, done+start, done+end, urlTokenValue(rw, data), false)
		case css.FunctionToken:
			rw.cssText = cssUnescape(rw.cssText[:0], data[:len(data)-1])
			name := rw.cssText
			if equalFoldLower(name, "url") {
				// "u\72l(": a url token to browsers, a function to the
				// lexer. Read its value as the tokenizer would.
				e, v := rw.escapedURL(buf, end)
				rw.cssURL(st, done+start, done+e, v, false)
				in.Move(e - in.Offset())
				in.Skip()
				st.imp = false
				continue
			}
			kind := blockParen
			if isStrURLFunction(name) {
				kind = blockStrURLs
			}
			st.push(kind)
		case css.LeftParenthesisToken:
			st.push(blockParen)
		case css.LeftBracketToken:
			st.push(blockSquare)
		case css.LeftBraceToken:
			st.push(blockCurly)
		case css.RightParenthesisToken:
			st.pop(blockParen)
		case css.RightBracketToken:
			st.pop(blockSquare)
		case css.RightBraceToken:
			st.pop(blockCurly)
		case css.StringToken, css.BadStringToken:
			if st.strIsURL() {
				rw.cssURL(st, done+start, done+end, rw.stringValue(data), false)
			}
		}
		st.imp = false
	}
	if final {
		return len(b)
	}
	// The last token may go on in the next piece, and a short one may
	// change the one before it ("url" "(", "@" "import"): both are read
	// again with it, from the state before them.
	keep, restore := last, stLast
	if n-last < 4 && n-prev <= limit {
		keep, restore = prev, stPrev
	}
	rw.cssHits = rw.cssHits[:reReadHits(rw.cssHits, hits, done+keep)]
	st.cssCtx = restore
	return done + keep
}

// strIsURL reports whether a string token here is a URL: after @import, or
// directly inside image-set() and its kin.
func (st *cssState) strIsURL() bool {
	return st.imp || st.top() == blockStrURLs
}

// top returns the kind of the innermost open block (a plain parenthesis
// past maxCSSDepth), or blockParen when none is open.
func (st *cssState) top() cssBlock {
	if st.depth == 0 || st.depth > maxCSSDepth {
		return blockParen
	}
	return cssBlock(st.stack >> (2 * (st.depth - 1)) & 3)
}

// reReadHits returns the length of h without the hits (from index from on)
// at or after off, which will be read again with the next piece.
func reReadHits(h []cssHit, from, off int) int {
	for len(h) > from && h[len(h)-1].start >= off {
		h = h[:len(h)-1]
	}
	return len(h)
}

// overlong decides a token longer than the hold limit, data at start (in
// the text read), on what there is of it: a string in a URL position or a
// url is judged on its first bytes (scheme and host come first) and, when
// refused, blanked whole without keeping its original (cssHit.cut). When
// the token may go on past the text read (complete is false), its rest is
// passed or dropped by the skip state, read as the tokenizer would, and
// open is true.
func (rw *Writer) overlong(tt css.TokenType, data []byte, st *cssState, start int, complete bool) (open bool) {
	end := start + len(data)
	hits := len(rw.cssHits)
	head := data[:min(len(data), maxURLDecode)]
	switch tt {
	case css.CommentToken:
		if !complete && !(len(data) >= 4 && bytes.HasSuffix(data, []byte("*/"))) {
			st.skip, st.skipHalf = skipComment, data[len(data)-1] == '*'
			return true
		}
		return false
	case css.WhitespaceToken:
		if !complete {
			st.skip = skipSpace
			return true
		}
		return false
	case css.StringToken, css.BadStringToken:
		if st.strIsURL() {
			rw.cssURL(st, start, end, rw.stringValue(head), true)
		}
		st.imp = false
		if !complete && !stringClosed(data) {
			st.skip, st.skipQuote = skipString, data[0]
			st.skipHalf = oddBackslashes(data)
		}
	case css.URLToken, css.BadURLToken:
		rw.cssURL(st, start, end, urlTokenValue(rw, head), true)
		st.imp = false
		if !complete && data[len(data)-1] != ')' {
			i := bytes.IndexByte(data, '(') + 1
			for i < len(data) && isCSSSpace(data[i]) {
				i++
			}
			st.skip = skipURL
			if i < len(data) && (data[i] == '"' || data[i] == '\'') && !stringClosed(data[i:]) {
				st.skip, st.skipQuote, st.skipParen = skipString, data[i], true
			}
			st.skipHalf = oddBackslashes(data)
		}
	case css.FunctionToken:
		st.imp = false
		st.push(blockParen) // no function that matters has so long a name
		return false
	default:
		st.imp = false
		if !complete {
			st.skip, st.skipHalf = skipIdent, oddBackslashes(data)
			return true
		}
		return false
	}
	if st.skip == skipNone {
		return false
	}
	st.skipDrop = len(rw.cssHits) > hits
	return true
}

// stringClosed reports whether the string token s (from its quote) ends
// with its closing quote.
func stringClosed(s []byte) bool {
	if len(s) < 2 || s[len(s)-1] != s[0] {
		return false
	}
	return !oddBackslashes(s[:len(s)-1])
}

// oddBackslashes reports whether b ends with an odd run of backslashes.
func oddBackslashes(b []byte) bool {
	n := 0
	for i := len(b) - 1; i >= 0 && b[i] == '\\'; i-- {
		n++
	}
	return n%2 == 1
}

// skipRest finds the end of the rest of an overlong token in b, read as the
// CSS tokenizer reads that token. ok is false when b ends first; the state
// then knows how to go on.
func skipRest(b []byte, st *cssState) (end int, ok bool) {
	i := 0
	if st.skipHalf && len(b) > 0 {
		// The previous piece ended in a backslash (or a comment's '*').
		st.skipHalf = false
		switch {
		case st.skip == skipComment:
			if b[0] == '/' {
				return 1, true
			}
		case st.skip == skipIdent && (b[0] == '\n' || b[0] == '\r' || b[0] == '\f'):
			return 0, true
		default:
			i = 1
		}
	}
	for i < len(b) {
		c := b[i]
		switch st.skip {
		case skipComment:
			if c == '*' {
				if i+1 == len(b) {
					st.skipHalf = true
					return len(b), false
				}
				if b[i+1] == '/' {
					return i + 2, true
				}
			}
		case skipSpace:
			if !isCSSSpace(c) {
				return i, true
			}
		case skipIdent:
			if c == '\\' {
				if i+1 == len(b) {
					st.skipHalf = true
					return len(b), false
				}
				if n := b[i+1]; n != '\n' && n != '\r' && n != '\f' {
					i += 2
					continue
				}
			}
			if !isNameByte(c) {
				if c == '(' {
					st.push(blockParen)
					return i + 1, true
				}
				return i, true
			}
		case skipString:
			switch {
			case c == '\\':
				if i+1 == len(b) {
					st.skipHalf = true
					return len(b), false
				}
				i += 2
				continue
			case c == st.skipQuote, c == '\n' || c == '\r' || c == '\f':
				if c == st.skipQuote {
					i++
				}
				if !st.skipParen {
					return i, true
				}
				st.skip, st.skipParen = skipURL, false
				e, ok := skipRest(b[i:], st)
				return i + e, ok
			}
		case skipURL:
			switch c {
			case '\\':
				if i+1 == len(b) {
					st.skipHalf = true
					return len(b), false
				}
				i += 2
				continue
			case ')':
				return i + 1, true
			}
		}
		i++
	}
	return len(b), false
}

// isNameByte reports whether c continues a CSS name (an identifier).
func isNameByte(c byte) bool {
	return isLetterASCII(c) || '0' <= c && c <= '9' || c == '-' || c == '_' || c >= 0x80
}

func (st *cssState) push(k cssBlock) {
	if st.depth < maxCSSDepth {
		st.stack = st.stack&^(3<<(2*st.depth)) | uint64(k)<<(2*st.depth)
	}
	st.depth++
}

// pop closes the innermost block when c closes it; a stray closer is a
// token like any other, as in the CSS parser.
func (st *cssState) pop(c cssBlock) {
	if st.depth == 0 {
		return
	}
	top := st.top()
	if top == blockStrURLs {
		top = blockParen
	}
	if top == c {
		st.depth--
	}
}

// isStrURLFunction reports whether strings directly inside the function
// named name (decoded, without '(') are URLs.
func isStrURLFunction(name []byte) bool {
	return equalFoldLower(name, "image-set") || equalFoldLower(name, "-webkit-image-set") ||
		equalFoldLower(name, "image") || equalFoldLower(name, "src")
}

// cssURL records the URL v at [start, end) for blanking when the mode and
// its host say so; cut marks an overlong token.
func (rw *Writer) cssURL(st *cssState, start, end int, v []byte, cut bool) {
	if st.mode != cssRefused && !st.imp {
		return
	}
	cat := rw.hostCategory(v, false)
	if st.mode == cssAllImports && cat == "" {
		cat = st.cat
	}
	if cat != "" {
		rw.cssHits = append(rw.cssHits, cssHit{start, end, cat, cut})
	}
}

// urlTokenValue returns the decoded URL of a url token ("url( x )",
// "url('x')", with or without its ')').
func urlTokenValue(rw *Writer, data []byte) []byte {
	i := bytes.IndexByte(data, '(')
	v := data[i+1:]
	if len(v) > 0 && v[len(v)-1] == ')' {
		v = v[:len(v)-1]
	}
	v = trimCSSSpace(v)
	if len(v) > 0 && (v[0] == '"' || v[0] == '\'') {
		return rw.stringValue(v)
	}
	rw.cssText = cssUnescape(rw.cssText[:0], v)
	return rw.cssText
}

// escapedURL reads the value of a url function whose name the lexer did not
// recognise ("u\72l(") from buf[at:], as the CSS tokenizer's "consume a
// url token" does. It returns the end of the construct, its value and ok.
func (rw *Writer) escapedURL(buf []byte, at int) (int, []byte) {
	i := at
	for i < len(buf) && isCSSSpace(buf[i]) {
		i++
	}
	if i < len(buf) && (buf[i] == '"' || buf[i] == '\'') {
		// url( "…" ): a function with a string argument.
		q := buf[i]
		j := i + 1
		for j < len(buf) && buf[j] != q && buf[j] != '\n' {
			if buf[j] == '\\' {
				j++
			}
			j++
		}
		j = min(j+1, len(buf))
		v := rw.stringValue(buf[i:j])
		k := bytes.IndexByte(buf[j:], ')')
		if k < 0 {
			return len(buf), v
		}
		return j + k + 1, v
	}
	j := i
	for j < len(buf) && buf[j] != ')' {
		if buf[j] == '\\' {
			j++
		}
		j++
	}
	j = min(j, len(buf))
	rw.cssText = cssUnescape(rw.cssText[:0], trimCSSSpace(buf[i:j]))
	return min(j+1, len(buf)), rw.cssText
}

// stringValue returns the decoded value of a string token (with its quotes,
// the closing one possibly missing).
func (rw *Writer) stringValue(data []byte) []byte {
	if len(data) == 0 {
		return nil
	}
	q := data[0]
	v := data[1:]
	if len(v) > 0 && v[len(v)-1] == q {
		v = v[:len(v)-1]
	}
	rw.cssText = cssUnescape(rw.cssText[:0], v)
	return rw.cssText
}

// cssUnescape appends s to dst with CSS escapes decoded as the CSS
// tokenizer does: a backslash and up to six hex digits, then one optional
// whitespace (CRLF counting as one), is that code point (0, surrogates and
// values past U+10FFFF give U+FFFD); a backslash and a newline is nothing
// (a line continuation in a string); a backslash and any other character is
// that character; a backslash at the end is nothing.
func cssUnescape(dst, s []byte) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' {
			dst = append(dst, c)
			continue
		}
		i++
		if i >= len(s) {
			break
		}
		switch c = s[i]; {
		case isHexDigit(c):
			var r rune
			j := i
			for j < len(s) && j < i+6 && isHexDigit(s[j]) {
				r = r<<4 | rune(hexValue(s[j]))
				j++
			}
			if j < len(s) && isCSSSpace(s[j]) {
				if s[j] == '\r' && j+1 < len(s) && s[j+1] == '\n' {
					j++
				}
				j++
			}
			if r == 0 || 0xD800 <= r && r <= 0xDFFF || r > 0x10FFFF {
				r = utf8.RuneError
			}
			dst = utf8.AppendRune(dst, r)
			i = j - 1
		case c == '\n' || c == '\f':
		case c == '\r':
			if i+1 < len(s) && s[i+1] == '\n' {
				i++
			}
		default:
			dst = append(dst, c)
		}
	}
	return dst
}

func isCSSSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'
}

// trimCSSSpace trims CSS whitespace.
func trimCSSSpace(b []byte) []byte {
	for len(b) > 0 && isCSSSpace(b[0]) {
		b = b[1:]
	}
	for len(b) > 0 && isCSSSpace(b[len(b)-1]) {
		b = b[:len(b)-1]
	}
	return b
}
