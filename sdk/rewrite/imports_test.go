package rewrite

import (
	"os/exec"
	"strings"
	"testing"
)

// TestImportsNoEngine: the rewriter is a library of its own; it imports
// nothing of the sdk package or of Caddy, so it can be used and tested
// without either.
func TestImportsNoEngine(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, dep := range strings.Fields(string(out)) {
		if dep == "github.com/consentry/consentry/sdk" || strings.HasPrefix(dep, "github.com/consentry/consentry/sdk/") && dep != "github.com/consentry/consentry/sdk/rewrite" ||
			strings.HasPrefix(dep, "github.com/consentry/consentry/banner") || strings.HasPrefix(dep, "github.com/caddyserver/") {
			t.Errorf("sdk/rewrite depends on %s", dep)
		}
	}
}
