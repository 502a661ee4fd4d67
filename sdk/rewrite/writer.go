package rewrite

import (
	"bytes"
	"errors"
	"io"

	"github.com/tdewolff/parse/v2"
	"github.com/tdewolff/parse/v2/html"
)

// MaxHold caps the bytes the Writer holds back for one element: an
// incomplete tag, comment or doctype, or the body of an inline script whose
// category is decided from its text. Past it, an incomplete token passes
// through unmodified and an inline script is judged on its first MaxHold
// bytes; Overflows counts both, for logs.
const MaxHold = 64 << 10

// maxCacheEntries bounds the per-response caches of policy answers.
const maxCacheEntries = 256

var (
	errRewriterClosed = errors.New("rewrite: write to a closed Writer")
	utf8BOM           = []byte{0xEF, 0xBB, 0xBF}
	cdataOpen         = []byte("<![CDATA[")
	commentOpen       = []byte("<!--")
)

// Writer rewrites an HTML byte stream for one response. It neutralises
// the tags that would load or run code of a category the Policy refuses and
// inserts the injection markup once; every other byte leaves exactly as it
// came (case, quotes, whitespace, entities, encoding).
//
// It lexes with tdewolff/parse/v2/html over a scratch copy of the bytes not
// yet emitted and emits the original bytes by offset. Once the injections
// are written, a cheap tag scanner (skipFast) passes text, end tags and the
// start tags no rule can touch without the lexer, which runs only where a
// rule may match. <svg> and <math>, which the lexer returns whole, get a
// second pass of their own (foreign). Only an incomplete token, an inline
// script or style whose category depends on its body (up to MaxHold) and a
// few bytes that could start an end tag are held back between writes; the
// bodies of raw-text elements and comments are scanned incrementally and
// never lexed, so memory and time stay linear whatever the page size and
// the write sizes.
//
// What it neutralises, for the categories the Policy refuses: elements
// whose fetching URL attributes (fetchAttrs; in <svg> and <math> also href,
// xlink:href and src) point at a refused host or that the site marked with
// a refused data-category; style attributes, <style> elements, inline
// scripts and srcdoc documents that name a refused host (textCategory) or
// match the Policy's inline patterns; <meta http-equiv=refresh> and <base
// href> to a refused host. Spellings browsers accept count: any case,
// character references, backslashes, tabs and newlines in URLs, "<script/
// src=…>", "<!-->" as a whole comment.
//
// A Writer is not safe for concurrent use. Reset makes it reusable, for
// instance from a sync.Pool.
type Writer struct {
	w      io.Writer
	p      Policy
	inject []byte
	// bodyInject goes right after the <body> start tag (or at the end of a
	// document without one); see SetBodyInject.
	bodyInject []byte
	maxHold    int
	// holdOut, while positive, keeps the output in out until it passes
	// that many bytes, a Flush or Close (see holdOutput).
	holdOut int

	carry   []byte // input not yet emitted starts at carry[done]
	done    int
	scratch []byte // lowercased in place by the lexer
	out     []byte // output of the current call, written at once

	raw   rawState  // the raw-text element or comment being scanned
	held  heldTag   // the inline script waiting for its body
	attrs []tagAttr // attributes of the current (or held) start tag

	injected   bool
	slow       bool // tests: lex every tag, without skipFast
	bodyDone   bool
	bomChecked bool
	waitGT     bool // an incomplete token is held: only a '>' can complete it
	closed     bool
	total      int64
	err        error

	hosts     map[string]string // host → refused category, "" when not refused
	keys      map[string]string // data-category value → itself when refused
	hostBuf   []byte
	textBuf   []byte // entity-decoded attribute text
	textBuf2  []byte
	fscratch  []byte       // the lexer's copy of an <svg> or <math> element, at its end
	fin       *parse.Input // over fscratch
	counts    Counts
	overflows int
}

// heldTag is an inline script start tag at carry[start:end] whose category
// is decided once its body is known.
type heldTag struct {
	active     bool
	start, end int
	nameEnd    int  // relative to start
	catAttr    int  // index in attrs of its data-category, or -1
	style      bool // a <style> element, else a <script>
	urls       attrKind
}

// refuseNothing is the Policy used when none is given.
type refuseNothing struct{}

func (refuseNothing) RefusedHost(string) string   { return "" }
func (refuseNothing) RefusedInline([]byte) string { return "" }
func (refuseNothing) Refused(string) bool         { return false }

// NewWriter returns a Writer writing to w. inject is markup inserted
// first in <head> (right after the <head …> start tag), or at the top of a
// document that has no head (before the first element other than the
// doctype, comments and <html>, or before its first text), or at the end on
// Close if nothing came before. A body of zero bytes stays empty.
func NewWriter(w io.Writer, p Policy, inject []byte) *Writer {
	rw := new(Writer)
	rw.Reset(w, p, inject)
	return rw
}

// Reset makes rw ready for a new response, keeping its buffers. A nil
// Policy refuses nothing.
func (rw *Writer) Reset(w io.Writer, p Policy, inject []byte) {
	if p == nil {
		p = refuseNothing{}
	}
	keep := func(b []byte) []byte {
		if cap(b) > 4*MaxHold {
			return nil
		}
		return b[:0]
	}
	fscratch, fin := rw.fscratch, rw.fin
	if len(fscratch) > 4*MaxHold {
		fscratch, fin = nil, nil
	}
	clear(rw.hosts)
	clear(rw.keys)
	*rw = Writer{
		w:        w,
		p:        p,
		inject:   inject,
		maxHold:  MaxHold,
		carry:    keep(rw.carry),
		scratch:  keep(rw.scratch),
		out:      keep(rw.out),
		attrs:    rw.attrs[:0],
		injected: len(inject) == 0,
		hosts:    rw.hosts,
		keys:     rw.keys,
		hostBuf:  rw.hostBuf[:0],
		fscratch: fscratch,
		fin:      fin,
		textBuf:  keep(rw.textBuf),
		textBuf2: keep(rw.textBuf2),
		counts:   rw.counts[:0],
	}
}

// Write rewrites b. Everything that can be decided is written to the
// underlying writer in one Write; the rest is held for the next call.
func (rw *Writer) Write(b []byte) (int, error) {
	if rw.err != nil {
		return 0, rw.err
	}
	if rw.closed {
		return 0, errRewriterClosed
	}
	if len(b) == 0 {
		return 0, nil
	}
	rw.total += int64(len(b))
	skip := rw.waitGT && bytes.IndexByte(b, '>') < 0 && len(rw.carry)-rw.done+len(b) <= rw.maxHold
	rw.carry = append(rw.carry, b...)
	if !skip {
		rw.run(false)
	}
	return len(b), rw.flushOut()
}

// Flush writes everything that is already decided. Bytes that may still
// change (an incomplete tag, a held inline script) stay held.
func (rw *Writer) Flush() error {
	if rw.err != nil || rw.closed {
		return rw.err
	}
	rw.holdOut = 0
	rw.run(false)
	return rw.flushOut()
}

// Close ends the document: it writes the tail, with an unterminated tag,
// comment or raw-text element passing through unmodified, and the
// injection if no place for it came before.
func (rw *Writer) Close() error {
	if rw.closed || rw.err != nil {
		return rw.err
	}
	rw.closed = true
	rw.run(true)
	if !rw.injected && rw.total > 0 {
		rw.injectNow()
	}
	if !rw.bodyDone && rw.total > 0 {
		rw.out = append(rw.out, rw.bodyInject...)
		rw.bodyDone = true
	}
	return rw.flushOut()
}

// Neutralised returns how many tags were neutralised per category key so
// far. It builds a new map on each call; call it once at the end of a
// response for logs and metrics.
func (rw *Writer) Neutralised() map[string]int {
	return rw.counts.Map()
}

// Hosts returns the hosts the Writer has looked up so far, as keys
// (URL attributes and hosts named in inline text; at most
// maxCacheEntries), each with its refused category or "". The map is the
// Writer's own, valid until Reset; the caller must not modify it.
func (rw *Writer) Hosts() map[string]string { return rw.hosts }

// Overflows returns how many elements exceeded MaxHold: incomplete tokens
// that passed through unmodified and inline scripts judged on their first
// MaxHold bytes.
func (rw *Writer) Overflows() int { return rw.overflows }

// SetBodyInject sets markup to insert right after the first <body …> start
// tag, or at the end of a document that has none (browsers then move it into
// the body they create). The consent middleware puts its no-JavaScript form
// there. Call it after Reset and before the first Write.
func (rw *Writer) SetBodyInject(b []byte) {
	rw.bodyInject = b
	rw.bodyDone = len(b) == 0
}

// HoldOutput keeps the output back, instead of writing it on every Write,
// until more than limit bytes of it are waiting, Flush or Close: a small
// page then reaches the underlying writer in one Write, at Close, and the
// middleware can give it a Content-Length. Call it after Reset and before
// the first Write.
func (rw *Writer) HoldOutput(limit int) { rw.holdOut = limit }

// Injected reports whether the injection has been written.
func (rw *Writer) Injected() bool { return rw.injected && len(rw.inject) > 0 }

// flushOut drops the emitted input and writes the output.
func (rw *Writer) flushOut() error {
	if d := rw.done; d > 0 {
		n := copy(rw.carry, rw.carry[d:])
		rw.carry = rw.carry[:n]
		rw.done = 0
		rw.raw.scan -= d
		rw.held.start -= d
		rw.held.end -= d
	}
	if len(rw.out) == 0 || (rw.holdOut > 0 && len(rw.out) <= rw.holdOut && !rw.closed) {
		return nil
	}
	rw.holdOut = 0
	_, err := rw.w.Write(rw.out)
	rw.out = rw.out[:0]
	if err != nil {
		rw.err = err
	}
	return err
}

// run decides as much of carry[done:] as it can.
func (rw *Writer) run(final bool) {
	rw.waitGT = false
	if !rw.bomChecked {
		rest := rw.carry[rw.done:]
		if !final && len(rest) < len(utf8BOM) && bytes.HasPrefix(utf8BOM, rest) {
			return
		}
		rw.bomChecked = true
		if bytes.HasPrefix(rest, utf8BOM) {
			rw.emitTo(rw.done + len(utf8BOM))
		}
	}
	for {
		if rw.raw.kind != rawNone && !rw.rawStep(final) {
			return
		}
		if rw.done >= len(rw.carry) {
			return
		}
		if !rw.lex(final) {
			return
		}
	}
}

// emitTo copies the input up to carry[i] to the output unchanged.
func (rw *Writer) emitTo(i int) {
	if i > rw.done {
		rw.out = append(rw.out, rw.carry[rw.done:i]...)
		rw.done = i
	}
}

func (rw *Writer) injectNow() {
	rw.out = append(rw.out, rw.inject...)
	rw.injected = true
}

// hold keeps carry[i:], an incomplete token, for the next write, or passes
// it on when it is larger than maxHold (see passOverlong).
func (rw *Writer) hold(i int) {
	rw.emitTo(i)
	if len(rw.carry)-i > rw.maxHold {
		rw.overflows++
		rw.passOverlong(i)
		return
	}
	rw.waitGT = true
}

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
	l := html.NewLexer(in)
	again := rw.tokens(in, l, base, n, final)
	in.Restore()
	return again
}

// tokens runs the lexer over carry[base:base+n] (copied in scratch).
// Offsets of attribute names and values are found from slice capacities:
// the lexer returns them as slices of its input capped at the end of the
// token (Input.Lexeme), so a slice starts at tokenEnd-cap(slice).
func (rw *Writer) tokens(in *parse.Input, l *html.Lexer, base, n int, final bool) bool {
	pos := 0  // start of the next token
	tag := -1 // start of the open start tag
	nameEnd := 0
	var class tagClass
	for {
		if tag < 0 && rw.injected && rw.bodyDone && !rw.slow {
			if k := skipFast(rw.carry[base+pos : base+n]); k > 0 {
				pos += k
				relex(in, l, pos)
			}
		}
		tt, data := l.Next()
		end := in.Offset()
		switch tt {
		case html.ErrorToken:
			if l.Err() != io.EOF {
				// A NUL inside <svg> or <math> stops the lexer; browsers
				// read it as U+FFFD. Hide the NULs from the lexer (only
				// the scratch copy changes) and lex the construct again.
				for i := pos; i < n; i++ {
					if rw.scratch[i] == 0 {
						rw.scratch[i] = 1
					}
				}
				relex(in, l, pos)
				tag = -1
				continue
			}
			if tag < 0 {
				rw.emitTo(base + n)
				return false
			}
			if final {
				// An unterminated tag at the end: browsers drop it; it
				// passes through, after the injection if still due.
				rw.emitTo(base + tag)
				if !rw.injected {
					rw.injectNow()
				}
				rw.emitTo(base + n)
				return false
			}
			rw.hold(base + tag)
			return false

		case html.StartTagToken:
			name := l.Text()
			if i := bytes.IndexByte(name, '/'); i >= 0 {
				// "<script/src=…>": browsers end the name at the '/' and
				// read it as a space; so does the lexer after this patch.
				rw.scratch[pos+1+i] = ' '
				relex(in, l, pos)
				continue
			}
			tag, nameEnd = pos, end
			class = classifyTag(name)
			rw.attrs = rw.attrs[:0]

		case html.AttributeToken:
			rw.addAttr(l, class, end, tag)

		case html.StartTagCloseToken, html.StartTagVoidToken:
			rw.startTag(base+tag, base+end, nameEnd-tag, class)
			pos, tag = end, -1
			if class.raw != rawNone {
				rw.raw = rawState{kind: class.raw, name: class.rawName, scan: base + end}
				if !rw.rawStep(final) {
					return false
				}
				pos = rw.jump(in, base)
			}

		case html.TextToken:
			textEnd := end
			open := end == n && !final
			if open {
				if bytes.HasPrefix(data, cdataOpen) && !(len(data) >= len(cdataOpen)+3 && bytes.HasSuffix(data, []byte("]]>"))) {
					rw.hold(base + pos)
					return false
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
				return false
			}
			pos = end

		case html.CommentToken:
			if k := emptyComment(data); k > 0 {
				// "<!-->" and "<!--->" are whole comments to browsers.
				pos = pos + k
				relex(in, l, pos)
				continue
			} else if k < 0 && end == n && !final {
				rw.hold(base + pos)
				return false
			}
			if end == n && !final {
				if !bytes.HasPrefix(data, commentOpen) {
					if data[len(data)-1] == '>' {
						pos = end // a bogus comment ends at its first '>'
						continue
					}
					rw.hold(base + pos)
					return false
				}
				rw.emitTo(base + pos)
				rw.raw = rawState{kind: rawComment, scan: base + pos + len(commentOpen)}
				if !rw.rawStep(final) {
					return false
				}
				pos = rw.jump(in, base)
				continue
			}
			pos = end

		case html.DoctypeToken, html.EndTagToken:
			// Both end at their first '>'.
			if end == n && !final && data[len(data)-1] != '>' {
				rw.hold(base + pos)
				return false
			}
			pos = end

		default: // SVGToken, MathToken, XMLToken: a whole element
			if end == n && !final {
				if tt != html.XMLToken && n-pos > rw.maxHold {
					// Too large to hold: check the tags it has so far,
					// then let it pass (the rest is lexed as HTML).
					if !rw.injected {
						rw.emitTo(base + pos)
						rw.injectNow()
					}
					rw.foreign(base+pos, base+n)
				}
				rw.hold(base + pos)
				return false
			}
			if !rw.injected {
				rw.emitTo(base + pos)
				rw.injectNow()
			}
			if tt != html.XMLToken {
				rw.foreign(base+pos, base+end)
			}
			pos = end
		}
	}
}

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
		rw.emitTo(resume)
		rw.raw.kind = rawNone
		return true
	}
	if final {
		if rw.held.active {
			rw.finishHeld(len(rw.carry), true)
		}
		rw.emitTo(len(rw.carry))
		rw.raw.kind = rawNone
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
	case elScript, elStyle:
		rw.rawTag(start, end, nameEnd, c)
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
		cat = rw.hostCategory(rw.attrValue(start, rw.attrs[src]))
	}
	return true, cat, cat == "" && src < 0, catAttr
}

// rawTag neutralises a script or style start tag decided by its
// attributes, or holds an inline one until its body is known. A <style>
// whose CSS loads from a refused host is neutralised whole, exactly like a
// script: type="text/plain" (HTML applies no style sheet of another type,
// so none of its url() or @import loads), the original type kept in
// data-type, the body byte for byte, ready for re-activation. Its
// first-party rules wait for consent too; rewriting only the offending
// url()s would change first-party bytes and break re-activation.
func (rw *Writer) rawTag(start, end, nameEnd int, c tagClass) {
	live, cat, inline, catAttr := rw.rawAttrs(start, c)
	switch {
	case !live:
	case cat != "":
		rw.neutralise(start, end, nameEnd, cat, c.urls|attrType, true, catAttr)
	case inline:
		rw.emitTo(start)
		rw.held = heldTag{active: true, start: start, end: end, nameEnd: nameEnd, catAttr: catAttr, style: c.el == elStyle, urls: c.urls}
	}
}

// finishHeld decides the held inline script or style from its body,
// carry[held.end:bodyEnd]. An unterminated script at the end of the
// document (browsers do not run it) passes unmodified; an unterminated
// style still applies.
func (rw *Writer) finishHeld(bodyEnd int, unterminated bool) {
	h := rw.held
	rw.held.active = false
	body := rw.carry[h.end:bodyEnd]
	if len(body) > rw.maxHold {
		body = body[:rw.maxHold]
		rw.overflows++
	} else if unterminated && !h.style {
		return
	}
	if cat := rw.bodyCategory(body, h.style, false); cat != "" {
		rw.neutralise(h.start, h.end, h.nameEnd, cat, h.urls|attrType, true, h.catAttr)
	}
}

// bodyCategory returns the refused category a script body (by the policy's
// inline patterns, or a refused host it names) or a style body (a refused
// host it names) belongs to, or "". decode first decodes character
// references, for bodies in foreign content.
func (rw *Writer) bodyCategory(body []byte, style, decode bool) string {
	if decode {
		rw.textBuf = decodeText(rw.textBuf[:0], body)
		body = rw.textBuf
	}
	if !style {
		if cat := rw.p.RefusedInline(body); cat != "" {
			return cat
		}
	}
	return rw.textCategory(body, style)
}

// fetchTag neutralises an element whose fetching URL attributes (see
// fetchAttrs) point at a refused host or that is marked with a refused
// data-category, and renames a style attribute whose CSS loads from a
// refused host.
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
	for _, a := range rw.attrs {
		if a.kind != attrStyle {
			continue
		}
		rw.textBuf = decodeText(rw.textBuf[:0], rw.attrValue(start, a))
		if k := rw.textCategory(rw.textBuf, true); k != "" {
			rename |= attrStyle
			if cat == "" {
				cat = k
			}
		}
	}
	if cat != "" {
		rw.neutralise(start, end, nameEnd, cat, rename, false, catAttr)
	}
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
			if cat := rw.hostCategory(u); cat != "" {
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
			if cat := rw.hostCategory(v[i:j]); cat != "" {
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
		return rw.textCategory(rw.textBuf2, false)
	case attrContent:
		rw.textBuf = decodeText(rw.textBuf[:0], v)
		return rw.hostCategory(refreshURL(rw.textBuf))
	}
	return rw.hostCategory(v)
}

// neutralise emits the start tag carry[start:end] made inert for category
// cat: ` type="text/plain"` (scripts and styles, inert) and ` data-category="cat"` (unless the
// tag has one) go right after the name, the attributes of the rename kinds
// get a "data-" prefix, and a data-category naming another (granted)
// category is set to cat. Every other byte is kept.
func (rw *Writer) neutralise(start, end, nameEnd int, cat string, rename attrKind, inert bool, catAttr int) {
	rw.emitTo(start)
	t := rw.carry[start:end]
	out := append(rw.out, t[:nameEnd]...)
	if inert {
		out = append(out, ` type="text/plain"`...)
	}
	if catAttr < 0 {
		out = append(out, ` data-category="`...)
		out = appendAttrValue(out, cat)
		out = append(out, '"')
	}
	var renamed attrKind // the attributes this tag has that get a data- name
	for _, a := range rw.attrs {
		if a.kind != attrLazy {
			renamed |= a.kind & rename
		}
	}
	last := nameEnd
	for i, a := range rw.attrs {
		switch {
		case a.twin&renamed != 0, a.kind == attrLazy && rename&attrLazy != 0 && catAttr < 0:
			// A data-src the tag already has: see dataTwin.
			out = append(out, t[last:a.keyOff+len("data-")]...)
			out = append(out, "consent-orig-"...)
			last = a.keyOff + len("data-")
		case a.kind == attrLazy:
			// A marked element's data-src: the consent protocol's own.
		case a.kind&rename != 0:
			out = append(out, t[last:a.keyOff]...)
			out = append(out, "data-"...)
			last = a.keyOff
		case i == catAttr && string(trimHTMLSpace(rw.attrValue(start, a))) != cat:
			if a.valOff >= 0 {
				out = append(out, t[last:a.valOff]...)
				last = a.valEnd
			} else {
				out = append(out, t[last:a.keyEnd]...)
				last = a.keyEnd
				out = append(out, '=')
			}
			out = append(out, '"')
			out = appendAttrValue(out, cat)
			out = append(out, '"')
		}
	}
	rw.out = append(out, t[last:]...)
	rw.done = end
	rw.counts = rw.counts.Add(cat)
}

// refusedKey returns the data-category value v when the policy refuses it,
// else "".
func (rw *Writer) refusedKey(v []byte) string {
	v = trimHTMLSpace(v)
	if len(v) == 0 {
		return ""
	}
	if k, ok := rw.keys[string(v)]; ok {
		return k
	}
	s := string(v)
	k := ""
	if rw.p.Refused(s) {
		k = s
	}
	if rw.keys == nil {
		rw.keys = make(map[string]string)
	}
	if len(rw.keys) < maxCacheEntries {
		rw.keys[s] = k
	}
	return k
}

// hostCategory returns the refused category of the host the URL attribute
// value v points at, or "".
func (rw *Writer) hostCategory(v []byte) string {
	rw.hostBuf = appendURLHost(rw.hostBuf[:0], v)
	h := rw.hostBuf
	if len(h) == 0 {
		return ""
	}
	if k, ok := rw.hosts[string(h)]; ok {
		return k
	}
	s := string(h)
	k := rw.p.RefusedHost(s)
	if rw.hosts == nil {
		rw.hosts = make(map[string]string)
	}
	if len(rw.hosts) < maxCacheEntries {
		rw.hosts[s] = k
	}
	return k
}

// firstNonSpace returns the index of the first byte of b that is not HTML
// whitespace, or -1.
func firstNonSpace(b []byte) int {
	for i, c := range b {
		if !isHTMLSpace(c) {
			return i
		}
	}
	return -1
}
