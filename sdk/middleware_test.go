package sdk

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
)

const trackedPage = `<!doctype html><html><head><title>t</title>` +
	`<script src="https://www.googletagmanager.com/gtag/js?id=G-1" async></script></head><body>hi</body></html>`

func htmlHandler(body string, hdr map[string]string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for k, v := range hdr {
			w.Header().Add(k, v)
		}
		if w.Header().Get("Content-Type") == "" {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
		}
		_, _ = w.Write([]byte(body))
	})
}

func TestMiddlewareRewritesHTML(t *testing.T) {
	c := newTestConsent(t, Options{})
	w := httptest.NewRecorder()
	h := htmlHandler(trackedPage, map[string]string{"Content-Length": "999", "ETag": `"abc"`, "Accept-Ranges": "bytes"})
	c.Handler(h).ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
	body := w.Body.String()
	for _, want := range []string{`id="consent-state"`, `<script src="/_consent/config.en.`, `gtag("consent","default",{ad_storage:"denied"`,
		`security_storage:"granted"`, `type="text/plain"`, `data-category="analytics"`, `/_consent/banner.`} {
		if !strings.Contains(body, want) {
			t.Errorf("rewritten page lacks %q:\n%s", want, body)
		}
	}
	if i, j := strings.Index(body, `id="consent-state"`), strings.Index(body, "<title>"); i < 0 || i > j {
		t.Errorf("state is not injected first in <head>")
	}
	hd := w.Header()
	// The page is held whole (holdPageLimit) and gets its own length.
	if hd.Get("Content-Length") != strconv.Itoa(len(body)) || hd.Get("Accept-Ranges") != "" || !strings.HasPrefix(hd.Get("ETag"), `W/"abc-cs`) {
		t.Errorf("headers: Content-Length %q Accept-Ranges %q ETag %q", hd.Get("Content-Length"), hd.Get("Accept-Ranges"), hd.Get("ETag"))
	}
	if !strings.Contains(strings.Join(hd.Values("Vary"), ","), "Cookie") {
		t.Errorf("rewritten page lacks Vary: Cookie")
	}
}

func TestMiddlewareGrantedLeavesTagsAlone(t *testing.T) {
	c := newTestConsent(t, Options{})
	r := httptest.NewRequest("GET", "/", nil)
	r.AddCookie(cookieFor(t, c, acceptAllChoice(c)))
	w := httptest.NewRecorder()
	c.Handler(htmlHandler(trackedPage, nil)).ServeHTTP(w, r)
	if !strings.Contains(w.Body.String(), `<script src="https://www.googletagmanager.com/gtag/js?id=G-1" async></script>`) {
		t.Errorf("granted analytics script was changed:\n%s", w.Body.String())
	}
	if !strings.Contains(w.Body.String(), `analytics_storage:"granted"`) {
		t.Errorf("consent mode default does not grant analytics")
	}
}

func TestMiddlewarePassThrough(t *testing.T) {
	c := newTestConsent(t, Options{})
	cases := map[string]struct {
		method string
		status int
		hdr    map[string]string
	}{
		"json":           {"GET", 200, map[string]string{"Content-Type": "application/json"}},
		"head of json":   {"HEAD", 200, map[string]string{"Content-Type": "application/json"}}, // HEAD of a page: TestHeadHeadersMatchGet
		"302":            {"GET", 302, nil},
		"no-transform":   {"GET", 200, map[string]string{"Cache-Control": "no-transform"}},
		"gzip":           {"GET", 200, map[string]string{"Content-Encoding": "gzip"}},
		"event-stream":   {"GET", 200, map[string]string{"Content-Type": "text/event-stream"}},
		"partial video":  {"GET", 206, map[string]string{"Content-Type": "video/mp4", "Content-Range": "bytes 0-10/100"}}, // of a page: TestHTMLRangesServedWhole
		"utf-16 charset": {"GET", 200, map[string]string{"Content-Type": "text/html; charset=UTF-16"}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/html")
				for k, v := range tc.hdr {
					w.Header().Set(k, v)
				}
				w.Header().Set("Content-Length", "10")
				w.WriteHeader(tc.status)
				_, _ = w.Write([]byte(trackedPage[:10]))
			})
			w := httptest.NewRecorder()
			c.Handler(h).ServeHTTP(w, httptest.NewRequest(tc.method, "/", nil))
			if w.Code != tc.status || w.Header().Get("Content-Length") != "10" {
				t.Errorf("status %d, Content-Length %q: want %d and 10", w.Code, w.Header().Get("Content-Length"), tc.status)
			}
			if tc.method == "GET" && w.Body.String() != trackedPage[:10] {
				t.Errorf("body %q was changed", w.Body.String())
			}
		})
	}
}

func TestMiddlewareDropsRefusedSetCookie(t *testing.T) {
	c := newTestConsent(t, Options{})
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Add("Set-Cookie", "_ga=GA1.2; Path=/")
		w.Header().Add("Set-Cookie", "session=abc; HttpOnly")
		w.Header().Add("Set-Cookie", "_fbp=fb.1; Path=/")
		w.Header().Set("Content-Type", "image/gif")
		_, _ = w.Write([]byte("GIF89a"))
	})
	for name, cookie := range map[string]*http.Cookie{"no choice": nil, "accepted": cookieFor(t, c, acceptAllChoice(c))} {
		r := httptest.NewRequest("GET", "/pixel.gif", nil)
		if cookie != nil {
			r.AddCookie(cookie)
		}
		w := httptest.NewRecorder()
		c.Handler(h).ServeHTTP(w, r)
		got := strings.Join(w.Header().Values("Set-Cookie"), " | ")
		if !strings.Contains(got, "session=abc") {
			t.Errorf("%s: necessary cookie dropped: %s", name, got)
		}
		if wantGA := cookie != nil; strings.Contains(got, "_ga=") != wantGA || strings.Contains(got, "_fbp=") != wantGA {
			t.Errorf("%s: Set-Cookie = %s", name, got)
		}
	}
}

func TestMiddlewareTellsUpstream(t *testing.T) {
	c := newTestConsent(t, Options{})
	var gotCats, gotSig, gotCookie string
	var st *State
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotCats, gotSig = r.Header.Get("Consent-Categories"), r.Header.Get("Consent-Signals")
		gotCookie = r.Header.Get("Cookie")
		st = FromContext(r.Context())
	})
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("Consent-Categories", "advertising, analytics") // a client's forgery
	r.Header.Set("Sec-GPC", "1")
	r.Header.Set("DNT", "1")
	r.Header.Set("Cookie", "_ga=GA1.2; session=abc; _fbp=fb; lang=en")
	c.Handler(h).ServeHTTP(httptest.NewRecorder(), r)
	if gotCats != "necessary" || gotSig != "gpc, dnt" {
		t.Errorf("upstream saw Consent-Categories %q, Consent-Signals %q", gotCats, gotSig)
	}
	if gotCookie != "session=abc; lang=en" {
		t.Errorf("upstream saw Cookie %q, want the refused _ga and _fbp stripped", gotCookie)
	}
	if st == nil || st.Allowed(Analytics) || !st.Allowed(Necessary) {
		t.Errorf("FromContext = %+v", st)
	}
	var nilState *State
	if nilState.Allowed(Analytics) || !nilState.Allowed(Necessary) {
		t.Errorf("a nil state must allow only necessary")
	}
}

func TestRegimeDefaults(t *testing.T) {
	cases := []struct {
		regime     Regime
		gpc, dnt   bool
		honorDNT   bool
		analytics  bool
		advertisng bool
	}{
		{RegimeOptIn, false, false, false, false, false},
		{RegimeOptIn, true, false, false, false, false},
		{RegimeOptOut, false, false, false, true, true},
		{RegimeOptOut, true, false, false, true, false},
		{RegimeOptOut, false, true, false, true, true},
		{RegimeOptOut, false, true, true, true, false},
		{RegimeNotice, false, false, false, true, true},
	}
	for _, tc := range cases {
		c := newTestConsent(t, Options{DefaultRegime: tc.regime, HonorDNT: tc.honorDNT})
		s := c.defaults(tc.regime, Signals{GPC: tc.gpc, DNT: tc.dnt})
		if s.Allowed(Analytics) != tc.analytics || s.Allowed(Advertising) != tc.advertisng || !s.Allowed(Necessary) {
			t.Errorf("%+v: got analytics %v advertising %v", tc, s.Allowed(Analytics), s.Allowed(Advertising))
		}
	}
}

func TestOptOutGPCOverridesEarlierGrant(t *testing.T) {
	c := newTestConsent(t, Options{DefaultRegime: RegimeOptOut})
	ch := acceptAllChoice(c)
	ch.Regime = RegimeOptOut
	r := httptest.NewRequest("GET", "/", nil)
	r.AddCookie(cookieFor(t, c, ch))
	r.Header.Set("Sec-GPC", "1")
	if s, _ := c.stateFor(r); s.Allowed(Advertising) {
		t.Errorf("GPC did not override a grant made without it")
	}
	ch.GPC = true // granted explicitly while GPC was on
	r = httptest.NewRequest("GET", "/", nil)
	r.AddCookie(cookieFor(t, c, ch))
	r.Header.Set("Sec-GPC", "1")
	if s, _ := c.stateFor(r); !s.Allowed(Advertising) {
		t.Errorf("an explicit opt-in made with GPC on was overridden")
	}
}

func TestNewRejectsBadOptions(t *testing.T) {
	for name, o := range map[string]Options{
		"regime":   {DefaultRegime: "strict"},
		"prefix":   {Prefix: "consent"},
		"cookie":   {CookieName: "a b"},
		"category": {Categories: []Category{{Key: "Bad Key!"}}},
		"language": {Language: "tlh"},
		"gpc date": {GPCLastUpdate: "yesterday"},
	} {
		if _, err := New(o); err == nil {
			t.Errorf("%s: New accepted %+v", name, o)
		}
	}
}

func TestNoJSFormBeforeChoiceOnly(t *testing.T) {
	c := newTestConsent(t, Options{})
	page := `<html><head></head><body class="x"><p>hi</p></body></html>`
	r := httptest.NewRequest("GET", "/shop?item=1&q=<x>", nil)
	w := httptest.NewRecorder()
	c.Handler(htmlHandler(page, nil)).ServeHTTP(w, r)
	body := w.Body.String()
	form := `<body class="x"><noscript><link rel="stylesheet" href="/_consent/banner.`
	if !strings.Contains(body, form) {
		t.Fatalf("no no-JS form right after <body>:\n%s", body)
	}
	for _, want := range []string{`name="return" value="/shop?item=1&amp;q=&lt;x&gt;"`, `name="action" value="accept_all"`, `name="action" value="reject_all"`} {
		if !strings.Contains(body, want) {
			t.Errorf("form lacks %s:\n%s", want, body)
		}
	}

	r = httptest.NewRequest("GET", "/", nil)
	r.AddCookie(cookieFor(t, c, acceptAllChoice(c)))
	w = httptest.NewRecorder()
	c.Handler(htmlHandler(page, nil)).ServeHTTP(w, r)
	if strings.Contains(w.Body.String(), `id="consentry-nojs"`) {
		t.Errorf("a decided visitor still gets the no-JS form")
	}
}

func TestCrawlersGetNoBanner(t *testing.T) {
	c := newTestConsent(t, Options{})
	for ua, bot := range map[string]bool{
		"Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)":                                    true,
		"Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)":                                     true,
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36": false,
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.Header.Set("User-Agent", ua)
		w := httptest.NewRecorder()
		c.Handler(htmlHandler(trackedPage, nil)).ServeHTTP(w, r)
		body := w.Body.String()
		if strings.Contains(body, `data-show="false"`) != bot || strings.Contains(body, `id="consentry-nojs"`) == bot {
			t.Errorf("%s: banner shut = %v, form = %v; want the banner shut and no form for a crawler only", ua,
				strings.Contains(body, `data-show="false"`), strings.Contains(body, `id="consentry-nojs"`))
		}
		if !strings.Contains(body, `type="text/plain" data-category="analytics"`) {
			t.Errorf("%s: the analytics tag is not held", ua)
		}
	}
}
