package rewrite

import (
	"strings"
	"testing"
)

func TestIndexFoldSame(t *testing.T) {
	ref := func(b []byte, s string) int {
		for i := 0; i+len(s) <= len(b); i++ {
			if equalFoldLower(b[i:i+len(s)], s) {
				return i
			}
		}
		return -1
	}
	for _, b := range []string{"", "s", "script", "xxSCRIPTyy", "sssScRiPt", "abc", "scrip", "xScriptscript", "SsSsscript", "category", "xcatEGORY", strings.Repeat("s", 50) + "Script"} {
		for _, s := range []string{"script", "category", "</style"} {
			if got, want := indexFold([]byte(b), s), ref([]byte(b), s); got != want {
				t.Errorf("indexFold(%q, %q) = %d, want %d", b, s, got, want)
			}
		}
	}
}
