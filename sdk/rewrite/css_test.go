package rewrite

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
)

// TestCSSBlanks: each CSS text, in a <style> element, comes out with
// exactly the refused URLs blanked, at every split; the checker finds a
// live URL in the input exactly when one is blanked, and none in the
// output.
func TestCSSBlanks(t *testing.T) {
	const b = cssBlank + cssMark
	tests := []struct{ in, want string }{
		{`a{background:url(//ads.example/a)}`, `a{background:` + b + `}`},
		{`a{background:url( '//ads.example/a' )}`, `a{background:` + b + `}`},
		{`a{background:url(/a)} b{color:red}`, ``},
		{`@import '//ads.example/a' screen;`, `@import ` + b + ` screen;`},
		{`@IMPORT/**/"//ads.example/a";`, `@IMPORT/**/` + b + `;`},
		{`@import "/a"; @import "//cdn.granted.example/b";`, ``},
		{`@importx "//ads.example/a";`, ``},
		{`@media print { @import "//ads.example/a"; }`, `@media print { @import ` + b + `; }`},
		{`a{content:"//ads.example/a"}`, ``},
		{`a{b:image-set("//ads.example/a" 1x,"/b" 2x)}`, `a{b:image-set(` + b + ` 1x,"/b" 2x)}`},
		{`a{b:IMAGE-SET(image-set("//ads.example/a" 1x) 1x)}`, `a{b:IMAGE-SET(image-set(` + b + ` 1x) 1x)}`},
		{`a{b:image-set(f("//ads.example/a") 1x)}`, ``},
		{`a{b:-webkit-image-set("//ads.example/a" 1x)}`, `a{b:-webkit-image-set(` + b + ` 1x)}`},
		{`a{b:x-image-set("//ads.example/a" 1x)}`, ``},
		{`a{b:url(//ads\2e example/a)}`, `a{b:` + b + `}`},
		{`a{b:url(//ads\2eexample/a)}`, ``}, // \2eex is one escape: U+2EEX
		{`a{b:url("//ads.ex\
ample/a")}`, `a{b:` + b + `}`},
		{`a{b:\55 RL(//ads.example/a) c}`, `a{b:` + b + ` c}`},
		{`a{b:u\rl(//ads.example/a)}`, `a{b:` + b + `}`},
		{`a{b:ur/**/l(//ads.example/a)}`, ``},
		{`a{b:url(//ads.example/a b)}`, `a{b:` + b + `}`},
		{`/* url(//ads.example/a) */`, ``},
		{`a{b:"/* x"} c{d:url(//ads.example/a)}`, `a{b:"/* x"} c{d:` + b + `}`},
		{`a{b:"x} c{d:url(//ads.example/a)}`, ``}, // a bad string to the end of the line
		{"a{b:\"x\n} c{d:url(//ads.example/a)}", "a{b:\"x\n} c{d:" + b + "}"},
		{`a{b:url(//ads.example/a`, `a{b:` + b},
		{`a{b:url(//ads.example/a);c:url(//www.google-analytics.com/b)}`, `a{b:` + b + `;c:` + b + `}`},
	}
	for _, tc := range tests {
		in := "<style>" + tc.in + "</style>"
		want := tc.want
		if want == "" {
			want = tc.in
		}
		out := string(rewriteChunks(t, newTestPolicy(), []byte(in)))
		body, carrier, _ := strings.Cut(strings.TrimPrefix(out, testInject+"<style>"), "</style>")
		if body != want {
			t.Errorf("%q:\ngot  %q\nwant %q", tc.in, body, want)
		}
		if (carrier != "") != (want != tc.in) {
			t.Errorf("%q: carrier %q", tc.in, carrier)
		}
		for i := 1; i < len(in); i++ {
			if got := string(rewriteChunks(t, newTestPolicy(), []byte(in), i, len(in))); got != out {
				t.Fatalf("%q split at %d:\ngot  %q\nwant %q", tc.in, i, got, out)
			}
		}
		if live := checkLive(newTestPolicy(), []byte(in)) != nil; live != (want != tc.in) {
			t.Errorf("%q: the checker finds it live = %v", tc.in, live)
		}
		if err := checkLive(newTestPolicy(), []byte(out)); err != nil {
			t.Errorf("%q: %v", tc.in, err)
		}
		if attr := fmt.Sprintf(`<p style='%s'>`, strings.ReplaceAll(tc.in, "'", "&#39;")); !strings.Contains(tc.in, "@") {
			got := string(rewriteChunks(t, newTestPolicy(), []byte(attr)))
			if err := checkLive(newTestPolicy(), []byte(got)); err != nil {
				t.Errorf("%s: %v", attr, err)
			}
		}
	}
}

// TestCSSHugeStyle: a style body far over the hold limit streams, with no
// more than a token held, and each refused URL in it is blanked, also
// right after tokens longer than the limit (a comment, a string, an
// identifier, whitespace), whatever the write sizes; a string or url
// longer than the limit is judged on its start and blanked whole, without
// an original in the carrier.
func TestCSSHugeStyle(t *testing.T) {
	const limit = 256
	long := strings.Repeat("x", 3*limit)
	var b strings.Builder
	b.WriteString("<style>")
	for i := 0; i < 40; i++ {
		fmt.Fprintf(&b, ".r%d { display: none; background: url(//ads.example/%d.png) }\n", i, i)
	}
	b.WriteString("/* " + long + " */ .c { background: url(//ads.example/after-comment.png) }\n")
	b.WriteString(".s { content: \"" + long + "\"; background: url(//ads.example/after-string.png) }\n")
	b.WriteString(".i" + long + " { background: url(//ads.example/after-ident.png) }\n")
	b.WriteString(".w {" + strings.Repeat(" ", 3*limit) + "background: url(//ads.example/after-space.png) }\n")
	b.WriteString(".u { background: url(//ads.example/" + long + ") } .v { color: red }\n")
	b.WriteString("@import \"//ads.example/" + long + "\"; .q { background: url(//ads.example/last.png) }")
	b.WriteString("</style><p>after</p>")
	in := []byte(b.String())

	run := func(sizes ...int) (string, int) {
		var out bytes.Buffer
		rw := NewWriter(&out, newTestPolicy(), nil)
		rw.maxHold = limit
		held := 0
		for rest := in; len(rest) > 0; {
			n := len(rest)
			if len(sizes) > 0 {
				n = min(sizes[0], n)
			}
			if _, err := rw.Write(rest[:n]); err != nil {
				t.Fatal(err)
			}
			rest = rest[n:]
			held = max(held, len(rw.carry))
		}
		if err := rw.Close(); err != nil {
			t.Fatal(err)
		}
		return out.String(), held
	}
	whole, _ := run()
	if strings.Contains(whole, "//ads.example/") && !strings.Contains(whole, "data-consent-css>[") {
		t.Fatalf("no carrier: %s", whole)
	}
	live, _, _ := strings.Cut(whole, "</style>")
	if strings.Contains(live, "ads.example") {
		t.Errorf("a refused URL is live in %q", live)
	}
	if n := strings.Count(live, cssBlank); n != 47 {
		t.Errorf("%d blanks, want 47", n)
	}
	if n := strings.Count(live, cssBlank+cssMark); n != 45 {
		t.Errorf("%d marked blanks, want 45 (the two overlong ones have no original)", n)
	}
	for _, keep := range []string{"/* " + long + " */", "\"" + long + "\"", ".i" + long, ".v { color: red }", "display: none"} {
		if !strings.Contains(live, keep) {
			t.Errorf("the style lost %.40q", keep)
		}
	}
	if err := checkLive(newTestPolicy(), []byte(whole)); err != nil {
		t.Error(err)
	}
	for _, size := range []int{1, 7, 100, 300, 1000} {
		got, held := run(size)
		if got != whole {
			t.Fatalf("writes of %d: the output differs", size)
		}
		if held > 2*limit+size+64 {
			t.Errorf("writes of %d: held %d bytes", size, held)
		}
	}
}

// TestCSSCounts: a <style> or an element counts once for each category it
// blanked; a held style once, for its own category; the hosts of CSS URLs
// are fetched hosts for the inventory, a host only in a CSS string is not
// looked up at all.
func TestCSSCounts(t *testing.T) {
	in := `<style>a{b:url(//ads.example/1)} c{d:url(//ads.example/2);e:url(//www.google-analytics.com/3)} f{content:"//www.youtube.com/x"}</style>` +
		`<p style="b:url(//ads.example/4);c:url(//ads.example/5)">` +
		`<img src="//ads.example/6" style="b:url(//www.google-analytics.com/7)">` +
		`<style data-category="social">@import "/a.css"; @import "/b.css";</style>`
	var out bytes.Buffer
	rw := NewWriter(&out, newTestPolicy(), nil)
	feed(t, rw, []byte(in), 5)
	if err := rw.Close(); err != nil {
		t.Fatal(err)
	}
	got := rw.Neutralised()
	want := map[string]int{"advertising": 3, "analytics": 2, "social": 1}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("Neutralised() = %v, want %v", got, want)
	}
	for _, h := range []string{"ads.example", "www.google-analytics.com"} {
		if !rw.FetchedHost(h) {
			t.Errorf("FetchedHost(%q) = false", h)
		}
	}
	if _, ok := rw.Hosts()["www.youtube.com"]; ok {
		t.Errorf("a host named only in a CSS string was looked up")
	}
}
