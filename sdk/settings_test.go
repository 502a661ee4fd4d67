package sdk

import (
	"net/http/httptest"
	"strings"
	"testing"
)

// TestSettingsPageReturnsToThePage: the declaration page, the no-JavaScript
// preference page, posts back to where the visitor came from: the return
// path the no-JavaScript form's Customise sends, else a same-site Referer
// (a "Cookie settings" link); never another site, never a URL that is not
// a path.
func TestSettingsPageReturnsToThePage(t *testing.T) {
	c := newTestConsent(t, Options{})
	for _, tc := range []struct {
		name, target, referer, want string
	}{
		{"return", "/_consent/cookies?return=%2Fshop%3Fq%3D1", "", "/shop?q=1"},
		{"return beats referer", "/_consent/cookies?return=%2Fa", "http://shop.example/b", "/a"},
		{"referer", "/_consent/cookies", "http://shop.example/blog/post?id=2", "/blog/post?id=2"},
		{"referer on another site", "/_consent/cookies", "http://evil.example/x", "/_consent/cookies"},
		{"referer on another port", "/_consent/cookies", "http://shop.example:8443/x", "/_consent/cookies"},
		{"referer not http", "/_consent/cookies", "ftp://shop.example/x", "/_consent/cookies"},
		{"the page itself", "/_consent/cookies", "http://shop.example/_consent/cookies", "/_consent/cookies"},
		{"none", "/_consent/cookies", "", "/_consent/cookies"},
		{"absolute return", "/_consent/cookies?return=https://evil.example/", "", "/"},
		{"protocol-relative return", "/_consent/cookies?return=//evil.example/", "", "/"},
		{"backslash return", "/_consent/cookies?return=/%5Cevil.example", "", "/"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "http://shop.example"+tc.target, nil)
			if tc.referer != "" {
				r.Header.Set("Referer", tc.referer)
			}
			body := serve(c, r).Body.String()
			want := `<input type="hidden" name="return" value="` + strings.ReplaceAll(tc.want, "&", "&amp;") + `">`
			if !strings.Contains(body, want) {
				i := strings.Index(body, `name="return"`)
				t.Errorf("want %s; page has %s", want, body[max(0, i-30):min(len(body), i+80)])
			}
		})
	}
}

// TestNoJSFormCustomises: the no-JavaScript form's third button goes, by
// GET, to the declaration page, taking the return path with it.
func TestNoJSFormCustomises(t *testing.T) {
	c := newTestConsent(t, Options{})
	r := httptest.NewRequest("GET", "/shop", nil)
	r.Header.Set("Accept", "text/html")
	w := httptest.NewRecorder()
	c.Handler(htmlHandler(`<html><head></head><body><p>hi</p></body></html>`, nil)).ServeHTTP(w, r)
	page := w.Body.String()
	for _, want := range []string{
		`<button type="submit" formmethod="get" formaction="/_consent/cookies">Customise</button>`,
		`<input type="hidden" name="return" value="/shop">`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %s:\n%s", want, page)
		}
	}
}
