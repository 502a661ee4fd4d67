package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/caddyserver/caddy/v2"
)

func TestModulesRegistered(t *testing.T) {
	for _, id := range []string{"http.handlers.consent", "http.handlers.reverse_proxy", "http.handlers.encode"} {
		if _, err := caddy.GetModule(id); err != nil {
			t.Errorf("module %s: %v", id, err)
		}
	}
}

// TestBinary builds the command and smoke-runs it: list-modules shows the
// consent module, and fmt leaves the example and demo Caddyfiles unchanged.
func TestBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := filepath.Join(t.TempDir(), "caddy")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}

	out, err := exec.Command(bin, "list-modules").CombinedOutput()
	if err != nil {
		t.Fatalf("list-modules: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "http.handlers.consent") {
		t.Errorf("list-modules does not list http.handlers.consent:\n%s", out)
	}

	examples, _ := filepath.Glob("../../examples/Caddyfile*")
	if len(examples) == 0 {
		t.Fatal("no example Caddyfiles")
	}
	examples = append(examples, "../../Caddyfile") // the demo
	for _, file := range examples {
		want, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		got, err := exec.Command(bin, "fmt", file).Output()
		if err != nil {
			t.Errorf("caddy fmt %s: %v", file, err)
		}
		if string(got) != string(want) {
			t.Errorf("caddy fmt changes %s:\n%s", file, got)
		}
		if out, err := exec.Command(bin, "adapt", "--config", file).CombinedOutput(); err != nil {
			t.Errorf("caddy adapt %s: %v\n%s", file, err, out)
		}
	}
}
