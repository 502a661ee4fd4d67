package httpfield

import "strings"

// Host returns a request's Host (host[:port], "[v6]:port") as a bare host
// name: without port or brackets, lowercase, without a trailing dot. Every
// host the engine compares goes through Host or ConfigHost, so the two
// agree on what a trailing dot or a capital letter means.
func Host(h string) string {
	if strings.HasPrefix(h, "[") {
		if i := strings.IndexByte(h, ']'); i > 0 {
			h = h[1:i]
		}
	} else if i := strings.LastIndexByte(h, ':'); i >= 0 && strings.IndexByte(h, ':') == i {
		h = h[:i]
	}
	return lowerHost(strings.TrimSuffix(h, "."))
}

// ConfigHost returns a host as an operator configures it ("https://WWW.
// Example.com:443/x", "*.example.com", ".example.com") as a bare host name,
// as Host would: lowercase, without scheme, path, port, a leading "*." or
// dots at either end.
func ConfigHost(h string) string {
	h = strings.TrimSpace(h)
	if i := strings.Index(h, "://"); i >= 0 {
		h = h[i+3:]
	}
	h = strings.TrimPrefix(h, "//")
	if i := strings.IndexAny(h, "/?#"); i >= 0 {
		h = h[:i]
	}
	if i := strings.LastIndexByte(h, ':'); i >= 0 && !strings.Contains(h[i:], "]") {
		h = h[:i]
	}
	h = strings.TrimPrefix(h, "*.")
	return lowerHost(strings.Trim(h, "."))
}

// lowerHost lowercases h without allocating when it is lowercase already.
func lowerHost(h string) string {
	for i := 0; i < len(h); i++ {
		if 'A' <= h[i] && h[i] <= 'Z' {
			return strings.ToLower(h)
		}
	}
	return h
}
