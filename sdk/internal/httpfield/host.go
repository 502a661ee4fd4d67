package httpfield

import (
	"strings"

	"github.com/consentry/consentry/sdk/rewrite"
)

// Host returns a request's Host (host[:port], "[v6]:port") as a bare host
// name: without port or brackets, mapped as a browser maps hosts
// (rewrite.HostName: lowercase, IDNA, without trailing dots). Every host
// the engine compares goes through Host, ConfigHost or Domain, and every
// host the rewriter reads from a page through rewrite.URLHost, which ends
// in the same HostName, so all agree on what a trailing dot, a capital
// letter or a full-width letter means.
func Host(h string) string {
	if strings.HasPrefix(h, "[") {
		if i := strings.IndexByte(h, ']'); i > 0 {
			h = h[1:i]
		}
	} else if i := strings.LastIndexByte(h, ':'); i >= 0 && strings.IndexByte(h, ':') == i {
		h = h[:i]
	}
	return rewrite.HostName(h)
}

// ConfigHost returns a host as an operator configures it ("https://WWW.
// Example.com:443/x", "*.example.com", ".example.com") as a bare host name,
// as Host would: mapped by rewrite.HostName, without scheme, path, port, a
// leading "*." or dots at either end.
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
	return rewrite.HostName(strings.TrimLeft(h, "."))
}

// Domain returns a configured cookie domain or site name (".Example.com",
// "bücher.example.") as Host maps hosts, without a leading dot.
func Domain(d string) string {
	return rewrite.HostName(strings.TrimPrefix(strings.TrimSpace(d), "."))
}
