package rewrite

import (
	"bytes"
	"strings"
	"testing"
)

// TestNoscriptFalseEnds pins the verdict on a noscript's false end tags:
// defused when the scripting view would load something refused, kept as
// they came when it would not, and the same however the input is split
// into writes, including the output held back while the verdict waits for
// the real end tag.
func TestNoscriptFalseEnds(t *testing.T) {
	long := strings.Repeat("x", MaxHold+10)
	tests := []struct {
		name, in string
		defused  bool
	}{
		{"tracker after the false end", `<noscript><p title="</noscript><img src=//ads.example/p.gif>">t</p></noscript><p>after</p>`, true},
		{"nothing after the false end", `<noscript><p title="</noscript>">Enable JavaScript.</p></noscript><p>after</p>`, false},
		{"a granted host", `<noscript><p title="</noscript><img src=//cdn.granted.example/p.png>">t</p></noscript>`, false},
		{"two false ends, a tracker after the second", `<noscript><p title="</noscript>"></p><!-- </NOSCRIPT ><img src=//ads.example/p.gif> --></noscript>`, true},
		{"an open script in the scripting view", `<noscript><p title="</noscript><script>">x</p></noscript>gtag('config', 'G-1')</script>`, true},
		{"an open comment in the scripting view", `<noscript><p title="</noscript><!--">x</p></noscript>-->`, true},
		{"past the hold limit", `<noscript><p title="</noscript>` + long + `">x</p></noscript>`, true},
		{"no end tag at all", `<noscript><p title="</noscript><img src=//ads.example/p.gif>">`, true},
		{"not an end tag", `<noscript><p title="</noscriptx>">t</p></noscript>`, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			whole := rewriteChunks(t, newTestPolicy(), []byte(tc.in))
			if got := bytes.Contains(whole, []byte("&lt;/")); got != tc.defused {
				t.Errorf("defused = %v, want %v:\n%s", got, tc.defused, whole)
			}
			for _, size := range []int{1, 2, 3, 7, 16, 64} {
				if got := rewriteChunks(t, newTestPolicy(), []byte(tc.in), size); !bytes.Equal(got, whole) {
					t.Fatalf("in writes of %d:\n%s\nwhole:\n%s", size, got, whole)
				}
			}
			if !tc.defused {
				if got := whole; !bytes.Equal(bytes.Replace(got, []byte(testInject), nil, 1), []byte(tc.in)) {
					t.Errorf("bytes changed:\n%s", got)
				}
			}
		})
	}
}
