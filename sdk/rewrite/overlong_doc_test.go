package rewrite

import (
	"bytes"
	"strings"
	"testing"
)

// TestRewriteOverlongFrameDocument: a frame whose srcdoc or data: URL runs
// past the hold limit is judged on the part held, and fails closed.
func TestRewriteOverlongFrameDocument(t *testing.T) {
	pad := strings.Repeat("<p>first party</p>", 40)
	for _, in := range []string{
		`<iframe srcdoc="<img src=//ads.example/a.gif>` + pad + `"></iframe>`,
		`<iframe src="data:text/html,<img src=//ads.example/a.gif>` + pad + `"></iframe>`,
	} {
		var out bytes.Buffer
		rw := NewWriter(&out, newTestPolicy(), nil)
		rw.maxHold = 256
		feed(t, rw, []byte(in), 200)
		if err := rw.Close(); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out.String(), `data-category="advertising"`) || rw.Overflows() != 1 {
			t.Errorf("%.40s… came out %.120s… (%d overflows)", in, out.String(), rw.Overflows())
		}
	}
}
