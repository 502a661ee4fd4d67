package sdk

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// gatewayPage loads Google's tag from a first-party tag gateway path.
const gatewayPage = `<!doctype html><html><head><title>t</title>` +
	`<script async src="/metrics/gtag/js?id=G-1"></script>` +
	`<script src="https://example.com/metrics/other.js"></script>` +
	`<script src="/app.js"></script></head><body>hi</body></html>`

func gatewayConsent(t *testing.T) *Consent {
	t.Helper()
	return newTestConsent(t, Options{Categories: []Category{{Key: Analytics, Paths: []string{"/metrics/"}}}})
}

// TestTagPathsNeutralisedInPage: a tag on a first-party path of a refused
// category is neutralised like one on a catalogued host, the guard's table
// lists the prefix, the inventory records it, and a granted visitor gets
// the page as it came.
func TestTagPathsNeutralisedInPage(t *testing.T) {
	c := gatewayConsent(t)
	w := httptest.NewRecorder()
	c.Handler(htmlHandler(gatewayPage, map[string]string{"Link": "</metrics/gtag/js?id=G-1>; rel=preload; as=script, </app.css>; rel=preload; as=style"})).
		ServeHTTP(w, httptest.NewRequest("GET", "http://example.com/shop/page", nil))
	body := w.Body.String()
	for _, want := range []string{
		`type="text/plain" data-category="analytics" async data-src="/metrics/gtag/js?id=G-1"`,
		`data-src="https://example.com/metrics/other.js"`, `<script src="/app.js"></script>`,
		`"analytics":[`, `"/metrics/"`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %q:\n%s", want, body)
		}
	}
	if got := w.Header().Get("Link"); got != "</app.css>; rel=preload; as=style" {
		t.Errorf("Link = %q, want only the first-party stylesheet", got)
	}
	it := item(t, c.Inventory().Snapshot(), KindHost, "example.com/metrics/")
	if it.Category != Analytics {
		t.Errorf("inventory category = %q, want analytics", it.Category)
	}

	r := httptest.NewRequest("GET", "http://example.com/shop/page", nil)
	r.AddCookie(cookieFor(t, c, acceptAllChoice(c)))
	w = httptest.NewRecorder()
	c.Handler(htmlHandler(gatewayPage, nil)).ServeHTTP(w, r)
	if !strings.Contains(w.Body.String(), `<script async src="/metrics/gtag/js?id=G-1"></script>`) {
		t.Errorf("granted: the gateway tag was changed:\n%s", w.Body.String())
	}
}

// TestTagPathsRefusedAtTheEdge: the proxy itself refuses requests for a
// refused category's tag paths, in every spelling a server could route to
// the gateway, and passes them once the category is granted.
func TestTagPathsRefusedAtTheEdge(t *testing.T) {
	c := gatewayConsent(t)
	upstream := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/javascript")
		_, _ = w.Write([]byte("tag()"))
	})
	for _, target := range []string{"/metrics/gtag/js?id=G-1", "/%6detrics/gtag/js", "/x/../metrics/g", "/metrics%2Fg", "/x/%2e%2e/metrics/g"} {
		w := httptest.NewRecorder()
		c.Handler(upstream).ServeHTTP(w, httptest.NewRequest("GET", "http://example.com"+target, nil))
		if w.Code != http.StatusForbidden || w.Header().Get("Cache-Control") != "no-store" || strings.Contains(w.Body.String(), "tag()") {
			t.Errorf("%s before consent: %d %q %q, want 403 no-store", target, w.Code, w.Header().Get("Cache-Control"), w.Body.String())
		}
		r := httptest.NewRequest("GET", "http://example.com"+target, nil)
		r.AddCookie(cookieFor(t, c, acceptAllChoice(c)))
		w = httptest.NewRecorder()
		c.Handler(upstream).ServeHTTP(w, r)
		if w.Code != http.StatusOK || w.Body.String() != "tag()" {
			t.Errorf("%s granted: %d %q, want the upstream's answer", target, w.Code, w.Body.String())
		}
	}
	for _, target := range []string{"/Metrics/x", "/metricsx", "/app.js", "/"} {
		w := httptest.NewRecorder()
		c.Handler(upstream).ServeHTTP(w, httptest.NewRequest("GET", "http://example.com"+target, nil))
		if w.Code != http.StatusOK {
			t.Errorf("%s: %d, want the upstream's answer", target, w.Code)
		}
	}
}

// TestCategoryPathsValidated: a path prefix must start with '/' and name
// a path; the necessary category names none.
func TestCategoryPathsValidated(t *testing.T) {
	for _, c := range []struct {
		cat  Category
		want string
	}{
		{Category{Key: Analytics, Paths: []string{"metrics/"}}, `path "metrics/": must start with '/'`},
		{Category{Key: Analytics, Paths: []string{"/"}}, `every path`},
		{Category{Key: Analytics, Paths: []string{"/m?x"}}, `no query`},
		{Category{Key: Analytics, Paths: []string{"https://example.com/m/"}}, `must start with '/'`},
		{Category{Key: Necessary, Paths: []string{"/n/"}}, `necessary category is never refused`},
	} {
		_, err := New(Options{Categories: []Category{c.cat}})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: err = %v, want %q", c.cat.Paths, err, c.want)
		}
	}
}
