package rewrite

import (
	"bytes"

	"golang.org/x/net/idna"
)

// hostProfile maps host names as Chromium's URL parser does (the WHATWG URL
// standard's "domain to ASCII" with beStrict false): UTS #46 mapping,
// non-transitional (ß and ς stay), no STD3 rules (so '_' stays), no hyphen
// and no DNS length checks, with the Bidi and ContextJ rules. A host that
// fails them makes the browser refuse the URL; HostName then returns the
// mapping as far as it went, so that a host that may still be fetched is
// never missed.
var hostProfile = idna.New(
	idna.MapForLookup(),
	idna.Transitional(false),
	idna.StrictDomainName(false),
	idna.CheckHyphens(false),
	idna.CheckJoiners(true),
	idna.BidiRule(),
	idna.VerifyDNSLength(false),
)

// HostName returns the host name h as a browser would look it up: percent-
// decoded, mapped by IDNA (UTS #46: full-width letters and the ideographic
// full stop become ASCII, soft hyphens and other ignored code points
// vanish, capitals become lowercase, non-ASCII labels become "xn--"
// labels), without trailing dots. It is the one host canonicaliser of
// Consentry: the rewriter's URLHost ends in it, and the engine maps
// request, configured and catalogued hosts with it, so that all compare
// equal when the browser would reach the same host. A bracketed IPv6
// literal is only lowercased. ASCII names without "xn--" take a fast path
// that does not allocate beyond the result.
func HostName(h string) string {
	if isPlainHost(h) {
		return h
	}
	return string(appendHostName(nil, []byte(h)))
}

// isPlainHost reports whether h is already canonical: lowercase ASCII
// letters, digits, '-', '_' and inner dots, without "xn--".
func isPlainHost(h string) bool {
	if h == "" || h[len(h)-1] == '.' {
		return h == ""
	}
	for i := 0; i < len(h); i++ {
		c := h[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
		if c == '-' && i >= 3 && h[i-1] == '-' && h[i-2] == 'n' && h[i-3] == 'x' {
			return false
		}
	}
	return true
}

// appendHostName appends to dst the canonical form of the host h as it
// stands in a URL (see HostName) and returns the extended slice.
func appendHostName(dst, h []byte) []byte {
	start := len(dst)
	if len(h) > 0 && h[0] == '[' {
		return appendLowerASCII(dst, h)
	}
	slow := false
	for k := 0; k < len(h); k++ {
		c := h[k]
		if c == '%' && k+2 < len(h) && isHexDigit(h[k+1]) && isHexDigit(h[k+2]) {
			c = hexValue(h[k+1])<<4 | hexValue(h[k+2])
			k += 2
		}
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		slow = slow || c >= 0x80 || c == '-' && len(dst)-start >= 3 && string(dst[len(dst)-3:]) == "xn-"
		dst = append(dst, c)
	}
	if slow {
		dst = appendIDNA(dst[:start], dst[start:])
	}
	for len(dst) > start && dst[len(dst)-1] == '.' {
		dst = dst[:len(dst)-1]
	}
	return dst
}

// appendIDNA appends to dst the IDNA mapping of the decoded host h, which
// may be dst's own spare capacity (it is copied first).
func appendIDNA(dst, h []byte) []byte {
	s, err := hostProfile.ToASCII(string(h))
	if err != nil && s == "" {
		// Nothing mapped: keep the decoded, lowercased bytes.
		return append(dst, h...)
	}
	return appendLowerASCII(dst, []byte(s))
}

// appendLowerASCII appends b to dst with ASCII capitals lowercased.
func appendLowerASCII(dst, b []byte) []byte {
	for _, c := range b {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		dst = append(dst, c)
	}
	return dst
}

// hasDot reports whether the host h has a dot.
func hasDot(h []byte) bool { return bytes.IndexByte(h, '.') >= 0 }
