package rewrite

import "bytes"

// rawKind says how the bytes after a start tag or inside a comment are
// scanned for their end. The lexer never sees them: they are scanned
// incrementally, each byte once, however the body is split into writes.
type rawKind uint8

const (
	rawNone    rawKind = iota
	rawText            // style, textarea, title, xmp, iframe, noembed, noframes: up to "</name"
	rawScript          // script: "</script", with the lexer's <!-- … --> escape rules
	rawComment         // "<!--" comment: up to "-->" or "--!>"
	rawPlain           // plaintext: to the end of the document
)

// rawState is the scan of one raw-text element or comment in progress.
// Offsets are indexes into Writer.carry.
type rawState struct {
	kind rawKind
	name string // lowercase element name the end tag must spell
	scan int    // next byte to examine; bytes before it are body
	// Script escape states, as in tdewolff's lexer: inside "<!--", and
	// inside "<!--<script" (where "</script" does not end the element).
	inComment, inScript bool
}

// scanResult is what one scan step found.
type scanResult uint8

const (
	scanMore  scanResult = iota // the end is not in buf (or not yet decidable)
	scanFound                   // the end was found
)

// scanRaw looks for the end of the raw text in buf from s.scan. It returns
// scanFound with end, the offset where the body ends, and resume, the offset
// where markup continues: the "<" of the end tag, or just past a comment's
// terminator. Otherwise it returns scanMore, with s.scan moved to the first
// byte whose meaning needs bytes not yet seen (or to len(buf)). At the end of
// the document (final) it decides with what it has, as the lexer does at
// EOF. The rules are exactly those of tdewolff/parse/v2/html's shiftRawText
// and comment reading, so that streamed and whole-buffer output agree,
// except where the lexer differs from the browser: a tag name ends the raw
// text only when whitespace, '/' or '>' follows it ("</style1" does not
// end a style; see rawTagName).
func scanRaw(s *rawState, buf []byte, final bool) (result scanResult, end, resume int) {
	switch s.kind {
	case rawPlain:
		s.scan = tailStart(buf, s.scan, final)
		return scanMore, 0, 0
	case rawComment:
		return scanComment(s, buf, final)
	}
	i := s.scan
	n := len(buf)
	for i < n {
		if s.inComment {
			// Inside <!-- in a script: only "-->" and "<script"/"</script" matter.
			j := indexEither(buf[i:], '-', '<')
			if j < 0 {
				i = n
				break
			}
			i += j
			if buf[i] == '-' {
				if i+3 > n && !final && hasPrefixPartial(buf[i:], "-->") {
					s.scan = i
					return scanMore, 0, 0
				}
				if i+3 <= n && buf[i+1] == '-' && buf[i+2] == '>' {
					s.inComment = false
					i += 3
				} else {
					i++
				}
				continue
			}
			// '<'
			if i+1 >= n && !final {
				s.scan = i
				return scanMore, 0, 0
			}
			isEnd := i+1 < n && buf[i+1] == '/'
			k := i + 1
			if isEnd {
				k++
			}
			l, match, ok := rawTagName(buf, k, "script", final)
			if !ok {
				s.scan = i
				return scanMore, 0, 0
			}
			if match {
				switch {
				case !isEnd:
					s.inScript = true
				case !s.inScript:
					return scanFound, i, i
				default:
					s.inScript = false
				}
			}
			i = k + l
			continue
		}
		j := bytes.IndexByte(buf[i:], '<')
		if j < 0 {
			i = n
			break
		}
		i += j
		if i+1 >= n {
			if final {
				i = n
				break
			}
			s.scan = i
			return scanMore, 0, 0
		}
		switch {
		case buf[i+1] == '/':
			k := i + 2
			l, match, ok := rawTagName(buf, k, s.name, final)
			if !ok {
				s.scan = i
				return scanMore, 0, 0
			}
			if match {
				return scanFound, i, i
			}
			i = k + l
		case s.kind == rawScript && buf[i+1] == '!':
			if i+4 > n && !final && hasPrefixPartial(buf[i:], "<!--") {
				s.scan = i
				return scanMore, 0, 0
			}
			if i+4 <= n && buf[i+2] == '-' && buf[i+3] == '-' {
				s.inComment, s.inScript = true, false
				i += 4
			} else {
				i++
			}
		default:
			i++
		}
	}
	s.scan = n
	return scanMore, 0, 0
}

// scanComment looks for the end of a "<!--" comment: "-->" or "--!>".
func scanComment(s *rawState, buf []byte, final bool) (scanResult, int, int) {
	i, n := s.scan, len(buf)
	for i < n {
		j := bytes.IndexByte(buf[i:], '-')
		if j < 0 {
			break
		}
		i += j
		rest := buf[i:]
		if len(rest) >= 3 && rest[1] == '-' && rest[2] == '>' {
			return scanFound, i + 3, i + 3
		}
		if len(rest) >= 4 && rest[1] == '-' && rest[2] == '!' && rest[3] == '>' {
			return scanFound, i + 4, i + 4
		}
		if len(rest) < 4 && !final && (hasPrefixPartial(rest, "-->") || hasPrefixPartial(rest, "--!>")) {
			s.scan = i
			return scanMore, 0, 0
		}
		i++
	}
	s.scan = tailStart(buf, s.scan, final)
	return scanMore, 0, 0
}

// tailStart returns where the undecided tail of buf[from:] starts: at a
// '<' among its last bytes that more input could make a "</noscript" (the
// noscript stretches defuse those, see noscript.go), else at len(buf). So
// the output does not depend on where writes split the input.
func tailStart(buf []byte, from int, final bool) int {
	if final {
		return len(buf)
	}
	for i := max(from, len(buf)-len("</noscript")+1); i < len(buf); i++ {
		if buf[i] == '<' && hasPrefixFoldPartial(buf[i:], "</noscript") {
			return i
		}
	}
	return len(buf)
}

// letterRun returns the length of the run of ASCII letters at buf[k:], as
// the lexer reads an end tag name. ok is false when the run reaches the end
// of buf while it could still match a name of want letters, so that the next
// bytes decide; a run longer than want is reported as want+1 letters, enough
// to tell it does not match.
func letterRun(buf []byte, k, want int, final bool) (l int, ok bool) {
	for k+l < len(buf) && isLetterASCII(buf[k+l]) {
		l++
		if l > want {
			return l, true
		}
	}
	if k+l == len(buf) && !final {
		return l, false
	}
	return l, true
}

// rawTagName reads the tag name at buf[k:] after "<" or "</" in raw text,
// as the HTML tokenizer's raw-text end tag states (and the script escape
// states) do: match is true when it spells name, in any case, and is
// followed by whitespace, '/' or '>'; l is the length of its run of
// letters. ok is false when the bytes that decide are not in buf yet. At
// the end of the document a name not followed by anything does not end
// the raw text: the tokenizer emits it as text.
func rawTagName(buf []byte, k int, name string, final bool) (l int, match, ok bool) {
	l, ok = letterRun(buf, k, len(name), final)
	if !ok || !equalFoldLower(buf[k:k+l], name) {
		return l, false, ok
	}
	if k+l == len(buf) {
		return l, false, final
	}
	switch buf[k+l] {
	case ' ', '\t', '\n', '\r', '\f', '/', '>':
		return l, true, true
	}
	return l, false, true
}

// hasPrefixPartial reports whether b (shorter than s) is a prefix of s.
func hasPrefixPartial(b []byte, s string) bool {
	return len(b) < len(s) && string(b) == s[:len(b)]
}

// indexEither returns the index of the first a or b in s, or -1.
func indexEither(s []byte, a, b byte) int {
	for i, c := range s {
		if c == a || c == b {
			return i
		}
	}
	return -1
}
