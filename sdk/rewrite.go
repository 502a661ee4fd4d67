package sdk

import (
	"bytes"
	"errors"
	"io"

	"github.com/tdewolff/parse/v2"
	"github.com/tdewolff/parse/v2/html"
)

// MaxHold caps the bytes the Rewriter holds back for one element: an
// incomplete tag, comment or doctype, or the body of an inline script whose
// category is decided from its text. Past it, an incomplete token passes
// through unmodified and an inline script is judged on its first MaxHold
// bytes; Overflows counts both, for logs.
const MaxHold = 64 << 10

// maxCacheEntries bounds the per-response caches of policy answers.
const maxCacheEntries = 256

var (
	errRewriterClosed = errors.New("sdk: write to a closed Rewriter")
	utf8BOM           = []byte{0xEF, 0xBB, 0xBF}
	cdataOpen         = []byte("<![CDATA[")
	commentOpen       = []byte("<!--")
)

// Rewriter rewrites an HTML byte stream for one response. It neutralises
// the tags that would load or run code of a category the Policy refuses and
// inserts the injection markup once; every other byte leaves exactly as it
// came (case, quotes, whitespace, entities, encoding).
//
// It lexes with tdewolff/parse/v2/html over a scratch copy of the bytes not
// yet emitted and emits the original bytes by offset. Only an incomplete
// token, an inline script whose category depends on its body (up to
// MaxHold) and a few bytes that could start an end tag are held back between
// writes; the bodies of raw-text elements and comments are scanned
// incrementally and never lexed, so memory and time stay linear whatever
// the page size and the write sizes.
//
// A Rewriter is not safe for concurrent use. Reset makes it reusable, for
// instance from a sync.Pool.
type Rewriter struct {
	w      io.Writer
	p      Policy
	inject []byte
	// bodyInject goes right after the <body> start tag (or at the end of a
	// document without one); see SetBodyInject.
	bodyInject []byte
	maxHold    int

	carry   []byte // input not yet emitted starts at carry[done]
	done    int
	scratch []byte // lowercased in place by the lexer
	out     []byte // output of the current call, written at once

	raw   rawState  // the raw-text element or comment being scanned
	held  heldTag   // the inline script waiting for its body
	attrs []tagAttr // attributes of the current (or held) start tag

	injected   bool
	bodyDone   bool
	bomChecked bool
	waitGT     bool // an incomplete token is held: only a '>' can complete it
	closed     bool
	total      int64
	err        error

	hosts     map[string]string // host → refused category, "" when not refused
	keys      map[string]string // data-category value → itself when refused
	hostBuf   []byte
	counts    []categoryCount
	overflows int
}

// heldTag is an inline script start tag at carry[start:end] whose category
// is decided once its body is known.
type heldTag struct {
	active     bool
	start, end int
	nameEnd    int // relative to start
	catAttr    int // index in attrs of its data-category, or -1
}

// refuseNothing is the Policy used when none is given.
type refuseNothing struct{}

func (refuseNothing) RefusedHost(string) string   { return "" }
func (refuseNothing) RefusedInline([]byte) string { return "" }
func (refuseNothing) Refused(string) bool         { return false }

type categoryCount struct {
	key string
	n   int
}

// NewRewriter returns a Rewriter writing to w. inject is markup inserted
// first in <head> (right after the <head …> start tag), or at the top of a
// document that has no head (before the first element other than the
// doctype, comments and <html>, or before its first text), or at the end on
// Close if nothing came before. A body of zero bytes stays empty.
func NewRewriter(w io.Writer, p Policy, inject []byte) *Rewriter {
	rw := new(Rewriter)
	rw.Reset(w, p, inject)
	return rw
}

// Reset makes rw ready for a new response, keeping its buffers. A nil
// Policy refuses nothing.
func (rw *Rewriter) Reset(w io.Writer, p Policy, inject []byte) {
	if p == nil {
		p = refuseNothing{}
	}
	keep := func(b []byte) []byte {
		if cap(b) > 4*MaxHold {
			return nil
		}
		return b[:0]
	}
	clear(rw.hosts)
	clear(rw.keys)
	*rw = Rewriter{
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
		counts:   rw.counts[:0],
	}
}

// Write rewrites b. Everything that can be decided is written to the
// underlying writer in one Write; the rest is held for the next call.
func (rw *Rewriter) Write(b []byte) (int, error) {
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
func (rw *Rewriter) Flush() error {
	if rw.err != nil || rw.closed {
		return rw.err
	}
	rw.run(false)
	return rw.flushOut()
}

// Close ends the document: it writes the tail, with an unterminated tag,
// comment or raw-text element passing through unmodified, and the
// injection if no place for it came before.
func (rw *Rewriter) Close() error {
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
func (rw *Rewriter) Neutralised() map[string]int {
	m := make(map[string]int, len(rw.counts))
	for _, c := range rw.counts {
		m[c.key] = c.n
	}
	return m
}

// Overflows returns how many elements exceeded MaxHold: incomplete tokens
// that passed through unmodified and inline scripts judged on their first
// MaxHold bytes.
func (rw *Rewriter) Overflows() int { return rw.overflows }

// SetBodyInject sets markup to insert right after the first <body …> start
// tag, or at the end of a document that has none (browsers then move it into
// the body they create). The consent middleware puts its no-JavaScript form
// there. Call it after Reset and before the first Write.
func (rw *Rewriter) SetBodyInject(b []byte) {
	rw.bodyInject = b
	rw.bodyDone = len(b) == 0
}

// Injected reports whether the injection has been written.
func (rw *Rewriter) Injected() bool { return rw.injected && len(rw.inject) > 0 }

// flushOut drops the emitted input and writes the output.
func (rw *Rewriter) flushOut() error {
	if d := rw.done; d > 0 {
		n := copy(rw.carry, rw.carry[d:])
		rw.carry = rw.carry[:n]
		rw.done = 0
		rw.raw.scan -= d
		rw.held.start -= d
		rw.held.end -= d
	}
	if len(rw.out) == 0 {
		return nil
	}
	_, err := rw.w.Write(rw.out)
	rw.out = rw.out[:0]
	if err != nil {
		rw.err = err
	}
	return err
}

// run decides as much of carry[done:] as it can.
func (rw *Rewriter) run(final bool) {
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
func (rw *Rewriter) emitTo(i int) {
	if i > rw.done {
		rw.out = append(rw.out, rw.carry[rw.done:i]...)
		rw.done = i
	}
}

func (rw *Rewriter) injectNow() {
	rw.out = append(rw.out, rw.inject...)
	rw.injected = true
}

// hold keeps carry[i:], an incomplete token, for the next write, or passes
// it through when it is larger than maxHold.
func (rw *Rewriter) hold(i int) {
	rw.emitTo(i)
	if len(rw.carry)-i > rw.maxHold {
		rw.overflows++
		rw.emitTo(len(rw.carry))
		return
	}
	rw.waitGT = true
}

// lex tokenises carry[done:] and emits what it decides. It returns true
// when lexing must start again at done.
func (rw *Rewriter) lex(final bool) bool {
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
func (rw *Rewriter) tokens(in *parse.Input, l *html.Lexer, base, n int, final bool) bool {
	pos := 0  // start of the next token
	tag := -1 // start of the open start tag
	nameEnd := 0
	var class tagClass
	for {
		tt, data := l.Next()
		end := in.Offset()
		switch tt {
		case html.ErrorToken:
			if l.Err() != io.EOF {
				// A NUL inside <svg> or <math> stops the lexer: pass the
				// construct through up to and including the NUL.
				start := pos
				if tag >= 0 {
					start = tag
				}
				if !rw.injected {
					rw.emitTo(base + start)
					rw.injectNow()
				}
				rw.emitTo(base + min(end+1, n))
				return true
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
			tag, nameEnd = pos, end
			class = classifyTag(l.Text())
			rw.attrs = rw.attrs[:0]

		case html.AttributeToken:
			if class.el >= elScript {
				if k := classifyAttr(l.AttrKey(), class); k != 0 {
					key := l.AttrKey()
					a := tagAttr{kind: k, keyOff: end - cap(key) - tag, valOff: -1}
					a.keyEnd = a.keyOff + len(key)
					if v := l.AttrVal(); v != nil {
						a.valOff = end - cap(v) - tag
						a.valEnd = a.valOff + len(v)
					}
					rw.attrs = append(rw.attrs, a)
				}
			}

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
				rw.hold(base + pos)
				return false
			}
			if !rw.injected {
				rw.emitTo(base + pos)
				rw.injectNow()
			}
			pos = end
		}
	}
}

// jump moves the lexer to done, where a raw-text element's end tag or the
// markup after a comment starts, and returns that offset in scratch.
func (rw *Rewriter) jump(in *parse.Input, base int) int {
	rel := rw.done - base
	in.Move(rel - in.Offset())
	in.Skip()
	return rel
}

// rawStep scans the current raw-text element or comment. It returns true
// when its end was found and markup continues at done; false when the input
// is used up (everything decided is emitted, the rest held).
func (rw *Rewriter) rawStep(final bool) bool {
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
func (rw *Rewriter) startTag(start, end, nameEnd int, c tagClass) {
	if !rw.injected && c.el != elHTML && c.el != elHead {
		rw.emitTo(start)
		rw.injectNow()
	}
	switch c.el {
	case elScript:
		rw.scriptTag(start, end, nameEnd)
	case elMedia, elLink:
		rw.mediaTag(start, end, nameEnd, c)
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
func (rw *Rewriter) attrValue(start int, a tagAttr) []byte {
	if a.valOff < 0 {
		return nil
	}
	return unquote(rw.carry[start+a.valOff : start+a.valEnd])
}

// scriptTag neutralises a script start tag decided by its attributes, or
// holds an inline one until its body is known.
func (rw *Rewriter) scriptTag(start, end, nameEnd int) {
	typ, src, catAttr := -1, -1, -1
	for i, a := range rw.attrs {
		switch {
		case a.kind == attrType && typ < 0:
			typ = i
		case a.kind == attrSrc && src < 0:
			src = i
		case a.kind == attrCategory && catAttr < 0:
			catAttr = i
		}
	}
	if typ >= 0 && !isJSType(rw.attrValue(start, rw.attrs[typ])) {
		return // data, templates, import maps and already neutralised tags
	}
	cat := ""
	if catAttr >= 0 {
		cat = rw.refusedKey(rw.attrValue(start, rw.attrs[catAttr]))
	}
	if cat == "" && src >= 0 {
		cat = rw.hostCategory(rw.attrValue(start, rw.attrs[src]))
	}
	switch {
	case cat != "":
		rw.neutralise(start, end, nameEnd, cat, attrSrc|attrType, true, catAttr)
	case src < 0:
		rw.emitTo(start)
		rw.held = heldTag{active: true, start: start, end: end, nameEnd: nameEnd, catAttr: catAttr}
	}
}

// finishHeld decides the held inline script from its body,
// carry[held.end:bodyEnd]. An unterminated script at the end of the
// document (browsers do not run it) passes unmodified.
func (rw *Rewriter) finishHeld(bodyEnd int, unterminated bool) {
	h := rw.held
	rw.held.active = false
	body := rw.carry[h.end:bodyEnd]
	if len(body) > rw.maxHold {
		body = body[:rw.maxHold]
		rw.overflows++
	} else if unterminated {
		return
	}
	if cat := rw.p.RefusedInline(body); cat != "" {
		rw.neutralise(h.start, h.end, h.nameEnd, cat, attrType, true, h.catAttr)
	}
}

// mediaTag neutralises an iframe, img, embed, object, video, audio, source
// or loading link that points at a refused host or is marked with a refused
// data-category.
func (rw *Rewriter) mediaTag(start, end, nameEnd int, c tagClass) {
	loads := c.el != elLink
	catAttr := -1
	for i, a := range rw.attrs {
		switch {
		case a.kind == attrRel && !loads:
			loads = isLoadingRel(rw.attrValue(start, a))
		case a.kind == attrCategory && catAttr < 0:
			catAttr = i
		}
	}
	if !loads {
		return
	}
	cat := ""
	if catAttr >= 0 {
		cat = rw.refusedKey(rw.attrValue(start, rw.attrs[catAttr]))
	}
	for _, a := range rw.attrs {
		if cat != "" {
			break
		}
		if a.kind&c.urls == 0 {
			continue
		}
		v := rw.attrValue(start, a)
		if a.kind != attrSrcset {
			cat = rw.hostCategory(v)
			continue
		}
		for i := 0; cat == ""; {
			var u []byte
			if u, i = nextSrcsetURL(v, i); u == nil {
				break
			}
			cat = rw.hostCategory(u)
		}
	}
	if cat != "" {
		rw.neutralise(start, end, nameEnd, cat, c.urls, false, catAttr)
	}
}

// neutralise emits the start tag carry[start:end] made inert for category
// cat: ` type="text/plain"` (scripts) and ` data-category="cat"` (unless the
// tag has one) go right after the name, the attributes of the rename kinds
// get a "data-" prefix, and a data-category naming another (granted)
// category is set to cat. Every other byte is kept.
func (rw *Rewriter) neutralise(start, end, nameEnd int, cat string, rename attrKind, script bool, catAttr int) {
	rw.emitTo(start)
	t := rw.carry[start:end]
	out := append(rw.out, t[:nameEnd]...)
	if script {
		out = append(out, ` type="text/plain"`...)
	}
	if catAttr < 0 {
		out = append(out, ` data-category="`...)
		out = appendAttrValue(out, cat)
		out = append(out, '"')
	}
	last := nameEnd
	for i, a := range rw.attrs {
		switch {
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
	rw.count(cat)
}

func (rw *Rewriter) count(cat string) {
	for i := range rw.counts {
		if rw.counts[i].key == cat {
			rw.counts[i].n++
			return
		}
	}
	rw.counts = append(rw.counts, categoryCount{cat, 1})
}

// refusedKey returns the data-category value v when the policy refuses it,
// else "".
func (rw *Rewriter) refusedKey(v []byte) string {
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
func (rw *Rewriter) hostCategory(v []byte) string {
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
