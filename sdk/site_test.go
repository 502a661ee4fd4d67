package sdk

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// TestRecordSiteIsConfigured: the consent log's site field holds only a
// configured host name (Options.Sites), the wildcard itself for a host a
// wildcard matched, and nothing for any other Host header: the Host is the
// client's to choose, and the site field must not carry what it sends.
func TestRecordSiteIsConfigured(t *testing.T) {
	for _, tc := range []struct {
		name  string
		sites []string
		host  string
		want  string
	}{
		{"configured", []string{"shop.example", "*.brand.example"}, "shop.example", "shop.example"},
		{"case and port", []string{"shop.example"}, "SHOP.Example:8443", "shop.example"},
		{"configured in capitals", []string{"Shop.Example"}, "shop.example", "shop.example"},
		{"wildcard", []string{"shop.example", "*.brand.example"}, "phones.brand.example", "*.brand.example"},
		{"wildcard covers one label", []string{"*.brand.example"}, "a.b.brand.example", ""},
		{"wildcard is not the domain", []string{"*.brand.example"}, "brand.example", ""},
		{"unknown host", []string{"shop.example"}, "attacker.example", ""},
		{"hostile host", []string{"shop.example"}, "=HYPERLINK(\"x\")", ""},
		{"no sites configured", nil, "shop.example", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, l, st := loggedConsent(t, Options{Sites: tc.sites})
			r := postRequest("application/json", `{"action":"accept_all"}`)
			r.Host = tc.host
			if w := serveReq(c, r); w.Code != http.StatusOK {
				t.Fatalf("POST: %d %s", w.Code, w.Body)
			}
			flushLog(t, l)
			if len(st.records) != 1 || st.records[0].Site != tc.want {
				t.Errorf("Host %q with sites %q: records %+v, want site %q", tc.host, tc.sites, st.records, tc.want)
			}
		})
	}
}

func TestNewRefusesBadSites(t *testing.T) {
	for _, s := range []string{"", "a b", "*", "*.", "a.*.example", "http://shop.example", "shop.example:8443", "**.example"} {
		if _, err := newQuiet(Options{Sites: []string{s}}); err == nil || !strings.Contains(err.Error(), "site") {
			t.Errorf("site %q: New error %v, want one naming the site", s, err)
		}
	}
}

// domainObserver counts the requests whose host the cookie domain cannot
// cover (CookieDomainObserver).
type domainObserver struct {
	fakeObserver
	n atomic.Int64
}

func (o *domainObserver) CookieDomainMismatch() { o.n.Add(1) }

// warnings is a slog handler that keeps the messages of warnings.
type warnings struct {
	mu   sync.Mutex
	msgs []string
}

func (w *warnings) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelWarn }
func (w *warnings) Handle(_ context.Context, r slog.Record) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	msg := r.Message
	r.Attrs(func(a slog.Attr) bool { msg += " " + a.String(); return true })
	w.msgs = append(w.msgs, msg)
	return nil
}
func (w *warnings) WithAttrs([]slog.Attr) slog.Handler { return w }
func (w *warnings) WithGroup(string) slog.Handler      { return w }
func (w *warnings) count(sub string) int {
	w.mu.Lock()
	defer w.mu.Unlock()
	n := 0
	for _, m := range w.msgs {
		if strings.Contains(m, sub) {
			n++
		}
	}
	return n
}

// TestCookieDomainMismatchWarns: with cookie_domain example.com, a request
// for another host gets a consent cookie its browser refuses, so every
// choice asks again. The engine says so once per host in the log (for a
// bounded number of hosts) and counts every such request for metrics.
func TestCookieDomainMismatchWarns(t *testing.T) {
	obs := &domainObserver{}
	logs := &warnings{}
	c, err := New(Options{CookieDomain: "example.com", Keys: []KeyPair{{Hash: testHash}}, Observer: obs, Logger: slog.New(logs)})
	if err != nil {
		t.Fatal(err)
	}
	get := func(host string) {
		r := httptest.NewRequest("GET", "/", nil)
		r.Host = host
		c.Handler(htmlUpstream).ServeHTTP(httptest.NewRecorder(), r)
	}
	for _, h := range []string{"example.com", "www.example.com", "WWW.Example.com:8443", "a.b.example.com"} {
		get(h)
	}
	if n := obs.n.Load(); n != 0 || logs.count("cookie domain") != 0 {
		t.Fatalf("hosts under the cookie domain: %d mismatches counted, warnings %q", n, logs.msgs)
	}
	for range 3 {
		get("shop.example.net")
		get("badexample.com")
	}
	if n := obs.n.Load(); n != 6 {
		t.Errorf("%d mismatching requests counted, want 6", n)
	}
	if logs.count("shop.example.net") != 1 || logs.count("badexample.com") != 1 {
		t.Errorf("warnings %q: want one per host", logs.msgs)
	}
	for i := range 500 {
		get("h" + strings.Repeat("x", i%50) + string(rune('a'+i%26)) + ".example.org")
	}
	if n := logs.count("cookie domain"); n > maxWarnedHosts+1 {
		t.Errorf("%d warnings for 500 hosts, want at most %d", n, maxWarnedHosts+1)
	}
}
