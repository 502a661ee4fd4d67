package caddymodule

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/caddyserver/caddy/v2/caddyconfig"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	_ "github.com/caddyserver/caddy/v2/modules/standard"
)

var update = flag.Bool("update", false, "rewrite the expected JSON in testdata/*.caddyfiletest")

const goldenSeparator = "----------"

// adapt runs the Caddyfile adapter and returns indented JSON.
func adapt(t *testing.T, caddyfileText string) ([]byte, error) {
	t.Helper()
	out, _, err := caddyconfig.GetAdapter("caddyfile").Adapt([]byte(caddyfileText), nil)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := json.Indent(&buf, out, "", "\t"); err != nil {
		t.Fatalf("adapter output is not JSON: %v", err)
	}
	return buf.Bytes(), nil
}

// TestAdaptGolden adapts testdata/<case>.caddyfiletest: a Caddyfile, a
// line of dashes, and the expected JSON (or, for a Caddyfile that must not
// load, a substring of the expected error). Run with -update to rewrite
// the expected JSON.
func TestAdaptGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/*.caddyfiletest")
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden files: %v", err)
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".caddyfiletest"), func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			input, expected, ok := strings.Cut(string(data), goldenSeparator)
			if !ok {
				t.Fatalf("%s: no %s separator", file, goldenSeparator)
			}
			input = strings.TrimSpace(input) + "\n"
			expected = strings.TrimSpace(expected)

			got, err := adapt(t, input)
			if strings.HasPrefix(expected, "{") || (*update && err == nil) {
				if err != nil {
					t.Fatalf("adapt: %v", err)
				}
				if *update {
					out := input + goldenSeparator + "\n" + string(got) + "\n"
					if err := os.WriteFile(file, []byte(out), 0o644); err != nil {
						t.Fatal(err)
					}
					return
				}
				if string(got) != expected {
					t.Errorf("adapted JSON differs (run go test -update to accept)\ngot:\n%s\nwant:\n%s", got, expected)
				}
				return
			}
			if err == nil {
				t.Fatalf("adapted without error, want an error containing %q", expected)
			}
			if !strings.Contains(err.Error(), expected) {
				t.Errorf("error %q does not contain %q", err, expected)
			}
		})
	}
}

// TestDirectiveOrder checks that consent lands after encode and before the
// handlers that produce responses, with no order line in the Caddyfile.
func TestDirectiveOrder(t *testing.T) {
	const input = `:8080 {
	file_server
	reverse_proxy /api/* localhost:9000
	respond /ping "pong"
	consent
	encode gzip
	header X-Frame-Options DENY
}
`
	got, err := adapt(t, input)
	if err != nil {
		t.Fatal(err)
	}
	var cfg struct {
		Apps struct {
			HTTP struct {
				Servers map[string]struct {
					Routes []json.RawMessage `json:"routes"`
				} `json:"servers"`
			} `json:"http"`
		} `json:"apps"`
	}
	if err := json.Unmarshal(got, &cfg); err != nil {
		t.Fatal(err)
	}
	var order []string
	for _, srv := range cfg.Apps.HTTP.Servers {
		for _, r := range srv.Routes {
			collectHandlers(r, &order)
		}
	}
	index := func(name string) int {
		for i, n := range order {
			if n == name {
				return i
			}
		}
		t.Fatalf("handler %q not in %v", name, order)
		return -1
	}
	consent := index("consent")
	if index("encode") > consent {
		t.Errorf("consent comes before encode: %v", order)
	}
	for _, after := range []string{"reverse_proxy", "static_response", "file_server"} {
		if index(after) < consent {
			t.Errorf("%s comes before consent: %v", after, order)
		}
	}
}

// collectHandlers appends every "handler" name in a JSON route, depth first.
func collectHandlers(raw json.RawMessage, out *[]string) {
	var v any
	if json.Unmarshal(raw, &v) != nil {
		return
	}
	var walk func(any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if name, ok := v["handler"].(string); ok {
				*out = append(*out, name)
			}
			for _, k := range []string{"handle", "routes"} {
				if child, ok := v[k]; ok {
					walk(child)
				}
			}
		case []any:
			for _, c := range v {
				walk(c)
			}
		}
	}
	walk(v)
}

// TestExampleCaddyfiles checks that the shipped examples adapt and that
// caddy fmt leaves them unchanged.
func TestExampleCaddyfiles(t *testing.T) {
	files, err := filepath.Glob("../examples/Caddyfile*")
	if err != nil || len(files) == 0 {
		t.Fatalf("no example Caddyfiles: %v", err)
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			if formatted := caddyfile.Format(data); !bytes.Equal(formatted, data) {
				t.Errorf("caddy fmt would change %s:\n%s", file, formatted)
			}
			got, err := adapt(t, string(data))
			if err != nil {
				t.Fatalf("adapt: %v", err)
			}
			if !bytes.Contains(got, []byte(`"handler": "consent"`)) {
				t.Errorf("adapted config has no consent handler:\n%s", got)
			}
		})
	}
}
