package rewrite

import (
	"bytes"
	"io"

	"github.com/tdewolff/parse/v2"
	"github.com/tdewolff/parse/v2/html"
)

// lex tokenises carry[done:] and emits what it decides. It returns true
// when lexing must start again at done.
func (rw *Writer) lex(final bool) bool {
	base := rw.done
	n := len(rw.carry) - base
	if cap(rw.scratch) <= n {
		rw.scratch = make([]byte, n, n+n/4+64)
	}
	rw.scratch = rw.scratch[:n]
	copy(rw.scratch, rw.carry[base:])
	in := parse.NewInputBytes(rw.scratch) // writes a NUL past the end, restored below
	l := html.NewLexer(in)                // stays on the stack: nothing keeps l
	p := lexPass{in: in, base: base, n: n, final: final, tag: -1}
	again := rw.tokens(&p, l)
	in.Restore()
	return again
}

// lexPass is one run of the lexer over carry[base:base+n] (copied in
// scratch). Offsets in it are relative to base. The lexer itself is passed
// beside it, not kept in it: in a struct the steps share it would escape
// to the heap, one allocation per pass.
type lexPass struct {
	in      *parse.Input
	base, n int
	final   bool

	pos     int // start of the next token
	tag     int // start of the open start tag, or -1
	nameEnd int // end of its name
	class   tagClass
}

// step says how a pass goes on after a token.
type step uint8

const (
	stepNext  step = iota // lex the next token
	stepStop              // the pass is over: wait for more input
	stepAgain             // start a new pass at done
)

// tokens runs the lexer pass p. Offsets of attribute names and values are
// found from slice capacities: the lexer returns them as slices of its
// input capped at the end of the token (Input.Lexeme), so a slice starts at
// tokenEnd-cap(slice). It returns true when lexing must start again at
// done.
func (rw *Writer) tokens(p *lexPass, l *html.Lexer) bool {
	for {
		if p.tag < 0 && rw.injected && rw.bodyDone && !rw.slow && !rw.cssPend {
			if k := skipFast(rw.carry[p.base+p.pos:p.base+p.n], rw.inNoscript()); k > 0 {
				p.pos += k
				relex(p.in, l, p.pos)
			}
		}
		tt, data := l.Next()
		end := p.in.Offset()
		var next step
		switch tt {
		case html.ErrorToken:
			next = rw.lexError(p, l)
		case html.StartTagToken:
			rw.lexStartTag(p, l, end)
		case html.AttributeToken:
			rw.addAttr(l, p.class, end, p.tag)
		case html.StartTagCloseToken, html.StartTagVoidToken:
			next = rw.lexStartTagEnd(p, end)
		case html.TextToken:
			next = rw.lexText(p, l, data, end)
		case html.CommentToken:
			next = rw.lexComment(p, l, data, end)
		case html.DoctypeToken, html.EndTagToken:
			// Both end at their first '>'.
			if end == p.n && !p.final && data[len(data)-1] != '>' {
				rw.hold(p.base + p.pos)
				return false
			}
			if tt == html.EndTagToken && rw.inNoscript() && isNoscriptEnd(l.Text()) {
				rw.closeNoscript(p.base + p.pos)
			}
			p.pos = end
			if rw.cssPend && tt == html.EndTagToken {
				// The end tag of a <style> with blanks: its carrier follows.
				rw.cssPend = false
				if data[len(data)-1] == '>' {
					rw.emitTo(p.base + end)
					rw.out = append(rw.out, rw.cssCarrier...)
				}
			}
		default: // SVGToken, MathToken, XMLToken: a whole element
			next = rw.lexForeign(p, l, tt, end)
		}
		if next != stepNext {
			return next == stepAgain
		}
	}
}

// lexError handles the end of the lexer's input or its error.
func (rw *Writer) lexError(p *lexPass, l *html.Lexer) step {
	base, n := p.base, p.n
	if l.Err() != io.EOF {
		// A NUL inside <svg> or <math> stops the lexer; browsers read it
		// as U+FFFD. Hide the NULs from the lexer (only the scratch copy
		// changes) and lex the construct again.
		for i := p.pos; i < n; i++ {
			if rw.scratch[i] == 0 {
				rw.scratch[i] = 1
			}
		}
		relex(p.in, l, p.pos)
		p.tag = -1
		return stepNext
	}
	if p.tag < 0 {
		rw.emitTo(base + n)
		return stepStop
	}
	if p.final {
		// An unterminated tag at the end: browsers drop it; it passes
		// through, after the injection if still due.
		rw.emitTo(base + p.tag)
		if !rw.injected {
			rw.injectNow()
		}
		rw.emitTo(base + n)
		return stepStop
	}
	rw.hold(base + p.tag)
	return stepStop
}

// lexStartTag opens a start tag whose name the lexer just returned.
func (rw *Writer) lexStartTag(p *lexPass, l *html.Lexer, end int) {
	name := l.Text()
	if i := bytes.IndexByte(name, '/'); i >= 0 {
		// "<script/src=…>": browsers end the name at the '/' and read it
		// as a space; so does the lexer after this patch.
		rw.scratch[p.pos+1+i] = ' '
		relex(p.in, l, p.pos)
		return
	}
	p.tag, p.nameEnd = p.pos, end
	p.class = classifyTag(name)
	rw.attrs = rw.attrs[:0]
}

// lexStartTagEnd decides the start tag that just closed, and scans the
// body of a raw-text element.
func (rw *Writer) lexStartTagEnd(p *lexPass, end int) step {
	rw.startTag(p.base+p.tag, p.base+end, p.nameEnd-p.tag, p.class)
	p.pos, p.tag = end, -1
	if p.class.raw != rawNone {
		rw.raw = rawState{kind: p.class.raw, name: p.class.rawName, scan: p.base + end}
		if !rw.rawStep(p.final) {
			return stepStop
		}
		p.pos = rw.jump(p.in, p.base)
	}
	return stepNext
}

// lexText passes text, injecting before the first non-space text when no
// head came first, and holds a trailing "<" or "</" or an open CDATA
// section.
func (rw *Writer) lexText(p *lexPass, l *html.Lexer, data []byte, end int) step {
	base, pos := p.base, p.pos
	if bytes.HasPrefix(data, cdataOpen) {
		// In HTML content "<![CDATA[" opens a bogus comment that ends at
		// the first '>', not at "]]>" as the lexer reads it.
		if k := bytes.IndexByte(data, '>'); k >= 0 {
			p.pos = pos + k + 1
			relex(p.in, l, p.pos)
			return stepNext
		}
	}
	textEnd := end
	if end == p.n && !p.final {
		if bytes.HasPrefix(data, cdataOpen) && !(len(data) >= len(cdataOpen)+3 && bytes.HasSuffix(data, []byte("]]>"))) {
			rw.hold(base + pos)
			return stepStop
		}
		// A final "<" or "</" may start a tag in the next write.
		if bytes.HasSuffix(data, []byte("</")) {
			textEnd -= 2
		} else if data[len(data)-1] == '<' {
			textEnd--
		}
	}
	if !rw.injected {
		if j := firstNonSpace(rw.carry[base+pos : base+textEnd]); j >= 0 {
			rw.emitTo(base + pos + j)
			rw.injectNow()
		}
	}
	if textEnd < end {
		rw.emitTo(base + textEnd)
		return stepStop
	}
	p.pos = end
	return stepNext
}

// lexComment passes a comment, scanning an unterminated one incrementally.
func (rw *Writer) lexComment(p *lexPass, l *html.Lexer, data []byte, end int) step {
	base, pos, n := p.base, p.pos, p.n
	if k := emptyComment(data); k > 0 {
		// "<!-->" and "<!--->" are whole comments to browsers.
		p.pos = pos + k
		relex(p.in, l, p.pos)
		return stepNext
	} else if k < 0 && end == n && !p.final {
		rw.hold(base + pos)
		return stepStop
	}
	if end == n && !p.final {
		if !bytes.HasPrefix(data, commentOpen) {
			if data[len(data)-1] == '>' {
				p.pos = end // a bogus comment ends at its first '>'
				return stepNext
			}
			rw.hold(base + pos)
			return stepStop
		}
		rw.emitTo(base + pos)
		rw.raw = rawState{kind: rawComment, scan: base + pos + len(commentOpen)}
		if !rw.rawStep(p.final) {
			return stepStop
		}
		p.pos = rw.jump(p.in, base)
		return stepNext
	}
	p.pos = end
	return stepNext
}

// lexForeign handles an <svg>, <math> or XML construct, which the lexer
// returns whole. An XML construct ("<xml …>") is an ordinary element to
// browsers: its name is disguised in scratch and it is lexed again. For
// <svg> and <math>, where the foreign content ends is the browser's
// reading (foreign), not the lexer's: the construct is held until that
// end is in (up to maxHold), its tags get a pass of their own, and the
// main pass goes on at that end.
func (rw *Writer) lexForeign(p *lexPass, l *html.Lexer, tt html.TokenType, end int) step {
	base, pos, n := p.base, p.pos, p.n
	if tt == html.XMLToken {
		rw.scratch[pos+3] = '_' // "<xm_": no longer a construct of its own
		relex(p.in, l, pos)
		return stepNext
	}
	start := base + pos
	fend, ok := base+end, true
	complete := end < n || p.final
	if complete && bytes.Equal(rw.carry[start:fend], rw.lastIcon) {
		// The same plain, inert element as the last one (an icon used
		// again): nothing to do.
		if !rw.injected {
			rw.emitTo(start)
			rw.injectNow()
		}
		p.pos = end
		return stepNext
	}
	if !complete || !plainForeign(rw.carry[start:fend]) {
		// First within the lexer's token and a few bytes after (its end
		// tag ends the token), then, when the browser reads on, within
		// all of the input.
		limit := min(end+foreignSlack, n)
		fend, ok = rw.foreign(start, base+limit, p.final && limit == n, false)
		if !ok && limit < n {
			fend, ok = rw.foreign(start, base+n, p.final, false)
		}
	}
	if !ok {
		if n-pos > rw.maxHold {
			// Too large to hold: check the tags it has so far, then let
			// it pass (the rest is lexed as HTML).
			if !rw.injected {
				rw.emitTo(start)
				rw.injectNow()
			}
			rw.foreign(start, base+n, true, true)
		}
		rw.hold(start)
		return stepStop
	}
	if !rw.injected {
		rw.emitTo(start)
		rw.injectNow()
	}
	if rw.pp != nil || !foreignInert(rw.carry[start:fend]) {
		rw.foreign(start, fend, true, true)
	} else if fend == base+end && fend-start <= maxIcon && plainForeign(rw.carry[start:fend]) {
		rw.lastIcon = append(rw.lastIcon[:0], rw.carry[start:fend]...)
	}
	p.pos = fend - base
	relex(p.in, l, p.pos)
	return stepNext
}

// maxIcon bounds the <svg> or <math> element kept to skip its repeats.
const maxIcon = 1024

// foreignSlack is how many bytes after the lexer's <svg> or <math> token
// the first foreign pass reads.
const foreignSlack = 32

// relex restarts the lexer at scratch[rel], a token boundary.
func relex(in *parse.Input, l *html.Lexer, rel int) {
	in.Move(rel - in.Offset())
	in.Skip()
	*l = *html.NewLexer(in)
}

// emptyComment returns the length of the empty comment "<!-->" or "<!--->"
// at the start of the comment token data, 0 when there is none, or -1 when
// data is a shorter prefix of "<!--->" that more bytes may complete.
func emptyComment(data []byte) int {
	switch {
	case bytes.HasPrefix(data, []byte("<!-->")):
		return 5
	case bytes.HasPrefix(data, []byte("<!--->")):
		return 6
	case len(data) < 6 && bytes.HasPrefix([]byte("<!--->"), data):
		return -1
	}
	return 0
}
