package testsite

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// port is how the pages write the port of the request into vendor URLs.
const port = `{{placeholder "http.request.port"}}`

// TestPagesCarryVendorTags checks the raw pages: each loads every fake vendor
// the way a real site does, its own script, and the footer link that reopens
// the consent settings.
func TestPagesCarryVendorTags(t *testing.T) {
	want := []string{
		`<script src="//analytics.localhost:` + port + `/a.js" async></script>`,
		`<script src="//ads.localhost:` + port + `/ad.js"></script>`,
		`<img src="//ads.localhost:` + port + `/pixel.gif" width="1" height="1" alt="">`,
		`<iframe src="//social.localhost:` + port + `/widget.html" title="Social feed"`,
		`<script src="/site.js" defer></script>`,
		`<a href="/_consent/cookies" data-consent-open>Cookie settings</a>`,
		`id="site-status"`,
	}
	for _, page := range []string{"index.html", "product.html", "privacy.html"} {
		t.Run(page, func(t *testing.T) {
			body, err := os.ReadFile(filepath.Join("www", page))
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range want {
				if !strings.Contains(string(body), w) {
					t.Errorf("%s lacks %s", page, w)
				}
			}
		})
	}
}

// TestVendorFiles checks what the vendors serve: scripts that leave traces,
// and a real 1×1 GIF.
func TestVendorFiles(t *testing.T) {
	for _, c := range []struct{ file, want string }{
		{"vendors/analytics/a.js", "v.analytics = "},
		{"vendors/analytics/a.js", "_fa_id="},
		{"vendors/analytics/a.js", "/collect?"},
		{"vendors/ads/ad.js", "v.ads = "},
		{"vendors/ads/ad.js", "_fad="},
		{"vendors/ads/ad.js", "/hit?"},
		{"vendors/social/widget.html", "<title>Social feed</title>"},
	} {
		body, err := os.ReadFile(c.file)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(body), c.want) {
			t.Errorf("%s lacks %q", c.file, c.want)
		}
	}
	gif, err := os.ReadFile("vendors/ads/pixel.gif")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(gif), "GIF89a\x01\x00\x01\x00") {
		t.Errorf("pixel.gif is not a 1×1 GIF89a: % x", gif[:min(len(gif), 10)])
	}
}

// TestCaddyfileAdapts adapts the root Caddyfile as the demo runs it: one
// server on CONSENTRY_PORT for the site and the three vendors, with consent
// in front of templates and file_server on the site.
func TestCaddyfileAdapts(t *testing.T) {
	out, err := adaptCaddyfile("18080")
	if err != nil {
		t.Fatal(err)
	}
	var cfg struct {
		Apps struct {
			HTTP struct {
				Servers map[string]struct {
					Listen []string          `json:"listen"`
					Routes []json.RawMessage `json:"routes"`
				} `json:"servers"`
			} `json:"http"`
		} `json:"apps"`
	}
	if err := json.Unmarshal(out, &cfg); err != nil {
		t.Fatal(err)
	}
	servers := cfg.Apps.HTTP.Servers
	if len(servers) != 1 {
		t.Fatalf("servers = %d, want 1", len(servers))
	}
	for _, srv := range servers {
		if !slices.Equal(srv.Listen, []string{":18080"}) {
			t.Errorf("listen = %v, want [:18080]", srv.Listen)
		}
		hosts := map[string][]string{} // host -> handlers in order
		for _, raw := range srv.Routes {
			var r struct {
				Match []struct {
					Host []string `json:"host"`
				} `json:"match"`
			}
			if err := json.Unmarshal(raw, &r); err != nil {
				t.Fatal(err)
			}
			if len(r.Match) != 1 || len(r.Match[0].Host) != 1 {
				t.Fatalf("route without a single host: %s", raw)
			}
			hosts[r.Match[0].Host[0]] = handlers(t, raw)
		}
		for _, h := range append([]string{"localhost"}, vendorHosts...) {
			if _, ok := hosts[h]; !ok {
				t.Errorf("no site for %s; have %v", h, hosts)
			}
		}
		site := hosts["localhost"]
		ci, ti, fi := slices.Index(site, "consent"), slices.Index(site, "templates"), slices.Index(site, "file_server")
		if ci < 0 || ti < 0 || fi < 0 || ci > ti || ti > fi {
			t.Errorf("site handlers = %v, want consent before templates before file_server", site)
		}
		for _, h := range vendorHosts {
			if slices.Contains(hosts[h], "consent") {
				t.Errorf("vendor %s runs consent; vendors stand for third parties", h)
			}
		}
	}
	for _, dir := range []string{"www", "vendors/analytics", "vendors/ads", "vendors/social"} {
		site, _ := filepath.Abs(".")
		if !strings.Contains(string(out), `"`+filepath.Join(site, dir)+`"`) {
			t.Errorf("adapted config has no root %s", filepath.Join(site, dir))
		}
	}
}

// handlers lists the handler names of a route, depth first, in order.
func handlers(t *testing.T, raw json.RawMessage) []string {
	t.Helper()
	var out []string
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if h, ok := v["handler"].(string); ok {
				out = append(out, h)
			}
			for _, k := range []string{"handle", "routes"} {
				walk(v[k])
			}
		case []any:
			for _, e := range v {
				walk(e)
			}
		}
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	walk(v)
	return out
}

// demoClient sends every request to the demo's port on loopback, whatever the
// host name, as a browser does for *.localhost.
func demoClient(t *testing.T) *http.Client {
	t.Helper()
	demo.url(t, "/")
	var d net.Dialer
	return &http.Client{
		Timeout: 10 * time.Second,
		Transport: &http.Transport{
			DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
				return d.DialContext(ctx, network, "127.0.0.1:"+demo.port)
			},
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

func get(t *testing.T, c *http.Client, u string) (*http.Response, string) {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(body)
}

// liveTracker matches a vendor URL the browser would fetch or run.
var liveTracker = regexp.MustCompile(`(?i)\s(src|href)\s*=\s*["']?(https?:)?//(analytics|ads|social)\.localhost`)

// TestDemoServesRewrittenPages fetches the pages through the running demo with
// no consent cookie: the template wrote the request's port into the vendor
// URLs, consent held every vendor tag inert, and the first-party script is
// untouched.
func TestDemoServesRewrittenPages(t *testing.T) {
	c := demoClient(t)
	for _, page := range []string{"/", "/product.html", "/privacy.html"} {
		t.Run(page, func(t *testing.T) {
			resp, body := get(t, c, demo.url(t, page))
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status = %d, want 200", resp.StatusCode)
			}
			if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
				t.Errorf("Content-Type = %q, want text/html", ct)
			}
			if strings.Contains(body, "{{") {
				t.Errorf("template not rendered: %q left in the page", "{{")
			}
			for _, h := range vendorHosts {
				if !strings.Contains(body, "//"+h+":"+demo.port+"/") {
					t.Errorf("page has no %s URL with port %s", h, demo.port)
				}
			}
			if m := liveTracker.FindAllString(body, -1); len(m) > 0 {
				t.Errorf("live vendor URLs before consent: %q", m)
			}
			if !strings.Contains(body, `data-src="//analytics.localhost:`+demo.port+`/a.js"`) {
				t.Errorf("analytics script not held as data-src")
			}
			if !strings.Contains(body, `<script src="/site.js" defer></script>`) {
				t.Errorf("first-party script changed")
			}
		})
	}
}

// TestDemoVendors fetches the vendors' files as the browser would: scripts as
// JavaScript, each response setting the vendor's own cookie, beacons as 204.
func TestDemoVendors(t *testing.T) {
	c := demoClient(t)
	for _, v := range []struct {
		host, path, ctype, cookie string
		status                    int
	}{
		{analyticsHost, "/a.js", "text/javascript", "analytics_uid=", 200},
		{analyticsHost, "/collect?cid=1", "", "analytics_uid=", 204},
		{adsHost, "/ad.js", "text/javascript", "ads_uid=", 200},
		{adsHost, "/hit?fad=1", "", "ads_uid=", 204},
		{adsHost, "/pixel.gif", "image/gif", "ads_uid=", 200},
		{socialHost, "/widget.html", "text/html", "social_uid=", 200},
	} {
		t.Run(v.host+v.path, func(t *testing.T) {
			resp, _ := get(t, c, demo.vendorURL(t, v.host, v.path))
			if resp.StatusCode != v.status {
				t.Errorf("status = %d, want %d", resp.StatusCode, v.status)
			}
			if ct := resp.Header.Get("Content-Type"); v.ctype != "" && !strings.HasPrefix(ct, v.ctype) {
				t.Errorf("Content-Type = %q, want %s", ct, v.ctype)
			}
			if sc := strings.Join(resp.Header.Values("Set-Cookie"), "\n"); !strings.HasPrefix(sc, v.cookie) {
				t.Errorf("Set-Cookie = %q, want %s…", sc, v.cookie)
			}
		})
	}
}
