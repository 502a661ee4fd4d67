package sdk

import (
	"bytes"
	"log"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"
)

// stateWithCookies answers GET /_consent for a request carrying the raw
// Cookie header lines, failing on anything but a 200 state.
func stateWithCookies(t *testing.T, c *Consent, target string, lines ...string) State {
	t.Helper()
	r := httptest.NewRequest("GET", target, nil)
	for _, l := range lines {
		r.Header.Add("Cookie", l)
	}
	w := serve(c, r)
	if w.Code != http.StatusOK {
		t.Fatalf("GET /_consent with cookies: status %d (%s)", w.Code, w.Body.String())
	}
	return decodeState(t, w)
}

// mustEncode returns the signed value of ch under c's keys.
func mustEncode(t *testing.T, c *Consent, ch *choice) string {
	t.Helper()
	return cookieFor(t, c, ch).Value
}

func TestAttackBadConsentCookiesAreNoChoice(t *testing.T) {
	c := newTestConsent(t, Options{PolicyVersion: "2026-01"})
	valid := mustEncode(t, c, shopChoice(c))
	old := shopChoice(c)
	old.Version = "2025-01"
	expired := shopChoice(c)
	expired.Time = c.now().Add(-400 * 24 * time.Hour).Unix()
	future := shopChoice(c)
	future.Regime = "opt-anything"
	noID := shopChoice(c)
	noID.ID = ""
	other := newTestConsent(t, Options{PolicyVersion: "2026-01", Keys: []KeyPair{{Hash: []byte(strings.Repeat("x", 64)), Block: testBlock}}})
	flipped := []byte(valid)
	flipped[len(flipped)/2] ^= 1
	if flipped[len(flipped)/2] == '=' || flipped[len(flipped)/2] < '0' {
		flipped[len(flipped)/2] = 'A'
	}

	for name, value := range map[string]string{
		"tampered byte":             string(flipped),
		"truncated":                 valid[:len(valid)-4],
		"appended":                  valid + "AAAA",
		"replayed old policy":       mustEncode(t, c, old),
		"expired":                   mustEncode(t, c, expired),
		"unknown regime":            mustEncode(t, c, future),
		"no consent id":             mustEncode(t, c, noID),
		"signed with another key":   mustEncode(t, other, shopChoice(other)),
		"oversized 5 KB":            strings.Repeat("A", 5<<10),
		"oversized valid prefix":    valid + strings.Repeat("A", 5<<10),
		"empty":                     "",
		"binary":                    "\x01\x02\x03\xff\xfe",
		"nul bytes":                 "MTc5\x00NTUz",
		"base64 of json":            "eyJpIjoiMSIsInYiOiIyMDI2LTAxIiwiciI6Im9wdC1pbiIsIm0iOiJhY2NlcHRfYWxsIiwidCI6MSwiZyI6WyJhZHZlcnRpc2luZyJdfQ==",
		"pipe-separated plain json": "1|{\"i\":\"1\"}|00",
	} {
		s := stateWithCookies(t, c, "http://shop.example/_consent", "consent="+value)
		if s.Decided || s.Categories[Advertising] || s.Categories[Analytics] {
			t.Errorf("%s: cookie taken as consent: %+v", name, s)
		}
	}
	if s := stateWithCookies(t, c, "http://shop.example/_consent", "consent="+valid); !s.Decided || !s.Categories[Advertising] {
		t.Fatalf("the valid cookie is not read: %+v", s)
	}
}

func TestAttackCookieFloods(t *testing.T) {
	c := newTestConsent(t, Options{})
	valid := mustEncode(t, c, shopChoice(c))
	var many []string
	for i := range 200 {
		many = append(many, "c"+strings.Repeat("x", i%7)+string(rune('a'+i%26))+"=v")
	}
	line := strings.Join(many, "; ")

	// 200 unrelated cookies: no choice, no error.
	if s := stateWithCookies(t, c, "http://shop.example/_consent", line); s.Decided {
		t.Errorf("200 unrelated cookies gave a choice: %+v", s)
	}
	// The valid one after 200 others is still found.
	if s := stateWithCookies(t, c, "http://shop.example/_consent", line+"; consent="+valid); !s.Decided {
		t.Errorf("a valid consent cookie after 200 others was not read")
	}
	// 200 consent cookies, all forged, then many header lines.
	forged := strings.Repeat("consent=AAAA; ", 200)
	lines := slices.Repeat([]string{forged}, 20)
	if s := stateWithCookies(t, c, "http://shop.example/_consent", lines...); s.Decided {
		t.Errorf("forged consent cookies gave a choice: %+v", s)
	}
	// A 64 KiB cookie header passes through a page request unharmed.
	r := httptest.NewRequest("GET", "http://shop.example/", nil)
	r.Header.Set("Cookie", strings.Repeat("z", 64<<10)+"=1; _ga=2")
	w := httptest.NewRecorder()
	c.Handler(htmlHandler("<p>x</p>", nil)).ServeHTTP(w, r)
	if w.Code != 200 {
		t.Errorf("a page with a 64 KiB cookie header: status %d", w.Code)
	}
}

// TestAttackDuplicateConsentCookies: two consent cookies in one request (a
// sibling subdomain or a path-scoped cookie can plant a second). Neither
// counts, in either order, whichever is valid: the browser does not say
// which one is ours (TestTwoConsentCookiesAreNoChoice).
func TestAttackDuplicateConsentCookies(t *testing.T) {
	c := newTestConsent(t, Options{})
	validCh := shopChoice(c)
	valid := mustEncode(t, c, validCh)
	rejectCh := shopChoice(c)
	rejectCh.ID = "ffffffffffffffffffffffffffffffff"
	rejectCh.Method, rejectCh.Granted = MethodRejectAll, []string{Necessary}
	rejected := mustEncode(t, c, rejectCh)
	forged := valid[:len(valid)-8] + "AAAAAAA="

	for _, tc := range []struct {
		name   string
		header string
	}{
		{"valid then forged", "consent=" + valid + "; consent=" + forged},
		{"forged then valid", "consent=" + forged + "; consent=" + valid},
		{"valid then garbage", "consent=" + valid + "; consent=x"},
		{"garbage then valid", "consent=x; consent=" + valid},
	} {
		if s := stateWithCookies(t, c, "http://shop.example/_consent", tc.header); s.Decided {
			t.Errorf("%s: two consent cookies gave a choice: %+v", tc.name, s)
		}
	}
	// Two valid cookies: no choice either, never one of them or a mix.
	if s := stateWithCookies(t, c, "http://shop.example/_consent", "consent="+rejected+"; consent="+valid); s.Decided || s.ID != "" {
		t.Errorf("two valid cookies gave a choice: %+v", s)
	}
}

// TestAttackHostPrefixCookies: on HTTPS without a cookie domain the consent
// cookie is __Host-consent; a plain "consent" cookie there could have been
// planted by a sibling subdomain or over HTTP and is not consent. Over HTTP
// a __Host- cookie is not ours either.
func TestAttackHostPrefixCookies(t *testing.T) {
	c := newTestConsent(t, Options{})
	valid := mustEncode(t, c, shopChoice(c))
	for _, tc := range []struct {
		name, target, header string
		decided              bool
	}{
		{"https, __Host- cookie", "https://shop.example/_consent", "__Host-consent=" + valid, true},
		{"https, plain cookie planted", "https://shop.example/_consent", "consent=" + valid, false},
		{"https, __Secure- cookie", "https://shop.example/_consent", "__Secure-consent=" + valid, false},
		{"https, lowercase __host- cookie", "https://shop.example/_consent", "__host-consent=" + valid, false},
		{"http, __Host- cookie", "http://shop.example/_consent", "__Host-consent=" + valid, false},
		{"http, plain cookie", "http://shop.example/_consent", "consent=" + valid, true},
		{"https, forged __Host- then plain valid", "https://shop.example/_consent", "__Host-consent=AAAA; consent=" + valid, false},
	} {
		if s := stateWithCookies(t, c, tc.target, tc.header); s.Decided != tc.decided {
			t.Errorf("%s: decided = %v, want %v", tc.name, s.Decided, tc.decided)
		}
	}
}

// TestAttackForgedCookieGetsNewID: posting a choice with a forged cookie
// that names someone else's consent id starts a new id; only a valid
// cookie keeps its id.
func TestAttackForgedCookieGetsNewID(t *testing.T) {
	c := newTestConsent(t, Options{})
	ch := shopChoice(c)
	valid := mustEncode(t, c, ch)
	for _, tc := range []struct {
		cookie string
		keep   bool
	}{
		{"consent=" + valid, true},
		{"consent=" + valid[:len(valid)-3] + "AA=", false},
	} {
		r := httptest.NewRequest("POST", "http://shop.example/_consent", strings.NewReader(`{"action":"reject_all"}`))
		r.Header.Set("Content-Type", "application/json")
		r.Header.Set("Cookie", tc.cookie)
		w := serve(c, r)
		if w.Code != 200 {
			t.Fatalf("status %d", w.Code)
		}
		if s := decodeState(t, w); (s.ID == ch.ID) != tc.keep {
			t.Errorf("cookie %.20q…: id %s kept=%v, want %v", tc.cookie, s.ID, s.ID == ch.ID, tc.keep)
		}
	}
}

// upstreamSeen records the request headers the upstream received.
func upstreamSeen(c *Consent, r *http.Request) http.Header {
	var seen http.Header
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen = r.Header.Clone()
		w.Header().Set("Content-Type", "text/plain")
		_, _ = w.Write([]byte("ok"))
	})
	c.Handler(h).ServeHTTP(httptest.NewRecorder(), r)
	return seen
}

func TestAttackClientConsentHeadersReplaced(t *testing.T) {
	c := newTestConsent(t, Options{})
	r := httptest.NewRequest("GET", "http://shop.example/api", nil)
	r.Header.Add("Consent-Categories", "advertising")
	r.Header.Add("Consent-Categories", "analytics, social")
	r.Header.Add("Consent-Signals", "none")
	seen := upstreamSeen(c, r)
	if got := seen.Values("Consent-Categories"); !slices.Equal(got, []string{"necessary"}) {
		t.Errorf("upstream saw Consent-Categories %q, want [necessary]", got)
	}
	if got := seen.Values("Consent-Signals"); len(got) != 0 {
		t.Errorf("upstream saw Consent-Signals %q from the client", got)
	}

	// With GPC on, the engine's own value, once.
	r = httptest.NewRequest("GET", "http://shop.example/api", nil)
	r.Header.Set("Sec-GPC", "1")
	r.Header.Add("Consent-Signals", "dnt")
	seen = upstreamSeen(c, r)
	if got := seen.Values("Consent-Signals"); !slices.Equal(got, []string{"gpc"}) {
		t.Errorf("upstream saw Consent-Signals %q, want [gpc]", got)
	}
}

// TestAttackUnderscoreConsentHeadersStripped: CGI, FastCGI (PHP-FPM, Caddy's
// own php_fastcgi) and WSGI gateways turn both "Consent-Categories" and
// "Consent_Categories" into HTTP_CONSENT_CATEGORIES, so a client-sent
// underscore spelling would override or shadow the engine's header in
// such a back end. It must be removed too.
func TestAttackUnderscoreConsentHeadersStripped(t *testing.T) {
	c := newTestConsent(t, Options{})
	r := httptest.NewRequest("GET", "http://shop.example/api", nil)
	r.Header["Consent_Categories"] = []string{"advertising"}
	r.Header["Consent_categories"] = []string{"advertising"}
	r.Header["Consent_signals"] = []string{"none"}
	seen := upstreamSeen(c, r)
	for k, v := range seen {
		norm := strings.ToLower(strings.ReplaceAll(k, "_", "-"))
		if (norm == "consent-categories" || norm == "consent-signals") && k != "Consent-Categories" && k != "Consent-Signals" {
			t.Errorf("upstream saw the client's %s: %q", k, v)
		}
	}
}

// setCookieAttrsOK reports whether a Set-Cookie value is one cookie with
// only the attributes an expiry may carry, no control characters.
func setCookieAttrsOK(v string) bool {
	if strings.ContainsFunc(v, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return false
	}
	parts := strings.Split(v, "; ")
	for _, a := range parts[1:] {
		k, _, _ := strings.Cut(a, "=")
		switch k {
		case "Path", "Domain", "Max-Age", "Expires", "Secure", "HttpOnly", "SameSite":
		default:
			return false
		}
	}
	return true
}

func TestAttackRefusedCookieExpiryNames(t *testing.T) {
	c := newTestConsent(t, Options{})
	for _, tc := range []struct{ host, cookie string }{
		{"shop.example", `_ga_a"b=1; _ga_<script>=1; _ga_é=1; _ga_a,b=1; _ga_x y=1; _ga_ok=1; _fbp=1`},
		{"shop.example", "_ga_\x01\x7f=1; _ga_;Domain=evil.example=1; _ga_=1; _ga\t=1; =_ga; _ga"},
		{"shop.example", "_ga_a\r\nSet-Cookie: consent=forged=1; _ga_b\nX-Evil: 1=1"},
		{"a.b;c.d.example", "_ga=1"},
		{"shop.example:8443", "_ga=1"},
		{"[::1]:8080", "_ga=1"},
		{"127.0.0.1", "_ga=1"},
		{"x.Domain=evil.example", "_ga=1"},
	} {
		r := httptest.NewRequest("POST", "http://"+tc.host+"/_consent", strings.NewReader(`{"action":"reject_all"}`))
		r.Host = tc.host
		r.Header.Set("Content-Type", "application/json")
		r.Header.Set("Cookie", tc.cookie)
		w := serve(c, r)
		if w.Code != 200 {
			t.Errorf("host %q cookies %q: status %d", tc.host, tc.cookie, w.Code)
			continue
		}
		for _, v := range w.Header().Values("Set-Cookie") {
			if !setCookieAttrsOK(v) {
				t.Errorf("host %q cookies %q: broken Set-Cookie %q", tc.host, tc.cookie, v)
			}
			ck, err := http.ParseSetCookie(v)
			if err != nil {
				t.Errorf("host %q: Set-Cookie %q does not parse: %v", tc.host, v, err)
				continue
			}
			if ck.Name == "consent" || ck.Name == "__Host-consent" {
				continue
			}
			if ck.MaxAge >= 0 {
				t.Errorf("host %q: Set-Cookie %q is not an expiry", tc.host, v)
			}
			if strings.Contains(strings.ToLower(ck.Domain), "evil") {
				t.Errorf("host %q: Set-Cookie %q names a foreign domain", tc.host, v)
			}
		}
	}
}

// TestAttackConditionalTagsCannotBeForged: an If-None-Match carrying a made
// up consent-state tag never reaches the upstream as a bare match, so the
// upstream cannot answer 304 for a page rendered for another state.
func TestAttackConditionalTagsCannotBeForged(t *testing.T) {
	c := newTestConsent(t, Options{})
	r := httptest.NewRequest("GET", "http://shop.example/", nil)
	r.Header.Set("If-None-Match", `"v1-cs0123456789abcdef", W/"v1-csffffffffffffffff"`)
	r.Header.Set("If-Modified-Since", "Mon, 01 Jan 2024 00:00:00 GMT")
	seen := upstreamSeen(c, r)
	if v := seen.Get("If-None-Match"); v != "" {
		t.Errorf("upstream saw If-None-Match %q for forged state tags", v)
	}
	if v := seen.Get("If-Modified-Since"); v != "" {
		t.Errorf("upstream saw If-Modified-Since %q beside forged state tags", v)
	}
}

// TestAttackHostileHostWritesNoLog: the request's Host header chooses the
// Domain attributes of the expiry Set-Cookies; a Host that is not a valid
// cookie domain must be left out quietly, not handed to http.Cookie.String,
// which prints the attacker's text to the process's standard logger on
// every request (log flooding through Caddy's stderr).
func TestAttackHostileHostWritesNoLog(t *testing.T) {
	var buf bytes.Buffer
	prevOut, prevFlags := log.Writer(), log.Flags()
	log.SetOutput(&buf)
	t.Cleanup(func() { log.SetOutput(prevOut); log.SetFlags(prevFlags) })

	c := newTestConsent(t, Options{})
	for _, host := range []string{"a.b;c.d.example", "x.Domain=evil.example", "a.b!c.d.example"} {
		r := httptest.NewRequest("POST", "http://shop.example/_consent", strings.NewReader(`{"action":"reject_all"}`))
		r.Host = host
		r.Header.Set("Content-Type", "application/json")
		r.Header.Set("Cookie", "_ga=1")
		serve(c, r)
	}
	if buf.Len() != 0 {
		t.Errorf("hostile Host headers wrote to the standard logger:\n%s", buf.String())
	}
}
