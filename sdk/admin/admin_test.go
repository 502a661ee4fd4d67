package admin

import (
	"crypto/sha256"
	"encoding/base64"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// get serves one request and returns the response and its body.
func get(t *testing.T, h http.Handler, method, target string, header ...string) (*http.Response, string) {
	t.Helper()
	req := httptest.NewRequest(method, target, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	res := rec.Result()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

func TestNewRequiresStore(t *testing.T) {
	if _, err := New(Options{}); err == nil || !strings.Contains(err.Error(), "Store") {
		t.Fatalf("New without a store: err = %v, want one naming Store", err)
	}
}

func TestSecurityHeadersOnEveryResponse(t *testing.T) {
	h := newTest(t, newFakeStore(seedDays(3)...))
	down := newTest(t, &fakeStore{err: errDown})
	for _, tc := range []struct {
		name   string
		h      http.Handler
		method string
		target string
		code   int
	}{
		{"overview", h, "GET", "/", 200},
		{"head", h, "HEAD", "/", 200},
		{"records html", h, "GET", "/records?format=html", 200},
		{"records csv", h, "GET", "/records?format=csv", 200},
		{"stats", h, "GET", "/stats", 200},
		{"inventory", h, "GET", "/inventory", 200},
		{"notice", h, "GET", "/notices/" + testNotice.Hash, 200},
		{"bad param", h, "GET", "/records?from=yesterday", 400},
		{"not found", h, "GET", "/nope", 404},
		{"post", h, "POST", "/", 405},
		{"store down", down, "GET", "/", 503},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, _ := get(t, tc.h, tc.method, tc.target)
			if res.StatusCode != tc.code {
				t.Fatalf("status = %d, want %d", res.StatusCode, tc.code)
			}
			for k, want := range map[string]string{
				"Cache-Control":           "no-store",
				"X-Content-Type-Options":  "nosniff",
				"Referrer-Policy":         "no-referrer",
				"Content-Security-Policy": csp,
			} {
				if got := res.Header.Get(k); got != want {
					t.Errorf("%s = %q, want %q", k, got, want)
				}
			}
		})
	}
	for _, d := range []string{"default-src 'none'", "img-src data:", "form-action 'self'", "frame-ancestors 'none'"} {
		if !strings.Contains(csp, d) {
			t.Errorf("CSP %q lacks %q", csp, d)
		}
	}
	if strings.Contains(csp, "script-src") || strings.Contains(csp, "unsafe-inline") {
		t.Errorf("CSP %q allows script or inline styles", csp)
	}
}

// TestStyleHashMatchesCSP checks the page's one <style> is the one the
// CSP hash allows, and that pages use no style attributes (which a hash
// does not cover) and no scripts.
func TestStyleHashMatchesCSP(t *testing.T) {
	h := newTest(t, newFakeStore(seedDays(5)...))
	for _, target := range []string{"/", "/records?format=html", "/inventory?format=html", "/notices/" + testNotice.Hash} {
		_, body := get(t, h, "GET", target)
		m := regexp.MustCompile(`(?s)<style>(.*?)</style>`).FindAllStringSubmatch(body, -1)
		if len(m) != 1 {
			t.Fatalf("%s: %d <style> elements, want 1", target, len(m))
		}
		sum := sha256.Sum256([]byte(m[0][1]))
		if want := "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"; !strings.Contains(csp, want) {
			t.Errorf("%s: the CSP does not allow the page's style (want %s)", target, want)
		}
		for _, bad := range []string{" style=", "<script", "http://", "https://"} {
			if strings.Contains(body, bad) {
				t.Errorf("%s: page contains %q", target, bad)
			}
		}
	}
}

func TestMethodNotAllowed(t *testing.T) {
	h := newTest(t, newFakeStore())
	for _, m := range []string{"POST", "PUT", "DELETE", "PATCH", "OPTIONS"} {
		res, _ := get(t, h, m, "/records")
		if res.StatusCode != 405 || res.Header.Get("Allow") != "GET, HEAD" {
			t.Errorf("%s: status %d, Allow %q; want 405 and GET, HEAD", m, res.StatusCode, res.Header.Get("Allow"))
		}
	}
}

func TestNotFound(t *testing.T) {
	h := newTest(t, newFakeStore())
	for _, p := range []string{"/nope", "/records/extra", "/stats.json", "/notices/", "/notices/zz", "/notices/" + strings.Repeat("A", 64), "/index.html"} {
		if res, _ := get(t, h, "GET", p); res.StatusCode != 404 {
			t.Errorf("GET %s: status %d, want 404", p, res.StatusCode)
		}
	}
}

func TestStoreErrorIs503(t *testing.T) {
	h := newTest(t, &fakeStore{err: errDown})
	for _, p := range []string{"/", "/stats", "/records?subject=abc", "/records?format=csv", "/records?format=json", "/notices/" + testNotice.Hash} {
		res, body := get(t, h, "GET", p)
		if res.StatusCode != 503 {
			t.Errorf("GET %s: status %d, want 503", p, res.StatusCode)
		}
		if strings.Contains(body, errDown.Error()) {
			t.Errorf("GET %s: the body leaks the store error: %q", p, body)
		}
	}
}

// TestBasePathIndependence mounts the handler at /, under /consent-admin/
// without stripping (as a Caddy route does) and with http.StripPrefix, and
// follows every link on the overview and the records page.
func TestBasePathIndependence(t *testing.T) {
	store := newFakeStore(seedDays(3)...)
	h := newTest(t, store)
	mux := http.NewServeMux()
	mux.Handle("/consent-admin/", h)
	mux.Handle("/stripped/", http.StripPrefix("/stripped", h))
	for _, base := range []string{"/", "/consent-admin/", "/stripped/"} {
		t.Run(base, func(t *testing.T) {
			srv := httptest.NewServer(mux)
			if base == "/" {
				srv = httptest.NewServer(h)
			}
			defer srv.Close()
			seen := map[string]bool{}
			pages := []string{srv.URL + base, srv.URL + base + "records?format=html&limit=5"}
			for len(pages) > 0 {
				page := pages[0]
				pages = pages[1:]
				res, err := http.Get(page)
				if err != nil {
					t.Fatal(err)
				}
				body, _ := io.ReadAll(res.Body)
				res.Body.Close()
				if res.StatusCode != 200 {
					t.Fatalf("GET %s: status %d: %s", page, res.StatusCode, body)
				}
				if !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
					continue
				}
				pu, _ := url.Parse(page)
				for _, m := range regexp.MustCompile(`(?:href|action)="([^"#]*)`).FindAllStringSubmatch(string(body), -1) {
					ref, err := url.Parse(strings.ReplaceAll(m[1], "&amp;", "&"))
					if err != nil {
						t.Fatalf("%s: bad link %q", page, m[1])
					}
					abs := pu.ResolveReference(ref)
					if !strings.HasPrefix(abs.Path, base) {
						t.Errorf("%s: link %q leaves the mount point %s", page, m[1], base)
						continue
					}
					if !seen[abs.String()] && len(seen) < 60 {
						seen[abs.String()] = true
						pages = append(pages, abs.String())
					}
				}
			}
			for _, want := range []string{"records?", "stats?", "inventory?", "notices/" + testNotice.Hash} {
				found := false
				for u := range seen {
					found = found || strings.Contains(u, base+want)
				}
				if !found {
					t.Errorf("no link to %s%s was followed", base, want)
				}
			}
		})
	}
}

func TestRedirectToTrailingSlash(t *testing.T) {
	h := newTest(t, newFakeStore())
	srv := httptest.NewServer(http.StripPrefix("/consent-admin", h))
	defer srv.Close()
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := c.Get(srv.URL + "/consent-admin")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 301 || res.Header.Get("Location") != "/consent-admin/" {
		t.Fatalf("status %d, Location %q; want 301 to /consent-admin/", res.StatusCode, res.Header.Get("Location"))
	}
}

func TestQuality(t *testing.T) {
	for _, tc := range []struct {
		accept string
		json   bool
	}{
		{"", false},
		{"*/*", false},
		{"application/json", true},
		{"text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", false},
		{"application/json, text/html;q=0.5", true},
		{"text/*;q=0.3, application/*", true},
		{"text/html;q=0, */*", true},
	} {
		if got := prefers(tc.accept, "application/json", "text/html"); got != tc.json {
			t.Errorf("Accept %q: prefers JSON = %v, want %v", tc.accept, got, tc.json)
		}
	}
}
