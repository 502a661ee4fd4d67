package testsite

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/consentry/consentry/sdk"
)

// The vendors' side of the signal tests, served first-party so that the
// pages load them whatever the visitor chose (a vendor's own host would be
// held): the recorder is the first script of every page; it records every
// consent call each vendor receives, in order, from the queue the stubs
// left and then live, as the vendors' scripts would.
const (
	// recorderJS runs where the vendors' first scripts would: it takes
	// what is queued so far, then hooks each vendor's entry point. TikTok's
	// own snippet (its loader call left out) runs here too: it must keep
	// what the stub queued.
	recorderJS = `window.rec = [];
window.log = (v, args) => rec.push(v + ' ' + JSON.stringify(Array.from(args)));
dataLayer.forEach((a) => log('google', a));
const dlPush = dataLayer.push;
dataLayer.push = function (a) { log('google', a); return dlPush.apply(this, arguments); };
log('uet', uetq);
uetq.push = function () { log('uet', arguments); return Array.prototype.push.apply(this, arguments); };
(clarity.q || []).forEach((a) => log('clarity', a));
window.clarity = function () { log('clarity', arguments); };
!function (w, d, t) {
  w.TiktokAnalyticsObject = t; var ttq = w[t] = w[t] || [];
  ttq.methods = ["page", "track", "identify", "instances", "debug", "on", "off", "once", "ready", "alias", "group", "enableCookie", "disableCookie", "holdConsent", "revokeConsent", "grantConsent"];
  ttq.setAndDefer = function (t, e) { t[e] = function () { t.push([e].concat(Array.prototype.slice.call(arguments, 0))) } };
  for (var i = 0; i < ttq.methods.length; i++) ttq.setAndDefer(ttq, ttq.methods[i]);
  ttq.page();
}(window, document, 'ttq');
ttq.forEach((e) => log('tiktok', e));
ttq.push = function (e) { log('tiktok', e); return Array.prototype.push.apply(this, arguments); };
`
	// metaSnippet is Meta's base code as sites paste it, loading the
	// fake fbevents.js below instead of connect.facebook.net's.
	metaSnippet = `!function(f,b,e,v,n,t,s)
{if(f.fbq)return;n=f.fbq=function(){n.callMethod?
n.callMethod.apply(n,arguments):n.queue.push(arguments)};
if(!f._fbq)f._fbq=n;n.push=n;n.loaded=!0;n.version='2.0';
n.queue=[];t=b.createElement(e);t.async=!0;
t.src=v;s=b.getElementsByTagName(e)[0];
s.parentNode.insertBefore(t,s)}(window, document,'script',
'/fbevents.js');
fbq('init', '1');
fbq('track', 'PageView');`
	// fbeventsJS stands for Meta's SDK: it replays the queue through
	// callMethod, as fbevents.js does, and takes every later call there.
	fbeventsJS = `(function () {
  const n = window.fbq;
  n.callMethod = function () { log('meta', arguments); };
  const q = n.queue; n.queue = [];
  q.forEach((a) => n.callMethod.apply(n, a));
  window.fbqLoaded = true;
})();`
)

// signalsSite serves pages through a Consent with every vendor's signals
// on, in regime reg for every visitor, Google's tags of the advanced
// categories in advanced mode.
func signalsSite(t *testing.T, reg sdk.Regime, advanced ...string) *signalsServer {
	t.Helper()
	c, err := sdk.New(sdk.Options{
		DefaultRegime: reg,
		Languages:     []string{"en"},
		Logger:        slog.New(slog.DiscardHandler),
		Signals: sdk.SignalOptions{Vendors: []string{"google", "uet", "clarity", "meta", "tiktok"},
			Google: sdk.GoogleSignals{Advanced: advanced}},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	files := map[string]string{"/rec.js": recorderJS, "/meta.js": metaSnippet, "/fbevents.js": fbeventsJS,
		"/insert.js": insertJS}
	s := &signalsServer{}
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if js, ok := files[r.URL.Path]; ok {
			w.Header().Set("Content-Type", "text/javascript")
			io.WriteString(w, js)
			return
		}
		if r.URL.Path == "/advanced" {
			// A Google Ads pixel in the page and two inserted later
			// (insert.js), on hosts the browser maps to this server.
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			fmt.Fprintf(w, `<!doctype html><html><head><title>Advanced</title><script src="/rec.js"></script></head><body>
<img alt="" src="http://googleads.g.doubleclick.net:%[1]s/pagead/static">
<script src="/insert.js" data-port="%[1]s"></script></body></html>`, s.port)
			return
		}
		meta := `<script src="/meta.js"></script>`
		if r.URL.Query().Get("meta") == "inline" {
			// The rewriter holds it (fbq('init') is Meta's pattern).
			meta = "<script>" + metaSnippet + "</script>"
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!doctype html><html lang="en"><head><title>Signals</title>
<script src="/rec.js"></script>%s</head><body><main><h1>Signals</h1></main>
<footer><a href="#consent" data-consent-open>Cookie settings</a></footer></body></html>`, meta)
	})
	site := c.Handler(next)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if host, _, _ := strings.Cut(r.Host, ":"); strings.HasSuffix(host, ".doubleclick.net") {
			s.mu.Lock()
			s.hits = append(s.hits, host+r.URL.Path)
			s.mu.Unlock()
			w.WriteHeader(http.StatusNoContent)
			return
		}
		site.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	s.URL = srv.URL
	_, s.port, _ = strings.Cut(strings.TrimPrefix(srv.URL, "http://"), ":")
	return s
}

// signalsServer is a running signalsSite.
type signalsServer struct {
	URL  string
	port string
	mu   sync.Mutex
	hits []string // host and path of each request to a *.doubleclick.net host
}

// got returns the requests the doubleclick.net hosts received.
func (s *signalsServer) got() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.hits)
}

// insertJS inserts, as a tag manager would, a Google Ads remarketing pixel
// and an Ad Manager one: the guard holds what the visitor refused.
const insertJS = `(() => {
  const port = document.currentScript.dataset.port;
  for (const h of ['googleads.g.doubleclick.net', 'securepubads.g.doubleclick.net']) {
    const i = document.createElement('img');
    i.alt = '';
    i.src = 'http://' + h + ':' + port + '/pagead/inserted';
    document.body.append(i);
  }
  window.inserted = true;
})();`

// TestBrowserSignalsGoogleAdvanced: with advertising in advanced mode, an
// opt-in visitor who has not chosen still sends Google Ads' pixels, in the
// page and inserted later (the rewriter and the guard let
// googleads.g.doubleclick.net through), while Ad Manager's, under the same
// doubleclick.net, stays held; in basic mode neither leaves the page.
func TestBrowserSignalsGoogleAdvanced(t *testing.T) {
	// Google's hosts resolve to the test server: nothing leaves the machine.
	resolve := chromedp.Flag("host-resolver-rules", "MAP *.doubleclick.net 127.0.0.1")
	for _, tc := range []struct {
		name     string
		advanced []string
		want     []string
	}{
		{"advanced", []string{"advertising"}, []string{"googleads.g.doubleclick.net/pagead/inserted", "googleads.g.doubleclick.net/pagead/static"}},
		{"basic", nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := signalsSite(t, sdk.RegimeOptIn, tc.advanced...)
			b := newBrowserFor(t, testTimeout, resolve)
			b.open(s.URL + "/advanced")
			b.waitJS("pixels inserted", `window.inserted === true`)
			b.settle()
			got := s.got()
			slices.Sort(got)
			if !slices.Equal(got, tc.want) {
				t.Errorf("doubleclick.net requests\n got %v\nwant %v", got, tc.want)
			}
			// The default reached Google's tags either way: denied.
			if calls := b.calls("google"); len(calls) == 0 || !strings.Contains(calls[0], `"ad_storage":"denied"`) {
				t.Errorf("google calls %v, want a denied default first", calls)
			}
		})
	}
}

// calls returns the recorded calls of vendor, in order.
func (b *browser) calls(vendor string) []string {
	b.t.Helper()
	var out []string
	for _, c := range eval[[]string](b, `window.rec || []`) {
		if v, call, _ := strings.Cut(c, " "); v == vendor {
			out = append(out, call)
		}
	}
	return out
}

// Consent calls, as recorded (JSON of the arguments).
func googleCall(kind string, ad, analytics, prefs string) string {
	m := map[string]string{"ad_storage": ad, "ad_user_data": ad, "ad_personalization": ad,
		"analytics_storage": analytics, "functionality_storage": prefs, "personalization_storage": prefs,
		"security_storage": "granted"}
	j, _ := json.Marshal(m) // keys sorted, as wantSortedCalls compares them
	return `["consent","` + kind + `",` + string(j) + `]`
}

// redaction is the ads_data_redaction setting, recorded.
const redaction = `["set","ads_data_redaction",true]`

// withdraw opens the preference centre from the page's footer link and
// turns every category off.
func (b *browser) withdraw() {
	b.t.Helper()
	b.clickInPage(footerSel)
	b.do("preference centre", chromedp.WaitVisible(chromedp.CSS(prefsSel)))
	for _, key := range []string{"preferences", "analytics", "advertising", "social"} {
		if eval[bool](b, `document.querySelector('`+switchSel(key)+`').checked`) {
			b.click(switchSel(key))
		}
	}
	b.click(saveSel)
	b.waitJS("withdrawal saved", `window.consentry.state().categories.advertising === false`)
}

// sortKeys makes the recorder's Google entries comparable: it re-encodes
// each JSON object with sorted keys.
func sortKeys(calls []string) []string {
	out := make([]string, len(calls))
	for i, c := range calls {
		var v any
		if err := json.Unmarshal([]byte(c), &v); err != nil {
			out[i] = c
			continue
		}
		j, _ := json.Marshal(v)
		out[i] = string(j)
	}
	return out
}

// TestBrowserSignalsOptIn: in the opt-in regime, every vendor's first
// script finds its consent default already queued, denied; Accept all
// sends each vendor its update, granted, and a withdrawal sends them
// denied again. Meta's snippet, loaded from a first-party file the
// rewriter cannot read, runs before any choice: its queue starts with
// fbq('consent','revoke'), before init, although the stub never made fbq.
func TestBrowserSignalsOptIn(t *testing.T) {
	s := signalsSite(t, sdk.RegimeOptIn)
	b := newBrowser(t)
	b.open(s.URL + "/?meta=external")
	b.waitJS("fbevents.js ran", `window.fbqLoaded === true`)
	b.do("banner visible", chromedp.WaitVisible(chromedp.CSS(bannerSel)))

	want := map[string][]string{
		"google":  {googleCall("default", "denied", "denied", "denied"), redaction},
		"uet":     {`["consent","default",{"ad_storage":"denied"}]`},
		"clarity": {`["consentv2",{"ad_Storage":"denied","analytics_Storage":"denied"}]`},
		"meta":    {`["consent","revoke"]`, `["init","1"]`, `["track","PageView"]`},
		"tiktok":  {`["revokeConsent"]`, `["page"]`},
	}
	b.wantSortedCalls("before a choice", want)

	b.click(acceptSel)
	b.waitDecided()
	want["google"] = append(want["google"], googleCall("update", "granted", "granted", "granted"))
	want["uet"] = append(want["uet"], `["consent","update",{"ad_storage":"granted"}]`)
	want["clarity"] = append(want["clarity"], `["consentv2",{"ad_Storage":"granted","analytics_Storage":"granted"}]`)
	want["meta"] = append(want["meta"], `["consent","grant"]`)
	want["tiktok"] = append(want["tiktok"], `["grantConsent"]`)
	b.wantSortedCalls("after Accept all", want)

	b.withdraw()
	want["google"] = append(want["google"], googleCall("update", "denied", "denied", "denied"))
	want["uet"] = append(want["uet"], `["consent","update",{"ad_storage":"denied"}]`)
	want["clarity"] = append(want["clarity"], `["consentv2",{"ad_Storage":"denied","analytics_Storage":"denied"}]`)
	want["meta"] = append(want["meta"], `["consent","revoke"]`)
	want["tiktok"] = append(want["tiktok"], `["revokeConsent"]`)
	b.wantSortedCalls("after the withdrawal", want)
}

// TestBrowserSignalsRejectAll: Reject all sends every vendor a denied
// update, and the held Meta snippet never runs.
func TestBrowserSignalsRejectAll(t *testing.T) {
	s := signalsSite(t, sdk.RegimeOptIn)
	b := newBrowser(t)
	b.open(s.URL + "/?meta=inline")
	b.do("banner visible", chromedp.WaitVisible(chromedp.CSS(bannerSel)))
	b.click(rejectSel)
	b.waitDecided()
	want := map[string][]string{
		"google":  {googleCall("default", "denied", "denied", "denied"), redaction, googleCall("update", "denied", "denied", "denied")},
		"uet":     {`["consent","default",{"ad_storage":"denied"}]`, `["consent","update",{"ad_storage":"denied"}]`},
		"clarity": {`["consentv2",{"ad_Storage":"denied","analytics_Storage":"denied"}]`, `["consentv2",{"ad_Storage":"denied","analytics_Storage":"denied"}]`},
		"tiktok":  {`["revokeConsent"]`, `["page"]`, `["revokeConsent"]`},
	}
	b.wantSortedCalls("after Reject all", want)
	if got := eval[string](b, `typeof window.fbq`); got != "undefined" {
		t.Errorf("typeof fbq = %s after Reject all, want undefined (the snippet held)", got)
	}
}

// TestBrowserSignalsHeldMetaSnippet: Meta's snippet inline, held by the
// rewriter until advertising is granted: when Accept all activates it, the
// first call fbevents.js replays is fbq('consent','grant'), from the live
// state, before init; a later withdrawal reaches the running pixel.
func TestBrowserSignalsHeldMetaSnippet(t *testing.T) {
	s := signalsSite(t, sdk.RegimeOptIn)
	b := newBrowser(t)
	b.open(s.URL + "/?meta=inline")
	b.do("banner visible", chromedp.WaitVisible(chromedp.CSS(bannerSel)))
	if got := b.calls("meta"); len(got) != 0 {
		t.Fatalf("meta calls before a choice: %v (the snippet should be held)", got)
	}
	b.click(acceptSel)
	b.waitDecided()
	b.waitJS("fbevents.js ran", `window.fbqLoaded === true`)
	want := []string{`["consent","grant"]`, `["init","1"]`, `["track","PageView"]`}
	if got := b.calls("meta"); !slices.Equal(got, want) {
		t.Errorf("meta calls after Accept all\n got %v\nwant %v", got, want)
	}
	b.withdraw()
	want = append(want, `["consent","revoke"]`)
	if got := b.calls("meta"); !slices.Equal(got, want) {
		t.Errorf("meta calls after the withdrawal\n got %v\nwant %v", got, want)
	}
}

// TestBrowserSignalsOptOut: in the opt-out regime everything is granted
// before a choice, so the defaults say granted and no ads_data_redaction.
func TestBrowserSignalsOptOut(t *testing.T) {
	s := signalsSite(t, sdk.RegimeOptOut)
	b := newBrowser(t)
	b.open(s.URL + "/?meta=external")
	b.waitJS("fbevents.js ran", `window.fbqLoaded === true`)
	b.wantSortedCalls("before a choice", map[string][]string{
		"google":  {googleCall("default", "granted", "granted", "granted")},
		"uet":     {`["consent","default",{"ad_storage":"granted"}]`},
		"clarity": {`["consentv2",{"ad_Storage":"granted","analytics_Storage":"granted"}]`},
		"meta":    {`["consent","grant"]`, `["init","1"]`, `["track","PageView"]`},
		"tiktok":  {`["grantConsent"]`, `["page"]`},
	})
}

// wantSortedCalls is wantCalls with JSON objects compared key-sorted.
func (b *browser) wantSortedCalls(when string, want map[string][]string) {
	b.t.Helper()
	for _, v := range []string{"google", "uet", "clarity", "meta", "tiktok"} {
		if got, w := sortKeys(b.calls(v)), sortKeys(want[v]); !slices.Equal(got, w) {
			b.t.Errorf("%s: %s calls\n got %s\nwant %s", when, v, strings.Join(got, "\n     "), strings.Join(w, "\n     "))
		}
	}
}
