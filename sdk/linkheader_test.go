package sdk

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
)

func TestRefusedLinkHeadersDropped(t *testing.T) {
	c := newTestConsent(t, Options{})
	var early http.Header
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Link", "<https://www.googletagmanager.com/gtm.js?id=X>; rel=preload; as=script")
		w.WriteHeader(http.StatusEarlyHints)
		early = w.Header().Clone()
		w.Header()["Link"] = []string{
			`</site.css>; rel=preload; as=style, <https://connect.facebook.net/en_US/fbevents.js>; rel=preload; as=script`,
			`<https://fonts.example.com>; rel=preconnect; title="a, <b>"`,
			`<//stats.g.doubleclick.net>; rel=dns-prefetch`,
		}
		w.Header().Set("Content-Type", "image/gif")
		_, _ = w.Write([]byte("GIF89a"))
	})
	w := httptest.NewRecorder()
	c.Handler(h).ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
	if got := early.Values("Link"); len(got) != 0 {
		t.Errorf("103 Early Hints kept %q", got)
	}
	want := []string{`</site.css>; rel=preload; as=style`, `<https://fonts.example.com>; rel=preconnect; title="a, <b>"`}
	if got := w.Header().Values("Link"); !slices.Equal(got, want) {
		t.Errorf("Link = %q, want %q", got, want)
	}

	// With everything granted the headers are left exactly as they were.
	r := httptest.NewRequest("GET", "/", nil)
	ch := acceptAllChoice(c)
	ch.Granted = []string{Necessary, Preferences, Analytics, Advertising, Social}
	r.AddCookie(cookieFor(t, c, ch))
	w = httptest.NewRecorder()
	c.Handler(h).ServeHTTP(w, r)
	if got := w.Header().Values("Link"); len(got) != 3 || len(early.Values("Link")) != 1 {
		t.Errorf("granted visitor's Link headers changed: %q, early %q", got, early.Values("Link"))
	}
}
