package caddymodule

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"github.com/caddyserver/caddy/v2"
)

// geoIPPath replaces placeholders in the configured GeoIP database path and
// checks that the file is there, so a missing database stops the config
// from loading with an error that says so.
func geoIPPath(path string, repl *caddy.Replacer) (string, error) {
	if path == "" {
		return "", nil
	}
	p := strings.TrimSpace(repl.ReplaceAll(path, ""))
	if p == "" {
		return "", fmt.Errorf("geoip_db %q: empty after replacing placeholders (is the variable set?)", path)
	}
	fi, err := os.Stat(p)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "", fmt.Errorf("geoip_db %s: no such file", p)
	case err != nil:
		return "", fmt.Errorf("geoip_db %s: %w", p, err)
	case fi.IsDir():
		return "", fmt.Errorf("geoip_db %s: is a directory, want a MaxMind .mmdb file", p)
	}
	return p, nil
}
