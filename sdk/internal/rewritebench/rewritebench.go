// Package rewritebench holds the benchmark loops the rewriter's own
// benchmarks (sdk/rewrite) and the engine's (sdk) share: the rewriter over
// a page in fixed-size writes, and the bare tdewolff lexer over the same
// page, whose ratio is the figure docs/PERFORMANCE.md reports. It does not
// import the rewriter, so the rewriter's in-package tests can use it.
package rewritebench

import (
	"io"
	"testing"

	"github.com/tdewolff/parse/v2"
	"github.com/tdewolff/parse/v2/html"
)

// Rewrite runs b's loop over page: reset returns the rewriter, reset to
// write to w, and page goes to it in writes of chunk bytes, then Close.
// w copies what it is given, as a network writer would.
func Rewrite(b *testing.B, page []byte, chunk int, reset func(w io.Writer) io.WriteCloser) {
	w := &CopySink{}
	b.SetBytes(int64(len(page)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		w.buf = w.buf[:0]
		rw := reset(w)
		for in := page; len(in) > 0; {
			n := min(chunk, len(in))
			if _, err := rw.Write(in[:n]); err != nil {
				b.Fatal(err)
			}
			in = in[n:]
		}
		if err := rw.Close(); err != nil {
			b.Fatal(err)
		}
	}
}

// Lexer runs the bare tdewolff lexer over page, with the scratch copy the
// rewriter makes.
func Lexer(b *testing.B, page []byte) {
	scratch := make([]byte, len(page), len(page)+1)
	b.SetBytes(int64(len(page)))
	b.ReportAllocs()
	for b.Loop() {
		copy(scratch, page)
		in := parse.NewInputBytes(scratch)
		l := html.NewLexer(in)
		for {
			if tt, _ := l.Next(); tt == html.ErrorToken {
				break
			}
		}
		in.Restore()
	}
}

// CopySink copies what it is given into a buffer it reuses.
type CopySink struct{ buf []byte }

// Write copies p.
func (s *CopySink) Write(p []byte) (int, error) {
	s.buf = append(s.buf[:0], p...)
	return len(p), nil
}
