package rewrite

import "bytes"

// plainForeign reports whether the lexer's whole <svg> or <math> token b
// ends where the browser's foreign content does, so that the structural
// foreign pass can be skipped: b holds only tags and text; no comment,
// CDATA, NUL or double quote in text (the lexer pairs double quotes
// anywhere); attribute values quoted or not as both read them; no nested
// <svg> or <math> and no end tag the lexer misreads as theirs; and no tag
// that could switch to HTML's rules (an
// integration point, a tag that breaks out, <font>). Most icons are.
func plainForeign(b []byte) bool {
	for i := 0; i < len(b); {
		j := bytes.IndexByte(b[i:], '<')
		if j < 0 {
			j = len(b) - i
		}
		if bytes.IndexByte(b[i:i+j], '"') >= 0 || bytes.IndexByte(b[i:i+j], 0) >= 0 {
			return false
		}
		i += j
		if i == len(b) {
			return true
		}
		k, ok := plainTag(b, i)
		if !ok {
			return false
		}
		i = k + 1
	}
	return true
}

// plainTag reads the tag at b[i:] ("<" …) and returns the index of its '>'
// when it is one plainForeign allows.
func plainTag(b []byte, i int) (int, bool) {
	k := i + 1
	end := k < len(b) && b[k] == '/'
	if end {
		k++
	}
	j := k
	for k < len(b) && (isLetterASCII(b[k]) || '0' <= b[k] && b[k] <= '9' || b[k] == '-') {
		k++
	}
	if k == j || k-j > maxNameLen {
		return 0, false
	}
	var buf [maxNameLen]byte
	name, _ := lowerName(&buf, b[j:k])
	if switchesToHTML(name) || !end && i > 0 && (string(name) == "svg" || string(name) == "math") {
		return 0, false
	}
	if (len(name) > 3 && string(name[:3]) == "svg" || len(name) > 4 && string(name[:4]) == "math") && end {
		return 0, false // the lexer ends "</svg1" as "</svg"
	}
	for {
		for k < len(b) && (isHTMLSpace(b[k]) || b[k] == '/') {
			k++
		}
		if k >= len(b) {
			return 0, false
		}
		if b[k] == '>' {
			return k, true
		}
		for k < len(b) && !isHTMLSpace(b[k]) && b[k] != '=' && b[k] != '>' && b[k] != '/' {
			if c := b[k]; c == '"' || c == '\'' || c == '<' {
				return 0, false
			}
			k++
		}
		for k < len(b) && isHTMLSpace(b[k]) {
			k++
		}
		if k >= len(b) || b[k] != '=' {
			continue
		}
		k++
		for k < len(b) && isHTMLSpace(b[k]) {
			k++
		}
		if k >= len(b) {
			return 0, false
		}
		if b[k] == '"' {
			e := bytes.IndexByte(b[k+1:], '"')
			if e < 0 {
				return 0, false
			}
			k += e + 2
			continue
		}
		if q := b[k]; q == '\'' {
			k++
			for k < len(b) && b[k] != q {
				if q == '\'' && (b[k] == '"' || b[k] == '<') {
					return 0, false
				}
				k++
			}
			if k >= len(b) {
				return 0, false
			}
			k++
			continue
		}
		for k < len(b) && !isHTMLSpace(b[k]) && b[k] != '>' {
			if c := b[k]; c == '"' || c == '\'' || c == '<' || c == '=' || c == '`' {
				return 0, false
			}
			k++
		}
	}
}

// switchesToHTML reports whether a tag of this lowercase name may switch
// foreign content to HTML's rules: an integration point, a tag that
// breaks out (start tags; "</p>" and "</br>" as end tags) or <font>.
func switchesToHTML(name []byte) bool {
	switch string(name) {
	case "foreignobject", "desc", "title", "annotation-xml", "mi", "mo", "mn", "ms", "mtext", "font":
		return true
	}
	return breaksOut(name)
}
