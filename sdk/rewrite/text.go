package rewrite

import (
	"bytes"
	"slices"
)

// textCategory returns the refused category of the first host named in
// text b that the policy refuses, or "". A host is named after a run of at
// least two slashes or backslashes ("//host", "https://host",
// "https:\/\/host" in a JavaScript string) and must contain a dot. It is
// the check for inline script bodies and srcdoc documents: any URL the
// text could load from is caught, at the price of the rare false positive
// (a first-party script that merely mentions a refused host waits for
// consent). CSS is read with its tokenizer instead (css.go).
func (rw *Writer) textCategory(b []byte) string {
	for i := 0; i < len(b); {
		j := indexEither(b[i:], '/', '\\')
		if j < 0 {
			return ""
		}
		i += j
		k := i
		for k < len(b) && (b[k] == '/' || b[k] == '\\') {
			k++
		}
		if k-i < 2 {
			i = k
			continue
		}
		h, dot := k, false
		for h < len(b) && isHostByte(b[h]) {
			dot = dot || b[h] == '.'
			h++
		}
		if dot {
			if cat := rw.hostCategory(b[k-2:h], true); cat != "" {
				return cat
			}
		}
		i = max(h, k)
	}
	return ""
}

// isHostByte reports whether c can be part of a host name as text names it.
func isHostByte(c byte) bool {
	return isLetterASCII(c) || '0' <= c && c <= '9' || c == '.' || c == '-' || c == '_' || c == '%'
}

// decodeText appends v to dst with character references decoded and tabs
// and newlines removed (the URL parser ignores them), for scanning
// attribute text for hosts. Decoding never lengthens text, so with room
// for all of v decodeURLPrefix decodes the whole.
func decodeText(dst, v []byte) []byte {
	return decodeURLPrefix(slices.Grow(dst, len(v)), v)
}

// refreshURL returns the URL of a decoded <meta http-equiv=refresh>
// content value ("5; url='…'"), following HTML's "shared declarative
// refresh steps".
func refreshURL(v []byte) []byte {
	i := 0
	skip := func() {
		for i < len(v) && isHTMLSpace(v[i]) {
			i++
		}
	}
	skip()
	for i < len(v) && ('0' <= v[i] && v[i] <= '9' || v[i] == '.') {
		i++
	}
	skip()
	if i < len(v) && (v[i] == ';' || v[i] == ',') {
		i++
	}
	skip()
	if len(v)-i >= 3 && equalFoldLower(v[i:i+3], "url") {
		j := i + 3
		for j < len(v) && isHTMLSpace(v[j]) {
			j++
		}
		if j < len(v) && v[j] == '=' {
			i = j + 1
			skip()
		}
	}
	if i < len(v) && (v[i] == '"' || v[i] == '\'') {
		q := v[i]
		i++
		if k := bytes.IndexByte(v[i:], q); k >= 0 {
			return v[i : i+k]
		}
	}
	return v[i:]
}

// isCSSType reports whether a style element with this type attribute value
// is applied.
func isCSSType(v []byte) bool {
	v = trimHTMLSpace(v)
	return len(v) == 0 || equalFoldLower(v, "text/css")
}
