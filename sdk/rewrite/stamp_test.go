package rewrite

import (
	"bytes"
	"strings"
	"testing"
)

const testStamp = ` data-consent-key="k3y"`

// rewriteStamped rewrites in with testStamp set, in writes of size.
func rewriteStamped(t *testing.T, p Policy, in string, size int) string {
	t.Helper()
	var out bytes.Buffer
	rw := NewWriter(&out, p, []byte(testInject))
	rw.SetStamp([]byte(testStamp))
	feed(t, rw, []byte(in), size)
	return out.String()
}

// TestStamp: the stamp goes on every tag the Writer neutralises and on the
// page's own manual tagging of table elements, right after the name (so a
// planted copy later in the tag loses), and nowhere else; the output does
// not depend on the write size or the fast scanner.
func TestStamp(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`<script src="https://ads.example/a.js"></script>`, `<script data-consent-key="k3y" type="text/plain" data-category="advertising" data-src="https://ads.example/a.js"></script>`},
		{`<script>gtag('js')</script>`, `<script data-consent-key="k3y" type="text/plain" data-category="analytics">gtag('js')</script>`},
		{`<script type="text/plain" data-category="analytics">x()</script>`, `<script data-consent-key="k3y" type="text/plain" data-category="analytics">x()</script>`},
		{`<script data-category="functional" src="/f.js"></script>`, `<script data-consent-key="k3y" data-category="functional" src="/f.js"></script>`},
		{`<script data-category="functional">f()</script>`, `<script data-consent-key="k3y" data-category="functional">f()</script>`},
		{`<img data-category="analytics" data-src="/p.gif">`, `<img data-consent-key="k3y" data-category="analytics" data-src="/p.gif">`},
		{`<iframe src="https://www.youtube.com/embed/x" data-consent-key="planted"></iframe>`, `<iframe data-consent-key="k3y" data-category="social" data-src="https://www.youtube.com/embed/x" data-consent-key="planted"></iframe>`},
		// Untouched: first-party tags, unmarked elements, fast elements.
		{`<script src="/site.js"></script>`, `<script src="/site.js"></script>`},
		{`<img src="/logo.png">`, `<img src="/logo.png">`},
		{`<div data-category="analytics" data-src="/x"></div>`, `<div data-category="analytics" data-src="/x"></div>`},
		{`<a data-category="necessary" data-href="javascript:alert(1)">x</a>`, `<a data-category="necessary" data-href="javascript:alert(1)">x</a>`},
	} {
		// After a <body>, so both the slow pass (before the injection) and
		// the fast one (after it) see the tag.
		for _, page := range []string{tc.in, "<html><head></head><body><p>x</p>" + tc.in} {
			for _, size := range []int{1, 7, len(page) + 1} {
				got := rewriteStamped(t, newTestPolicy(), page, size)
				want := strings.Replace(page, tc.in, tc.want, 1)
				if i := strings.Index(want, "<head>"); i >= 0 {
					want = want[:i+len("<head>")] + testInject + want[i+len("<head>"):]
				} else {
					want = testInject + want
				}
				if got != want {
					t.Errorf("%s (writes of %d):\ngot  %s\nwant %s", page, size, got, want)
				}
			}
		}
	}
}

// TestStampOff: without SetStamp the output is the goldens' (no stamp).
func TestStampOff(t *testing.T) {
	out := string(rewriteChunks(t, newTestPolicy(), []byte(`<script src="https://ads.example/a.js"></script><script type="text/plain" data-category="x"></script>`)))
	if strings.Contains(out, "data-consent-key") {
		t.Errorf("stamped without SetStamp: %s", out)
	}
}

// TestFetchedHost: a host from a fetching attribute is fetched. A host
// only named in an inline script is not looked at (a script is judged by
// what it loads, not by the hosts it names) until an attribute names it.
func TestFetchedHost(t *testing.T) {
	rw := NewWriter(new(bytes.Buffer), newTestPolicy(), nil)
	feed(t, rw, []byte(`<script>var u = "https://reflected.example/q";</script><img src="https://cdn.example/a.png"><script>x("//both.example/")</script><img src="//both.example/b.png">`), 1<<20)
	for host, want := range map[string]bool{"cdn.example": true, "both.example": true} {
		if _, seen := rw.Hosts()[host]; !seen {
			t.Errorf("%s not among Hosts", host)
		}
		if got := rw.FetchedHost(host); got != want {
			t.Errorf("FetchedHost(%s) = %v, want %v", host, got, want)
		}
	}
	if _, seen := rw.Hosts()["reflected.example"]; seen {
		t.Error("a host only named in a script is among Hosts")
	}
	rw.Reset(new(bytes.Buffer), newTestPolicy(), nil)
	if rw.FetchedHost("cdn.example") {
		t.Error("FetchedHost survived Reset")
	}
}
