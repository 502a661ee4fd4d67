package testsite

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// The leak variant of the demo: the pages of testsite/leak served twice on
// the variant's port, at leak.localhost through the demo's own consent block
// (whatever the root Caddyfile configures: categories, hosts, paths) and at
// plain.localhost without it, as the unprotected site. Every site of the
// port, the fake vendors and a catch-all for any other host name included,
// records what it receives (leak_record). Both page sites send the full page
// address as Referer, so each request to a vendor names the page load it
// came from.
var leakSites = newDemoVariant("leak", withLeakSites)

// The host names of the two page sites.
const (
	protectedHost = "leak.localhost"
	plainHost     = "plain.localhost"
)

// withLeakSites adds leak_record to the vendors and the two page sites and
// the catch-all to the root Caddyfile.
func withLeakSites(caddyfile string) (string, error) {
	const vendor = "(vendor) {\n"
	if n := strings.Count(caddyfile, vendor); n != 1 {
		return "", fmt.Errorf("want one %q in the Caddyfile, found %d", vendor, n)
	}
	caddyfile = strings.Replace(caddyfile, vendor, vendor+"\tleak_record\n", 1)

	consent, err := demoConsentBlock(caddyfile)
	if err != nil {
		return "", err
	}
	site := func(host, consent string) string {
		return "\nhttp://" + host + ":{$CONSENTRY_PORT:8080} {\n\tleak_record\n\tencode\n" + consent +
			"\theader Referrer-Policy unsafe-url\n\troot * {$CONSENTRY_SITE:testsite}/leak\n\ttemplates\n\tfile_server\n}\n"
	}
	return caddyfile + site(protectedHost, consent) + site(plainHost, "") +
		"\nhttp://:{$CONSENTRY_PORT:8080} {\n\tleak_record\n\trespond 404\n}\n", nil
}

// demoConsentBlock returns the consent directive of the demo site, with its
// block, as the root Caddyfile has it.
func demoConsentBlock(caddyfile string) (string, error) {
	const open = "http://localhost:{$CONSENTRY_PORT:8080} {\n"
	i := strings.Index(caddyfile, open)
	if i < 0 {
		return "", fmt.Errorf("no %q in the Caddyfile", open)
	}
	body := caddyfile[i+len(open):]
	if end := strings.Index(body, "\n}\n"); end >= 0 {
		body = body[:end+1]
	}
	for _, line := range strings.SplitAfter(body, "\n") {
		if strings.TrimSpace(line) == "consent" {
			return line, nil
		}
	}
	start := strings.Index(body, "\tconsent {\n")
	if start < 0 {
		return "", fmt.Errorf("the demo site of the Caddyfile has no consent directive")
	}
	end := strings.Index(body[start:], "\n\t}\n")
	if end < 0 {
		return "", fmt.Errorf("the consent block of the demo site does not end")
	}
	return body[start : start+end+len("\n\t}\n")], nil
}

// leakPages lists the pages of testsite/leak, by file name.
func leakPages(t *testing.T) []string {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join("leak", "*.html"))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, p := range paths {
		out = append(out, filepath.Base(p))
	}
	slices.Sort(out)
	if len(out) < 60 {
		t.Fatalf("testsite/leak holds %d pages, want at least 60", len(out))
	}
	return out
}

// TestLeakPagesWellFormed checks what the browser test relies on in every
// page: a first-party marker script and a heading with the page's name as
// visible text, and the port of the vendor hosts from the template.
func TestLeakPagesWellFormed(t *testing.T) {
	for _, name := range leakPages(t) {
		body, err := os.ReadFile(filepath.Join("leak", name))
		if err != nil {
			t.Fatal(err)
		}
		s := string(body)
		for _, want := range []string{
			`{{$p := placeholder "http.request.port" -}}`,
			`<h1>` + strings.TrimSuffix(name, ".html") + `</h1>`,
			`(window.__ran = window.__ran || []).push("marker")`,
		} {
			if !strings.Contains(s, want) {
				t.Errorf("%s: no %s", name, want)
			}
		}
	}
}
