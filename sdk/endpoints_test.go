package sdk

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

func serve(c *Consent, r *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	c.Handler(http.NotFoundHandler()).ServeHTTP(w, r)
	return w
}

func decodeState(t *testing.T, w *httptest.ResponseRecorder) State {
	t.Helper()
	var s State
	if err := json.Unmarshal(w.Body.Bytes(), &s); err != nil {
		t.Fatalf("body %q is not a state: %v", w.Body.String(), err)
	}
	return s
}

func TestGetStateBeforeChoice(t *testing.T) {
	c := newTestConsent(t, Options{PolicyVersion: "2022-08"})
	r := httptest.NewRequest("GET", "/_consent", nil)
	r.Header.Set("Sec-GPC", "1")
	w := serve(c, r)
	if w.Code != 200 || w.Header().Get("Content-Type") != "application/json" {
		t.Fatalf("GET /_consent: %d %q", w.Code, w.Header().Get("Content-Type"))
	}
	s := decodeState(t, w)
	want := map[string]bool{Necessary: true, Preferences: false, Analytics: false, Advertising: false, Social: false}
	if s.Decided || s.Method != "" || s.Time != "" || s.Version != "2022-08" || s.Regime != RegimeOptIn || !s.Signals.GPC {
		t.Errorf("state = %+v", s)
	}
	for k, v := range want {
		if s.Categories[k] != v {
			t.Errorf("categories[%s] = %v, want %v", k, s.Categories[k], v)
		}
	}
	// The JSON has exactly the fields State documents (GET /_consent).
	var raw map[string]json.RawMessage
	_ = json.Unmarshal(w.Body.Bytes(), &raw)
	for _, f := range []string{"id", "version", "regime", "decided", "method", "time", "categories", "signals"} {
		if _, ok := raw[f]; !ok {
			t.Errorf("state JSON lacks %q", f)
		}
	}
	if len(raw) != 8 {
		t.Errorf("state JSON has %d fields, want 8: %s", len(raw), w.Body.String())
	}
}

func post(c *Consent, contentType, body string, hdr map[string]string) *httptest.ResponseRecorder {
	r := httptest.NewRequest("POST", "http://shop.example/_consent", strings.NewReader(body))
	r.Header.Set("Content-Type", contentType)
	for k, v := range hdr {
		r.Header.Set(k, v)
	}
	return serve(c, r)
}

func TestPostChoice(t *testing.T) {
	c := newTestConsent(t, Options{})
	sameSite := map[string]string{"Origin": "http://shop.example", "Sec-Fetch-Site": "same-origin"}
	cases := []struct {
		name, ctype, body string
		granted           []string
	}{
		{"json accept", "application/json", `{"action":"accept_all"}`, []string{Advertising, Analytics, Necessary, Preferences, Social}},
		{"json reject", "application/json", `{"action":"reject_all"}`, []string{Necessary}},
		{"json custom", "application/json", `{"action":"custom","categories":["analytics"]}`, []string{Analytics, Necessary}},
		{"json custom dup", "application/json", `{"action":"custom","categories":["analytics","analytics","necessary"]}`, []string{Analytics, Necessary}},
		{"form custom", "application/x-www-form-urlencoded", "action=custom&categories=social&categories=preferences", []string{Necessary, Preferences, Social}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			hdr := map[string]string{"Accept": "application/json"}
			for k, v := range sameSite {
				hdr[k] = v
			}
			w := post(c, tc.ctype, tc.body, hdr)
			if w.Code != 200 {
				t.Fatalf("status %d: %s", w.Code, w.Body.String())
			}
			s := decodeState(t, w)
			if got := strings.Join(s.Granted(), ","); got != strings.Join(tc.granted, ",") {
				t.Errorf("granted %s, want %v", got, tc.granted)
			}
			if !s.Decided || len(s.ID) != 32 || s.Time == "" {
				t.Errorf("state %+v: want decided with a 128-bit id and a time", s)
			}
			res := w.Result()
			var ck *http.Cookie
			for _, k := range res.Cookies() {
				if k.Name == "consent" {
					ck = k
				}
			}
			if ck == nil || !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.Path != "/" || ck.MaxAge != 180*24*3600 {
				t.Fatalf("consent cookie = %+v", ck)
			}
			// The cookie carries the same choice back, on the site it was made on.
			r := httptest.NewRequest("GET", "http://shop.example/_consent", nil)
			r.AddCookie(ck)
			again := decodeState(t, serve(c, r))
			if again.ID != s.ID || strings.Join(again.Granted(), ",") != strings.Join(s.Granted(), ",") {
				t.Errorf("state from cookie %+v, want %+v", again, s)
			}
		})
	}
}

func TestPostRefusesCrossSite(t *testing.T) {
	c := newTestConsent(t, Options{})
	for name, hdr := range map[string]map[string]string{
		"foreign origin":      {"Origin": "https://evil.example"},
		"null origin":         {"Origin": "null"},
		"sec-fetch cross":     {"Sec-Fetch-Site": "cross-site"},
		"sec-fetch same-site": {"Sec-Fetch-Site": "same-site", "Origin": "http://shop.example"},
	} {
		w := post(c, "application/json", `{"action":"accept_all"}`, hdr)
		if w.Code != http.StatusForbidden {
			t.Errorf("%s: status %d, want 403", name, w.Code)
		}
		if len(w.Result().Cookies()) != 0 {
			t.Errorf("%s: a refused post set a cookie", name)
		}
	}
}

func TestPostBadInput(t *testing.T) {
	c := newTestConsent(t, Options{})
	for name, tc := range map[string][2]string{
		"unknown action":   {"application/json", `{"action":"accept_some"}`},
		"unknown category": {"application/json", `{"action":"custom","categories":["telemetry"]}`},
		"not json":         {"application/json", `{"action":`},
		"trailing":         {"application/json", `{"action":"accept_all"}{"action":"reject_all"}`},
		"oversized":        {"application/json", `{"action":"custom","categories":["` + strings.Repeat("a", 10000) + `"]}`},
		"text":             {"text/plain", `action=accept_all`},
		"repeated action":  {"application/x-www-form-urlencoded", "action=reject_all&action=accept_all"},
	} {
		w := post(c, tc[0], tc[1], nil)
		if w.Code != http.StatusBadRequest {
			t.Errorf("%s: status %d, want 400 (%s)", name, w.Code, w.Body.String())
		}
		if len(w.Result().Cookies()) != 0 {
			t.Errorf("%s: a bad post set a cookie", name)
		}
	}
}

func TestFormPostRedirectsToSafeReturn(t *testing.T) {
	c := newTestConsent(t, Options{})
	for ret, want := range map[string]string{
		"/product.html?x=1#top": "/product.html?x=1#top",
		"":                      "/",
		"https://evil.example/": "/",
		"//evil.example/":       "/",
		"/\\evil.example":       "/",
		"javascript:alert(1)":   "/",
	} {
		form := url.Values{"action": {"reject_all"}, "return": {ret}}.Encode()
		w := post(c, "application/x-www-form-urlencoded", form, nil)
		if w.Code != http.StatusSeeOther || w.Header().Get("Location") != want {
			t.Errorf("return %q: %d to %q, want 303 to %q", ret, w.Code, w.Header().Get("Location"), want)
		}
	}
}

func TestWithdrawalExpiresRefusedCookies(t *testing.T) {
	c := newTestConsent(t, Options{})
	r := httptest.NewRequest("POST", "/_consent", strings.NewReader(`{"action":"reject_all"}`))
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("Cookie", "_ga=GA1.1; _ga_ABC=1; session=keep; _fbp=fb")
	w := serve(c, r)
	expired := map[string]bool{}
	for _, k := range w.Result().Cookies() {
		if k.MaxAge < 0 {
			expired[k.Name] = true
		}
	}
	for _, name := range []string{"_ga", "_ga_ABC", "_fbp"} {
		if !expired[name] {
			t.Errorf("withdrawal did not expire %s", name)
		}
	}
	if expired["session"] {
		t.Errorf("withdrawal expired an uncatalogued cookie")
	}
}

func TestGPCWellKnown(t *testing.T) {
	c := newTestConsent(t, Options{GPCLastUpdate: "2026-01-15"})
	w := serve(c, httptest.NewRequest("GET", "/.well-known/gpc.json", nil))
	if w.Code != 200 || w.Header().Get("Content-Type") != "application/json" {
		t.Fatalf("%d %q", w.Code, w.Header().Get("Content-Type"))
	}
	var v struct {
		GPC        *bool  `json:"gpc"`
		LastUpdate string `json:"lastUpdate"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &v); err != nil || v.GPC == nil || !*v.GPC || v.LastUpdate != "2026-01-15" {
		t.Errorf("gpc.json = %s", w.Body.String())
	}
}

func TestMultipartFormPost(t *testing.T) {
	c := newTestConsent(t, Options{})
	body := "--b\r\nContent-Disposition: form-data; name=\"action\"\r\n\r\ncustom\r\n" +
		"--b\r\nContent-Disposition: form-data; name=\"categories\"\r\n\r\nanalytics\r\n--b--\r\n"
	w := post(c, "multipart/form-data; boundary=b", body, map[string]string{"Accept": "application/json"})
	if w.Code != 200 {
		t.Fatalf("status %d: %s", w.Code, w.Body.String())
	}
	if s := decodeState(t, w); strings.Join(s.Granted(), ",") != "analytics,necessary" {
		t.Errorf("granted %v", s.Granted())
	}
}

func TestPrefixMustBeAPlainPath(t *testing.T) {
	for _, p := range []string{"/_consent", "/a/b-c_d.e"} {
		if _, err := New(Options{Prefix: p}); err != nil {
			t.Errorf("prefix %q refused: %v", p, err)
		}
	}
	for _, p := range []string{"//cdn.example", "/x\"onload=y", "/a/", "consent", "/", "/a b", "/a//b"} {
		if _, err := New(Options{Prefix: p}); err == nil {
			t.Errorf("prefix %q accepted", p)
		}
	}
}

func TestInvalidCookieNameGetsNoEmptySetCookie(t *testing.T) {
	c := newTestConsent(t, Options{})
	r := httptest.NewRequest("POST", "/_consent", strings.NewReader(`{"action":"reject_all"}`))
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("Cookie", "_ga_a b=1; _ga=2")
	w := serve(c, r)
	for _, v := range w.Header().Values("Set-Cookie") {
		if strings.TrimSpace(v) == "" {
			t.Fatalf("an empty Set-Cookie header was sent: %q", w.Header().Values("Set-Cookie"))
		}
	}
}
