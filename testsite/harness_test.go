package testsite

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/consentry/consentry/internal/browsertest"

	_ "github.com/caddyserver/caddy/v2/modules/standard"
	_ "github.com/consentry/consentry/caddymodule"
)

// The hosts of the fake vendors, as the root Caddyfile serves them.
const (
	analyticsHost = "analytics.localhost"
	adsHost       = "ads.localhost"
	socialHost    = "social.localhost"
)

var vendorHosts = []string{analyticsHost, adsHost, socialHost}

// vendorCookies are every cookie a fake vendor sets, either from its own host
// (the *_uid cookies) or as a first-party cookie from its script.
var vendorCookies = []string{"analytics_uid", "_fa_id", "ads_uid", "_fad", "social_uid"}

// testTimeout bounds each browser test, start of Chromium included;
// stepTimeout bounds each action and each wait within it.
const (
	testTimeout = 60 * time.Second
	stepTimeout = 15 * time.Second
)

func TestMain(m *testing.M) {
	code := m.Run()
	demo.stop()
	os.Exit(code)
}

// demo is the root Caddyfile running in this process. Tests share it: each
// browser test has its own Chromium profile, so no state leaks between them.
var demo demoServer

type demoServer struct {
	once    sync.Once
	base    string // http://localhost:PORT
	port    string
	storage string
	err     error
}

// url returns the address of path on the demo site, starting it on first use.
func (d *demoServer) url(t *testing.T, path string) string {
	t.Helper()
	d.once.Do(d.start)
	if d.err != nil {
		t.Fatalf("start the demo: %v", d.err)
	}
	return d.base + path
}

// vendorURL returns the address of path on a vendor host of the running demo.
func (d *demoServer) vendorURL(t *testing.T, host, path string) string {
	t.Helper()
	d.url(t, "/")
	return "http://" + host + ":" + d.port + path
}

func (d *demoServer) start() {
	port, err := freePort()
	if err != nil {
		d.err = err
		return
	}
	d.storage, err = os.MkdirTemp("", "consentry-demo-")
	if err != nil {
		d.err = err
		return
	}
	cfg, err := demoConfig(port, d.storage)
	if err != nil {
		d.err = err
		return
	}
	if err := caddy.Load(cfg, true); err != nil {
		d.err = fmt.Errorf("caddy.Load: %w", err)
		return
	}
	d.port = port
	d.base = "http://localhost:" + port
}

func (d *demoServer) stop() {
	if d.base != "" {
		_ = caddy.Stop()
	}
	if d.storage != "" {
		_ = os.RemoveAll(d.storage)
	}
}

// freePort asks the kernel for a port that nothing listens on.
func freePort() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	_, port, err := net.SplitHostPort(l.Addr().String())
	return port, err
}

// envMu serialises the environment changes that adapting the Caddyfile needs.
var envMu sync.Mutex

// adaptCaddyfile adapts the root Caddyfile with CONSENTRY_PORT set to port and
// CONSENTRY_SITE set to this directory, as the demo command does from the
// repository root.
func adaptCaddyfile(port string) ([]byte, error) {
	return adaptEditedCaddyfile(port, nil)
}

// adaptEditedCaddyfile is adaptCaddyfile with edit, when not nil, applied to
// the Caddyfile's text first.
func adaptEditedCaddyfile(port string, edit func(string) (string, error)) ([]byte, error) {
	body, err := os.ReadFile(filepath.Join("..", "Caddyfile"))
	if err != nil {
		return nil, err
	}
	if edit != nil {
		edited, err := edit(string(body))
		if err != nil {
			return nil, fmt.Errorf("edit ../Caddyfile: %w", err)
		}
		body = []byte(edited)
	}
	site, err := filepath.Abs(".")
	if err != nil {
		return nil, err
	}
	envMu.Lock()
	defer envMu.Unlock()
	for k, v := range map[string]string{"CONSENTRY_PORT": port, "CONSENTRY_SITE": site} {
		old, had := os.LookupEnv(k)
		os.Setenv(k, v)
		if had {
			defer os.Setenv(k, old)
		} else {
			defer os.Unsetenv(k)
		}
	}
	out, warnings, err := caddyconfig.GetAdapter("caddyfile").Adapt(body, map[string]any{"filename": "../Caddyfile"})
	if err != nil {
		return nil, fmt.Errorf("adapt ../Caddyfile: %w", err)
	}
	if len(warnings) > 0 {
		return nil, fmt.Errorf("adapt ../Caddyfile: warnings: %v", warnings)
	}
	return out, nil
}

// demoConfig is the adapted root Caddyfile made fit for a test: no admin
// endpoint, no autosaved config, a private storage directory (the consent module keeps its
// generated keys there) and only warnings in the log.
func demoConfig(port, storage string) ([]byte, error) {
	out, err := adaptCaddyfile(port)
	if err != nil {
		return nil, err
	}
	var cfg map[string]any
	if err := json.Unmarshal(out, &cfg); err != nil {
		return nil, err
	}
	if err := addVariants(cfg); err != nil {
		return nil, err
	}
	cfg["admin"] = map[string]any{"disabled": true, "config": map[string]any{"persist": false}}
	cfg["storage"] = map[string]any{"module": "file_system", "root": storage}
	cfg["logging"] = map[string]any{"logs": map[string]any{"default": map[string]any{"level": "WARN"}}}
	return json.Marshal(cfg)
}

// demoVariant is the root Caddyfile with an edit (say, more consent
// subdirectives), served by the demo's Caddy on a port of its own, so a test
// can use another configuration while the demo itself stays as shipped.
type demoVariant struct {
	name string
	edit func(caddyfile string) (string, error)
	port string // set when the demo starts
}

// demoVariants are served alongside the demo; newDemoVariant adds one.
var demoVariants []*demoVariant

// newDemoVariant registers a variant; call it from a package-level variable,
// before the demo starts.
func newDemoVariant(name string, edit func(string) (string, error)) *demoVariant {
	v := &demoVariant{name: name, edit: edit}
	demoVariants = append(demoVariants, v)
	return v
}

// url returns the address of path on the variant, starting the demo on first
// use.
func (v *demoVariant) url(t *testing.T, path string) string {
	t.Helper()
	demo.url(t, "/")
	return "http://localhost:" + v.port + path
}

// addVariants adapts every variant on a free port and adds its servers to
// the demo's config.
func addVariants(cfg map[string]any) error {
	servers, ok := lookup(cfg, "apps", "http", "servers").(map[string]any)
	if !ok {
		return errors.New("adapted demo config has no apps.http.servers")
	}
	for _, v := range demoVariants {
		port, err := freePort()
		if err != nil {
			return err
		}
		out, err := adaptEditedCaddyfile(port, v.edit)
		if err != nil {
			return fmt.Errorf("variant %s: %w", v.name, err)
		}
		var vcfg map[string]any
		if err := json.Unmarshal(out, &vcfg); err != nil {
			return err
		}
		vservers, ok := lookup(vcfg, "apps", "http", "servers").(map[string]any)
		if !ok {
			return fmt.Errorf("variant %s: adapted config has no apps.http.servers", v.name)
		}
		for name, srv := range vservers {
			servers[v.name+"_"+name] = srv
		}
		v.port = port
	}
	return nil
}

// lookup walks nested JSON objects along keys; nil when a key is missing.
func lookup(v any, keys ...string) any {
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

// request is one request the browser sent to a vendor host.
type request struct {
	URL  *url.URL
	Type network.ResourceType
	At   time.Time // when the browser sent it, by the browser's clock
}

// netlog records the requests a tab sends, from the DevTools network events.
type netlog struct {
	mu       sync.Mutex
	reqs     []request
	inflight map[network.RequestID]bool
	changed  chan struct{} // closed and replaced on every change
}

func newNetlog() *netlog {
	return &netlog{inflight: map[network.RequestID]bool{}, changed: make(chan struct{})}
}

// listen takes the events of the tab. It runs in chromedp's read loop, so it
// only records.
func (n *netlog) listen(ev any) {
	n.mu.Lock()
	defer n.mu.Unlock()
	switch ev := ev.(type) {
	case *network.EventRequestWillBeSent:
		u, err := url.Parse(ev.Request.URL)
		if err != nil {
			return
		}
		at := time.UnixMicro(int64(float64(ev.WallTime) * 1e6))
		n.reqs = append(n.reqs, request{URL: u, Type: ev.Type, At: at})
		n.inflight[ev.RequestID] = true
	case *network.EventLoadingFinished:
		delete(n.inflight, ev.RequestID)
	case *network.EventLoadingFailed:
		delete(n.inflight, ev.RequestID)
	default:
		return
	}
	close(n.changed)
	n.changed = make(chan struct{})
}

// to returns the requests sent to host at or after since.
func (n *netlog) to(host string, since time.Time) []request {
	n.mu.Lock()
	defer n.mu.Unlock()
	var out []request
	for _, r := range n.reqs {
		if r.URL.Hostname() == host && !r.At.Before(since) {
			out = append(out, r)
		}
	}
	return out
}

// urls lists the addresses of reqs, for failure messages.
func urls(reqs []request) []string {
	out := make([]string, len(reqs))
	for i, r := range reqs {
		out[i] = r.URL.String()
	}
	return out
}

// waitUntil blocks until cond, checked after every network event, holds.
func (n *netlog) waitUntil(ctx context.Context, what string, cond func() bool) error {
	for {
		n.mu.Lock()
		ch := n.changed
		n.mu.Unlock()
		if cond() {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("waiting for %s: %w", what, ctx.Err())
		}
	}
}

// idle reports whether no request of the tab is in flight.
func (n *netlog) idle() bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	return len(n.inflight) == 0
}

// browser is one Chromium with a fresh profile and one tab.
type browser struct {
	t   *testing.T
	ctx context.Context
	net *netlog
}

// desktopUA is the User-Agent of desktop Chrome on Linux: the tests stand
// for people. (Headless Chromium says HeadlessChrome, which the consent
// module treats as a visitor by default, and as a crawler with
// "crawlers known HeadlessChrome".)
const desktopUA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36"

// newBrowser starts Chromium with a fresh profile; the test's cleanup closes
// it. Site isolation is off so that the cross-site social iframe loads in the
// page's process and its request shows in the page's network events.
func newBrowser(t *testing.T) *browser {
	t.Helper()
	return newBrowserFor(t, testTimeout)
}

// newBrowserFor is newBrowser for a test that may take up to timeout, start
// of Chromium included; extra are further allocator options (flags).
func newBrowserFor(t *testing.T, timeout time.Duration, extra ...chromedp.ExecAllocatorOption) *browser {
	t.Helper()
	exe := browsertest.Path(t)
	profile := t.TempDir() // removed after the browser has closed (cleanups run in reverse)
	allowThirdPartyCookies(t, profile)
	opts := browsertest.Options(exe, profile, append([]chromedp.ExecAllocatorOption{
		chromedp.WindowSize(1280, 800),
		chromedp.UserAgent(desktopUA),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-features", "Translate,BlinkGenPropertyTrees,IsolateOrigins,site-per-process"),
		chromedp.Flag("disable-site-isolation-trials", true),
	}, extra...)...)
	ctx, cancelTimeout := context.WithTimeout(context.Background(), timeout)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	n := newNetlog()
	tabCtx, cancelTab := chromedp.NewContext(allocCtx, chromedp.WithListener(n.listen))
	t.Cleanup(func() {
		if err := chromedp.Cancel(tabCtx); err != nil && !errors.Is(err, context.Canceled) {
			t.Logf("close Chromium: %v", err)
		}
		cancelTab()
		cancelAlloc()
		cancelTimeout()
	})
	if err := chromedp.Do(tabCtx, chromedp.EmulateViewport(1280, 800)); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	return &browser{t: t, ctx: tabCtx, net: n}
}

// allowThirdPartyCookies writes the profile preference of a default desktop
// Chrome, which accepts third-party cookies; headless Chromium blocks them, and
// then a vendor's own cookie could never show whether consent held it back.
func allowThirdPartyCookies(t *testing.T, profile string) {
	t.Helper()
	dir := filepath.Join(profile, "Default")
	prefs := `{"profile":{"cookie_controls_mode":0,"block_third_party_cookies":false}}`
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "Preferences"), []byte(prefs), 0o644); err != nil {
		t.Fatal(err)
	}
}

// step returns the context of one action: the browser's, bounded by
// stepTimeout, so that a wait that never ends fails fast with its name.
func (b *browser) step() (context.Context, context.CancelFunc) {
	return context.WithTimeout(b.ctx, stepTimeout)
}

// do runs actions and fails the test on an error.
func (b *browser) do(what string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := b.step()
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		b.t.Fatalf("%s: %v", what, err)
	}
}

// eval evaluates a JavaScript expression in the page.
func eval[T any](b *browser, expr string) T {
	b.t.Helper()
	ctx, cancel := b.step()
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		b.t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// waitJS polls a JavaScript predicate until it is truthy.
func (b *browser) waitJS(what, expr string) {
	b.t.Helper()
	ctx, cancel := b.step()
	defer cancel()
	_, err := chromedp.Run(ctx, chromedp.Poll[chromedp.Void](expr,
		chromedp.WithPollingInterval(20*time.Millisecond),
		chromedp.WithPollingTimeout(stepTimeout)))
	if err != nil {
		b.t.Fatalf("wait for %s (%s): %v", what, expr, err)
	}
}

// waitNet waits until cond holds over the recorded requests.
func (b *browser) waitNet(what string, cond func() bool) {
	b.t.Helper()
	ctx, cancel := b.step()
	defer cancel()
	if err := b.net.waitUntil(ctx, what, cond); err != nil {
		b.t.Fatal(err)
	}
}

// settle waits until the document has loaded and no request is in flight, so
// that whatever the page was going to fetch by itself has been fetched.
func (b *browser) settle() {
	b.t.Helper()
	b.waitJS("document complete", `document.readyState === "complete"`)
	b.waitNet("network idle", b.net.idle)
}

// open navigates to u (chromedp waits for the load event) and settles.
func (b *browser) open(u string) {
	b.t.Helper()
	b.do("open "+u, chromedp.Navigate(u))
	b.settle()
}

// click clicks the first visible element that matches the CSS selector.
func (b *browser) click(sel string) {
	b.t.Helper()
	b.do("click "+sel, chromedp.Click(chromedp.CSS(sel)))
}

// clickInPage clicks an element of the page itself: it first scrolls the
// element to the middle of the viewport, so that the banner fixed at the
// bottom cannot take the click.
func (b *browser) clickInPage(sel string) {
	b.t.Helper()
	b.do("scroll to "+sel, chromedp.ScrollIntoView(chromedp.CSS(sel)),
		chromedp.Evaluate[chromedp.Void](`document.querySelector(`+jsString(sel)+`).scrollIntoView({block: "center"})`))
	b.click(sel)
}

// jsString quotes s as a JavaScript string literal.
func jsString(s string) string { return strconv.Quote(s) }

// cookies returns the browser's cookies for the given addresses.
func (b *browser) cookies(urls ...string) []*network.Cookie {
	b.t.Helper()
	ctx, cancel := b.step()
	defer cancel()
	res, err := chromedp.Call(ctx, network.GetCookies, network.GetCookiesParams{URLs: urls})
	if err != nil {
		b.t.Fatalf("get cookies: %v", err)
	}
	return res.Cookies
}

// allCookies returns the cookies of the demo site and of every vendor host.
func (b *browser) allCookies() []*network.Cookie {
	b.t.Helper()
	us := []string{demo.url(b.t, "/")}
	for _, h := range vendorHosts {
		us = append(us, demo.vendorURL(b.t, h, "/"))
	}
	return b.cookies(us...)
}

// cookie returns the cookie called name among cs, or nil.
func cookie(cs []*network.Cookie, name string) *network.Cookie {
	i := slices.IndexFunc(cs, func(c *network.Cookie) bool { return c.Name == name })
	if i < 0 {
		return nil
	}
	return cs[i]
}

// names lists the names of cs, for failure messages.
func names(cs []*network.Cookie) string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.Name + "@" + c.Domain
	}
	return strings.Join(out, ", ")
}

// assertNoVendorTraffic fails the test when any fake vendor received a request
// at or after since, set a cookie, or ran its script in the page.
func (b *browser) assertNoVendorTraffic(since time.Time) {
	b.t.Helper()
	for _, h := range vendorHosts {
		if got := b.net.to(h, since); len(got) > 0 {
			b.t.Errorf("requests to %s: got %d, want 0: %v", h, len(got), urls(got))
		}
	}
	cs := b.allCookies()
	for _, name := range vendorCookies {
		if c := cookie(cs, name); c != nil {
			b.t.Errorf("vendor cookie %s is set (domain %s); want none", name, c.Domain)
		}
	}
	if got := eval[string](b, `typeof window.__vendor`); got != "undefined" {
		b.t.Errorf("typeof window.__vendor = %q, want undefined (a vendor script ran): %s",
			got, eval[string](b, `JSON.stringify(window.__vendor)`))
	}
}

// assertSiteScriptRan fails the test when the first-party site.js did not run.
func (b *browser) assertSiteScriptRan() {
	b.t.Helper()
	b.waitJS("site.js", `document.getElementById("site-status").dataset.ran === "1"`)
	if got := eval[string](b, `document.getElementById("site-status").textContent`); got != "site script ran" {
		b.t.Errorf("#site-status = %q, want %q", got, "site script ran")
	}
}
