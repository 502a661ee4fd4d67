package sdk

import (
	"os/exec"
	"strings"
	"testing"
)

// TestNoCaddyImports keeps the engine free of Caddy: the Caddy module
// adapts the sdk, never the other way round.
func TestNoCaddyImports(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-test", "github.com/consentry/consentry/sdk/...").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, pkg := range strings.Fields(string(out)) {
		if strings.HasPrefix(pkg, "github.com/caddyserver/") {
			t.Errorf("sdk depends on %s", pkg)
		}
	}
}
