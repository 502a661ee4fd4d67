package testsite

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/consentry/consentry/sdk"
)

// gppPageJS is the page's first script of its own: an ad tag's use of the
// API, recording every answer.
const gppPageJS = `window.gppLog = [];
window.gppAnswers = {};
__gpp('ping', (d, ok) => { gppAnswers.ping = [d, ok]; });
// A broken tag's listener, told first: the others are told all the same.
__gpp('addEventListener', (e) => { if (e.eventName !== 'listenerRegistered') throw new Error('a broken listener'); });
__gpp('addEventListener', (e, ok) => gppLog.push([e.eventName, e.data, e.pingData.gppString, e.listenerId, ok]));
__gpp('addEventListener', (e, ok) => { window.second = e.listenerId; (window.secondLog = window.secondLog || []).push(e.eventName); });
window.frameAnswers = [];
addEventListener('message', (e) => { if (e.data && e.data.frameAnswer) frameAnswers.push(e.data.frameAnswer); });
`

// gppFrameHTML is a cross-origin ad frame, not served through consent: it
// finds the API's window by the __gppLocator frame and asks it by
// postMessage, as object and as JSON text, and posts the answers to the
// top page.
const gppFrameHTML = `<!doctype html><html><head><title>Ad</title></head><body><script>
let w = window, cmp = null;
while (w) {
  try { if (w.frames.__gppLocator) { cmp = w; break; } } catch (e) {}
  if (w === window.top) break;
  w = w.parent;
}
const report = (v) => window.top.postMessage({ frameAnswer: v }, '*');
if (!cmp) report({ error: 'no __gppLocator' });
addEventListener('message', (e) => {
  let d = e.data;
  const text = typeof d === 'string';
  if (text) { try { d = JSON.parse(d); } catch (err) { return; } }
  if (d && d.__gppReturn) report({ text, callId: d.__gppReturn.callId, success: d.__gppReturn.success, value: d.__gppReturn.returnValue });
});
if (cmp) {
  cmp.postMessage({ __gppCall: { command: 'ping', callId: 'p1', version: '1.1' } }, '*');
  cmp.postMessage(JSON.stringify({ __gppCall: { command: 'getField', parameter: 'usnat.SaleOptOut', callId: 'f1', version: '1.1' } }), '*');
  cmp.postMessage({ __gppCall: { command: 'getSection', parameter: 'usca', callId: 's1', version: '1.1' } }, '*');
  cmp.postMessage({ __gppCall: { command: 'nope', callId: 'n1' } }, '*');
}
</script></body></html>`

// gppSite serves a page through a Consent with the GPP on (usnat and
// usca), every visitor a Californian; /frame is the ad frame, outside
// consent.
func gppSite(t *testing.T) string { return gppSiteWith(t, "") }

// gppSiteWith is gppSite with the guard (and so the GPP API) placed as
// guard says.
func gppSiteWith(t *testing.T, guard sdk.GuardPlacement) string {
	t.Helper()
	c, err := sdk.New(sdk.Options{
		Languages: []string{"en"}, Logger: slog.New(slog.DiscardHandler), Guard: guard,
		CountryHeader: "X-Country", RegionHeader: "X-Region",
		GPP: sdk.GPPOptions{On: true, States: []string{"CA"}, MSPA: sdk.GPPMSPAOptOut, CmpID: 42},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	var frameURL string
	site := c.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/gpp.js" {
			w.Header().Set("Content-Type", "text/javascript")
			io.WriteString(w, gppPageJS)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!doctype html><html lang="en"><head><title>GPP</title><script src="/gpp.js"></script></head>
<body><main><h1>GPP</h1><iframe title="ad" src="%s"></iframe></main>
<footer><a href="#consent" data-consent-open>Cookie settings</a></footer></body></html>`, frameURL)
	}))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/frame" {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			io.WriteString(w, gppFrameHTML)
			return
		}
		r.Header.Set("X-Country", "US")
		r.Header.Set("X-Region", "CA")
		site.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	// The frame on another origin: localhost against 127.0.0.1.
	frameURL = strings.Replace(srv.URL, "127.0.0.1", "localhost", 1) + "/frame"
	return srv.URL
}

// TestBrowserGPP drives the __gpp API from a page in Chromium: ping, the
// section commands, listeners told of a choice and of a withdrawal, a
// removed listener told nothing more, and an ad frame on another origin
// asking through the __gppLocator frame and postMessage.
func TestBrowserGPP(t *testing.T) {
	url := gppSite(t)
	b := newBrowser(t)
	b.open(url + "/")
	state := func() map[string]any {
		return awaitJS[map[string]any](b, `fetch('/_consent').then((r) => r.json()).then((s) => s.gpp)`)
	}
	before := state()
	str := before["string"].(string)

	ping := eval[[]any](b, `gppAnswers.ping`)
	p := ping[0].(map[string]any)
	for k, want := range map[string]any{"gppVersion": "1.1", "cmpStatus": "loaded", "signalStatus": "ready",
		"cmpId": float64(42), "gppString": str, "supportedAPIs": []any{"7:usnat", "8:usca"},
		"sectionList": []any{float64(7), float64(8)}, "applicableSections": []any{float64(7), float64(8)},
		"parsedSections": before["sections"], "cmpDisplayStatus": "hidden"} {
		if !reflect.DeepEqual(p[k], want) {
			t.Errorf("ping %s = %#v, want %#v", k, p[k], want)
		}
	}
	if ping[1] != true {
		t.Errorf("ping success %v", ping[1])
	}
	// The first ping ran in <head>, before the banner was built; now it
	// shows.
	display := func() string {
		return awaitJS[string](b, `new Promise((ok) => __gpp('ping', (d) => ok(d.cmpDisplayStatus)))`)
	}
	if d := display(); d != "visible" {
		t.Errorf("cmpDisplayStatus with the banner shown = %s", d)
	}
	call := func(cmd, param string) []any {
		return awaitJS[[]any](b, `new Promise((ok) => __gpp(`+jsString(cmd)+`, (v, s) => ok([v, s]), `+jsString(param)+`))`)
	}
	secs := before["sections"].(map[string]any)
	for _, tc := range []struct {
		cmd, param string
		want       []any
	}{
		{"hasSection", "usnat", []any{true, true}},
		{"hasSection", "usca", []any{true, true}},
		{"hasSection", "usva", []any{false, true}},
		{"getSection", "usca", []any{secs["usca"], true}},
		{"getSection", "usva", []any{nil, false}},
		{"getField", "usnat.SaleOptOut", []any{float64(2), true}},
		{"getField", "usca.Gpc", []any{false, true}},
		{"getField", "usnat.MspaOptOutOptionMode", []any{float64(1), true}},
		{"getField", "usnat.Nothing", []any{nil, false}},
		{"getField", "usnat", []any{nil, false}},
		{"getField", "usnat.SaleOptOut.x", []any{nil, false}},
		{"getField", "constructor.name", []any{nil, false}},
		{"nope", "", []any{nil, false}},
		{"hasOwnProperty", "", []any{nil, false}},
	} {
		if got := call(tc.cmd, tc.param); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("__gpp(%q, %q) = %#v, want %#v", tc.cmd, tc.param, got, tc.want)
		}
	}
	// A caller cannot change what others are told.
	b.do("tamper", evalVoid(`__gpp('getSection', (s) => { s.SaleOptOut = 9; }, 'usnat')`))
	if got := call("getField", "usnat.SaleOptOut"); got[0] != float64(2) {
		t.Errorf("after a caller changed its copy, SaleOptOut = %v", got[0])
	}

	// The ad frame, through the locator and postMessage.
	b.waitJS("the frame's four answers", `frameAnswers.length === 4`)
	answers := map[string]map[string]any{}
	for _, a := range eval[[]map[string]any](b, `frameAnswers`) {
		answers[fmt.Sprint(a["callId"])] = a
	}
	if a := answers["p1"]; a == nil || a["success"] != true || a["text"] != false ||
		a["value"].(map[string]any)["gppString"] != str {
		t.Errorf("frame ping: %v", a)
	}
	if a := answers["f1"]; a == nil || a["value"] != float64(2) || a["text"] != true {
		t.Errorf("frame getField as JSON text: %v", a)
	}
	if a := answers["s1"]; a == nil || !reflect.DeepEqual(a["value"], secs["usca"]) {
		t.Errorf("frame getSection: %v", a)
	}
	if a := answers["n1"]; a == nil || a["success"] != false || a["value"] != nil {
		t.Errorf("frame unknown command: %v", a)
	}

	// A choice: Reject all opts out of sale, sharing and targeting.
	if got := eval[[][]any](b, `gppLog`); len(got) != 1 || got[0][0] != "listenerRegistered" || got[0][1] != true || got[0][2] != str {
		t.Fatalf("events before a choice: %v", got)
	}
	b.click(rejectSel)
	b.waitJS("the choice's events", `gppLog.length >= 4`)
	after := state()
	newStr := after["string"].(string)
	if newStr == str {
		t.Fatalf("Reject all left the string %s", str)
	}
	var names []string
	for _, e := range eval[[][]any](b, `gppLog`)[1:] {
		names = append(names, fmt.Sprint(e[0], ":", e[1]))
		if e[2] != newStr || e[4] != true {
			t.Errorf("event %v: pingData.gppString is not the new string %s", e, newStr)
		}
	}
	if want := "sectionChange:usnat sectionChange:usca signalStatus:ready"; strings.Join(names, " ") != want {
		t.Errorf("events after Reject all: %s, want %s", strings.Join(names, " "), want)
	}
	if got := call("getField", "usnat.SaleOptOut"); got[0] != float64(1) {
		t.Errorf("after Reject all, SaleOptOut = %v, want 1", got[0])
	}
	if d := display(); d != "hidden" {
		t.Errorf("cmpDisplayStatus after the choice = %s", d)
	}
	if got := awaitJS[string](b, `new Promise((ok) => __gpp('ping', (d) => ok(d.gppString)))`); got != newStr {
		t.Errorf("after Reject all, ping's string %s, the server's %s", got, newStr)
	}

	// The second listener is removed; opting in again from the
	// preference centre tells only the first.
	removed := awaitJS[[]any](b, `new Promise((ok) => __gpp('removeEventListener', (v, s) => ok([v.eventName, v.data, s]), second))`)
	if !reflect.DeepEqual(removed, []any{"listenerRemoved", true, true}) {
		t.Errorf("removeEventListener: %v", removed)
	}
	secondBefore := len(eval[[]any](b, `secondLog`))
	b.clickInPage(footerSel)
	b.click(`#consentry-prefs [data-consent-action="accept_all"]`)
	b.waitJS("the second choice's events", `gppLog.length >= 7`)
	if got := call("getField", "usnat.SaleOptOut"); got[0] != float64(2) {
		t.Errorf("after opting in again, SaleOptOut = %v, want 2", got[0])
	}
	if n := len(eval[[]any](b, `secondLog`)); n != secondBefore {
		t.Errorf("the removed listener was told %d more events", n-secondBefore)
	}
}

// awaitJS evaluates expr, a promise, and returns what it resolves to.
func awaitJS[T any](b *browser, expr string) T {
	b.t.Helper()
	ctx, cancel := b.step()
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		b.t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// evalVoid evaluates expr for its effect.
func evalVoid(expr string) chromedp.Action[chromedp.Void] {
	return chromedp.Evaluate[chromedp.Void](expr)
}
