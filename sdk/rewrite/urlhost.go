package rewrite

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
	var buf [maxURLDecode]byte
	u := decodeURLPrefix(buf[:0], v)
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

	// 3. Host: drop the port, percent-decode, lowercase, drop a final dot.
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
	start := len(dst)
	for k := 0; k < len(auth); k++ {
		c := auth[k]
		if c == '%' && k+2 < len(auth) && isHexDigit(auth[k+1]) && isHexDigit(auth[k+2]) {
			c = hexValue(auth[k+1])<<4 | hexValue(auth[k+2])
			k += 2
		}
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		dst = append(dst, c)
	}
	for len(dst) > start && dst[len(dst)-1] == '.' {
		dst = dst[:len(dst)-1]
	}
	return dst
}

// decodeURLPrefix appends to dst the first bytes of v with character
// references decoded and tabs and newlines removed, as the HTML parser and
// the URL parser would, stopping when dst is full. A reference to a
// non-ASCII character becomes the byte 0x80: never a delimiter, never part
// of a host here.
func decodeURLPrefix(dst, v []byte) []byte {
	for i := 0; i < len(v) && len(dst) < cap(dst); i++ {
		c := v[i]
		switch c {
		case '\t', '\n', '\r':
			continue
		case '&':
			if r, n := decodeCharRef(v[i:]); n > 0 {
				if r < 0x80 {
					if r != '\t' && r != '\n' && r != '\r' {
						dst = append(dst, byte(r))
					}
				} else {
					dst = append(dst, 0x80) // a non-ASCII byte: never a delimiter
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
// a URL that matter for its host.
var namedRefs = map[string]rune{
	"amp": '&', "sol": '/', "bsol": '\\', "colon": ':', "period": '.',
	"quest": '?', "num": '#', "commat": '@', "percnt": '%', "Tab": '\t',
	"NewLine": '\n', "lt": '<', "gt": '>', "quot": '"', "apos": '\'',
	"lpar": '(', "rpar": ')', "comma": ',', "semi": ';', "equals": '=',
	"plus": '+', "dollar": '$', "lowbar": '_', "hyphen": '-', "dash": '-',
}

// decodeCharRef decodes the character reference at the start of b ("&…")
// and returns the character and the number of bytes it spans, or 0 bytes
// when b does not start with one this function knows.
func decodeCharRef(b []byte) (rune, int) {
	if len(b) < 3 || b[0] != '&' {
		return 0, 0
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
			return 0, 0
		}
		if i < len(b) && b[i] == ';' {
			i++
		}
		return r, i
	}
	j := 1
	for j < len(b) && j < 10 && isLetterASCII(b[j]) {
		j++
	}
	if j < len(b) && b[j] == ';' {
		if r, ok := namedRefs[string(b[1:j])]; ok {
			return r, j + 1
		}
	} else if j == 4 && string(b[1:4]) == "amp" {
		return '&', 4 // "&amp" without ';' is decoded too
	}
	return 0, 0
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
