package rewrite

import (
	"bytes"
	"errors"
	"io"

	"github.com/tdewolff/parse/v2"
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
// whose fetching URL attributes (the element table, table.go; in <svg> and
// <math> also href, xlink:href and src) point at a refused host or that the
// site marked with a refused data-category; inline scripts that load or run
// a tracker (see "Inline scripts" in the package doc); frames whose srcdoc
// or data: document would load or run anything refused, scripts and style
// sheets whose data: URL would; <meta http-equiv=refresh> and <base href>
// to a refused host. In CSS (<style> elements, also in <svg>, and style
// attributes) it neutralises the tracker, not the style: read with the CSS
// tokenizer, only the url(), @import and image-set URLs of a refused host
// are blanked, and a <style>'s originals wait in an inert carrier for
// consent (css.go, style.go). With a PathPolicy, a URL on the page's own
// host (SetPage) under a refused first-party path prefix counts as a
// refused host. Spellings browsers accept count: any case, character
// references, CSS escapes, backslashes, tabs and newlines in URLs, hosts
// as IDNA maps them (full-width letters, the ideographic full stop),
// percent-encoded hosts, "https:host" without slashes, "<script/src=…>",
// "<!-->" as a whole comment, <image> for <img>, foreign content and
// <noscript> as the browser reads them (see the package doc).
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
	// stamp goes right after the name of every start tag the Writer
	// neutralises or that the site marked with data-category; see
	// SetStamp.
	stamp   []byte
	maxHold int
	// holdOut, while positive, keeps the output in out until it passes
	// that many bytes, a Flush or Close (see HoldOutput).
	holdOut int

	carry   []byte // input not yet emitted starts at carry[done]
	done    int
	scratch []byte // lowercased in place by the lexer
	out     []byte // output of the current call, written at once

	raw     rawState     // the raw-text element or comment being scanned
	ns      []nsSpan     // noscript stretches not yet emitted (noscript.go)
	nsFalse []nsFalseEnd // false noscript ends written while their stretch is pending
	held    heldTag      // the inline script waiting for its body
	attrs   []tagAttr    // attributes of the current (or held) start tag

	injected   bool
	slow       bool // tests: lex every tag, without skipFast
	bodyDone   bool
	bomChecked bool
	waitGT     bool // an incomplete token is held: only a '>' can complete it
	closed     bool
	total      int64
	err        error

	hosts     map[string]string // host → refused category, "" when not refused
	pp        PathPolicy        // p, when it names first-party paths
	pageHost  string            // see SetPage
	pageDir   string
	paths     map[string]string // first-party path prefix → refused category
	pathBuf   []byte
	fetched   map[string]bool   // the hosts of hosts looked up from a fetching attribute
	keys      map[string]string // data-category value → itself when refused
	hostBuf   []byte
	textBuf   []byte // entity-decoded attribute text
	textBuf2  []byte
	fscratch  []byte       // the lexer's copy of an <svg> or <math> element, at its end
	fin       *parse.Input // over fscratch
	fstack    []fnode      // the foreign pass's open elements
	dataBuf   []byte       // a decoded data: URL's content
	nested    *Writer      // judges frame documents (docCategory)
	depth     int          // how deep in frame documents this Writer is
	lastIcon  []byte       // the last plain, inert <svg> or <math> element (lexForeign)
	counts    Counts
	overflows int

	// CSS (css.go, style.go): the <style> body being read, the places
	// blanked so far and the carrier of their originals.
	css        cssState
	cssOn      bool   // a <style> body is being read
	cssTried   int    // undecided bytes at the last read of the body
	cssPend    bool   // cssCarrier goes after the style's end tag
	cssCats    Counts // categories blanked in the current style or tag
	cssList    []byte // the carrier's JSON list of originals
	cssCarrier []byte
	cssHits    []cssHit
	cssBuf     []byte // the CSS lexer's copy
	cssText    []byte // decoded names and URLs
	cssDec     []byte // decoded attribute or foreign text
	cssMap     []int32
	edits      []tagEdit // blanks in the style attributes of the current tag
}

// heldTag is an inline script start tag at carry[start:end] whose category
// is decided once its body is known.
type heldTag struct {
	active     bool
	start, end int
	nameEnd    int  // relative to start
	catAttr    int  // index in attrs of its data-category, or -1
	urlDoc     bool // an import map or speculation rules (jsonURLCategory)
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
	clear(rw.fetched)
	clear(rw.keys)
	clear(rw.paths)
	pp, _ := p.(PathPolicy)
	*rw = Writer{
		pp:         pp,
		pageDir:    "/",
		paths:      rw.paths,
		pathBuf:    rw.pathBuf[:0],
		w:          w,
		p:          p,
		inject:     inject,
		maxHold:    MaxHold,
		carry:      keep(rw.carry),
		scratch:    keep(rw.scratch),
		out:        keep(rw.out),
		attrs:      rw.attrs[:0],
		ns:         rw.ns[:0],
		nsFalse:    rw.nsFalse[:0],
		injected:   len(inject) == 0,
		hosts:      rw.hosts,
		fetched:    rw.fetched,
		keys:       rw.keys,
		hostBuf:    rw.hostBuf[:0],
		fscratch:   fscratch,
		fin:        fin,
		fstack:     rw.fstack[:0],
		dataBuf:    keep(rw.dataBuf),
		nested:     rw.nested,
		lastIcon:   rw.lastIcon[:0],
		textBuf:    keep(rw.textBuf),
		textBuf2:   keep(rw.textBuf2),
		counts:     rw.counts[:0],
		cssCats:    rw.cssCats[:0],
		cssList:    keep(rw.cssList),
		cssCarrier: keep(rw.cssCarrier),
		cssHits:    rw.cssHits[:0],
		cssBuf:     keep(rw.cssBuf),
		cssText:    keep(rw.cssText),
		cssDec:     keep(rw.cssDec),
		cssMap:     rw.cssMap[:0],
		edits:      rw.edits[:0],
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
	rw.cssPend = false // an end tag cut off by the end: no carrier after it
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

// FetchedHost reports whether host, one of Hosts, came from a fetching URL
// attribute (src, srcset, data, href of a loading link …) rather than only
// from the text of an inline script, style or srcdoc document. The
// inventory records text-only hosts only when a category claims them, so a
// page that reflects a query into a script cannot fill it.
func (rw *Writer) FetchedHost(host string) bool { return rw.fetched[host] }

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

// SetStamp sets markup (an attribute, with its leading space) to insert
// right after the name of every start tag the Writer neutralises, and of
// every start tag of the element table (other than the fast ones: links,
// tables, the body) that the page itself marked with data-category. The
// consent middleware stamps a secret of the response there, so that the
// banner activates only what came in the served HTML, never markup a page
// script inserts later. Call it after Reset and before the first Write.
func (rw *Writer) SetStamp(b []byte) { rw.stamp = b }

// stampTag emits the start tag at carry[start:] up to the end of its name
// and the stamp after it, when there is one; the rest of the tag follows
// with the next emit.
func (rw *Writer) stampTag(start, nameEnd int) {
	if len(rw.stamp) > 0 {
		rw.emitTo(start + nameEnd)
		rw.out = append(rw.out, rw.stamp...)
	}
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
	if at := rw.pendingNoscript(); at >= 0 && (rw.closed || len(rw.carry)-at > rw.maxHold) {
		rw.endNoscript()
	}
	pending := rw.pendingNoscript()
	d := rw.done
	if pending >= 0 {
		d = min(d, pending) // the stretch to judge stays in the carry
	}
	if d > 0 {
		n := copy(rw.carry, rw.carry[d:])
		rw.carry = rw.carry[:n]
		rw.done -= d
		rw.raw.scan -= d
		rw.held.start -= d
		rw.held.end -= d
		if len(rw.ns) > 0 {
			rw.pruneNoscript(d)
		}
	}
	if len(rw.out) == 0 || (rw.holdOut > 0 && len(rw.out) <= rw.holdOut && !rw.closed) || pending >= 0 {
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
		rw.out = rw.appendCarry(rw.out, rw.done, i)
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
