package rewrite

import (
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// checkPageURL is the page the checker resolves relative URLs against:
// the one rewriteChunks gives the Writer (SetPage).
var checkPageURL = &url.URL{Scheme: "https", Host: testPageHost, Path: testPagePath}

var checkUnreserved = regexp.MustCompile(`%[0-9A-Fa-f]{2}`)

// checkRefusedURL returns what the URL attribute value v loads from that
// p refuses: its host, or (for a PathPolicy) the first-party path prefix
// it resolves under, by net/url's reading of v against checkPageURL with
// the browser's backslashes, tabs and newlines, and percent-encoded
// unreserved characters decoded. It is the checker's own code, not the
// Writer's.
func checkRefusedURL(p Policy, v string) string {
	if h := checkURLHost(v); h != "" && p.RefusedHost(h) != "" {
		return h
	}
	pp, ok := p.(PathPolicy)
	if !ok {
		return ""
	}
	v = strings.NewReplacer("\t", "", "\n", "", "\r", "", `\`, "/").Replace(v)
	v = strings.TrimFunc(v, func(r rune) bool { return r <= ' ' })
	v = checkUnreserved.ReplaceAllStringFunc(v, func(m string) string {
		if c, err := url.PathUnescape(m); err == nil && isUnreserved(c[0]) {
			return c
		}
		return m
	})
	u, err := url.Parse(v)
	if err != nil {
		return ""
	}
	r := checkPageURL.ResolveReference(u)
	if !strings.EqualFold(strings.TrimSuffix(r.Hostname(), "."), testPageHost) || r.Scheme != "http" && r.Scheme != "https" {
		return ""
	}
	for _, path := range []string{r.EscapedPath(), r.Path} {
		if prefix, cat := pp.RefusedPath([]byte(path)); cat != "" {
			return prefix
		}
	}
	return ""
}

// TestNormalisePath pins the path normalisation against the spellings
// browsers treat alike.
func TestNormalisePath(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"/metrics/gtag.js", "/metrics/gtag.js"},
		{"", "/"},
		{"metrics/x", "/metrics/x"},
		{`\metrics\x`, "/metrics/x"},
		{"/%6Detrics/%7e%2D", "/metrics/~-"},
		{"/a/./b/../c", "/a/c"},
		{"/a/%2e%2E/b", "/b"},
		{"/a/.%2e/b", "/b"},
		{"/../../x", "/x"},
		{"/a/b/..", "/a/"},
		{"/a/b/.", "/a/b/"},
		{"/a//b", "/a/b"},
		{"/Metrics/%2F%20", "/Metrics/%2F%20"},
		{"/..a/b..", "/..a/b.."},
	} {
		if got := NormalisePath(c.in); got != c.want {
			t.Errorf("NormalisePath(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// TestFirstPartyPath pins which URLs resolve to the page's own host.
func TestFirstPartyPath(t *testing.T) {
	const host, dir = "www.example.com", "/dir/"
	for _, c := range []struct {
		in, want string
		ok       bool
	}{
		{"/metrics/x", "/metrics/x", true},
		{"x.js", "/dir/x.js", true},
		{"../metrics/x?q#f", "/metrics/x", true},
		{"?q", "/dir/", true},
		{"https://www.example.com/m/x", "/m/x", true},
		{"HTTPS://WWW.EXAMPLE.COM:443/m", "/m", true},
		{"//www.example.com", "/", true},
		{"https:/m/x", "/m/x", true},
		{"http:m/x", "/dir/m/x", true},
		{"https://other.example/m/x", "", false},
		{"//www.example.com.evil.example/m", "", false},
		{"javascript:x", "", false},
		{"data:text/html,x", "", false},
		{"&#x2F;m&#47;x", "/m/x", true},
	} {
		got, ok := appendFirstPartyPath(nil, []byte(c.in), host, dir)
		if string(got) != c.want || ok != c.ok {
			t.Errorf("appendFirstPartyPath(%q) = %q, %v; want %q, %v", c.in, got, ok, c.want, c.ok)
		}
	}
	if _, ok := appendFirstPartyPath(nil, []byte("https://www.example.com/m"), "", dir); ok {
		t.Error("an absolute URL counts as first-party without a page host")
	}
}
