package caddymodule

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2/caddytest"

	"github.com/consentry/consentry/sdk"
)

// The integration tests run Caddy in-process through caddytest, which
// listens for admin requests on localhost:2999.
const (
	testSite   = "http://localhost:9080"
	testGlobal = `{
	admin localhost:2999
	http_port 9080
	https_port 9443
	skip_install_trust
	local_certs
	%s
}
`
	testPage = `<!doctype html>
<html><head><title>Shop</title>
<script async src="https://www.googletagmanager.com/gtag/js?id=G-1"></script>
</head><body><h1>Shop</h1></body></html>`
)

// testSiteConfig serves testPage behind consent with the given subdirectives,
// and /whoami, which echoes the consent placeholders.
func testSiteConfig(global, consent string) string {
	return fmt.Sprintf(testGlobal, global) + `
:9080 {
	consent {
		` + consent + `
	}
	handle /whoami {
		respond "analytics={http.consent.analytics} decided={http.consent.decided} regime={http.consent.regime} granted={http.consent.categories}"
	}
	handle {
		header Content-Type "text/html; charset=utf-8"
		respond <<HTML
			` + strings.ReplaceAll(testPage, "\n", "\n\t\t\t") + `
			HTML 200
	}
}
`
}

var client = &http.Client{Timeout: 5 * time.Second}

func get(t *testing.T, path string, cookies ...*http.Cookie) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, testSite+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", "text/html")
	for _, c := range cookies {
		req.AddCookie(c)
	}
	return do(t, req)
}

func postChoice(t *testing.T, body string, header map[string]string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, testSite+"/_consent", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	for k, v := range header {
		if k == "Host" {
			req.Host = v
			continue
		}
		req.Header.Set(k, v)
	}
	return do(t, req)
}

func do(t *testing.T, req *http.Request) (*http.Response, string) {
	t.Helper()
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(body)
}

func consentCookie(t *testing.T, resp *http.Response) *http.Cookie {
	t.Helper()
	for _, c := range resp.Cookies() {
		if c.Name == sdk.DefaultCookieName && c.Value != "" {
			return c
		}
	}
	t.Fatalf("no consent cookie in %q", resp.Header.Values("Set-Cookie"))
	return nil
}

func TestIntegrationConsentFlow(t *testing.T) {
	tester := caddytest.NewTester(t)
	tester.InitServer(testSiteConfig("", "hash_key "+strings.Repeat("5a", 32)), "caddyfile")
	if t.Failed() {
		t.FailNow()
	}

	// 1. No choice yet: the tracker is held back and the state injected.
	resp, body := get(t, "/")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET / = %d, want 200", resp.StatusCode)
	}
	for _, want := range []string{`type="text/plain"`, `data-category="analytics"`, `id="consent-state"`, `<h1>Shop</h1>`} {
		if !strings.Contains(body, want) {
			t.Errorf("page before a choice lacks %q:\n%s", want, body)
		}
	}
	_, who := get(t, "/whoami")
	if want := "analytics=false decided=false regime=opt-in granted=necessary"; who != want {
		t.Errorf("placeholders before a choice = %q, want %q", who, want)
	}

	// 2. A cross-site post is refused.
	resp, _ = postChoice(t, `{"action":"accept_all"}`, map[string]string{
		"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site",
	})
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("cross-site POST = %d, want 403", resp.StatusCode)
	}
	if len(resp.Cookies()) != 0 {
		t.Errorf("cross-site POST set cookies: %q", resp.Header.Values("Set-Cookie"))
	}

	// 3. Accept all from the site itself.
	resp, body = postChoice(t, `{"action":"accept_all"}`, map[string]string{"Origin": testSite})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("POST /_consent = %d, want 200: %s", resp.StatusCode, body)
	}
	var state sdk.State
	if err := json.Unmarshal([]byte(body), &state); err != nil {
		t.Fatalf("POST /_consent body is not a state: %v\n%s", err, body)
	}
	if !state.Decided || state.Method != sdk.MethodAcceptAll || !state.Allowed(sdk.Analytics) {
		t.Errorf("state after accept_all = %+v, want decided, accept_all, analytics granted", state)
	}
	var setCookie string
	for _, v := range resp.Header.Values("Set-Cookie") {
		if strings.HasPrefix(v, sdk.DefaultCookieName+"=") {
			setCookie = v
		}
	}
	for _, want := range []string{"HttpOnly", "SameSite=Lax", "Path=/"} {
		if !strings.Contains(setCookie, want) {
			t.Errorf("Set-Cookie %q lacks %s", setCookie, want)
		}
	}
	cookie := consentCookie(t, resp)

	// 4. With the cookie, the page keeps its tracker as the upstream sent it.
	_, body = get(t, "/", cookie)
	if !strings.Contains(body, `<script async src="https://www.googletagmanager.com/gtag/js?id=G-1"></script>`) {
		t.Errorf("page after accept_all does not keep the gtag script untouched:\n%s", body)
	}
	if strings.Contains(body, `type="text/plain" data-category="analytics"`) {
		t.Errorf("page after accept_all still neutralises analytics:\n%s", body)
	}
	_, who = get(t, "/whoami", cookie)
	if !strings.Contains(who, "analytics=true decided=true") || !strings.Contains(who, "advertising") {
		t.Errorf("placeholders after accept_all = %q", who)
	}

	// 5. A tampered cookie counts as no choice.
	bad := *cookie
	bad.Value = strings.ToUpper(bad.Value[:len(bad.Value)/2]) + bad.Value[len(bad.Value)/2:]
	resp, body = get(t, "/", &bad)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `data-category="analytics"`) {
		t.Errorf("tampered cookie: status %d, analytics not held back:\n%s", resp.StatusCode, body)
	}
}

// TestIntegrationStorageKeys runs the module without configured keys: it
// generates them into Caddy's storage, and a reload (like a restart or a
// second instance on the same storage) still accepts earlier choices.
func TestIntegrationStorageKeys(t *testing.T) {
	dir := t.TempDir()
	config := testSiteConfig("storage file_system "+dir, "policy_version storage-test")

	tester := caddytest.NewTester(t)
	tester.InitServer(config, "caddyfile")
	if t.Failed() {
		t.FailNow()
	}
	stored, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(storageKeysPath)))
	if err != nil {
		t.Fatalf("keys not in storage: %v", err)
	}

	resp, body := postChoice(t, `{"action":"reject_all"}`, map[string]string{"Origin": testSite})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("POST /_consent = %d: %s", resp.StatusCode, body)
	}
	cookie := consentCookie(t, resp)

	// Load a different config on the same storage: the module is
	// provisioned afresh and must read the same keys.
	tester.InitServer(strings.Replace(config, "Shop", "Shop 2", 1), "caddyfile")
	if t.Failed() {
		t.FailNow()
	}
	if again, _ := os.ReadFile(filepath.Join(dir, filepath.FromSlash(storageKeysPath))); string(again) != string(stored) {
		t.Error("keys in storage changed on reload")
	}
	_, who := get(t, "/whoami", cookie)
	if !strings.Contains(who, "decided=true") {
		t.Errorf("choice lost after reload: %q", who)
	}
}

// TestIntegrationBadConfig checks that a value only checked at provisioning
// (a key from an environment variable) stops the config from loading.
func TestIntegrationBadConfig(t *testing.T) {
	t.Setenv("CONSENTRY_TEST_SHORT_KEY", strings.Repeat("ab", 16))
	tester := caddytest.NewTester(t)
	tester.InitServer(testSiteConfig("", "hash_key "+strings.Repeat("5a", 32)), "caddyfile") // starts Caddy when run alone
	if t.Failed() {
		t.FailNow()
	}
	config := testSiteConfig("", "hash_key {env.CONSENTRY_TEST_SHORT_KEY}")
	req, _ := http.NewRequest(http.MethodPost, "http://localhost:2999/load", strings.NewReader(config))
	req.Header.Set("Content-Type", "text/caddyfile")
	resp, body := do(t, req)
	if resp.StatusCode == http.StatusOK {
		t.Fatal("config with a 16-byte hash key loaded")
	}
	if !strings.Contains(body, "hash_key: 32 hex digits decode to 16 bytes") || !strings.Contains(body, ", at Caddyfile:") {
		t.Errorf("load error %q does not name hash_key, the length and the line", body)
	}
}
