package sdk

import (
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"

	"github.com/consentry/consentry/sdk/rewrite"
)

// metricsObserver records what the engine tells it.
type metricsObserver struct {
	mu      sync.Mutex
	pages   []map[string]int
	dropped map[string]int // where + " " + category → n
	calls   int            // CookiesDropped calls
}

func (o *metricsObserver) Decision(Method, Regime, []string, []string) {}

func (o *metricsObserver) PageRewritten(n map[string]int) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.pages = append(o.pages, maps.Clone(n))
}

func (o *metricsObserver) CookiesDropped(category, where string, n int) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.dropped == nil {
		o.dropped = map[string]int{}
	}
	o.dropped[where+" "+category] += n
	o.calls++
}

// setCookieHandler answers with the given Content-Type and Set-Cookie
// lines and a small body.
func setCookieHandler(contentType string, cookies ...string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", contentType)
		w.Header()["Set-Cookie"] = cookies
		_, _ = w.Write([]byte(`{}`))
	})
}

func TestInventorySetCookies(t *testing.T) {
	c := newTestConsent(t, Options{Categories: []Category{{Key: Necessary, Cookies: []string{"session", "csrf_*"}}}})
	r := httptest.NewRequest("GET", "http://Shop.Example:8443/api", nil)
	c.Handler(setCookieHandler("application/json",
		"_ga=GA1.1; Path=/", "mystery=1; Path=/", "_ga_ABC=x", "session=s", "csrf_t=1", "consent=x", " test_cookie=1")).
		ServeHTTP(httptest.NewRecorder(), r)
	// A response that writes nothing still has its cookies seen.
	c.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Add("Set-Cookie", "_fbp=fb.1; Path=/")
	})).ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "http://blog.example/", nil))

	rep := c.Inventory().Snapshot()
	want := []struct {
		name, category, vendor string
		site                   string
	}{
		{"_fbp", Advertising, "Meta Pixel and Facebook", "blog.example"},
		{"_ga", Analytics, "Google Analytics", "shop.example"},
		{"_ga_ABC", Analytics, "Google Analytics", "shop.example"},
		{"consent", Necessary, "", "shop.example"},
		{"csrf_t", Necessary, "", "shop.example"},
		{"mystery", "", "", "shop.example"},
		{"session", Necessary, "", "shop.example"},
		// Google's test_cookie is a third-party cookie of its domain:
		// the site's own cookie of that name is not Google's.
		{"test_cookie", "", "", "shop.example"},
	}
	var names []string
	for _, w := range want {
		names = append(names, "cookie:"+w.name)
		it := item(t, rep, KindCookie, w.name)
		if it.Category != w.category || it.Vendor != w.vendor || it.Catalogued != (w.category != "") ||
			it.Count != 1 || !slices.Equal(it.Sites, []string{w.site}) {
			t.Errorf("%s = %+v, want category %q vendor %q site %q", w.name, it, w.category, w.vendor, w.site)
		}
	}
	if got := itemNames(rep); !slices.Equal(got, names) {
		t.Errorf("items = %v, want %v", got, names)
	}
}

// TestInventorySetCookiesBeforeDrop checks that cookies the visitor
// refused are recorded although they never reach the browser.
func TestInventorySetCookiesBeforeDrop(t *testing.T) {
	c := newTestConsent(t, Options{})
	w := httptest.NewRecorder()
	c.Handler(setCookieHandler("text/html", "_ga=1", "_gid=2", "keep=3")).ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
	if got := w.Header()["Set-Cookie"]; !slices.Equal(got, []string{"keep=3"}) {
		t.Fatalf("Set-Cookie = %q, want only keep=3", got)
	}
	rep := c.Inventory().Snapshot()
	if got, want := itemNames(rep), []string{"cookie:_ga", "cookie:_gid", "cookie:keep"}; !slices.Equal(got, want) {
		t.Errorf("items = %v, want %v", got, want)
	}
}

const inventoryPage = `<!doctype html><html><head>` +
	`<script src="https://www.googletagmanager.com/gtag/js?id=G-1" async></script>` +
	`<script src="https://cdn.unknown-tracker.example/t.js"></script>` +
	`<script src="https://www.example.com/own.js"></script>` +
	`<link rel="stylesheet" href="//static.example.com/site.css">` +
	`<link rel="stylesheet" href="https://example.com/root.css">` +
	`<link rel="stylesheet" href="https://assets.cdn-shared.example/x.css">` +
	`<script>var px = "https://px.inline-only.example/p.gif";</script>` +
	`</head><body><img src="/local.png"><img src="https://www.facebook.com/tr?id=1">` +
	`<iframe src="https://www.youtube.com/embed/x"></iframe></body></html>`

func TestInventoryPageHosts(t *testing.T) {
	c := newTestConsent(t, Options{CookieDomain: ".cdn-shared.example"})
	r := httptest.NewRequest("GET", "http://www.example.com:8080/", nil)
	c.Handler(htmlHandler(inventoryPage, nil)).ServeHTTP(httptest.NewRecorder(), r)
	c.Handler(htmlHandler(inventoryPage, nil)).ServeHTTP(httptest.NewRecorder(), r)

	rep := c.Inventory().Snapshot()
	want := []struct{ host, category, vendor string }{
		{"cdn.unknown-tracker.example", "", ""},
		// px.inline-only.example is only named in a script's text and no
		// category claims it: not listed (rewrite.Writer.FetchedHost).
		{"www.facebook.com", Advertising, "Meta Pixel and Facebook"},
		{"www.googletagmanager.com", Analytics, "Google Tag Manager"},
		{"www.youtube.com", "", ""}, // vendor and category checked below
	}
	var names []string
	for _, w := range want {
		names = append(names, "host:"+w.host)
		it := item(t, rep, KindHost, w.host)
		if w.host != "www.youtube.com" && (it.Category != w.category || it.Vendor != w.vendor || it.Catalogued != (w.category != "")) {
			t.Errorf("%s = %+v, want category %q vendor %q", w.host, it, w.category, w.vendor)
		}
		if it.Count != 2 || !slices.Equal(it.Sites, []string{"www.example.com"}) {
			t.Errorf("%s count %d sites %q, want 2 on www.example.com", w.host, it.Count, it.Sites)
		}
	}
	if yt := item(t, rep, KindHost, "www.youtube.com"); !yt.Catalogued || yt.Vendor == "" {
		t.Errorf("youtube = %+v, want catalogued with a vendor", yt)
	}
	if got := itemNames(rep); !slices.Equal(got, names) {
		t.Errorf("items = %v, want %v (no first-party host)", got, names)
	}
}

// TestInventoryPageHostsGranted checks that hosts are recorded whatever
// the visitor granted: the rewriter looks at them either way.
func TestInventoryPageHostsGranted(t *testing.T) {
	c := newTestConsent(t, Options{})
	r := httptest.NewRequest("GET", "http://shop.example/", nil)
	r.AddCookie(cookieFor(t, c, acceptAllChoice(c)))
	c.Handler(htmlHandler(inventoryPage, nil)).ServeHTTP(httptest.NewRecorder(), r)
	rep := c.Inventory().Snapshot()
	for _, h := range []string{"www.googletagmanager.com", "cdn.unknown-tracker.example", "www.example.com", "example.com"} {
		item(t, rep, KindHost, h) // another site's hosts, for a page of shop.example
	}
}

func TestThirdParty(t *testing.T) {
	c := newTestConsent(t, Options{CookieDomain: "Shared.example"})
	cases := []struct {
		host, site string
		want       bool
	}{
		{"example.com", "example.com", false},
		{"cdn.example.com", "example.com", false},
		{"example.com", "www.example.com", false},
		{"static.example.com", "www.example.com", false},
		{"notexample.com", "example.com", true},
		{"example.com.evil.net", "example.com", true},
		{"www.example.com", "shop.example.com", true},
		{"a.shared.example", "other.net", false},
		{"shared.example", "other.net", false},
		{"unshared.example", "other.net", true},
		{"tracker.net", "", true},
	}
	for _, tc := range cases {
		if got := c.thirdParty(tc.host, tc.site); got != tc.want {
			t.Errorf("thirdParty(%q, %q) = %v, want %v", tc.host, tc.site, got, tc.want)
		}
	}
}

func TestRequestSite(t *testing.T) {
	for host, want := range map[string]string{
		"Example.COM:443": "example.com",
		"example.com.":    "example.com",
		"127.0.0.1:8080":  "127.0.0.1",
		"[::1]:8080":      "::1",
		"[::1]":           "::1",
		"shop.example":    "shop.example",
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.Host = host
		if got := requestSite(r); got != want {
			t.Errorf("requestSite(%q) = %q, want %q", host, got, want)
		}
	}
}

func TestObserverHooks(t *testing.T) {
	obs := new(metricsObserver)
	inv := NewInventory(0)
	c := newTestConsent(t, Options{Observer: obs, Inventory: inv})
	if c.Inventory() != inv {
		t.Fatal("Inventory() is not Options.Inventory")
	}

	// A rewritten page, every tracker refused: two analytics tags (the
	// Tag Manager script and the gtag call) and two advertising ones.
	page := `<html><head><script src="https://www.googletagmanager.com/gtag/js?id=G-1"></script>` +
		`<script>gtag('config','G-1');</script></head><body>` +
		`<img src="https://www.facebook.com/tr?id=1"><script src="https://connect.facebook.net/en_US/fbevents.js"></script>` +
		`<script src="/mine.js"></script></body></html>`
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("Cookie", "_ga=1; _gid=2; session=3; _fbp=4")
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header()["Set-Cookie"] = []string{"_ga=1", "_gat_x=2", "_fbp=3", "own=4"}
		w.Header().Set("Content-Type", "text/html")
		_, _ = w.Write([]byte(page))
	})
	c.Handler(h).ServeHTTP(httptest.NewRecorder(), r)

	if len(obs.pages) != 1 {
		t.Fatalf("PageRewritten called %d times, want 1", len(obs.pages))
	}
	if want := map[string]int{Analytics: 2, Advertising: 2}; !maps.Equal(obs.pages[0], want) {
		t.Errorf("PageRewritten(%v), want %v", obs.pages[0], want)
	}
	wantDropped := map[string]int{
		"request " + Analytics: 2, "request " + Advertising: 1,
		"response " + Analytics: 2, "response " + Advertising: 1,
	}
	if !maps.Equal(obs.dropped, wantDropped) || obs.calls != 4 {
		t.Errorf("CookiesDropped: %v in %d calls, want %v in 4 (one per category and place)", obs.dropped, obs.calls, wantDropped)
	}

	// A page with nothing refused is still reported, with no counts; a
	// response that is not HTML is not a page; granted cookies are not
	// dropped.
	*obs = metricsObserver{}
	r = httptest.NewRequest("GET", "/", nil)
	r.AddCookie(cookieFor(t, c, acceptAllChoice(c)))
	r.Header.Add("Cookie", "_ga=1")
	c.Handler(h).ServeHTTP(httptest.NewRecorder(), r)
	c.Handler(setCookieHandler("application/json", "_ga=1")).ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
	if len(obs.pages) != 1 || len(obs.pages[0]) != 0 {
		t.Errorf("pages = %v, want one page with no counts", obs.pages)
	}
	if want := map[string]int{"response " + Analytics: 1}; !maps.Equal(obs.dropped, want) {
		t.Errorf("CookiesDropped: %v, want %v", obs.dropped, want)
	}
}

// TestNoObserver runs the hooks with no Observer and a Consent whose
// Inventory is shared with another.
func TestNoObserver(t *testing.T) {
	inv := NewInventory(0)
	a := newTestConsent(t, Options{Inventory: inv})
	b := newTestConsent(t, Options{Inventory: inv, NoBuiltinCatalogue: true})
	for _, c := range []*Consent{a, b} {
		r := httptest.NewRequest("GET", "http://"+map[*Consent]string{a: "a.example", b: "b.example"}[c]+"/", nil)
		r.Header.Set("Cookie", "_ga=1; x=2")
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Add("Set-Cookie", "_ga=1")
			w.Header().Set("Content-Type", "text/html")
			_, _ = w.Write([]byte(inventoryPage))
		})
		c.Handler(h).ServeHTTP(httptest.NewRecorder(), r)
	}
	ga := item(t, inv.Snapshot(), KindCookie, "_ga")
	// b, without the catalogue, saw it last and does not know it.
	if ga.Count != 2 || !slices.Equal(ga.Sites, []string{"a.example", "b.example"}) || ga.Catalogued {
		t.Errorf("_ga = %+v", ga)
	}
}

func TestClassifyNecessary(t *testing.T) {
	m := newMatcher([]Category{
		{Key: Necessary, Hosts: []string{"auth.example"}, Cookies: []string{"sid", "pref_*", "_ga"}},
		{Key: Analytics, Hosts: []string{"stats.example"}, Cookies: []string{"_ga"}},
	}, nil)
	for name, want := range map[string]string{"sid": Necessary, "pref_x": Necessary, "_ga": Analytics, "other": ""} {
		if got := m.ClassifyCookie(name); got != want {
			t.Errorf("classifyCookie(%q) = %q, want %q", name, got, want)
		}
	}
	for host, want := range map[string]string{"login.auth.example": Necessary, "auth.example": Necessary,
		"stats.example": Analytics, "example": "", "other.example": ""} {
		if got := m.ClassifyHost(host); got != want {
			t.Errorf("classifyHost(%q) = %q, want %q", host, got, want)
		}
	}
	// The filters still never refuse necessary cookies or hosts.
	if m.Cookie("sid") != "" || m.Host("auth.example") != "" {
		t.Error("necessary entries reached the filters")
	}
}

// BenchmarkObservePage measures what recording a page's hosts adds to a
// response: the hosts of inventoryPage, all known to the Inventory after
// the first round.
func BenchmarkObservePage(b *testing.B) {
	c, err := New(Options{Keys: []KeyPair{{Hash: testHash, Block: testBlock}}})
	if err != nil {
		b.Fatal(err)
	}
	r := httptest.NewRequest("GET", "http://www.example.com/", nil)
	s, _ := c.stateFor(r)
	rw := rewrite.NewWriter(io.Discard, statePolicy{c.match, s}, nil)
	if _, err := rw.Write([]byte(inventoryPage)); err != nil {
		b.Fatal(err)
	}
	if err := rw.Close(); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		c.observePage(r, rw)
	}
	b.ReportMetric(float64(len(c.Inventory().Snapshot().Items)), "hosts")
}

// BenchmarkSetCookieFilter measures the Set-Cookie filter with the
// inventory recording four cookies, two of them refused.
func BenchmarkSetCookieFilter(b *testing.B) {
	c, err := New(Options{Keys: []KeyPair{{Hash: testHash, Block: testBlock}}})
	if err != nil {
		b.Fatal(err)
	}
	r := httptest.NewRequest("GET", "http://www.example.com/", nil)
	s, _ := c.stateFor(r)
	lines := []string{"_ga=GA1.1; Path=/", "_fbp=fb.1; Path=/", "session=abc; HttpOnly", "lang=en"}
	h := http.Header{}
	b.ReportAllocs()
	for b.Loop() {
		h["Set-Cookie"] = append(h["Set-Cookie"][:0], lines...)
		c.dropRefusedSetCookies(h, r, s)
	}
}
