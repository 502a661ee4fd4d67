// Package browsertest finds Chromium for the browser tests and gives the
// flags every test starts it with.
package browsertest

import (
	"os"
	"os/exec"
	"testing"

	"github.com/chromedp/chromedp"
)

// Path returns the Chromium to test with: $CONSENTRY_CHROMIUM, else the
// first of chromium, chromium-browser and google-chrome on the PATH. Without
// one the test is skipped, except when CI=true, where it fails: CI must run
// the browser tests.
func Path(t testing.TB) string {
	t.Helper()
	if testing.Short() {
		t.Skip("browser tests are skipped in -short mode")
	}
	if p := os.Getenv("CONSENTRY_CHROMIUM"); p != "" {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("no Chromium found (install Debian's chromium or set CONSENTRY_CHROMIUM); CI runs the browser tests")
	}
	t.Skip("no Chromium found (install Debian's chromium or set CONSENTRY_CHROMIUM)")
	return ""
}

// Options are the allocator options of a headless Chromium at path with a
// fresh profile: no sandbox, no GPU, and nothing that reaches out to the
// network on its own.
func Options(path, profile string, extra ...chromedp.ExecAllocatorOption) []chromedp.ExecAllocatorOption {
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.UserDataDir(profile),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
	)
	return append(opts, extra...)
}
