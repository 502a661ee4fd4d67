package rewrite

import "math"

// A browser running scripts reads the body of <noscript> as raw text, up to
// the first "</noscript" followed by whitespace, '/' or '>', wherever it
// stands; a browser without scripts reads it as markup. The main pass reads
// it as markup (the no-script view, where its tags load) and makes the
// scripting view agree with it: inside a noscript element, every
// "</noscript" that is not the end tag the markup reading closes it with
// (one in an attribute value, a comment, a raw-text element, a foreign
// element's text) gets its '<' written "&lt;". To the no-script reader
// that is the same attribute text (character references are decoded
// there) or inert text; to the scripting reader the raw text then runs to
// the real end tag, after which both read the same markup. So
// <noscript><p title="</noscript><img src=//tracker>"> loads nothing with
// scripts on, and its img, inside an attribute, nothing with scripts off.

// nsSpan is a stretch of input, as carry offsets, inside a noscript
// element: from the end of its start tag to its end tag (to is
// math.MaxInt while the end tag has not come).
type nsSpan struct{ from, to int }

// openNoscript starts a noscript stretch at carry offset at, unless one is
// open (a nested noscript ends at the first end tag for the scripting
// reader too).
func (rw *Writer) openNoscript(at int) {
	if n := len(rw.ns); n > 0 && rw.ns[n-1].to == math.MaxInt {
		return
	}
	rw.ns = append(rw.ns, nsSpan{at, math.MaxInt})
}

// closeNoscript ends the open noscript stretch at the end tag at carry
// offset at.
func (rw *Writer) closeNoscript(at int) {
	if n := len(rw.ns); n > 0 && rw.ns[n-1].to == math.MaxInt {
		rw.ns[n-1].to = at
	}
}

// inNoscript reports whether a noscript stretch is open.
func (rw *Writer) inNoscript() bool {
	n := len(rw.ns)
	return n > 0 && rw.ns[n-1].to == math.MaxInt
}

// appendCarry appends carry[from:to] to out, defusing every "</noscript"
// in a noscript stretch. Every byte of input reaches the output through it.
func (rw *Writer) appendCarry(out []byte, from, to int) []byte {
	for len(rw.ns) > 0 && rw.ns[0].to <= from {
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
		if rw.defused(x) {
			out = append(out, rw.carry[from:x]...)
			out = append(out, "&lt;"...)
			from = x + 1
			continue
		}
		out = append(out, rw.carry[from:x+1]...)
		from = x + 1
	}
	return append(out, rw.carry[from:to]...)
}

// defused reports whether the '<' at carry[x] starts a "</noscript" (any
// case) inside a noscript stretch. Before the end of the document, a
// prefix of it cut off by the end of the input counts: the bytes that
// would decide have not come.
func (rw *Writer) defused(x int) bool {
	inside := false
	for _, s := range rw.ns {
		inside = inside || s.from <= x && x < s.to
	}
	if !inside {
		return false
	}
	const end = "</noscript"
	rest := rw.carry[x:]
	if len(rest) < len(end) {
		return !rw.closed && hasPrefixFoldPartial(rest, end)
	}
	return rest[1] == '/' && equalFoldLower(rest[2:len(end)], end[2:])
}

// pruneNoscript drops the stretches the output has passed (done is past
// their end) and moves the others by d, as the carry moves.
func (rw *Writer) pruneNoscript(d int) {
	k := 0
	for _, s := range rw.ns {
		if s.to != math.MaxInt && s.to <= rw.done+d {
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
