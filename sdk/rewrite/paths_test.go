package rewrite

import (
	"bytes"
	"testing"
)

// TestPathsRecorded: Paths lists the prefixes a page's URLs resolved
// under, refused or granted, and starts empty after Reset; without a
// PathPolicy no path is looked at.
func TestPathsRecorded(t *testing.T) {
	var out bytes.Buffer
	rw := NewWriter(&out, newTestPolicy(), nil)
	rw.SetPage(testPageHost, "/shop/")
	feed(t, rw, []byte(`<script src="/metrics/a.js"></script><img src="https://www.example.com/granted-gw/p.gif"><img src="/img/x.png">`), 1<<20)
	if err := rw.Close(); err != nil {
		t.Fatal(err)
	}
	got := rw.Paths()
	if len(got) != 2 || got["/metrics/"] != "analytics" || got["/granted-gw/"] != "" {
		t.Errorf("Paths = %v, want /metrics/ → analytics and /granted-gw/ → \"\"", got)
	}
	rw.Reset(new(bytes.Buffer), hostsOnly{newTestPolicy()}, nil)
	feed(t, rw, []byte(`<script src="/metrics/a.js"></script>`), 1<<20)
	if len(rw.Paths()) != 0 {
		t.Errorf("Paths after Reset under a plain Policy = %v, want none", rw.Paths())
	}
}
