package rewrite

import (
	"bytes"
	"slices"
)

// textCategory returns the refused category of the first host named in
// text b that the policy refuses, or "". A host is named after a run of at
// least two slashes or backslashes ("//host", "https://host",
// "https:\/\/host" in a JavaScript string) or after "http:" or "https:"
// without slashes (which a page of the other scheme resolves as a host),
// and must contain a dot once mapped as a browser maps hosts (URLHost:
// "//ads。example" names ads.example). User info and a port may come with
// it. It is the check for srcdoc documents, the text of frame documents and
// a script that imports a computed URL (scriptCategory): any URL the text
// could load from is caught, at the price of the rare false positive. CSS
// is read with its tokenizer instead (css.go).
func (rw *Writer) textCategory(b []byte) string {
	for i := 0; i < len(b); {
		j := indexURLMark(b[i:])
		if j < 0 {
			return ""
		}
		i += j
		if b[i] == ':' {
			// "https:host": the scheme's letters before, a host byte after.
			s := i - 4
			if s > 0 && (b[s-1]|0x20) == 'h' && equalFoldLower(b[s:i], "ttps") {
				s--
			}
			i++
			if s >= 0 && equalFoldLower(b[s:s+4], "http") && i < len(b) && isHostByte(b[i]) {
				h := hostRun(b, i)
				if cat := rw.textHost(b[s:h]); cat != "" {
					return cat
				}
				i = h
			}
			continue
		}
		k := i
		for k < len(b) && (b[k] == '/' || b[k] == '\\') {
			k++
		}
		if k-i < 2 {
			i = k
			continue
		}
		h := hostRun(b, k)
		if h > k {
			if cat := rw.textHost(b[k-2 : h]); cat != "" {
				return cat
			}
		}
		i = max(h, k)
	}
	return ""
}

// textHost returns the refused category of the host of the URL u found in
// text, or "" (also when the host, mapped, has no dot).
func (rw *Writer) textHost(u []byte) string {
	rw.hostBuf = appendURLHost(rw.hostBuf[:0], u)
	if !hasDot(rw.hostBuf) {
		return ""
	}
	return rw.knownHostCategory(rw.hostBuf, true)
}

// hostRun returns the end of the run of host bytes at b[k:].
func hostRun(b []byte, k int) int {
	for k < len(b) && isHostByte(b[k]) {
		k++
	}
	return k
}

// indexURLMark returns the index of the first '/', '\\' or ':' in s, or -1.
func indexURLMark(s []byte) int {
	for i, c := range s {
		if c == '/' || c == '\\' || c == ':' {
			return i
		}
	}
	return -1
}

// isHostByte reports whether c can be part of a host name as text names it,
// with its user info and port: any non-ASCII byte counts (IDNA may map it
// to a letter or a dot).
func isHostByte(c byte) bool {
	return isLetterASCII(c) || '0' <= c && c <= '9' || c == '.' || c == '-' || c == '_' || c == '%' || c == '@' || c == ':' || c >= 0x80
}

// decodeText appends v to dst with character references decoded and tabs
// and newlines removed (the URL parser ignores them), for scanning
// attribute text for hosts.
func decodeText(dst, v []byte) []byte {
	return decodeURLPrefix(slices.Grow(dst, len(v)), v, 2*len(v)+maxRefBytes)
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
