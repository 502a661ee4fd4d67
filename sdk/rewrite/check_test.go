package rewrite

import (
	"bytes"
	"fmt"
	stdhtml "html"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/tdewolff/parse/v2"
	"github.com/tdewolff/parse/v2/html"
)

// liveFetches is the checker's own table of the (element, attribute) pairs
// that fetch without a user action, written out independently of
// the element table (TestFetchTable holds the two together). "*" holds for every
// element inside <svg> and <math> but <a>.
var liveFetches = map[string][]string{
	"script": {"src"}, "img": {"src", "srcset", "lowsrc"}, "iframe": {"src", "srcdoc"},
	"frame": {"src", "srcdoc"}, "embed": {"src"}, "object": {"data", "archive", "codebase"},
	"applet": {"archive", "codebase"}, "video": {"src", "poster"}, "audio": {"src"},
	"source": {"src", "srcset"}, "track": {"src"}, "input": {"src"}, "portal": {"src"},
	"link": {"href", "imagesrcset"}, "base": {"href"}, "meta": {"content"}, "html": {"manifest"},
	"body": {"background"}, "table": {"background"}, "td": {"background"}, "th": {"background"},
	"a": {"ping"}, "area": {"ping"},
}

var (
	checkTextHost = regexp.MustCompile(`//+([a-z0-9._%-]*\.[a-z0-9._%-]*)`)
	checkComment  = regexp.MustCompile(`(?s)/\*.*?(\*/|$)`)
	checkScheme   = regexp.MustCompile(`^([a-z][a-z0-9+.-]*):`)
)

// checkURLHost is the checker's own reading of the host a URL attribute
// value points at: entities decoded, tabs and newlines dropped, backslashes
// read as slashes, as browsers do.
func checkURLHost(v string) string {
	v = strings.ToLower(stdhtml.UnescapeString(v))
	v = strings.NewReplacer("\t", "", "\n", "", "\r", "", `\`, "/").Replace(v)
	v = strings.TrimFunc(v, func(r rune) bool { return r <= ' ' })
	rest := ""
	if m := checkScheme.FindStringSubmatch(v); m != nil {
		if m[1] != "http" && m[1] != "https" {
			return ""
		}
		rest = strings.TrimLeft(v[len(m[0]):], "/")
	} else if strings.HasPrefix(v, "//") {
		rest = strings.TrimLeft(v, "/")
	} else {
		return ""
	}
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		rest = rest[:i]
	}
	if i := strings.LastIndexByte(rest, '@'); i >= 0 {
		rest = rest[i+1:]
	}
	if i := strings.IndexByte(rest, ':'); i >= 0 && !strings.HasPrefix(rest, "[") {
		rest = rest[:i]
	}
	if h, err := url.PathUnescape(rest); err == nil {
		rest = strings.ToLower(h)
	}
	return strings.TrimRight(rest, ".")
}

// checkText returns a refused host named after "//" in text.
func checkText(p Policy, text string, css bool) string {
	text = strings.ReplaceAll(strings.ToLower(text), `\`, "/")
	if css {
		text = checkComment.ReplaceAllString(text, "")
	}
	for _, m := range checkTextHost.FindAllStringSubmatch(text, -1) {
		if p.RefusedHost(strings.TrimRight(m[1], ".")) != "" {
			return m[1]
		}
	}
	return ""
}

// checkLive re-lexes rewritten output and reports every live position that
// still loads from a host p refuses: fetching attributes of tags that are
// not neutralised, style attributes, srcdoc documents, and the text of live
// scripts and styles, in HTML and inside <svg> and <math>. It also fails
// when the lexer stops advancing.
func checkLive(p Policy, out []byte) error {
	buf := bytes.ReplaceAll(out, []byte{0}, []byte{1})
	return checkMarkup(p, out, buf, false)
}

func checkMarkup(p Policy, orig, buf []byte, foreign bool) error {
	scratch := make([]byte, len(buf), len(buf)+1)
	copy(scratch, buf)
	in := parse.NewInputBytes(scratch)
	defer in.Restore()
	l := html.NewLexer(in)
	type attr struct{ k, v string }
	var (
		name  string
		attrs []attr
		tag   = -1
		steps int
	)
	for last := -1; ; {
		tt, data := l.Next()
		off := in.Offset()
		if steps++; steps > 4*len(buf)+16 {
			return fmt.Errorf("lexer loops at %d", off)
		}
		switch tt {
		case html.ErrorToken:
			if l.Err() != io.EOF {
				return fmt.Errorf("lexer error: %v", l.Err())
			}
			return nil
		case html.CommentToken:
			if bytes.HasPrefix(data, []byte("<!-->")) || bytes.HasPrefix(data, []byte("<!--->")) {
				k := 5
				if data[4] == '-' {
					k = 6
				}
				in.Move(off - len(data) + k - in.Offset())
				in.Skip()
				*l = *html.NewLexer(in)
				last = -1
				continue
			}
		case html.SVGToken, html.MathToken:
			start := off - len(data)
			inner := append([]byte(nil), buf[start:off]...)
			disguiseForeign(inner)
			if err := checkMarkup(p, orig[start:off], inner, true); err != nil {
				return err
			}
		case html.StartTagToken:
			if i := bytes.IndexByte(data, '/'); i >= 0 {
				scratch[off-len(data)+i] = ' '
				in.Move(off - len(data) - in.Offset())
				in.Skip()
				*l = *html.NewLexer(in)
				continue
			}
			tag = off - len(data)
			name = strings.ToLower(string(orig[tag+1 : off]))
			attrs = attrs[:0]
		case html.AttributeToken:
			k := string(l.AttrKey())
			if i := strings.LastIndexByte(k, '/'); i >= 0 {
				k = k[i+1:]
			}
			attrs = append(attrs, attr{k, string(unquote(l.AttrVal()))})
		case html.StartTagCloseToken, html.StartTagVoidToken:
			if tag < 0 {
				continue
			}
			get := func(k string) (string, bool) {
				for _, a := range attrs {
					if a.k == k {
						return a.v, true
					}
				}
				return "", false
			}
			if name == "noembed" || name == "noframes" {
				// Raw text to browsers (not to the lexer): skip to the end tag.
				i := indexFold(orig[off:], "</"+name)
				if i < 0 {
					return nil // text to the end
				}
				in.Move(off + i - in.Offset())
				in.Skip()
				*l = *html.NewLexer(in)
				tag = -1
				continue
			}
			_, marked := get("data-category")
			typ, hasType := get("type")
			typ = strings.ToLower(strings.TrimSpace(typ))
			if name == "style" {
				// Any <style>, of any type, held or not: Chromium's preload
				// scanner fetches its @import URLs. A style not applied (or
				// held, marked) may load nothing else.
				body := orig[off:]
				if foreign {
					if i := indexFold(body, "</style"); i >= 0 {
						body = body[:i]
					}
				} else if tt, data := l.Next(); tt == html.TextToken {
					body = orig[off : off+len(data)]
				} else {
					body = nil
				}
				text := string(body)
				if foreign {
					text = stdhtml.UnescapeString(text)
				}
				applied := !hasType || typ == "" || typ == "text/css"
				if u := checkCSS(p, text, !applied); u != "" {
					return fmt.Errorf("live style loads %s: %q", u, text)
				}
				tag = -1
				continue
			}
			if name == "script" {
				inert := marked || hasType && !isJSType([]byte(typ))
				if !inert {
					body, closed := orig[off:], false
					if foreign {
						if i := indexFold(body, "</"+name); i >= 0 {
							body, closed = body[:i], true
						}
					} else {
						// The lexer's own raw-text rules find the end.
						switch tt, data := l.Next(); tt {
						case html.TextToken:
							body = orig[off : off+len(data)]
							closed = in.Offset() < len(buf)
						case html.ErrorToken:
							body = nil
						default:
							body, closed = nil, true
						}
					}
					text := string(body)
					if foreign {
						text = stdhtml.UnescapeString(text)
					}
					_, hasSrc := get("src")
					if name == "script" && closed && len(body) <= MaxHold && !hasSrc {
						if c := p.RefusedInline([]byte(text)); c != "" {
							return fmt.Errorf("live script matches %s: %q", c, text)
						}
						if h := checkText(p, text, false); h != "" {
							return fmt.Errorf("live script names %s: %q", h, text)
						}
					}
					for _, k := range []string{"src", "href", "xlink:href"} {
						v, ok := get(k)
						if ok && (k == "src" || foreign) {
							if h := checkURLHost(v); p.RefusedHost(h) != "" {
								return fmt.Errorf("live %s %s=%q", name, k, v)
							}
						}
					}
				}
				tag = -1
				continue
			}
			for _, a := range attrs {
				if a.k == "style" {
					if u := checkCSS(p, stdhtml.UnescapeString(a.v), false); u != "" {
						return fmt.Errorf("live style attribute on <%s> loads %s", name, u)
					}
				}
			}
			if marked {
				tag = -1
				continue
			}
			fetches := liveFetches[name]
			if foreign && fetches == nil && name != "a" {
				fetches = []string{"src", "href", "xlink:href"}
			}
			rel, _ := get("rel")
			equiv, _ := get("http-equiv")
			for _, a := range attrs {
				fetch := false
				for _, f := range fetches {
					fetch = fetch || a.k == f
				}
				switch {
				case !fetch:
				case name == "link" && !isLoadingRel([]byte(rel)):
				case name == "meta":
					if strings.EqualFold(strings.TrimSpace(equiv), "refresh") {
						v := stdhtml.UnescapeString(a.v)
						if i := strings.IndexAny(v, ";,"); i >= 0 {
							v = strings.TrimSpace(v[i+1:])
							if len(v) > 3 && strings.EqualFold(v[:3], "url") {
								// "url" then '=': the URL follows; without
								// '=', the whole is the URL (HTML's "reset").
								if w := strings.TrimSpace(v[3:]); strings.HasPrefix(w, "=") {
									v = strings.TrimSpace(w[1:])
								}
							}
							v = strings.Trim(v, `'"`)
							if h := checkURLHost(v); p.RefusedHost(h) != "" {
								return fmt.Errorf("live meta refresh to %s", h)
							}
						}
					}
				case a.k == "srcdoc":
					doc := stdhtml.UnescapeString(stdhtml.UnescapeString(a.v))
					if h := checkText(p, doc, false); h != "" {
						return fmt.Errorf("live srcdoc names %s", h)
					}
				default:
					list := []string{a.v}
					switch a.k {
					case "srcset", "imagesrcset", "archive":
						list = strings.FieldsFunc(a.v, func(r rune) bool { return r == ',' || r <= ' ' })
					case "ping":
						list = strings.Fields(a.v)
					}
					for _, u := range list {
						if h := checkURLHost(u); p.RefusedHost(h) != "" {
							return fmt.Errorf("live <%s %s=%q>", name, a.k, a.v)
						}
					}
				}
			}
			tag = -1
		}
		if off == last && tt != html.StartTagToken {
			return fmt.Errorf("lexer does not advance at %d", off)
		}
		last = off
	}
}

// TestRewriteGoldenLive runs the live-position checker over every golden
// output, and over the inputs that hold a refused tag of each shape, which
// it must catch.
func TestRewriteGoldenLive(t *testing.T) {
	for _, f := range goldenInputs(t) {
		in, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := checkLive(newTestPolicy(), rewriteChunks(t, newTestPolicy(), in)); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
	for _, name := range []string{"svg", "math", "base", "meta-refresh", "srcdoc", "style-element",
		"style-attr", "url-attrs", "manifest", "inline-hosts", "slash-spelling", "empty-comments",
		"entities", "lazy", "nonce", "noscript-more", "windows-1252", "odd-markup", "preload-links",
		"css-escapes", "css-import", "css-tokens", "css-font-face", "css-foreign", "css-style-attr"} {
		in, err := os.ReadFile(filepath.Join("testdata", "rewrite", name+".html"))
		if err != nil {
			t.Fatal(err)
		}
		if checkLive(newTestPolicy(), in) == nil {
			t.Errorf("the checker finds nothing live in %s.html", name)
		}
	}
}

// TestFetchTable checks the element table's URL attributes against the checker's own table and
// feeds every (element, attribute) pair of it, pointing at a refused host,
// through the rewriter: each must come out neutralised. Pairs that only
// fetch on a click must not.
func TestFetchTable(t *testing.T) {
	names := map[attrKind]string{}
	for _, a := range attributes {
		if a.kind != attrLazy {
			names[a.kind] = a.name
		}
	}
	for _, e := range elements {
		el, kinds := e.name, e.class.urls
		if kinds == 0 {
			continue
		}
		var got []string
		for k := attrKind(1); k != 0 && k <= kinds; k <<= 1 {
			if kinds&k != 0 && k != attrLazy {
				got = append(got, names[k])
			}
		}
		want := liveFetches[el]
		if strings.Join(sortedCopy(got), " ") != strings.Join(sortedCopy(want), " ") {
			t.Errorf("<%s>: the element table has %v, the checker's table %v", el, got, want)
		}
		for _, a := range got {
			v := "https://ads.example/x"
			switch a {
			case "srcdoc":
				v = "<img src=//ads.example/x>"
			case "content":
				v = "0; url=//ads.example/x"
			}
			tag := fmt.Sprintf(`<%s %s="%s">`, el, a, v)
			switch el {
			case "link":
				tag = fmt.Sprintf(`<link rel=preload %s="%s">`, a, v)
			case "meta":
				tag = fmt.Sprintf(`<meta http-equiv=refresh %s="%s">`, a, v)
			}
			out := string(rewriteChunks(t, newTestPolicy(), []byte(tag)))
			if !strings.Contains(out, `data-category="advertising"`) || !strings.Contains(out, " data-"+a+"=") {
				t.Errorf("%s came out %s", tag, out)
			}
			if checkLive(newTestPolicy(), []byte(tag)) == nil {
				t.Errorf("the checker misses %s", tag)
			}
		}
	}
	for _, tag := range []string{
		`<a href="https://ads.example/x">`, `<form action="https://ads.example/x">`,
		`<button formaction="https://ads.example/x">`, `<img longdesc="https://ads.example/x">`,
		`<link rel=canonical href="https://ads.example/x">`, `<meta content="https://ads.example/x">`,
		`<div data-src="https://ads.example/x">`, `<q cite="https://ads.example/x">`,
	} {
		if out := string(rewriteChunks(t, newTestPolicy(), []byte(tag))); out != testInject+tag {
			t.Errorf("%s came out %s", tag, out)
		}
	}
}

func sortedCopy(s []string) []string {
	c := append([]string(nil), s...)
	slices.Sort(c)
	return c
}

// TestClassifyTag: the generated lookups find every name of the element
// and attribute tables, in any case where asked, and nothing else.
func TestClassifyTag(t *testing.T) {
	for _, e := range elements {
		if got := classifyTag([]byte(e.name)); got != e.class {
			t.Errorf("classifyTag(%q) = %+v, want %+v", e.name, got, e.class)
		}
		if _, ok := fastAttrs([]byte(strings.ToUpper(e.name))); ok != e.fast {
			t.Errorf("fastAttrs(%q) ok = %v, want %v", strings.ToUpper(e.name), ok, e.fast)
		}
	}
	for _, a := range attributes {
		if got := attrNameKind([]byte(a.name)); got != a.kind {
			t.Errorf("attrNameKind(%q) = %v, want %v", a.name, got, a.kind)
		}
		if up := []byte(strings.ToUpper(a.name)); fastAttrMatters(up, a.kind) != (len(fastAttrNames[len(a.name)]) > 0 && slices.Contains(fastAttrNames[len(a.name)], a)) {
			t.Errorf("fastAttrMatters(%q) disagrees with fastAttrNames", up)
		}
	}
	if c := classifyTag([]byte("style")); c.rawName != "style" {
		t.Errorf("<style> closes on %q", c.rawName)
	}
	for _, name := range []string{"div", "span", "p", "svg", "", "scripts", "imgx", "Img", "x", "tablex", "ifram"} {
		if got := classifyTag([]byte(name)); got != (tagClass{}) {
			t.Errorf("classifyTag(%q) = %+v, want none", name, got)
		}
		if attrNameKind([]byte(name)) != 0 {
			t.Errorf("attrNameKind(%q) != 0", name)
		}
	}
}

// TestRewriteFastSameAsSlow: the bench pages come out the same with and
// without skipFast, at several chunk sizes.
func TestRewriteFastSameAsSlow(t *testing.T) {
	for _, page := range [][]byte{benchPage(300 << 10), publisherPage(300 << 10)} {
		for _, size := range []int{1 << 10, 4 << 10, 32 << 10, len(page)} {
			fast := rewriteChunks(t, newTestPolicy(), page, size)
			if slow := rewriteSlow(t, page, size); !bytes.Equal(fast, slow) {
				t.Fatalf("chunk %d: outputs differ", size)
			}
			if err := checkLive(newTestPolicy(), fast); err != nil {
				t.Fatalf("chunk %d: %v", size, err)
			}
		}
	}
}

func TestSkipFast(t *testing.T) {
	tests := []struct {
		in   string
		want int
	}{
		{"text only", 9},
		{"<div class=a><span>x</span></div><img src=x>", len("<div class=a><span>x</span></div>")},
		{"<p title='a>b' data-x=\"<img\">t<script>", len("<p title='a>b' data-x=\"<img\">t")},
		{"<div style=x>", 0},
		{"<DIV STYLE=x>", 0},
		{"<div\nstyles=x>ok<a href=/ ping=/p>", len("<div\nstyles=x>ok")},
		{"<td background=x>", 0},
		{"<div/x>", 0},
		{"<div a/b=c>", 0},
		{"<div a=\"unterminated", 0},
		{"a < b <3 </> <!-- c -->", len("a < b <3 </> ")},
		{"</div ><?x?>", len("</div >")},
		{"<svg>", 0},
		{"<custom-element-name data-a>x<", len("<custom-element-name data-a>x")},
		{"<br/><hr />x", len("<br/><hr />x")},
	}
	for _, tc := range tests {
		if got := skipFast([]byte(tc.in)); got != tc.want {
			t.Errorf("skipFast(%q) = %d, want %d", tc.in, got, tc.want)
		}
	}
}

// TestRewriteHugeSVG: an <svg> larger than the hold limit passes, but the
// tags it holds within the limit are still judged.
func TestRewriteHugeSVG(t *testing.T) {
	in := `<svg><image href="https://ads.example/a.png"/>` + strings.Repeat(`<path d="M0 0"/>`, 40) + `<image href="/ok.png"/></svg><img src=//ads.example/b>`
	var out bytes.Buffer
	rw := NewWriter(&out, newTestPolicy(), nil)
	rw.maxHold = 256
	feed(t, rw, []byte(in), 300)
	if err := rw.Close(); err != nil {
		t.Fatal(err)
	}
	want := strings.Replace(in, `<image href="https://ads.example/a.png"/>`, `<image data-category="advertising" data-href="https://ads.example/a.png"/>`, 1)
	want = strings.Replace(want, `<img src=//ads.example/b>`, `<img data-category="advertising" data-src=//ads.example/b>`, 1)
	if out.String() != want {
		t.Errorf("got  %q\nwant %q", out.String(), want)
	}
	if rw.Overflows() != 1 {
		t.Errorf("Overflows() = %d, want 1", rw.Overflows())
	}
}

func TestRewriteBodyInject(t *testing.T) {
	tests := []struct{ in, want string }{
		{"<html><head></head><body class=x><div>a</div></body>", "<html><head><!--H--></head><body class=x><!--B--><div>a</div></body>"},
		{"<head></head><BODY background=//ads.example/b.png><p>", `<head><!--H--></head><BODY data-category="advertising" data-background=//ads.example/b.png><!--B--><p>`},
		{"<p>no body", "<!--H--><p>no body<!--B-->"},
	}
	for _, tc := range tests {
		for _, size := range []int{1, 3, 1000} {
			var out bytes.Buffer
			rw := NewWriter(&out, newTestPolicy(), []byte("<!--H-->"))
			rw.SetBodyInject([]byte("<!--B-->"))
			feed(t, rw, []byte(tc.in), size)
			if err := rw.Close(); err != nil {
				t.Fatal(err)
			}
			if out.String() != tc.want {
				t.Errorf("chunk %d: got %q, want %q", size, out.String(), tc.want)
			}
		}
	}
}
