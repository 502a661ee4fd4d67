package sdk

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestCSPNonces(t *testing.T) {
	cases := []struct {
		name          string
		policies      []string
		script, style string
	}{
		{"none", nil, "", ""},
		{"script-src nonce", []string{"script-src 'self' 'nonce-abc123'"}, "abc123", ""},
		{"default-src fallback", []string{"default-src 'self' 'nonce-Zz9+/='"}, "Zz9+/=", "Zz9+/="},
		{"script-src wins over default", []string{"default-src 'nonce-d'; script-src 'nonce-s'"}, "s", "d"},
		{"style nonce", []string{"script-src 'self'; style-src 'nonce-st'"}, "", "st"},
		{"elem directive", []string{"script-src-elem 'nonce-e'; script-src 'nonce-s'"}, "e", ""},
		{"two policies agree", []string{"script-src 'nonce-a'", "script-src 'nonce-b' 'nonce-a'"}, "a", ""},
		{"two policies disagree", []string{"script-src 'nonce-a'", "script-src 'nonce-b'"}, "", ""},
		{"unrestricted policy ignored", []string{"img-src 'self'", "script-src 'nonce-a'"}, "a", ""},
		{"quote injection refused", []string{`script-src 'nonce-a"onload=x'`}, "", ""},
		{"uppercase directive", []string{"SCRIPT-SRC 'nonce-u'"}, "u", ""},
	}
	for _, tc := range cases {
		h := http.Header{}
		for _, p := range tc.policies {
			h.Add("Content-Security-Policy", p)
		}
		script, style := cspNonces(cspPolicies(h))
		if script != tc.script || style != tc.style {
			t.Errorf("%s: nonces (%q, %q), want (%q, %q)", tc.name, script, style, tc.script, tc.style)
		}
	}
}

func TestInjectedScriptsCarryNonce(t *testing.T) {
	c := newTestConsent(t, Options{})
	w := httptest.NewRecorder()
	h := htmlHandler(trackedPage, map[string]string{"Content-Security-Policy": "script-src 'nonce-r4nd0m' 'strict-dynamic'; style-src 'self'"})
	c.Handler(h).ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
	body := w.Body.String()
	if n := strings.Count(body, `nonce="r4nd0m"`); n != 4 {
		t.Errorf("%d injected elements carry the nonce, want 4 (guard, Consent Mode script, configuration, banner script):\n%s", n, body)
	}
	if !strings.Contains(body, `<script nonce="r4nd0m">window.dataLayer`) || !strings.Contains(body, `nonce="r4nd0m" defer></script>`) {
		t.Errorf("nonce not on the injected scripts:\n%s", body)
	}
}
