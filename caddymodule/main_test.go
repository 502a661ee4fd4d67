package caddymodule

import (
	"fmt"
	"os"
	"testing"
)

// TestMain points Caddy's data directory (the default consent log and
// keys) at a temporary directory, so tests never write to the user's.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "consentry-caddymodule-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Setenv("XDG_DATA_HOME", dir)
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}
