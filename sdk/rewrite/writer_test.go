package rewrite

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var updateGolden = flag.Bool("update-golden", false, "rewrite the testdata/rewrite/*.golden.html files")

// testPolicy is a Policy for the rewriter tests: categories refused or
// granted by key, hosts matched with their subdomains, and inline patterns.
type testPolicy struct {
	refused map[string]bool // known keys; unknown keys are refused
	// grantUnknown grants unknown keys too (for the granted-everything tests).
	grantUnknown bool
	hosts        map[string]string
	inline       [][2]string // pattern, category
	paths        [][2]string // first-party path prefix, category
}

func (p *testPolicy) RefusedPath(path []byte) (string, string) {
	for _, pc := range p.paths {
		if bytes.HasPrefix(path, []byte(pc[0])) {
			if p.refused[pc[1]] {
				return pc[0], pc[1]
			}
			return pc[0], ""
		}
	}
	return "", ""
}

// hostsOnly hides a policy's first-party paths: the Writer sees a plain
// Policy.
type hostsOnly struct{ Policy }

// testPage is the page the tests rewrite (SetPage): relative URLs resolve
// against it.
const testPageHost, testPagePath = "www.example.com", "/dir/page.html"

func (p *testPolicy) Refused(key string) bool {
	r, known := p.refused[key]
	return r || !known && !p.grantUnknown
}

func (p *testPolicy) RefusedHost(host string) string {
	for h := host; ; {
		if c, ok := p.hosts[h]; ok {
			if p.refused[c] {
				return c
			}
			return ""
		}
		i := strings.IndexByte(h, '.')
		if i < 0 {
			return ""
		}
		h = h[i+1:]
	}
}

func (p *testPolicy) RefusedInline(body []byte) string {
	for _, pc := range p.inline {
		if p.refused[pc[1]] && bytes.Contains(body, []byte(pc[0])) {
			return pc[1]
		}
	}
	return ""
}

// newTestPolicy refuses analytics, advertising and social and grants
// necessary and functional.
func newTestPolicy() *testPolicy {
	return &testPolicy{
		refused: map[string]bool{
			"necessary": false, "functional": false,
			"analytics": true, "advertising": true, "social": true,
		},
		hosts: map[string]string{
			"google-analytics.com":   "analytics",
			"googletagmanager.com":   "analytics",
			"doubleclick.net":        "advertising",
			"facebook.net":           "advertising",
			"facebook.com":           "advertising",
			"ads.example":            "advertising",
			"youtube.com":            "social",
			"cdn.granted.example":    "functional",
			"www.example.com":        "necessary",
			"static.granted.example": "functional",
		},
		inline: [][2]string{{"gtag(", "analytics"}, {"fbq(", "advertising"}, {"adsbygoogle", "advertising"}},
		paths:  [][2]string{{"/metrics/", "analytics"}, {"/sgtm/", "advertising"}, {"/granted-gw/", "functional"}},
	}
}

// grantAll returns p with every category granted, known or not.
func grantAll(p *testPolicy) *testPolicy {
	for k := range p.refused {
		p.refused[k] = false
	}
	p.grantUnknown = true
	return p
}

const testInject = `<script src="/_consent/banner.js"></script>`

// rewriteChunks rewrites in fed in writes of the given sizes (the last
// size repeats) and returns the output.
func rewriteChunks(t testing.TB, p Policy, in []byte, sizes ...int) []byte {
	t.Helper()
	var out bytes.Buffer
	rw := NewWriter(&out, p, []byte(testInject))
	rw.SetPage(testPageHost, testPagePath)
	feed(t, rw, in, sizes...)
	if err := rw.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	return out.Bytes()
}

// rewriteSlow rewrites in, in chunks of size, with every tag lexed (no
// skipFast).
func rewriteSlow(t testing.TB, in []byte, size int) []byte {
	t.Helper()
	var out bytes.Buffer
	rw := NewWriter(&out, newTestPolicy(), []byte(testInject))
	rw.SetPage(testPageHost, testPagePath)
	rw.slow = true
	feed(t, rw, in, size)
	if err := rw.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	return out.Bytes()
}

func feed(t testing.TB, rw *Writer, in []byte, sizes ...int) {
	t.Helper()
	for i := 0; len(in) > 0; i++ {
		n := len(in)
		if len(sizes) > 0 {
			n = min(sizes[min(i, len(sizes)-1)], len(in))
		}
		if n <= 0 {
			t.Fatalf("chunk size %d", n)
		}
		if got, err := rw.Write(in[:n]); err != nil || got != n {
			t.Fatalf("Write: %d, %v; want %d, nil", got, err, n)
		}
		in = in[n:]
	}
}

func goldenInputs(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "rewrite", "*.html"))
	if err != nil {
		t.Fatal(err)
	}
	var in []string
	for _, f := range files {
		if !strings.HasSuffix(f, ".golden.html") {
			in = append(in, f)
		}
	}
	if len(in) == 0 {
		t.Fatal("no golden inputs")
	}
	return in
}

func TestRewriteGolden(t *testing.T) {
	for _, f := range goldenInputs(t) {
		name := strings.TrimSuffix(filepath.Base(f), ".html")
		t.Run(name, func(t *testing.T) {
			in, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			got := rewriteChunks(t, newTestPolicy(), in)
			if slow := rewriteSlow(t, in, len(in)+1); !bytes.Equal(slow, got) {
				t.Errorf("output differs without skipFast:\n%s", slow)
			}
			golden := strings.TrimSuffix(f, ".html") + ".golden.html"
			if *updateGolden {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update-golden and review the diff)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("output differs from %s\ngot:\n%s\nwant:\n%s", golden, got, want)
			}
		})
	}
}

// TestRewriteChunked feeds every golden input split at every byte and in
// fixed chunk sizes: the output must not depend on how the body arrives.
func TestRewriteChunked(t *testing.T) {
	for _, f := range goldenInputs(t) {
		t.Run(filepath.Base(f), func(t *testing.T) {
			in, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			want := rewriteChunks(t, newTestPolicy(), in)
			for _, size := range []int{1, 2, 3, 7, 64, 4096} {
				if got := rewriteChunks(t, newTestPolicy(), in, size); !bytes.Equal(got, want) {
					t.Fatalf("chunks of %d:\ngot:\n%s\nwant:\n%s", size, got, want)
				}
			}
			step := 1
			if len(in) > 16<<10 {
				step = 61 // large pages: every 61st split, and chunks above
			}
			for i := 1; i < len(in); i += step {
				if got := rewriteChunks(t, newTestPolicy(), in, i, len(in)); !bytes.Equal(got, want) {
					t.Fatalf("split at %d:\ngot:\n%s\nwant:\n%s", i, got, want)
				}
			}
		})
	}
}

// TestRewriteGrantedEverything: with nothing refused the output is the
// input plus the injection, at the place the golden output has it; inside
// <noscript>, a "</noscript" that is not its end tag is written
// "&lt;/noscript" whatever the policy (noscript.go), which undefuse undoes.
func TestRewriteGrantedEverything(t *testing.T) {
	for _, f := range goldenInputs(t) {
		t.Run(filepath.Base(f), func(t *testing.T) {
			in, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			got := rewriteChunks(t, grantAll(newTestPolicy()), in)
			if n := bytes.Count(got, []byte(testInject)); n != 1 {
				t.Fatalf("injection appears %d times, want 1:\n%s", n, got)
			}
			if stripped := undefuse(bytes.Replace(got, []byte(testInject), nil, 1)); !bytes.Equal(stripped, undefuse(in)) {
				t.Errorf("output minus injection differs from input:\ngot:\n%s\nwant:\n%s", stripped, in)
			}
		})
	}
}

func TestRewriteInjectionPoint(t *testing.T) {
	const inj = "<!--I-->"
	tests := []struct{ name, in, want string }{
		{"head", "<!doctype html><html><head><title>t</title>", "<!doctype html><html><head><!--I--><title>t</title>"},
		{"head attrs", "<HEAD\nclass=x>", "<HEAD\nclass=x><!--I-->"},
		{"no head", "<!doctype html><!--c--><html><body>x", "<!doctype html><!--c--><html><!--I--><body>x"},
		{"text first", "\n  hello <b>x</b>", "\n  <!--I-->hello <b>x</b>"},
		{"bom", "\xef\xbb\xbf<p>x", "\xef\xbb\xbf<!--I--><p>x"},
		{"bom then head", "\xef\xbb\xbf<head>", "\xef\xbb\xbf<head><!--I-->"},
		{"only doctype", "<!doctype html>\n", "<!doctype html>\n<!--I-->"},
		{"end tags only", "</p></div>", "</p></div><!--I-->"},
		{"svg first", "<svg></svg><head>", "<!--I--><svg></svg><head>"},
		{"unterminated tag", "<!doctype html><div", "<!doctype html><!--I--><div"},
		{"empty", "", ""},
		{"head after body", "<body><head>", "<!--I--><body><head>"},
		{"script first", "<script>gtag(1)</script>", `<!--I--><script type="text/plain" data-category="analytics">gtag(1)</script>`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, size := range []int{1, 0} {
				var out bytes.Buffer
				rw := NewWriter(&out, newTestPolicy(), []byte(inj))
				var sizes []int
				if size > 0 {
					sizes = []int{size}
				}
				feed(t, rw, []byte(tc.in), sizes...)
				if err := rw.Close(); err != nil {
					t.Fatal(err)
				}
				if got := out.String(); got != tc.want {
					t.Errorf("chunk %d: got %q, want %q", size, got, tc.want)
				}
			}
		})
	}
}

func TestRewriteNoInjection(t *testing.T) {
	in := `<html><head><script src="https://ads.example/a.js"></script></head></html>`
	var out bytes.Buffer
	rw := NewWriter(&out, newTestPolicy(), nil)
	feed(t, rw, []byte(in))
	if err := rw.Close(); err != nil {
		t.Fatal(err)
	}
	want := `<html><head><script type="text/plain" data-category="advertising" data-src="https://ads.example/a.js"></script></head></html>`
	if out.String() != want {
		t.Errorf("got %q, want %q", out.String(), want)
	}
	if rw.Injected() {
		t.Error("Injected() = true with no injection markup")
	}
}

func TestRewriteNilPolicy(t *testing.T) {
	in := `<head><script src="https://ads.example/a.js"></script><script>gtag(1)</script>`
	var out bytes.Buffer
	rw := NewWriter(&out, nil, []byte("<!--I-->"))
	feed(t, rw, []byte(in), 5)
	if err := rw.Close(); err != nil {
		t.Fatal(err)
	}
	if want := `<head><!--I-->` + in[len("<head>"):]; out.String() != want {
		t.Errorf("got %q, want %q", out.String(), want)
	}
}

func TestRewriteNeutralisedCounts(t *testing.T) {
	in, err := os.ReadFile(filepath.Join("testdata", "rewrite", "media.html"))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	rw := NewWriter(&out, newTestPolicy(), []byte(testInject))
	feed(t, rw, in, 100)
	if err := rw.Close(); err != nil {
		t.Fatal(err)
	}
	got := rw.Neutralised()
	want := map[string]int{"social": 2, "advertising": 7, "analytics": 1}
	if len(got) != len(want) {
		t.Fatalf("Neutralised() = %v, want %v", got, want)
	}
	for k, n := range want {
		if got[k] != n {
			t.Errorf("Neutralised()[%q] = %d, want %d (all: %v)", k, got[k], n, got)
		}
	}
	if total := bytes.Count(out.Bytes(), []byte("data-category=")); total != 10 {
		t.Errorf("output has %d data-category attributes, want 10", total)
	}
	if !rw.Injected() {
		t.Error("Injected() = false")
	}
}

// giantScript returns a page with an inline script body of n bytes whose
// first bytes are prefix.
func giantScript(prefix string, n int) []byte {
	var b bytes.Buffer
	b.WriteString("<!doctype html><html><head><script>")
	b.WriteString(prefix)
	line := "var x = 1; // <div> </scrip </style> '<script>'\n"
	for b.Len() < n {
		b.WriteString(line)
	}
	b.WriteString("</script><img src=\"https://ads.example/p.gif\"></head></html>")
	return b.Bytes()
}

func TestRewriteGiantInlineScript(t *testing.T) {
	tests := []struct {
		name, prefix string
		wantCat      bool
	}{
		{"pattern in the first MaxHold bytes", "gtag('js');", true},
		{"first-party", "app();", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := giantScript(tc.prefix, 3*MaxHold)
			var whole []byte
			for _, size := range []int{0, 1 << 10, 4 << 10, 32 << 10, 100 << 10} {
				var out bytes.Buffer
				rw := NewWriter(&out, newTestPolicy(), []byte(testInject))
				held := 0
				for rest := in; len(rest) > 0; {
					n := len(rest)
					if size > 0 {
						n = min(size, n)
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
				if rw.Overflows() != 1 {
					t.Errorf("chunk %d: Overflows() = %d, want 1", size, rw.Overflows())
				}
				if size > 0 && held > MaxHold+size+64 {
					t.Errorf("chunk %d: held %d bytes between writes, want ≤ MaxHold plus a write", size, held)
				}
				got := out.Bytes()
				if size == 0 {
					whole = got
				} else if !bytes.Equal(got, whole) {
					t.Fatalf("chunk %d: output differs from whole-buffer output", size)
				}
				neutral := bytes.Contains(got, []byte(`<script type="text/plain" data-category="analytics">`))
				if neutral != tc.wantCat {
					t.Errorf("chunk %d: script neutralised = %v, want %v", size, neutral, tc.wantCat)
				}
				if !bytes.Contains(got, []byte(`<img data-category="advertising" data-src="https://ads.example/p.gif">`)) {
					t.Errorf("chunk %d: the img after the giant script was not neutralised", size)
				}
				body := in[bytes.Index(in, []byte("<script>"))+8 : bytes.Index(in, []byte("</script>"))]
				if !bytes.Contains(got, body) {
					t.Errorf("chunk %d: script body changed", size)
				}
			}
		})
	}
}

func TestRewriteMaxHoldTag(t *testing.T) {
	// A start tag larger than the hold limit is passed on without being
	// held to its end; a refused tracker in the part held is neutralised
	// all the same (fails closed), the rest follows unmodified.
	big := `<img src="https://ads.example/p.gif" data-blob="` + strings.Repeat("A", 200) + `"><img src="https://ads.example/q.gif">`
	var out bytes.Buffer
	rw := NewWriter(&out, newTestPolicy(), nil)
	rw.maxHold = 64
	feed(t, rw, []byte(big), 50)
	if err := rw.Close(); err != nil {
		t.Fatal(err)
	}
	if rw.Overflows() != 1 {
		t.Errorf("Overflows() = %d, want 1", rw.Overflows())
	}
	want := `<img data-category="advertising" data-src="https://ads.example/p.gif" data-blob="` + strings.Repeat("A", 200) +
		`"><img data-category="advertising" data-src="https://ads.example/q.gif">`
	if out.String() != want {
		t.Errorf("got %q\nwant %q", out.String(), want)
	}
}

func TestRewriteMaxHoldTagPassesOthers(t *testing.T) {
	// An overlong tag that names no refused host, or is no start tag,
	// passes through byte for byte.
	for _, big := range []string{
		`<img src="/local.png" data-blob="` + strings.Repeat("A", 200) + `">`,
		`<div class="` + strings.Repeat("x", 200) + `">`,
		`<script src="https://cdn.example/app.js" data-x="` + strings.Repeat("A", 200) + `"></script>`,
	} {
		var out bytes.Buffer
		rw := NewWriter(&out, newTestPolicy(), nil)
		rw.maxHold = 64
		feed(t, rw, []byte(big), 50)
		if err := rw.Close(); err != nil {
			t.Fatal(err)
		}
		if out.String() != big {
			t.Errorf("got %q\nwant %q", out.String(), big)
		}
	}
}

func TestRewriteHoldsLittle(t *testing.T) {
	// Text, closed tags and raw-text bodies are emitted as they come
	// (a style's but for the CSS tokens more bytes could change); inline
	// scripts are held until their end.
	var out bytes.Buffer
	rw := NewWriter(&out, newTestPolicy(), nil)
	write := func(s string) string {
		t.Helper()
		n := out.Len()
		if _, err := rw.Write([]byte(s)); err != nil {
			t.Fatal(err)
		}
		return out.String()[n:]
	}
	if got := write("<p>Hello <b"); got != "<p>Hello " {
		t.Errorf("1: got %q", got)
	}
	if got := write(">world</b> <"); got != "<b>world</b> " {
		t.Errorf("2: got %q", got)
	}
	if got := write("style>a{}</st"); got != "<style>a" {
		t.Errorf("3: got %q (a style streams but for its last tokens)", got)
	}
	if got := write("yle><script src=/a.js>var a = 1; </scri"); got != "{}</style><script src=/a.js>var a = 1; " {
		t.Errorf("4: got %q", got)
	}
	if got := write("ptx>"); got != "</scriptx>" {
		t.Errorf("5: got %q", got)
	}
	if got := write("</script><script>var b"); got != "</script>" {
		t.Errorf("6: got %q (inline scripts are held until their end)", got)
	}
	if got := write(" = 2;</script>"); got != "<script>var b = 2;</script>" {
		t.Errorf("7: got %q", got)
	}
	if err := rw.Flush(); err != nil {
		t.Fatal(err)
	}
}

type failWriter struct{ n int }

func (w *failWriter) Write(p []byte) (int, error) {
	w.n++
	return 0, errors.New("boom")
}

func TestRewriteWriteError(t *testing.T) {
	w := &failWriter{}
	rw := NewWriter(w, newTestPolicy(), nil)
	if _, err := rw.Write([]byte("<p>x</p>")); err == nil {
		t.Fatal("Write: want the writer's error")
	}
	if _, err := rw.Write([]byte("<p>y</p>")); err == nil {
		t.Fatal("second Write: want the sticky error")
	}
	if err := rw.Close(); err == nil {
		t.Fatal("Close: want the sticky error")
	}
	if w.n != 1 {
		t.Errorf("underlying Write called %d times, want 1", w.n)
	}
}

func TestRewriteClosed(t *testing.T) {
	var out bytes.Buffer
	rw := NewWriter(&out, newTestPolicy(), nil)
	if err := rw.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := rw.Write([]byte("x")); err == nil {
		t.Error("Write after Close: want an error")
	}
}

// countingWriter counts the writes it receives.
type countingWriter struct {
	bytes.Buffer
	writes int
}

func (w *countingWriter) Write(p []byte) (int, error) {
	w.writes++
	return w.Buffer.Write(p)
}

func TestRewriteOneWritePerCall(t *testing.T) {
	page := benchPage(200 << 10)
	w := &countingWriter{}
	rw := NewWriter(w, newTestPolicy(), []byte(testInject))
	calls := 0
	for in := page; len(in) > 0; calls++ {
		n := min(32<<10, len(in))
		if _, err := rw.Write(in[:n]); err != nil {
			t.Fatal(err)
		}
		in = in[n:]
	}
	if err := rw.Close(); err != nil {
		t.Fatal(err)
	}
	if w.writes > calls+1 {
		t.Errorf("%d writes to the underlying writer for %d Write calls and a Close", w.writes, calls)
	}
	if len(rw.Neutralised()) == 0 {
		t.Error("the bench page had nothing neutralised")
	}
}

func TestRewriteReset(t *testing.T) {
	var a, b bytes.Buffer
	rw := NewWriter(&a, newTestPolicy(), []byte("<!--A-->"))
	feed(t, rw, []byte(`<head><img src="https://ads.example/x.gif"><script>var x`))
	rw.Reset(&b, grantAll(newTestPolicy()), []byte("<!--B-->"))
	feed(t, rw, []byte(`<head><img src="https://ads.example/x.gif">`))
	if err := rw.Close(); err != nil {
		t.Fatal(err)
	}
	if want := `<head><!--B--><img src="https://ads.example/x.gif">`; b.String() != want {
		t.Errorf("after Reset: got %q, want %q", b.String(), want)
	}
	if len(rw.Neutralised()) != 0 {
		t.Errorf("counters survived Reset: %v", rw.Neutralised())
	}
}

func TestRewriteAllocs(t *testing.T) {
	if testing.Short() {
		t.Skip("allocation count")
	}
	page := benchPage(1 << 20)
	p := benchPolicy()
	rw := NewWriter(nil, p, []byte(testInject))
	var sink countingWriter
	run := func() {
		sink.Reset()
		rw.Reset(&sink, p, []byte(testInject))
		for in := page; len(in) > 0; {
			n := min(32<<10, len(in))
			_, _ = rw.Write(in[:n])
			in = in[n:]
		}
		_ = rw.Close()
	}
	run()
	if allocs := testing.AllocsPerRun(5, run); allocs > 100 {
		t.Errorf("%.0f allocations for a 1 MB page in 32 KiB writes, want ≤ 100", allocs)
	}
	if n := rw.Neutralised(); n["advertising"] == 0 || n["analytics"] == 0 || n["social"] == 0 {
		t.Errorf("the bench page was not rewritten: %v", n)
	}
}

func FuzzRewriter(f *testing.F) {
	for _, s := range []string{
		"<!doctype html><head><script src=https://ads.example/a.js></script>",
		"<script>gtag(1)</script><img srcset='//ads.example/a 1x, /b 2x'>",
		"<script type=module>import x from '//ads.example/m.js'</script><script>import(`/sgtm/x`)</script><script>u='//ads.example/';f(u)</script>",
		"<script type=importmap>{\"imports\":{\"a\":\"https:\\/\\/ads.example/a.js\"}}</script><img src='../metrics/p.gif'><img src='HTTPS://WWW.EXAMPLE.COM/%2e%2E/sgtm/'>",
		"<!-- <script> --><svg><script>x</script></svg><textarea></textarea>",
		"\xef\xbb\xbf<plaintext><img src=//ads.example>",
		"<script><!--<script></script>--></script><noembed><img src=//ads.example></noembed>",
		"<link rel=preconnect href=//ads.example><object data=//ads.example>",
		"<script data-category=analytics src=/a.js>",
		"<a\x00b>",
		"<svg><image href=//ads.example/a/><script>x='//ads.example'</script><style>@import '//ads.example'</style></svg>",
		"<base href=//ads.example/><meta http-equiv=refresh content='0;url=//ads.example'>",
		"<iframe srcdoc='<img src=&quot;//ads.example&quot;>'></iframe><div style=background:url(//ads.example)>",
		"<script/src=//ads.example></script><img alt/src=//ads.example><!--><img src=//ads.example>",
		"<img src=/p data-src=//ads.example><a ping=//ads.example href=/>",
		"<math><mglyph src=//ads.example /></math><svg><foreignObject><img src=//ads.example></foreignObject></svg>",
		"<style>@IMPORT '//ads.example'; a{b:image-set(\"//ads.example\" 1x) url(//ads\\2e example) u\\72l(//ads.example)}</style>",
		"<style type=text/plain data-category=analytics>@import url(/a.css)</style><p style='b:url(&#47;/ads.example)'>",
		"<svg><style>@import &quot;//ads.example&quot;; a{fill:url(//ads.example/g#x)}</style></svg><style>/* x",
	} {
		f.Add([]byte(s), uint16(3))
	}
	f.Fuzz(func(t *testing.T, in []byte, split uint16) {
		whole := rewriteChunks(t, newTestPolicy(), in)
		if err := checkLive(newTestPolicy(), whole); err != nil {
			t.Fatalf("%v\nin:  %q\nout: %q", err, in, whole)
		}
		if slow := rewriteSlow(t, in, int(split%64)+1); !bytes.Equal(slow, whole) {
			t.Fatalf("skipFast changes the output:\n%q\nwithout it:\n%q", whole, slow)
		}
		size := int(split%64) + 1
		if got := rewriteChunks(t, newTestPolicy(), in, size); !bytes.Equal(got, whole) {
			t.Fatalf("chunks of %d differ:\n%q\nwhole:\n%q", size, got, whole)
		}
		if len(in) > 0 {
			at := int(split)%len(in) + 1
			if got := rewriteChunks(t, newTestPolicy(), in, at, len(in)); !bytes.Equal(got, whole) {
				t.Fatalf("split at %d differs:\n%q\nwhole:\n%q", at, got, whole)
			}
		}
		// Inside <noscript>, a "</noscript" that is not its end tag is
		// written "&lt;/noscript" whatever the policy (noscript.go): the
		// same text to the reader without scripts, inert raw text to the
		// one with scripts. Only that byte may differ.
		granted := undefuse(rewriteChunks(t, grantAll(newTestPolicy()), in, size))
		in = undefuse(in)
		if len(in) == 0 {
			if len(granted) != 0 {
				t.Fatalf("empty input gave %q", granted)
			}
			return
		}
		if n := bytes.Count(granted, []byte(testInject)) - bytes.Count(in, []byte(testInject)); n != 1 {
			t.Fatalf("injection added %d times", n)
		}
		inj := []byte(testInject)
		for j := 0; ; j++ {
			k := bytes.Index(granted[j:], inj)
			if k < 0 {
				break
			}
			j += k
			if bytes.Equal(append(granted[:j:j], granted[j+len(inj):]...), in) {
				return
			}
		}
		t.Fatalf("with everything granted, output minus the injection differs from the input:\n%q\n%q", granted, in)
	})
}

// undefuse writes every "&lt;/noscript" (any case) as "</noscript".
func undefuse(b []byte) []byte {
	var out []byte
	for {
		i := indexFold(b, "&lt;/noscript")
		if i < 0 {
			// A prefix cut off by the end of the input may have been
			// defused before the end came (defused).
			if j := bytes.LastIndex(b, []byte("&lt;/")); j >= 0 && hasPrefixFoldPartial(b[j+len("&lt;"):], "/noscript") {
				b = append(append(b[:j:j], '<'), b[j+len("&lt;"):]...)
			}
			return append(out, b...)
		}
		out = append(append(out, b[:i]...), '<')
		b = b[i+len("&lt;"):]
	}
}

func TestRewriteEdgeCases(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"NUL inside svg", "<svg><a>\x00</a></svg><img src=//ads.example/p>",
			"<svg><a>\x00</a></svg><img data-category=\"advertising\" data-src=//ads.example/p>"},
		{"<!--> is a whole comment", "<!--><img src=//ads.example/p>-->", `<!--><img data-category="advertising" data-src=//ads.example/p>-->`},
		{"<!---> is a whole comment", "<!---><img src=//ads.example/p>-->", `<!---><img data-category="advertising" data-src=//ads.example/p>-->`},
		{"<!----> is a whole comment", "<!----><img src=//ads.example/p>-->", `<!----><img data-category="advertising" data-src=//ads.example/p>-->`},
		{"<!-- -> is not", "<!-- -><img src=//ads.example/p>-->", "<!-- -><img src=//ads.example/p>-->"},
		{"script end tag at EOF", "<script>a</script", "<script>a</script"},
		{"cdata", "<![CDATA[<img src=//ads.example/p>]]><img src=//ads.example/q>",
			`<![CDATA[<img src=//ads.example/p>]]><img data-category="advertising" data-src=//ads.example/q>`},
		{"processing instruction", "<?php echo 1 ?><img src=//ads.example/p>",
			`<?php echo 1 ?><img data-category="advertising" data-src=//ads.example/p>`},
		{"unterminated img", "<img src=//ads.example/p", "<img src=//ads.example/p"},
		{"already neutralised", `<script type="text/plain" data-category="analytics" data-src=//ads.example/a.js></script>`,
			`<script type="text/plain" data-category="analytics" data-src=//ads.example/a.js></script>`},
		{"marked module", "<script type=module data-category=analytics>import x</script>",
			`<script type="text/plain" data-type=module data-category=analytics>import x</script>`},
		{"srcset renames src too", "<img srcset=\"/a 1x, //ads.example/b 2x\" src=/a>",
			`<img data-category="advertising" data-srcset="/a 1x, //ads.example/b 2x" data-src=/a>`},
		{"marked stylesheet", "<link rel=stylesheet href=/a.css data-category=analytics>",
			"<link rel=stylesheet data-href=/a.css data-category=analytics>"},
		{"bare data-category", "<img data-category src=//ads.example/p>",
			`<img data-category="advertising" data-src=//ads.example/p>`},
		{"granted marking, refused host", "<img data-category='functional' src=//ads.example/p>",
			`<img data-category="advertising" data-src=//ads.example/p>`},
		{"textarea", "<textarea><script src=//ads.example/a.js></script></textarea>",
			"<textarea><script src=//ads.example/a.js></script></textarea>"},
		{"title end tag case", "<title>a</TITLE ><img src=//ads.example/p>",
			`<title>a</TITLE ><img data-category="advertising" data-src=//ads.example/p>`},
		{"<!-- in a script string", `<script>var a="<!--";gtag(1)</script><img src=//ads.example/p>`,
			`<script type="text/plain" data-category="analytics">var a="<!--";gtag(1)</script><img data-category="advertising" data-src=//ads.example/p>`},
		{"double-escaped script", "<script><!--<script>gtag(1)</script>x--></script><p>",
			`<script type="text/plain" data-category="analytics"><!--<script>gtag(1)</script>x--></script><p>`},
		{"end tag with digits", "<style>a</style1>b</style><img src=//ads.example/p>",
			`<style>a</style1>b</style><img data-category="advertising" data-src=//ads.example/p>`},
		{"two type attributes", "<script type=module type=text/plain src=//ads.example/a.js></script>",
			`<script type="text/plain" data-category="advertising" data-type=module data-type=text/plain data-src=//ads.example/a.js></script>`},
		{"granted host", "<img src=https://cdn.granted.example/a.png>", "<img src=https://cdn.granted.example/a.png>"},
		{"non-loading link", "<link rel=canonical href=//ads.example/><link rel=\"alternate stylesheet\" href=//ads.example/a.css>",
			`<link rel=canonical href=//ads.example/><link data-category="advertising" rel="alternate stylesheet" data-href=//ads.example/a.css>`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := []byte(tc.in)
			check := func(label string, sizes ...int) {
				t.Helper()
				var out bytes.Buffer
				rw := NewWriter(&out, newTestPolicy(), nil)
				feed(t, rw, in, sizes...)
				if err := rw.Close(); err != nil {
					t.Fatal(err)
				}
				if out.String() != tc.want {
					t.Fatalf("%s:\ngot  %q\nwant %q", label, out.String(), tc.want)
				}
			}
			check("whole")
			check("chunks of 1", 1)
			for i := 1; i < len(in); i++ {
				check(fmt.Sprintf("split at %d", i), i, len(in))
			}
		})
	}
}
