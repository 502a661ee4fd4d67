package sdk

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
)

// setCookieBytes is what the Set-Cookie lines of h cost on the wire
// ("Set-Cookie: " + value + CRLF each).
func setCookieBytes(h http.Header) int {
	n := 0
	for _, v := range h.Values("Set-Cookie") {
		n += len("Set-Cookie: ") + len(v) + 2
	}
	return n
}

// hostileExpiryRequest is the request of issue 12: thousands of distinct
// cookie names a refused category claims (analytics' "_ga_*") and a Host of
// 120 labels, on a site that answers any Host.
func hostileExpiryRequest(t *testing.T, c *Consent, method, target string, names int) *http.Request {
	t.Helper()
	var cookie strings.Builder
	for i := range names {
		fmt.Fprintf(&cookie, "_ga_%d=1; ", i)
	}
	host := strings.Repeat("a.", 118) + "example.com" // 120 labels, 247 bytes
	var r *http.Request
	if method == "POST" {
		r = httptest.NewRequest("POST", target, strings.NewReader(`{"action":"reject_all"}`))
		r.Header.Set("Content-Type", "application/json")
	} else {
		r = httptest.NewRequest("GET", target, nil)
		ch := rejectAllChoice(c)
		ch.Site = c.site(&http.Request{Host: host})
		r.AddCookie(cookieFor(t, c, ch))
	}
	r.Host = host
	r.Header.Add("Cookie", cookie.String())
	return r
}

// TestAttackSetCookieAmplification: one request naming 2,000 refused
// cookies with a Host of 120 labels used to be answered with 240,000
// expiry Set-Cookies (41.7 MB). The answer is now bounded by the
// configuration, whatever the request: at most maxExpiredCookies names,
// each under host-only, the registrable domain and the configured domain.
func TestAttackSetCookieAmplification(t *testing.T) {
	for _, domain := range []string{"", "example.org"} {
		c := newTestConsent(t, Options{CookieDomain: domain})
		for _, method := range []string{"POST", "GET"} {
			t.Run(method+"/domain="+domain, func(t *testing.T) {
				r := hostileExpiryRequest(t, c, method, "http://shop.example/_consent", 2000)
				if method == "GET" {
					r.URL.Path = "/page"
				}
				w := newRecordingWriter()
				c.Handler(http.NotFoundHandler()).ServeHTTP(w, r)
				names := map[string]bool{}
				for _, v := range w.header.Values("Set-Cookie") {
					ck, err := http.ParseSetCookie(v)
					if err != nil {
						t.Fatalf("Set-Cookie %q: %v", v, err)
					}
					if strings.HasPrefix(ck.Name, "_ga_") {
						names[ck.Name] = true
					}
				}
				lines, size := len(w.header.Values("Set-Cookie")), setCookieBytes(w.header)
				// 64 names × 3 variants × under 70 bytes, and the consent cookie.
				const maxBytes = 16 << 10
				if len(names) == 0 || len(names) > maxExpiredCookies || lines > 3*maxExpiredCookies+1 || size > maxBytes {
					t.Errorf("%d names expired in %d Set-Cookie lines of %d bytes; want 1 to %d names, at most %d lines and %d bytes",
						len(names), lines, size, maxExpiredCookies, 3*maxExpiredCookies+1, maxBytes)
				}
			})
		}
	}
}

// TestExpiryDomains: a refused cookie is deleted host-only, under the
// registrable domain of the request host (by the public suffix list) and
// under the configured cookie domain, and never under a public suffix or
// any other label of the Host.
func TestExpiryDomains(t *testing.T) {
	cases := []struct {
		host, configured string
		want             []string // "" is host-only
	}{
		{"www.shop.example.co.uk", "", []string{"", "example.co.uk"}},
		{"www.shop.example.co.uk", "shop.example.co.uk", []string{"", "example.co.uk", "shop.example.co.uk"}},
		{"www.shop.example.co.uk", ".Example.CO.uk", []string{"", "example.co.uk"}},
		{"WWW.Example.COM:8443", "", []string{"", "example.com"}},
		{"example.com", "", []string{""}},
		{"example.co.uk", "", []string{""}},
		{"co.uk", "", []string{""}},
		{"user.github.io", "", []string{""}}, // a private suffix: github.io is shared
		{"localhost:9080", "", []string{""}},
		{"127.0.0.1:8080", "example.org", []string{"", "example.org"}},
		{"[::1]:443", "", []string{""}},
		{strings.Repeat("a.", 118) + "example.com", "", []string{"", "example.com"}},
	}
	for _, tc := range cases {
		t.Run(tc.host+"/"+tc.configured, func(t *testing.T) {
			c := newTestConsent(t, Options{CookieDomain: tc.configured})
			r := httptest.NewRequest("GET", "/", nil)
			r.Host = tc.host
			h := http.Header{}
			c.expireCookies(h, r, []string{"_ga"})
			var got []string
			for _, v := range h.Values("Set-Cookie") {
				ck, err := http.ParseSetCookie(v)
				if err != nil || ck.Name != "_ga" || ck.MaxAge >= 0 || ck.Path != "/" {
					t.Fatalf("Set-Cookie %q is not an expiry of _ga (%v)", v, err)
				}
				got = append(got, ck.Domain)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("expired under %q, want %q", got, tc.want)
			}
		})
	}
}

// TestRefusedCookieNamesBounded: the names to expire are distinct, in
// request order, at most maxExpiredCookies of them, and none longer than
// maxExpiredName.
func TestRefusedCookieNamesBounded(t *testing.T) {
	c := newTestConsent(t, Options{})
	s := c.stateFromChoice(rejectAllChoice(c), Signals{})
	type namesCase struct {
		name, cookie string
		want         []string
	}
	cases := []namesCase{
		{"distinct", "_ga=1; session=2; _fbp=3; _ga=4; _ga_X=5", []string{"_ga", "_fbp", "_ga_X"}},
		{"overlong name", "_ga_" + strings.Repeat("x", maxExpiredName) + "=1; _ga=2", []string{"_ga"}},
	}
	var many strings.Builder
	var first []string
	for i := range 3 * maxExpiredCookies {
		fmt.Fprintf(&many, "_ga_%d=1; _ga_%d=2; ", i, i)
		if len(first) < maxExpiredCookies {
			first = append(first, fmt.Sprintf("_ga_%d", i))
		}
	}
	cases = append(cases, namesCase{"many", many.String(), first})
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			r.Header.Set("Cookie", tc.cookie)
			if got := c.refusedCookieNames(r, s); !slices.Equal(got, tc.want) {
				t.Errorf("refusedCookieNames = %q, want %q", got, tc.want)
			}
		})
	}
}

// TestExpiryWorstCase measures the largest expiry answer any request can
// cause: maxExpiredCookies names of maxExpiredName bytes, a Host whose
// registrable domain is as long as a domain may be, and a configured
// cookie domain of 253 bytes. It stays under the bound that follows from
// the constants, reported in docs/SECURITY.md (run with -v for the figure).
func TestExpiryWorstCase(t *testing.T) {
	label := func(b byte) string { return strings.Repeat(string(b), 63) }
	configured := label('c') + "." + label('d') + "." + label('e') + "." + strings.Repeat("f", 61) // 253 bytes
	c := newTestConsent(t, Options{CookieDomain: configured})
	var cookie strings.Builder
	for i := range 2 * maxExpiredCookies {
		name := fmt.Sprintf("_ga_%04d", i)
		fmt.Fprintf(&cookie, "%s%s=1; ", name, strings.Repeat("x", maxExpiredName-len(name)))
	}
	r := httptest.NewRequest("POST", "http://shop.example/_consent", strings.NewReader(`{"action":"reject_all"}`))
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("Cookie", cookie.String())
	r.Host = strings.Repeat("h.", 60) + label('a') + "." + label('b') // registrable: 127 bytes
	w := serve(c, r)
	if w.Code != http.StatusOK {
		t.Fatalf("status %d: %s", w.Code, w.Body)
	}
	// Per name: three lines of "Set-Cookie: " name "=; Path=/; Max-Age=0"
	// CRLF, two of them with "; Domain=" and at most 253 bytes.
	line := len("Set-Cookie: ") + maxExpiredName + len("=; Path=/; Max-Age=0") + 2
	bound := maxExpiredCookies * (3*line + 2*(len("; Domain=")+253))
	consent := 0
	for _, v := range w.Header().Values("Set-Cookie") {
		if strings.Contains(v, "consent=") {
			consent += len("Set-Cookie: ") + len(v) + 2
		}
	}
	got := setCookieBytes(w.Header()) - consent
	t.Logf("worst expiry answer: %d bytes of Set-Cookie in %d lines (bound %d), plus %d bytes for the consent cookie; request Cookie header %d bytes",
		got, len(w.Header().Values("Set-Cookie")), bound, consent, cookie.Len())
	if got > bound {
		t.Errorf("expiry Set-Cookies of %d bytes, over the bound of %d", got, bound)
	}
}
