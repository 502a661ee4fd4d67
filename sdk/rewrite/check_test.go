package rewrite

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	xhtml "golang.org/x/net/html"
	"golang.org/x/net/idna"
)

// liveFetches is the checker's own table of the (element, attribute) pairs
// that fetch without a user action, written out independently of
// the element table (TestFetchTable holds the two together). "*" holds for every
// element inside <svg> and <math> but <a>.
var liveFetches = map[string][]string{
	"script": {"src"}, "img": {"src", "srcset", "lowsrc"}, "image": {"src", "srcset", "lowsrc"}, "iframe": {"src", "srcdoc"},
	"frame": {"src", "srcdoc"}, "embed": {"src"}, "object": {"data", "archive", "codebase"},
	"applet": {"archive", "codebase"}, "video": {"src", "poster"}, "audio": {"src"},
	"source": {"src", "srcset"}, "track": {"src"}, "input": {"src"}, "portal": {"src"},
	"link": {"href", "imagesrcset"}, "base": {"href"}, "meta": {"content"}, "html": {"manifest"},
	"body": {"background"}, "table": {"background"}, "td": {"background"}, "th": {"background"},
	"a": {"ping"}, "area": {"ping"},
}

var (
	checkTextHost  = regexp.MustCompile(`(?://+|(?:^|[^a-z0-9+.-])https?:)([^\s/?#"'()<>\\,;*{}\[\]` + "`" + `]+)`)
	checkScheme    = regexp.MustCompile(`^([a-z][a-z0-9+.-]*):`)
	checkIDNA      = idna.New(idna.MapForLookup(), idna.Transitional(false), idna.StrictDomainName(false), idna.CheckHyphens(false))
	checkDataURL   = regexp.MustCompile(`(?is)^data:([^,]*),(.*)$`)
	checkBase64End = regexp.MustCompile(`(?i);\s*base64\s*$`)
)

// checkHostName is the checker's own mapping of a URL's host as browsers
// look it up: percent-decoded, then IDNA (UTS #46, as WHATWG's "domain to
// ASCII"), lowercase, without trailing dots.
func checkHostName(h string) string {
	if u, err := url.PathUnescape(h); err == nil {
		h = u
	}
	if a, err := checkIDNA.ToASCII(h); a != "" || err == nil {
		h = a
	}
	return strings.TrimRight(strings.ToLower(h), ".")
}

// checkURLHost is the checker's own reading of the host a URL (an
// attribute value as the DOM holds it, references decoded) points at:
// tabs and newlines dropped, backslashes read as slashes, "https:host"
// read as a host (a page of the other scheme does), as browsers do.
func checkURLHost(v string) string {
	v = strings.NewReplacer("\t", "", "\n", "", "\r", "", `\`, "/").Replace(v)
	v = strings.TrimFunc(v, func(r rune) bool { return r <= ' ' })
	rest := ""
	if m := checkScheme.FindStringSubmatch(strings.ToLower(v)); m != nil {
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
	return checkHostName(rest)
}

// checkText returns a refused host named in text after "//" or "http:".
func checkText(p Policy, text string) string {
	text = strings.ReplaceAll(text, `\`, "/")
	for _, m := range checkTextHost.FindAllStringSubmatch(strings.ToLower(text), -1) {
		h := m[1]
		if i := strings.LastIndexByte(h, '@'); i >= 0 {
			h = h[i+1:]
		}
		if i := strings.IndexByte(h, ':'); i >= 0 {
			h = h[:i]
		}
		if h = checkHostName(h); strings.Contains(h, ".") && p.RefusedHost(h) != "" {
			return h
		}
	}
	return ""
}

// checkDataBody is the checker's own reading of a data: URL's content.
func checkDataBody(u string) (string, bool) {
	m := checkDataURL.FindStringSubmatch(strings.TrimSpace(u))
	if m == nil {
		return "", false
	}
	body, err := url.PathUnescape(m[2])
	if err != nil {
		body = m[2]
	}
	if !checkBase64End.MatchString(m[1]) {
		return body, true
	}
	body = strings.Map(func(r rune) rune {
		if r == ' ' || r == '\t' || r == '\n' || r == '\f' || r == '\r' {
			return -1
		}
		return r
	}, body)
	b, err := base64.RawStdEncoding.DecodeString(strings.TrimRight(body, "="))
	return string(b), err == nil
}

// checkLive parses rewritten output as a browser does, with scripting on
// and off (golang.org/x/net/html: HTML's tokenizer and tree builder, not
// the lexer the rewriter uses), and reports every live element that still
// loads from a host p refuses: fetching attributes of elements that are
// not neutralised, style attributes, the text of live scripts and styles,
// in HTML and inside <svg> and <math>, and the documents of srcdoc and
// data: frames, read the same way.
func checkLive(p Policy, out []byte) error {
	return checkDoc(p, out, 0)
}

func checkDoc(p Policy, out []byte, depth int) error {
	for _, scripting := range []bool{true, false} {
		doc, err := xhtml.ParseWithOptions(bytes.NewReader(out), xhtml.ParseOptionEnableScripting(scripting))
		if err != nil {
			return err
		}
		// The text the tree builder holds: newlines normalised, NULs in
		// script text replaced.
		norm := strings.NewReplacer("\r\n", "\n", "\r", "\n", "\x00", "\uFFFD").Replace(string(out))
		c := checker{p: p, out: []byte(norm), depth: depth}
		if err := c.walk(doc); err != nil {
			if scripting {
				return fmt.Errorf("with scripts: %w", err)
			}
			return fmt.Errorf("without scripts: %w", err)
		}
	}
	return nil
}

type checker struct {
	p     Policy
	out   []byte
	depth int
}

func (c *checker) walk(n *xhtml.Node) error {
	if n.Type == xhtml.ElementNode {
		if err := c.element(n); err != nil {
			return err
		}
	}
	for k := n.FirstChild; k != nil; k = k.NextSibling {
		if err := c.walk(k); err != nil {
			return err
		}
	}
	return nil
}

// checkSrcset returns the URLs of a srcset value as HTML's parsing of a
// srcset attribute finds them: a URL runs to white space (a comma inside
// it is part of it, trailing commas are not), and its descriptors run to
// the next comma outside parentheses.
func checkSrcset(v string) []string {
	var urls []string
	isSpace := func(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r' }
	for i := 0; i < len(v); {
		for i < len(v) && (isSpace(v[i]) || v[i] == ',') {
			i++
		}
		j := i
		for j < len(v) && !isSpace(v[j]) {
			j++
		}
		if j == i {
			break
		}
		u := v[i:j]
		i = j
		if strings.HasSuffix(u, ",") {
			urls = append(urls, strings.TrimRight(u, ","))
			continue
		}
		urls = append(urls, u)
		for depth := 0; i < len(v) && (v[i] != ',' || depth > 0); i++ {
			switch v[i] {
			case '(':
				depth++
			case ')':
				depth = max(depth-1, 0)
			}
		}
	}
	return urls
}

// terminated reports whether the script text is followed in the document
// by its end tag: a script the document ends inside is never run.
func (c *checker) terminated(text string) bool {
	i := bytes.Index(c.out, []byte(text))
	return i >= 0 && indexFold(c.out[i+len(text):], "</script") == 0 && bytes.IndexByte(c.out[i+len(text):], '>') >= 0
}

// nodeText returns the text of n's children.
func nodeText(n *xhtml.Node) string {
	var b strings.Builder
	for k := n.FirstChild; k != nil; k = k.NextSibling {
		if k.Type == xhtml.TextNode {
			b.WriteString(k.Data)
		}
	}
	return b.String()
}

// document judges a frame's document (srcdoc, or a data: URL's content).
func (c *checker) document(doc string) error {
	if h := c.p.RefusedInline([]byte(doc)); h != "" {
		return fmt.Errorf("frame document matches %s", h)
	}
	if h := checkText(c.p, doc); h != "" {
		return fmt.Errorf("frame document names %s", h)
	}
	if c.depth+1 > maxDocDepth {
		return nil
	}
	if err := checkDoc(c.p, []byte(doc), c.depth+1); err != nil {
		return fmt.Errorf("frame document: %w", err)
	}
	return nil
}

func (c *checker) element(n *xhtml.Node) error {
	name := n.Data
	attrs := map[string]string{}
	for _, a := range n.Attr {
		k := a.Key
		if a.Namespace != "" {
			k = a.Namespace + ":" + k
		}
		if _, dup := attrs[k]; !dup {
			attrs[k] = a.Val
		}
	}
	foreign := n.Namespace != ""
	typ, hasType := attrs["type"]
	typ = strings.ToLower(strings.TrimSpace(typ))
	// Style attributes, and any <style> of any type, held or not, are
	// read whatever the element's marking: the server blanks their
	// refused URLs in place, and Chromium's preload scanner fetches a
	// style's @import URLs whatever its type. A style not applied may
	// load nothing by its @import.
	if v, ok := attrs["style"]; ok {
		if u := checkCSS(c.p, v, false); u != "" {
			return fmt.Errorf("live style attribute on <%s> loads %s", name, u)
		}
	}
	if name == "style" {
		applied := !hasType || typ == "" || typ == "text/css"
		if text := nodeText(n); len(text) <= MaxHold {
			if u := checkCSS(c.p, text, !applied); u != "" {
				return fmt.Errorf("live style loads %s: %q", u, text)
			}
		}
	}
	if _, marked := attrs["data-category"]; marked {
		return nil
	}
	switch name {
	case "script":
		if typ == "importmap" || typ == "speculationrules" {
			if !foreign && !c.terminated(nodeText(n)) {
				return nil // the document ends inside: never applied
			}
			if h := checkURLDocument(c.p, nodeText(n)); h != "" {
				return fmt.Errorf("live %s loads from %s", typ, h)
			}
			return nil
		}
		if hasType && !isJSType([]byte(typ)) {
			return nil
		}
		for _, k := range []string{"src", "href", "xlink:href"} {
			v, ok := attrs[k]
			if !ok || k != "src" && !foreign {
				continue
			}
			if body, ok := checkDataBody(v); ok {
				if c.p.RefusedInline([]byte(body)) != "" || checkScriptImports(c.p, body) != "" {
					return fmt.Errorf("live data: script %q", v)
				}
			} else if h := checkRefusedURL(c.p, v); h != "" {
				return fmt.Errorf("live <%s %s=%q>", name, k, v)
			}
		}
		text := nodeText(n)
		if _, src := attrs["src"]; src || text == "" || len(text) > MaxHold {
			return nil
		}
		if !foreign && !c.terminated(text) {
			return nil // the document ends inside: it does not run
		}
		if k := c.p.RefusedInline([]byte(text)); k != "" {
			return fmt.Errorf("live script matches %s: %q", k, text)
		}
		if h := checkScriptImports(c.p, text); h != "" {
			return fmt.Errorf("live script imports from %s: %q", h, text)
		}
		return nil
	}
	fetches := liveFetches[name]
	if foreign {
		fetches = nil
		if name != "a" {
			fetches = []string{"src", "href", "xlink:href"}
		}
	}
	for _, k := range fetches {
		v, ok := attrs[k]
		if !ok {
			continue
		}
		switch {
		case name == "link" && !isLoadingRel([]byte(attrs["rel"])):
		case name == "meta":
			if !strings.EqualFold(strings.TrimSpace(attrs["http-equiv"]), "refresh") {
				continue
			}
			if i := strings.IndexAny(v, ";,"); i >= 0 {
				v = strings.TrimSpace(v[i+1:])
				if len(v) > 3 && strings.EqualFold(v[:3], "url") {
					// "url" then '=': the URL follows; without '=', the
					// whole is the URL (HTML's "reset").
					if w := strings.TrimSpace(v[3:]); strings.HasPrefix(w, "=") {
						v = strings.TrimSpace(w[1:])
					}
				}
				v = strings.Trim(v, `'"`)
				if h := checkRefusedURL(c.p, v); h != "" {
					return fmt.Errorf("live meta refresh to %s", h)
				}
			}
		case k == "srcdoc":
			if err := c.document(v); err != nil {
				return fmt.Errorf("<%s srcdoc>: %w", name, err)
			}
		default:
			list := []string{v}
			switch k {
			case "srcset", "imagesrcset":
				list = checkSrcset(v)
			case "archive":
				list = strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r <= ' ' })
			case "ping":
				list = strings.Fields(v)
			}
			for _, u := range list {
				isFrame := name == "iframe" || name == "frame" || name == "embed" || name == "object" || name == "portal"
				lower := strings.ToLower(u)
				if i := strings.Index(lower, "javascript:"); i >= 0 && strings.TrimSpace(lower[:i]) == "" && isFrame && !foreign {
					body, err := url.PathUnescape(u[i+len("javascript:"):])
					if err != nil {
						body = u[i+len("javascript:"):]
					}
					if c.p.RefusedInline([]byte(body)) != "" || checkText(c.p, body) != "" {
						return fmt.Errorf("live <%s %s=%q>: a script in the frame", name, k, u)
					}
					continue
				}
				if body, ok := checkDataBody(u); ok && !foreign {
					var err error
					switch name {
					case "iframe", "frame", "embed", "object", "portal":
						err = c.document(body)
					case "link":
						if u := checkCSS(c.p, body, false); u != "" {
							err = fmt.Errorf("style sheet loads %s", u)
						}
					}
					if err != nil {
						return fmt.Errorf("live <%s %s=data:…>: %w", name, k, err)
					}
					continue
				}
				if h := checkRefusedURL(c.p, u); h != "" {
					return fmt.Errorf("live <%s %s=%q>", name, k, v)
				}
			}
		}
	}
	return nil
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
		"idna-hosts", "noscript-scripting", "rawtext-end", "image-tag", "cdata-html", "foreign-integration",
		"data-frames", "srcdoc-nested", "javascript-frames", "script-loads", "paths", "url-documents",
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
			// The tree builder drops a frame outside a frameset and a
			// cell outside a table, as browsers do: the checker sees
			// them in place.
			page := tag
			switch el {
			case "frame":
				page = "<frameset>" + tag + "</frameset>"
			case "td", "th":
				page = "<table><tr>" + tag + "</tr></table>"
			}
			if checkLive(newTestPolicy(), []byte(page)) == nil {
				t.Errorf("the checker misses %s", page)
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
		if got := skipFast([]byte(tc.in), false); got != tc.want {
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
