package caddymodule

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/caddyserver/caddy/v2/caddytest"
	caddycmd "github.com/caddyserver/caddy/v2/cmd"
	"github.com/spf13/cobra"

	"github.com/consentry/consentry/banner"
	"github.com/consentry/consentry/internal/csptest"
)

// runCommand runs a registered caddy subcommand as `caddy name args…`
// would and returns what it printed.
func runCommand(t *testing.T, name string, args ...string) (string, error) {
	t.Helper()
	c, ok := caddycmd.Commands()[name]
	if !ok {
		t.Fatalf("caddy %s is not registered", name)
	}
	cmd := &cobra.Command{Use: name, SilenceUsage: true, SilenceErrors: true}
	c.CobraFunc(cmd)
	var out bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&out)
	cmd.SetArgs(args)
	err := cmd.Execute()
	return out.String(), err
}

// writeCaddyfile writes config to a file named Caddyfile (so the
// caddyfile adapter is picked by name, as for `caddy run`).
func writeCaddyfile(t *testing.T, config string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "Caddyfile")
	if err := os.WriteFile(path, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestConsentKeysPrint(t *testing.T) {
	out, err := runCommand(t, "consent-keys", "--print")
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		k, v, _ := strings.Cut(line, "=")
		env[k] = v
	}
	if _, err := decodeHashKey(env["CONSENT_HASH_KEY"]); err != nil {
		t.Errorf("printed hash key: %v (%q)", err, out)
	}
	if _, err := decodeBlockKey(env["CONSENT_BLOCK_KEY"]); err != nil {
		t.Errorf("printed block key: %v (%q)", err, out)
	}
	again, _ := runCommand(t, "consent-keys", "--print")
	if again == out {
		t.Error("two runs printed the same keys")
	}
	if _, err := runCommand(t, "consent-keys", "--print", "--rotate"); err == nil {
		t.Error("--print with --rotate accepted")
	}
}

// TestConsentKeysRotate rotates the keys of a running server's storage:
// after a reload, a choice made under the old key still counts, new
// choices are signed by the new key, and --keep drops the oldest pairs,
// whose cookies then count no more.
func TestConsentKeysRotate(t *testing.T) {
	dir := t.TempDir()
	config := testSiteConfig("storage file_system "+dir, "policy_version rotate-test")
	file := writeCaddyfile(t, config)

	out, err := runCommand(t, "consent-keys", "--config", file)
	if err != nil || !strings.Contains(out, "no keys in storage yet") {
		t.Fatalf("listing an empty storage: %v, %q", err, out)
	}

	tester := caddytest.NewTester(t)
	tester.InitServer(config, "caddyfile")
	if t.Failed() {
		t.FailNow()
	}
	choose := func() *http.Cookie {
		t.Helper()
		resp, body := postChoice(t, `{"action":"accept_all"}`, map[string]string{"Origin": testSite})
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("POST /_consent = %d: %s", resp.StatusCode, body)
		}
		return consentCookie(t, resp)
	}
	counts := func(c *http.Cookie) bool {
		t.Helper()
		_, who := get(t, "/whoami", c)
		return strings.Contains(who, "decided=true")
	}
	first := choose()

	out, err = runCommand(t, "consent-keys", "--config", file, "--rotate")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "1 older kept") || strings.Count(out, " B, block ") != 2 {
		t.Fatalf("first rotation printed %q", out)
	}
	// caddy reload (a changed config: Caddy ignores loading the same one)
	tester.InitServer(strings.Replace(config, "Shop", "Shop 2", 1), "caddyfile")
	if !counts(first) {
		t.Fatal("a choice made under the old key no longer counts after rotation")
	}
	second := choose()
	if second.Value == first.Value {
		t.Fatal("the same cookie after rotation")
	}

	if out, err = runCommand(t, "consent-keys", "--config", file, "--rotate", "--keep", "2"); err != nil {
		t.Fatal(err)
	}
	if strings.Count(out, " B, block ") != 2 {
		t.Fatalf("--keep 2 printed %q", out)
	}
	tester.InitServer(strings.Replace(config, "Shop", "Shop 3", 1), "caddyfile")
	if counts(first) {
		t.Error("a choice under a key --keep dropped still counts")
	}
	if !counts(second) {
		t.Error("a choice under a kept key no longer counts")
	}
	if _, err := runCommand(t, "consent-keys", "--config", file, "--rotate", "--keep", "-1"); err == nil {
		t.Error("--keep -1 accepted")
	}
}

// pageInlineHashes returns the CSP hashes of the inline scripts in a page
// that a browser would run, found by parsing it into a DOM.
func pageInlineHashes(t *testing.T, page string) []string {
	t.Helper()
	out, err := csptest.InlineScriptHashes(page)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestConsentCSPCommand prints the hashes for a config with every vendor
// signal, then serves that config and checks every inline script of the
// pages a visitor gets, before and after each kind of choice, is listed.
func TestConsentCSPCommand(t *testing.T) {
	config := testSiteConfig("", "hash_key {env.CONSENTRY_TEST_UNSET_KEY}\n\t\tsignals google uet clarity meta tiktok")
	out, err := runCommand(t, "consent-csp", "--config", writeCaddyfile(t, config))
	if err != nil {
		t.Fatal(err)
	}
	printed := strings.Fields(out)
	guard := sha256.Sum256([]byte(banner.Guard()))
	if !slices.Contains(printed, "'sha256-"+base64.StdEncoding.EncodeToString(guard[:])+"'") {
		t.Fatalf("the guard's hash is not printed: %q", out)
	}

	tester := caddytest.NewTester(t)
	tester.InitServer(strings.Replace(config, "{env.CONSENTRY_TEST_UNSET_KEY}", strings.Repeat("6b", 32), 1), "caddyfile")
	if t.Failed() {
		t.FailNow()
	}
	var cookies [][]*http.Cookie
	cookies = append(cookies, nil)
	for _, body := range []string{`{"action":"accept_all"}`, `{"action":"reject_all"}`,
		`{"action":"custom","categories":["analytics"]}`, `{"action":"custom","categories":["advertising","preferences"]}`} {
		resp, b := postChoice(t, body, map[string]string{"Origin": testSite})
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("POST %s = %d: %s", body, resp.StatusCode, b)
		}
		cookies = append(cookies, []*http.Cookie{consentCookie(t, resp)})
	}
	for i, cs := range cookies {
		_, page := get(t, "/", cs...)
		got := pageInlineHashes(t, page)
		// With no policy on the page, a visitor who has chosen gets the
		// guard from its cached file (guard auto), the signals inline.
		want, file := 2, strings.Contains(page, `<script src="/_consent/`+banner.GuardFile().Name+`"></script>`)
		if file != (i > 0) {
			t.Errorf("visitor %d: the guard from its file = %v, want %v", i, file, i > 0)
		}
		if file {
			want = 1
		}
		if len(got) < want {
			t.Fatalf("visitor %d: %d inline scripts in the page, want the guard (unless a file) and the signals:\n%s", i, len(got), page)
		}
		for _, h := range got {
			if !slices.Contains(printed, h) {
				t.Errorf("visitor %d: inline script %s not printed by consent-csp (%q)", i, h, out)
			}
		}
	}

	noConsent := writeCaddyfile(t, ":9081 {\n\trespond hi\n}\n")
	if _, err := runCommand(t, "consent-csp", "--config", noConsent); err == nil || !strings.Contains(err.Error(), "no consent handler") {
		t.Errorf("a config without consent: %v", err)
	}
}
