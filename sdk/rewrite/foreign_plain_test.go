package rewrite

import "testing"

// TestPlainForeign: a token plainForeign accepts ends where the structural
// foreign pass says, and the shapes where the lexer and the browser part
// are refused.
func TestPlainForeign(t *testing.T) {
	for _, tc := range []struct {
		in    string
		plain bool
	}{
		{`<svg class="icon" viewBox="0 0 16 16"><path d="M0 0h16v16H0z"/></svg>`, true},
		{`<svg><g fill='red'><use href="#a"/></g><text x=1>Don't</text></svg>`, true},
		{`<svg><text>"</text></svg>`, false},
		{`<svg><title>x</title></svg>`, false},
		{`<svg><p></svg>`, false},
		{`<svg><!-- x --></svg>`, false},
		{`<svg><a title='</svg>'></svg>`, false},
		{`<svg><a b=x"y></svg>`, false},
		{`<svg><svg></svg></svg>`, false},
		{`<svg></svg1></svg>`, false},
		{`<math><mi>x</mi></math>`, false},
	} {
		b := []byte(tc.in)
		if got := plainForeign(b); got != tc.plain {
			t.Errorf("plainForeign(%q) = %v, want %v", tc.in, got, tc.plain)
		}
		if tc.plain {
			rw := NewWriter(nil, newTestPolicy(), nil)
			rw.carry = b
			if end, ok := rw.foreign(0, len(b), true, false); !ok || end != len(b) {
				t.Errorf("%q: the foreign pass ends at %d, not at the token's end", tc.in, end)
			}
		}
	}
}
