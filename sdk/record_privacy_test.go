package sdk

import (
	"net/http/httptest"
	"strings"
	"testing"
	"unicode/utf8"
)

// recordFor builds the consent-log record of a reject-all choice made
// on req.
func recordFor(t *testing.T, c *Consent, ua, referer string) (browser, os, path string) {
	t.Helper()
	r := httptest.NewRequest("POST", "https://example.com/consent", nil)
	r.Header.Set("User-Agent", ua)
	if referer != "" {
		r.Header.Set("Referer", referer)
	}
	ch := &choice{ID: "0123456789abcdef0123456789abcdef", Version: c.opts.PolicyVersion, Regime: RegimeOptIn,
		Method: MethodRejectAll, Granted: []string{Necessary}}
	s := &State{Categories: map[string]bool{Necessary: true}}
	rec := c.record(r, ch, nil, s, "banner", "")
	return rec.Browser, rec.OS, rec.PagePath
}

// useragent.Parse returns an unrecognised User-Agent whole as its Name; the
// record must keep a known family or "other", never the raw header.
func TestRecordKeepsNoRawUserAgent(t *testing.T) {
	c := newTestConsent(t, Options{})
	for _, ua := range []string{"john.doe@example.com", "Alice's iPhone/17.1 CFNetwork/1490 Darwin/23.2.0"} {
		browser, _, _ := recordFor(t, c, ua, "")
		if strings.Contains(browser, "john.doe") || strings.Contains(browser, "Alice") {
			t.Errorf("User-Agent %q logged as browser %q: the raw header, not a family", ua, browser)
		}
	}
}

// A page path from a Referer with percent-encoded bytes or cut at the
// length cap must still be UTF-8, which PostgreSQL insists on.
func TestRecordPagePathIsUTF8(t *testing.T) {
	c := newTestConsent(t, Options{})
	for _, ref := range []string{"https://example.com/%ff", "https://example.com/" + strings.Repeat("a", 510) + "é"} {
		_, _, path := recordFor(t, c, "Mozilla/5.0", ref)
		if !utf8.ValidString(path) {
			t.Errorf("Referer %.40q… gives page path %.40q… that is not UTF-8", ref, path)
		}
	}
}

func TestCleanText(t *testing.T) {
	for _, tc := range []struct {
		in   string
		n    int
		want string
	}{
		{"shop.example", 64, "shop.example"},
		{"a\x00b\x1fc\x7f", 64, "abc"},
		{"bad\xffutf8", 64, "badutf8"},
		{"ééé", 3, "é"}, // cut on a character boundary
		{"/caf%C3%A9", 64, "/caf%C3%A9"},
	} {
		if got := clean(tc.in, tc.n); got != tc.want {
			t.Errorf("clean(%q, %d) = %q, want %q", tc.in, tc.n, got, tc.want)
		}
	}
}
