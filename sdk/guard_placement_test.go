package sdk

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/consentry/consentry/banner"
)

// guardFileLimit is what a page may carry of injected markup (head and
// body, for a visitor who has not chosen) when the guard is a file:
// 2.5 KB whatever the catalogue's size (issue 14).
const guardFileLimit = 2560

// TestGuardFileKeepsPagesSmall: with Options.Guard GuardFile, a page
// carries a parser-blocking <script src> to the guard file in place of the
// inline guard, right after #consent-hosts, and no more than
// guardFileLimit bytes of injected markup, with the built-in catalogue and
// with 3 000 hosts more; GuardInline carries the guard itself. GuardAuto
// (the default) is inline plus a prefetch of the file on the page a
// visitor lands on before a choice, and the file on a page they reach by
// a link and after a choice. The figures of every mode are logged.
func TestGuardFileKeepsPagesSmall(t *testing.T) {
	var own []Vendor
	for i := range 3000 {
		own = append(own, Vendor{Vendor: fmt.Sprintf("Long tail %d", i), Category: Advertising,
			Hosts: []string{fmt.Sprintf("px%d.tail-%d.example", i, i)}})
	}
	guardTag := `<script src="/_consent/` + banner.GuardFile().Name + `"></script>`
	prefetch := `<link rel="prefetch" href="/_consent/` + banner.GuardFile().Name + `">`
	for _, cat := range []struct {
		name string
		own  []Vendor
	}{{"built-in catalogue", nil}, {"built-in catalogue + 3000 hosts", own}} {
		sizes := map[string]int{}
		for _, mode := range []GuardPlacement{"", GuardInline, GuardFile} {
			c := newTestConsent(t, Options{Languages: []string{"en"}, Vendors: cat.own, Guard: mode})
			for _, decided := range []bool{false, true} {
				b := injectedFor(t, c, decided)
				at := fmt.Sprintf("%s, guard %q, chosen %v", cat.name, mode, decided)
				sizes[fmt.Sprint(mode, decided)] = len(b)
				t.Logf("%s: injected %d B, %d B gzip", at, len(b), gzipSize(t, b))
				hostsEnd := `id="consent-hosts" data-src="/_consent/` + c.texts.table.Name() + `">{}</script>`
				i := bytes.Index(b, []byte(hostsEnd))
				if i < 0 {
					t.Fatalf("%s: no #consent-hosts:\n%s", at, b)
				}
				after := string(b[i+len(hostsEnd):])
				if mode == GuardFile || mode == "" && decided {
					if !strings.HasPrefix(after, guardTag) {
						t.Errorf("%s: the guard's script does not follow #consent-hosts:\n%.300s", at, after)
					}
					if bytes.Contains(b, []byte(banner.Guard()[:200])) {
						t.Errorf("%s: the page still carries the guard's code", at)
					}
					if len(b) > guardFileLimit {
						t.Errorf("%s: %d B injected, over %d B", at, len(b), guardFileLimit)
					}
					continue
				}
				if !strings.HasPrefix(after, "<script>"+banner.Guard()+"</script>") {
					t.Errorf("%s: the inline guard does not follow #consent-hosts:\n%.300s", at, after)
				}
				if got, want := strings.Count(string(b), "/_consent/guard."), strings.Count(string(b), prefetch); got != want || want != map[GuardPlacement]int{"": 1}[mode] {
					t.Errorf("%s: the guard file named %d times, %d of them prefetched", at, got, want)
				}
			}
		}
		for _, decided := range []bool{false, true} {
			inline, file, auto := sizes[fmt.Sprint(GuardInline, decided)], sizes[fmt.Sprint(GuardFile, decided)], sizes[fmt.Sprint("", decided)]
			if inline-file != len(banner.Guard())+len("<script></script>")-len(guardTag) {
				t.Errorf("%s, chosen %v: inline %d B, file %d B: want them to differ by the guard alone", cat.name, decided, inline, file)
			}
			if want := map[bool]int{false: inline + len(prefetch), true: file}[decided]; auto != want {
				t.Errorf("%s, chosen %v: auto %d B, want %d B", cat.name, decided, auto, want)
			}
		}
		// Auto, on a page reached by a link before a choice: the file.
		c := newTestConsent(t, Options{Languages: []string{"en"}, Vendors: cat.own})
		linked := injectedOn(t, c, false, true)
		t.Logf("%s, guard \"\", no choice yet, a linked page: injected %d B, %d B gzip", cat.name, len(linked), gzipSize(t, linked))
		if want := sizes[fmt.Sprint(GuardFile, false)]; len(linked) != want || !bytes.Contains(linked, []byte(guardTag)) {
			t.Errorf("%s: auto on a linked page before a choice: %d B, want %d B with the guard's file", cat.name, len(linked), want)
		}
	}
}

// TestGuardAutoFollowsThePolicy: under GuardAuto a visitor who has chosen,
// or who comes from a page of the same origin, gets the guard (and the GPP
// API) from their files only where every enforced Content-Security-Policy
// lets a same-origin script run, and any other visitor gets them inline,
// with a prefetch of the files only where the policies' default-src lets
// it be fetched; otherwise both inline, no prefetch, as a hash-only policy
// needs. Policies are read as CSP3 does: several per header line
// (commas), directive names ended by any whitespace, Report-Only ignored.
func TestGuardAutoFollowsThePolicy(t *testing.T) {
	c := newTestConsent(t, Options{Languages: []string{"en"}, GPP: GPPOptions{On: true, States: []string{"CA"}}})
	files := []string{banner.GuardFile().Name, banner.GPPFile().Name}
	for _, tc := range []struct {
		name           string
		policy, report []string
		file, prefetch bool
	}{
		{"no policy", nil, nil, true, true},
		{"self", []string{"default-src 'self'; img-src *"}, nil, true, true},
		{"self in script-src, default-src none", []string{"default-src 'none'; script-src 'SELF' https:"}, nil, true, false},
		{"nonce with strict-dynamic", []string{"script-src 'nonce-Rm9vYmFy' 'strict-dynamic'"}, nil, true, true},
		{"nonce with strict-dynamic, default-src none", []string{"default-src 'none'; script-src 'nonce-Rm9vYmFy' 'strict-dynamic'"}, nil, true, false},
		{"a policy without scripts", []string{"img-src 'self'"}, nil, true, true},
		{"default-src * and script-src self", []string{"default-src *; script-src 'self'"}, nil, true, true},
		{"hash only", []string{"script-src 'sha256-AAAA'"}, nil, false, false},
		{"hash only after a tab", []string{"script-src\t'sha256-AAAA'"}, nil, false, false},
		{"self with strict-dynamic", []string{"script-src 'self' 'strict-dynamic' 'sha256-AAAA'"}, nil, false, false},
		{"script-src-elem wins", []string{"script-src 'self'; script-src-elem 'sha256-AAAA'"}, nil, false, false},
		{"script-src overrides default-src", []string{"default-src 'self'; script-src 'sha256-AAAA'"}, nil, false, false},
		{"two policies, one without self", []string{"script-src 'self'", "default-src 'sha256-AAAA'"}, nil, false, false},
		{"two policies on one line", []string{"img-src *, script-src 'sha256-AAAA'"}, nil, false, false},
		{"default-src none", []string{"default-src 'none'"}, nil, false, false},
		{"a hash-only report-only policy", nil, []string{"script-src 'sha256-AAAA'"}, true, true},
		{"star", []string{"default-src *"}, nil, true, true},
		{"http: on an http page", []string{"script-src http: 'sha256-AAAA'"}, nil, true, true},
		{"https: on an http page", []string{"script-src https: 'sha256-AAAA'"}, nil, false, false},
		{"the site's host source", []string{"script-src http://example.com 'sha256-AAAA'"}, nil, false, false},
	} {
		for _, visit := range []struct {
			decided    bool
			site, mode string // Sec-Fetch-Site, Sec-Fetch-Mode
			seen       bool   // whether the visitor has seen a page of the site
		}{
			{false, "", "", false}, {true, "", "", true},
			{false, "none", "navigate", false}, {false, "cross-site", "navigate", false},
			{false, "same-site", "navigate", false}, {false, "same-origin", "cors", false},
			{false, "same-origin", "navigate", true}, {true, "cross-site", "navigate", true},
		} {
			r := httptest.NewRequest("GET", "/", nil)
			if visit.decided {
				r.AddCookie(cookieFor(t, c, acceptAllChoice(c)))
			}
			if visit.site != "" {
				r.Header.Set("Sec-Fetch-Site", visit.site)
				r.Header.Set("Sec-Fetch-Mode", visit.mode)
			}
			head, _ := injectedInto(c, r, http.Header{"Content-Security-Policy": tc.policy, "Content-Security-Policy-Report-Only": tc.report})
			file := tc.file && visit.seen
			for _, name := range files {
				src := bytes.Contains(head, []byte(`<script src="/_consent/`+name+`"`))
				pre := bytes.Contains(head, []byte(`<link rel="prefetch" href="/_consent/`+name+`">`))
				if src != file || pre != (tc.prefetch && !file && !visit.seen) {
					t.Errorf("%s, %+v: %s as a script %v, prefetched %v", tc.name, visit, name, src, pre)
				}
			}
			for name, code := range map[string]string{"guard": banner.Guard(), "GPP API": banner.GPP()} {
				if in := bytes.Contains(head, []byte(code)); in == file {
					t.Errorf("%s, %+v: the %s inline = %v, want %v", tc.name, visit, name, in, !file)
				}
			}
		}
	}
	// https: admits the file on a page served over TLS.
	tls := httptest.NewRequest("GET", "https://example.com/", nil)
	tls.Header.Set("Sec-Fetch-Site", "same-origin")
	tls.Header.Set("Sec-Fetch-Mode", "navigate")
	if head, _ := injectedInto(c, tls, http.Header{"Content-Security-Policy": {"script-src https: 'sha256-AAAA'"}}); !bytes.Contains(head, []byte(`<script src="/_consent/`+files[0]+`"`)) {
		t.Errorf("https: on an https page reached by a link: want the guard's file:\n%.400s", head)
	}
	// A crawler, which gets no banner and never chooses, prefetches
	// nothing.
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("User-Agent", "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)")
	if head, _ := injectedInto(c, r, http.Header{}); !bytes.Contains(head, []byte(banner.Guard())) || bytes.Contains(head, []byte(`rel="prefetch"`)) {
		t.Errorf("a crawler: want the guard inline and no prefetch:\n%.400s", head)
	}
}

// TestGuardFileCarriesNonce: the guard's script element carries the CSP
// script nonce in file mode as inline, and neither defer nor async.
func TestGuardFileCarriesNonce(t *testing.T) {
	c := newTestConsent(t, Options{Languages: []string{"en"}, Guard: GuardFile})
	r := httptest.NewRequest("GET", "/", nil)
	head, _ := injectedInto(c, r, http.Header{"Content-Security-Policy": {"script-src 'nonce-Rm9vYmFy' 'strict-dynamic'"}})
	want := `<script src="/_consent/` + banner.GuardFile().Name + `" nonce="Rm9vYmFy"></script>`
	if !bytes.Contains(head, []byte(want)) {
		t.Errorf("no %s in\n%s", want, head)
	}
}

// TestGuardFileServed: the guard file is served under the prefix as
// JavaScript, cached for good under its hash, gzip-encoded on request;
// under another hash (a page of an older build) it is the current guard,
// revalidated; a name that only looks like it is not found.
func TestGuardFileServed(t *testing.T) {
	c := newTestConsent(t, Options{Languages: []string{"en"}, Guard: GuardFile})
	h := c.Handler(http.NotFoundHandler())
	g := banner.GuardFile()
	if string(g.Body) != banner.Guard() || !strings.HasPrefix(g.Name, "guard.") {
		t.Fatalf("GuardFile %s: not the guard", g.Name)
	}
	t.Logf("guard file %s: %d B, %d B gzip", g.Name, len(g.Body), gzipSize(t, g.Body))
	for _, tc := range []struct{ name, cache string }{
		{g.Name, "public, max-age=31536000, immutable"},
		{"guard.000000000000.js", "no-cache"},
	} {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest("GET", "/_consent/"+tc.name, nil))
		if w.Code != 200 || w.Header().Get("Cache-Control") != tc.cache || w.Body.String() != banner.Guard() ||
			w.Header().Get("Content-Type") != "text/javascript; charset=utf-8" || w.Header().Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("GET %s: %d %q %q, %d B", tc.name, w.Code, w.Header().Get("Cache-Control"), w.Header().Get("Content-Type"), w.Body.Len())
		}
	}
	r := httptest.NewRequest("GET", "/_consent/"+g.Name, nil)
	r.Header.Set("Accept-Encoding", "gzip")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != 200 || w.Header().Get("Content-Encoding") != "gzip" || w.Body.Len() >= len(g.Body) {
		t.Errorf("GET %s with gzip: %d %q, %d B", g.Name, w.Code, w.Header().Get("Content-Encoding"), w.Body.Len())
	}
	for _, bad := range []string{"guard.js", "guard.00000000000.js", "guard.00000000000g.js", "guard.000000000000.json", "xguard.000000000000.js"} {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest("GET", "/_consent/"+bad, nil))
		if w.Code == 200 {
			t.Errorf("GET %s: 200", bad)
		}
	}
}

// TestGuardFileHashes: InlineScriptHashes lists the guard's hash inline
// and not in file mode, where the guard is no inline script; the
// configuration's fingerprint tells the modes apart; a bad mode is
// refused.
func TestGuardFileHashes(t *testing.T) {
	guard := hashSource([]byte(banner.Guard()))
	inline := newTestConsent(t, Options{Languages: []string{"en"}})
	file := newTestConsent(t, Options{Languages: []string{"en"}, Guard: GuardFile})
	if !slices.Contains(inline.InlineScriptHashes(), guard) {
		t.Errorf("inline: the guard's hash %s is not listed", guard)
	}
	if h := file.InlineScriptHashes(); slices.Contains(h, guard) {
		t.Errorf("file: the guard's hash %s is listed: %q", guard, h)
	}
	if inline.fingerprint == file.fingerprint {
		t.Errorf("both modes have the fingerprint %s", inline.fingerprint)
	}
	if _, err := New(Options{Keys: []KeyPair{{Hash: testHash}}, Guard: "external"}); err == nil || !strings.Contains(err.Error(), `guard "external": want auto, inline or file`) {
		t.Errorf("Guard external: %v", err)
	}
}

// TestGPPFileFollowsGuard: with the GPP on, file mode loads the GPP API as
// the guard, a parser-blocking <script src> carrying the nonce, data-cmp
// and data-apis, after the guard's script (and the vendors' inline consent
// defaults, which depend on the visitor's state); the file is served as
// the guard is; and neither script's hash is an inline script's any more.
func TestGPPFileFollowsGuard(t *testing.T) {
	gpp := GPPOptions{On: true, States: []string{"CA"}}
	c := newTestConsent(t, Options{Languages: []string{"en"}, GPP: gpp, Guard: GuardFile})
	r := httptest.NewRequest("GET", "/", nil)
	head, _ := injectedInto(c, r, http.Header{"Content-Security-Policy": {"script-src 'nonce-Rm9vYmFy'"}})
	guardTag := `<script src="/_consent/` + banner.GuardFile().Name + `" nonce="Rm9vYmFy"></script>`
	gppTag := `<script src="/_consent/` + banner.GPPFile().Name + `" nonce="Rm9vYmFy"` + c.gpp.attrs + `</script>`
	i, j := strings.Index(string(head), guardTag), strings.Index(string(head), gppTag)
	if i < 0 || j < i || strings.Contains(string(head), banner.GPP()[:100]) {
		t.Errorf("want %s, then %s, in\n%s", guardTag, gppTag, head)
	}
	for _, h := range []string{hashSource([]byte(banner.Guard())), hashSource([]byte(banner.GPP()))} {
		if slices.Contains(c.InlineScriptHashes(), h) {
			t.Errorf("file mode lists %s", h)
		}
	}
	inline := newTestConsent(t, Options{Languages: []string{"en"}, GPP: gpp})
	if !slices.Contains(inline.InlineScriptHashes(), hashSource([]byte(banner.GPP()))) {
		t.Errorf("inline mode does not list the GPP API's hash")
	}
	h := c.Handler(http.NotFoundHandler())
	g := banner.GPPFile()
	t.Logf("GPP file %s: %d B, %d B gzip", g.Name, len(g.Body), gzipSize(t, g.Body))
	for _, tc := range []struct{ name, cache string }{
		{g.Name, "public, max-age=31536000, immutable"},
		{"gpp.0123456789ab.js", "no-cache"},
	} {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest("GET", "/_consent/"+tc.name, nil))
		if w.Code != 200 || w.Header().Get("Cache-Control") != tc.cache || w.Body.String() != banner.GPP() ||
			w.Header().Get("Content-Type") != "text/javascript; charset=utf-8" {
			t.Errorf("GET %s: %d %q %q, %d B", tc.name, w.Code, w.Header().Get("Cache-Control"), w.Header().Get("Content-Type"), w.Body.Len())
		}
	}
}
