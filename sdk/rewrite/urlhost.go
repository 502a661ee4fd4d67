package rewrite

import (
	"html"
	"strings"
	"unicode/utf8"
)

// maxURLDecode bounds how many bytes of a URL attribute value are decoded
// when looking for its host: scheme, slashes, user info and a host name of
// at most 253 bytes fit with room to spare.
const maxURLDecode = 1024

// URLHost returns the lowercase host, without port, that the URL attribute
// value v points at, or "" when v is relative or not http(s). See
// appendURLHost.
func URLHost(v []byte) string {
	return string(appendURLHost(nil, v))
}

// appendURLHost appends to dst the lowercase host of the URL attribute value
// v, as a browser would resolve it, and returns the extended slice. It
// understands absolute http and https URLs and protocol-relative ones
// ("//host/…"), in any case, with backslashes for slashes, leading and
// trailing spaces, tabs and newlines anywhere, character references
// ("&#47;", "&#x2F;", "&sol;", "&colon;", "&amp;" …) and percent-encoded host
// bytes. User info, the port and a trailing dot are dropped. Relative URLs
// and other schemes (data:, blob:, javascript: …) append nothing.
func appendURLHost(dst, v []byte) []byte {
	var buf [maxURLDecode + maxRefBytes]byte
	u := decodeURLPrefix(buf[:0], v, maxURLDecode)
	u = trimC0Space(u)

	// 1. Scheme, or a protocol-relative URL.
	i := 0
	if i < len(u) && isLetterASCII(u[i]) {
		j := i + 1
		for j < len(u) && (isLetterASCII(u[j]) || '0' <= u[j] && u[j] <= '9' || u[j] == '+' || u[j] == '-' || u[j] == '.') {
			j++
		}
		if j < len(u) && u[j] == ':' {
			if !equalFoldLower(u[:j], "http") && !equalFoldLower(u[:j], "https") {
				return dst
			}
			i = j + 1
		}
	}
	if i == 0 {
		if len(u) < 2 || !isURLSlash(u[0]) || !isURLSlash(u[1]) {
			return dst // relative
		}
	}
	for i < len(u) && isURLSlash(u[i]) {
		i++
	}

	// 2. Authority: up to the path, query or fragment.
	j := i
	for j < len(u) && !isURLSlash(u[j]) && u[j] != '?' && u[j] != '#' {
		j++
	}
	auth := u[i:j]
	for k := len(auth) - 1; k >= 0; k-- {
		if auth[k] == '@' {
			auth = auth[k+1:]
			break
		}
	}

	// 3. Host: drop the port, then map it (appendHostName).
	if len(auth) > 0 && auth[0] == '[' {
		for k := range auth {
			if auth[k] == ']' {
				auth = auth[:k+1]
				break
			}
		}
	} else {
		for k := range auth {
			if auth[k] == ':' {
				auth = auth[:k]
				break
			}
		}
	}
	return appendHostName(dst, auth)
}

// maxRefBytes is the most bytes one character reference decodes to (two
// code points of four bytes).
const maxRefBytes = 8

// decodeURLPrefix appends to dst the first bytes of v with character
// references decoded (to UTF-8, so that IDNA can map a "&#xFF41;" as the
// browser does) and tabs and newlines removed, as the HTML parser and the
// URL parser would, stopping once limit bytes are appended. The
// last reference may pass limit by up to maxRefBytes.
func decodeURLPrefix(dst, v []byte, limit int) []byte {
	limit += len(dst)
	for i := 0; i < len(v) && len(dst) < limit; i++ {
		c := v[i]
		switch c {
		case '\t', '\n', '\r':
			continue
		case '&':
			if d, n := appendCharRef(dst, v[i:]); n > 0 {
				// A decoded tab or newline is removed as a literal one.
				for k := len(dst); k < len(d); k++ {
					if d[k] != '\t' && d[k] != '\n' && d[k] != '\r' {
						dst = append(dst, d[k])
					}
				}
				i += n - 1
				continue
			}
		}
		dst = append(dst, c)
	}
	return dst
}

// namedRefs are the named character references that can spell the parts of
// a URL that matter for its host, decoded without a look-up in the full
// table of html.UnescapeString.
var namedRefs = map[string]rune{
	"amp": '&', "sol": '/', "bsol": '\\', "colon": ':', "period": '.',
	"quest": '?', "num": '#', "commat": '@', "percnt": '%', "Tab": '\t',
	"NewLine": '\n', "lt": '<', "gt": '>', "quot": '"', "apos": '\'',
	"lpar": '(', "rpar": ')', "comma": ',', "semi": ';', "equals": '=',
	"plus": '+', "dollar": '$', "lowbar": '_', "hyphen": '-', "dash": '-',
}

// appendCharRef decodes the character reference at the start of b ("&…")
// as the HTML tokenizer does in an attribute value, appends it to dst as
// UTF-8 and returns the result and the number of bytes of b it spans, or
// n == 0 when b does not start with a reference. Named references ending
// in ';' are looked up in the whole HTML table (so "&aopf;", 𝕒, which IDNA
// maps to "a", is decoded); without ';' only "&amp" is.
func appendCharRef(dst, b []byte) ([]byte, int) {
	if len(b) < 3 || b[0] != '&' {
		return dst, 0
	}
	if b[1] == '#' {
		i, base := 2, rune(10)
		if i < len(b) && (b[i] == 'x' || b[i] == 'X') {
			i, base = 3, 16
		}
		var r rune
		digits := 0
		for ; i < len(b); i++ {
			c := b[i]
			var d rune
			switch {
			case '0' <= c && c <= '9':
				d = rune(c - '0')
			case base == 16 && isHexDigit(c):
				d = rune(hexValue(c))
			default:
				goto done
			}
			if r < 0x110000 {
				r = r*base + d
			}
			digits++
		}
	done:
		if digits == 0 {
			return dst, 0
		}
		if i < len(b) && b[i] == ';' {
			i++
		}
		if r == 0 || r >= 0x110000 || 0xD800 <= r && r <= 0xDFFF {
			r = utf8.RuneError
		} else if 0x80 <= r && r <= 0x9F {
			r = windows1252[r-0x80]
		}
		return utf8.AppendRune(dst, r), i
	}
	j := 1
	for j < len(b) && j < 34 && (isLetterASCII(b[j]) || '0' <= b[j] && b[j] <= '9') {
		j++
	}
	if j < len(b) && b[j] == ';' {
		if r, ok := namedRefs[string(b[1:j])]; ok {
			return utf8.AppendRune(dst, r), j + 1
		}
		ref := string(b[:j+1])
		if u := html.UnescapeString(ref); u != ref && !strings.HasSuffix(u, ";") {
			return append(dst, u...), j + 1
		}
	} else if j == 4 && string(b[1:4]) == "amp" {
		return append(dst, '&'), 4 // "&amp" without ';' is decoded too
	}
	return dst, 0
}

// windows1252 maps the numeric references &#x80; to &#x9F;, as HTML does.
var windows1252 = [32]rune{
	0x20AC, 0x81, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
	0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x8D, 0x017D, 0x8F,
	0x90, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
	0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x9D, 0x017E, 0x0178,
}

func trimC0Space(b []byte) []byte {
	for len(b) > 0 && b[0] <= ' ' {
		b = b[1:]
	}
	for len(b) > 0 && b[len(b)-1] <= ' ' {
		b = b[:len(b)-1]
	}
	return b
}

func isURLSlash(c byte) bool { return c == '/' || c == '\\' }

func isLetterASCII(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

func isHexDigit(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func hexValue(c byte) byte {
	switch {
	case '0' <= c && c <= '9':
		return c - '0'
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}

// equalFoldLower reports whether b equals the lowercase ASCII string s,
// ignoring ASCII case.
func equalFoldLower(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := range b {
		c := b[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != s[i] {
			return false
		}
	}
	return true
}
