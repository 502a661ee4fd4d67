package rewrite

import (
	"bytes"
	"strings"
)

// PathPolicy is a Policy whose categories also name first-party path
// prefixes: tag gateways and server-side tag managers that serve a
// vendor's tags from the site's own host ("/metrics/", "/gtm/"). A URL
// that resolves to the page's own host (see Writer.SetPage) with a path
// under such a prefix is treated exactly like a URL on a catalogued host.
// The Writer checks paths only when its Policy is a PathPolicy.
type PathPolicy interface {
	Policy
	// RefusedPath returns the first-party path prefix that path starts
	// with, whatever the visitor granted, and the key of its category
	// when that category is refused (else ""); "" and "" for a path under
	// no prefix. path is normalised as NormalisePath does; it is only
	// valid during the call.
	RefusedPath(path []byte) (prefix, category string)
}

// SetPage tells the Writer the host (lowercase, without port) and path of
// the page it rewrites. With a PathPolicy, relative URLs resolve against
// them and absolute ones on host count as the page's own; without a
// host, only relative URLs do. Call it after Reset and before the first
// Write.
func (rw *Writer) SetPage(host, path string) {
	rw.pageHost = host
	rw.pageDir = path[:strings.LastIndexByte(path, '/')+1]
	if rw.pageDir == "" {
		rw.pageDir = "/"
	}
}

// Paths returns the first-party path prefixes that URLs in the page
// resolved under, each with its refused category ("" when granted). The
// map is the Writer's own, valid until Reset.
func (rw *Writer) Paths() map[string]string { return rw.paths }

// pathCategory returns the refused category of the first-party path
// prefix that the URL attribute value v resolves under, or "". It records
// the prefix for Paths.
func (rw *Writer) pathCategory(v []byte) string {
	if rw.pp == nil {
		return ""
	}
	var ok bool
	rw.pathBuf, ok = appendFirstPartyPath(rw.pathBuf[:0], v, rw.pageHost, rw.pageDir)
	if !ok {
		return ""
	}
	prefix, cat := rw.pp.RefusedPath(rw.pathBuf)
	if prefix == "" && indexFold(rw.pathBuf, "%2f") >= 0 {
		// A server or CDN in front may route "/metrics%2Fgtag.js" as
		// "/metrics/gtag.js".
		n := len(rw.pathBuf)
		for i := 0; i < n; i++ {
			if i+2 < n && rw.pathBuf[i] == '%' && rw.pathBuf[i+1] == '2' && rw.pathBuf[i+2]|0x20 == 'f' {
				rw.pathBuf = append(rw.pathBuf, '/')
				i += 2
				continue
			}
			rw.pathBuf = append(rw.pathBuf, rw.pathBuf[i])
		}
		prefix, cat = rw.pp.RefusedPath(rw.pathBuf[n:])
	}
	if prefix != "" {
		if rw.paths == nil {
			rw.paths = make(map[string]string)
		}
		if _, seen := rw.paths[prefix]; !seen && len(rw.paths) < maxCacheEntries {
			rw.paths[prefix] = cat
		}
	}
	return cat
}

// NormalisePath returns the path p as a browser sends it, for matching
// first-party path prefixes: backslashes read as slashes,
// percent-encoded unreserved characters (letters, digits, '-', '.', '_',
// '~') decoded, and dot segments removed ("/a/./b/../c" is "/a/c",
// "%2e%2E" is "..", and runs of slashes merged, as servers in front
// commonly route them). Case is kept; other percent-encodings stay as they
// are. A path that does not start with '/' gets one.
func NormalisePath(p string) string {
	return string(normalisePath(nil, []byte(p)))
}

// FirstPartyPath returns the normalised path (NormalisePath) that the URL
// v resolves to on a page at pageHost and pagePath, and whether it
// resolves to that host at all (see Writer.SetPage). v is a URL as an
// attribute or a Link header holds it.
func FirstPartyPath(v, pageHost, pagePath string) (string, bool) {
	dir := pagePath[:strings.LastIndexByte(pagePath, '/')+1]
	if dir == "" {
		dir = "/"
	}
	p, ok := appendFirstPartyPath(nil, []byte(v), pageHost, dir)
	return string(p), ok
}

// appendFirstPartyPath appends to dst the normalised path (NormalisePath)
// of the URL attribute value v when it resolves to the page's own host:
// a relative URL (against pageDir, the page's directory, ending in '/'),
// or an absolute or scheme-relative http(s) URL whose host is pageHost.
// It reports false for any other URL (another host, data:, javascript:
// …). Character references, tabs and newlines in v are decoded and
// removed as in appendURLHost.
func appendFirstPartyPath(dst, v []byte, pageHost, pageDir string) ([]byte, bool) {
	var buf [maxURLDecode + maxRefBytes]byte
	u := trimC0Space(decodeURLPrefix(buf[:0], v, maxURLDecode))

	// 1. Scheme: only http(s) URLs reach a path of the site.
	i := 0
	if len(u) > 0 && isLetterASCII(u[0]) {
		j := 1
		for j < len(u) && (isLetterASCII(u[j]) || '0' <= u[j] && u[j] <= '9' || u[j] == '+' || u[j] == '-' || u[j] == '.') {
			j++
		}
		if j < len(u) && u[j] == ':' {
			if !equalFoldLower(u[:j], "http") && !equalFoldLower(u[:j], "https") {
				return dst, false
			}
			i = j + 1
		}
	}

	// 2. Authority: "//host" must be the page's own host. "http:/path"
	// and "http:path" are relative to a base of the same scheme (and name
	// a host otherwise, which hostCategory checks).
	rest := u[i:]
	if len(rest) >= 2 && isURLSlash(rest[0]) && isURLSlash(rest[1]) {
		if pageHost == "" {
			return dst, false
		}
		var hb [256]byte
		h := appendURLHost(hb[:0], v)
		if string(h) != pageHost {
			return dst, false
		}
		k := 0
		for k < len(rest) && isURLSlash(rest[k]) {
			k++
		}
		for k < len(rest) && !isURLSlash(rest[k]) && rest[k] != '?' && rest[k] != '#' {
			k++
		}
		rest = rest[k:]
		if len(rest) == 0 || !isURLSlash(rest[0]) {
			return append(dst, '/'), true
		}
	}

	// 3. The path, up to the query or fragment, resolved against the
	// page's directory when relative.
	end := 0
	for end < len(rest) && rest[end] != '?' && rest[end] != '#' {
		end++
	}
	path := rest[:end]
	if len(path) == 0 || !isURLSlash(path[0]) {
		var joined [maxURLDecode + 256]byte
		if end == 0 {
			// "?q", "#f", "": the page itself; its directory is as close
			// as the Writer knows, and no prefix ends in a file name.
			return normalisePath(dst, append(joined[:0], pageDir...)), true
		}
		path = append(append(joined[:0], pageDir...), path...)
	}
	return normalisePath(dst, path), true
}

// normalisePath appends the normalised path p (see NormalisePath) to dst.
func normalisePath(dst, p []byte) []byte {
	start := len(dst)
	// 1. Backslashes and percent-encoded unreserved characters.
	if len(p) == 0 || !isURLSlash(p[0]) {
		dst = append(dst, '/')
	}
	for k := 0; k < len(p); k++ {
		c := p[k]
		switch {
		case c == '\\':
			c = '/'
		case c == '%' && k+2 < len(p) && isHexDigit(p[k+1]) && isHexDigit(p[k+2]):
			if d := hexValue(p[k+1])<<4 | hexValue(p[k+2]); isUnreserved(d) {
				c = d
				k += 2
			}
		}
		dst = append(dst, c)
	}
	// 2. Dot segments (RFC 3986 §5.2.4, as the URL standard applies it).
	segs := dst[start:]
	out := segs[:0]
	for r := 0; r < len(segs); {
		// segs[r] is '/'; the segment runs to the next '/'.
		e := r + 1
		for e < len(segs) && segs[e] != '/' {
			e++
		}
		seg := segs[r+1 : e]
		last := e == len(segs)
		switch string(seg) {
		case "":
			// "//": servers and CDNs in front commonly merge slashes
			// ("//metrics/x" is routed as "/metrics/x"), so merge them.
			if last {
				out = append(out, '/')
			}
		case ".":
			if last {
				out = append(out, '/')
			}
		case "..":
			if k := bytes.LastIndexByte(out, '/'); k >= 0 {
				out = out[:k]
			}
			if last {
				out = append(out, '/')
			}
		default:
			out = append(out, segs[r:e]...)
		}
		r = e
	}
	if len(out) == 0 {
		out = append(out, '/')
	}
	return dst[:start+len(out)]
}

// isUnreserved reports whether c is an unreserved URL character (RFC
// 3986 §2.3), which browsers and servers treat the same percent-encoded
// or not.
func isUnreserved(c byte) bool {
	return isLetterASCII(c) || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~'
}
