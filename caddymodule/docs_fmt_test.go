package caddymodule

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
)

// caddyfileBlock matches a fenced ```caddyfile block of a Markdown file.
var caddyfileBlock = regexp.MustCompile("(?ms)^```caddyfile\n(.*?)^```")

// fmtDocs rewrites the snippets and files with Caddy's formatter instead
// of failing: go test -run TestDocsCaddyfilesFormatted ./caddymodule -fmt-docs
var fmtDocs = flag.Bool("fmt-docs", false, "rewrite the docs' Caddyfile snippets and the repository's Caddyfiles as caddy fmt writes them")

// TestDocsCaddyfilesFormatted checks every Caddyfile snippet of the README
// and docs/, and every Caddyfile of the repository, is as `caddy fmt`
// writes it (Caddy's own formatter), so what operators copy is clean.
func TestDocsCaddyfilesFormatted(t *testing.T) {
	root := filepath.Join("..")
	docs, _ := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	docs = append(docs, filepath.Join(root, "README.md"))
	n := 0
	for _, path := range docs {
		md, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if *fmtDocs {
			out := caddyfileBlock.ReplaceAllFunc(md, func(b []byte) []byte {
				body := caddyfileBlock.FindSubmatch(b)[1]
				return bytes.Replace(b, body, caddyfile.Format(body), 1)
			})
			if err := os.WriteFile(path, out, 0o644); err != nil {
				t.Fatal(err)
			}
			md = out
		}
		for _, m := range caddyfileBlock.FindAllSubmatchIndex(md, -1) {
			line := 1 + bytes.Count(md[:m[2]], []byte("\n"))
			checkFormatted(t, path+":"+strconv.Itoa(line), md[m[2]:m[3]])
			n++
		}
	}
	files, _ := filepath.Glob(filepath.Join(root, "Caddyfile*"))
	more, _ := filepath.Glob(filepath.Join(root, "examples", "Caddyfile*"))
	for _, path := range append(files, more...) {
		src, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if *fmtDocs {
			src = caddyfile.Format(src)
			if err := os.WriteFile(path, src, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		checkFormatted(t, path, src)
		n++
	}
	if n < 10 {
		t.Errorf("only %d Caddyfiles and snippets found; is the test looking in the right place?", n)
	}
}

// checkFormatted reports src when caddyfile.Format would change it.
func checkFormatted(t *testing.T, where string, src []byte) {
	t.Helper()
	if got := caddyfile.Format(src); !bytes.Equal(got, src) {
		t.Errorf("%s is not caddy fmt-clean; caddy fmt writes:\n%s\n(diff from line %d)", where, got, firstDiffLine(src, got))
	}
}

// firstDiffLine returns the 1-based line where a and b first differ.
func firstDiffLine(a, b []byte) int {
	al, bl := strings.Split(string(a), "\n"), strings.Split(string(b), "\n")
	for i := range min(len(al), len(bl)) {
		if al[i] != bl[i] {
			return i + 1
		}
	}
	return min(len(al), len(bl)) + 1
}
