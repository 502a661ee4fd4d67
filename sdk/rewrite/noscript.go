package rewrite

import "math"

// A browser running scripts reads the body of <noscript> as raw text, up to
// the first "</noscript" followed by whitespace, '/' or '>', wherever it
// stands; a browser without scripts reads it as markup. The main pass reads
// it as markup (the no-script view, where its tags load). Inside a noscript
// element, a "</noscript" that is not the end tag the markup reading closes
// it with (one in an attribute value, a comment, a raw-text element, a
// foreign element's text) is a false end: from there up to the real end
// tag, the scripting reader reads markup that the main pass reads as
// something else. That stretch is judged as a document by a nested pass
// (judgeDoc) once the real end tag comes. If it would load or run anything
// refused (or leaves the scripting reader inside a raw-text element, a
// comment or a tag), every false end of the noscript gets its '<' written
// "&lt;": to the no-script reader that is the same attribute text
// (character references are decoded there) or inert text; to the
// scripting reader the raw text then runs to the real end tag, after which
// both read the same markup. So <noscript><p title="</noscript><img
// src=//tracker>"> loads nothing with scripts on, and its img, inside an
// attribute, nothing with scripts off. Otherwise the bytes pass as they
// came: with nothing refused, a page is never changed. The output from the
// first false end is held until the decision (MaxHold bytes at most; past
// that, the false ends are defused).
// nsSpan is a stretch of input, as carry offsets, inside a noscript
// element: from the end of its start tag to its end tag (to is
// math.MaxInt while the end tag has not come).
type nsSpan struct {
	from, to int
	verdict  nsVerdict
}

// nsVerdict is what becomes of the false ends of a noscript stretch.
type nsVerdict uint8

const (
	nsNone    nsVerdict = iota // no false end seen yet
	nsPending                  // false ends seen; output held until the real end
	nsDefuse                   // false ends are written "&lt;"
	nsKeep                     // false ends pass as they came
)

// nsFalseEnd is a false end written provisionally while its stretch is
// pending: at carry offset at and output offset out.
type nsFalseEnd struct{ at, out int }

// openNoscript starts a noscript stretch at carry offset at, unless one is
// open (a nested noscript ends at the first end tag for the scripting
// reader too).
func (rw *Writer) openNoscript(at int) {
	if n := len(rw.ns); n > 0 && rw.ns[n-1].to == math.MaxInt {
		return
	}
	rw.ns = append(rw.ns, nsSpan{from: at, to: math.MaxInt})
}

// closeNoscript ends the open noscript stretch at the end tag at carry
// offset at, and decides its false ends if it has any.
func (rw *Writer) closeNoscript(at int) {
	n := len(rw.ns)
	if n == 0 || rw.ns[n-1].to != math.MaxInt {
		return
	}
	s := &rw.ns[n-1]
	s.to = at
	switch s.verdict {
	case nsPending:
		rw.decideNoscript(s, at)
	case nsNone:
		// No false end written yet: those to come are in carry[done:at].
		from := max(s.from, rw.done)
		if i := indexFold(rw.carry[from:at], "</noscript"); i >= 0 {
			rw.nsFalse = append(rw.nsFalse[:0], nsFalseEnd{at: from + i, out: -1})
			rw.decideNoscript(s, at)
		} else {
			s.verdict = nsKeep
		}
	}
}

// decideNoscript judges the scripting reader's view of the pending
// stretch s, from its first false end to carry[end], and patches the
// false ends already written.
func (rw *Writer) decideNoscript(s *nsSpan, end int) {
	// A prefix cut off by the end of a write was taken for a false end;
	// the bytes after it have come since.
	k := 0
	for _, f := range rw.nsFalse {
		if rest := rw.carry[f.at:]; len(rest) < len("</noscript") || equalFoldLower(rest[:len("</noscript")], "</noscript") {
			rw.nsFalse[k] = f
			k++
		}
	}
	rw.nsFalse = rw.nsFalse[:k]
	if k == 0 {
		s.verdict = nsKeep
		return
	}
	region := rw.carry[rw.nsFalse[0].at:end]
	defuse := len(region) > rw.maxHold
	if !defuse {
		// judgeDoc may use the text buffers and the nested Writer, not
		// the carry.
		cat, open := rw.judgeDoc(region)
		defuse = cat != "" || open
	}
	s.verdict = nsKeep
	if !defuse {
		rw.nsFalse = rw.nsFalse[:0]
		return
	}
	s.verdict = nsDefuse
	// From the last, so that earlier output offsets stay valid.
	for i := len(rw.nsFalse) - 1; i >= 0; i-- {
		o := rw.nsFalse[i].out
		if o < 0 {
			continue // not written yet
		}
		rw.out = append(rw.out, "&lt"...)
		copy(rw.out[o+4:], rw.out[o+1:])
		copy(rw.out[o:], "&lt;")
	}
	rw.nsFalse = rw.nsFalse[:0]
}

// pendingNoscript returns the carry offset from which output is held for
// a noscript stretch's decision, or -1.
func (rw *Writer) pendingNoscript() int {
	if len(rw.nsFalse) == 0 {
		return -1
	}
	return rw.nsFalse[0].at
}

// endNoscript decides a stretch still pending at the end of the document
// (or past the hold limit): its scripting view runs to the end of the
// input.
func (rw *Writer) endNoscript() {
	for i := range rw.ns {
		if rw.ns[i].verdict == nsPending {
			rw.decideNoscript(&rw.ns[i], len(rw.carry))
		}
	}
}

// inNoscript reports whether a noscript stretch is open.
func (rw *Writer) inNoscript() bool {
	n := len(rw.ns)
	return n > 0 && rw.ns[n-1].to == math.MaxInt
}

// appendCarry appends carry[from:to] to out, writing the false ends of
// noscript stretches as their verdict says. Every byte of input reaches
// the output through it.
func (rw *Writer) appendCarry(out []byte, from, to int) []byte {
	for len(rw.ns) > 0 && rw.ns[0].to <= from && rw.ns[0].verdict != nsPending {
		rw.ns = rw.ns[1:] // passed: the output is past its end tag
	}
	if len(rw.ns) == 0 || from >= to {
		return append(out, rw.carry[from:to]...)
	}
	for from < to {
		x := from + indexByteFrom(rw.carry[from:to], '<')
		if x < from || x >= to {
			break
		}
		s := rw.falseEnd(x)
		if s == nil {
			out = append(out, rw.carry[from:x+1]...)
			from = x + 1
			continue
		}
		out = append(out, rw.carry[from:x]...)
		switch s.verdict {
		case nsDefuse:
			out = append(out, "&lt;"...)
		case nsNone, nsPending:
			s.verdict = nsPending
			rw.nsFalse = append(rw.nsFalse, nsFalseEnd{at: x, out: len(out)})
			out = append(out, '<')
		default:
			out = append(out, '<')
		}
		from = x + 1
	}
	return append(out, rw.carry[from:to]...)
}

// falseEnd returns the noscript stretch in which the '<' at carry[x]
// starts a "</noscript" (any case) that is not its end tag, or nil. Before
// the end of the document, a prefix of it cut off by the end of the input
// counts: the bytes that would decide have not come.
func (rw *Writer) falseEnd(x int) *nsSpan {
	var in *nsSpan
	for i := range rw.ns {
		if s := &rw.ns[i]; s.from <= x && x < s.to {
			in = s
		}
	}
	if in == nil {
		return nil
	}
	const end = "</noscript"
	rest := rw.carry[x:]
	if len(rest) < len(end) {
		if !rw.closed && hasPrefixFoldPartial(rest, end) {
			return in
		}
		return nil
	}
	if rest[1] == '/' && equalFoldLower(rest[2:len(end)], end[2:]) {
		return in
	}
	return nil
}

// pruneNoscript drops the stretches the output has passed (done is past
// their end and they are decided) and moves the others, and the pending
// false ends, by d, as the carry moves.
func (rw *Writer) pruneNoscript(d int) {
	k := 0
	for _, s := range rw.ns {
		if s.to != math.MaxInt && s.to <= rw.done+d && s.verdict != nsPending {
			continue
		}
		s.from -= d
		if s.to != math.MaxInt {
			s.to -= d
		}
		rw.ns[k] = s
		k++
	}
	rw.ns = rw.ns[:k]
	for i := range rw.nsFalse {
		rw.nsFalse[i].at -= d
	}
}

// isNoscriptEnd reports whether the end tag text (between "</" and ">") of
// an end tag names noscript.
func isNoscriptEnd(text []byte) bool {
	const name = "noscript"
	if len(text) < len(name) || !equalFoldLower(text[:len(name)], name) {
		return false
	}
	return len(text) == len(name) || isHTMLSpace(text[len(name)]) || text[len(name)] == '/'
}

// hasPrefixFoldPartial reports whether b, shorter than the lowercase s, is
// a prefix of s ignoring ASCII case.
func hasPrefixFoldPartial(b []byte, s string) bool {
	return len(b) < len(s) && equalFoldLower(b, s[:len(b)])
}

// indexByteFrom is bytes.IndexByte.
func indexByteFrom(b []byte, c byte) int {
	for i, x := range b {
		if x == c {
			return i
		}
	}
	return -1
}
