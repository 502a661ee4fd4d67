package banner

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/chromedp"
)

// tableSite serves pages whose guard loads its host table from a file
// (data-src): "late", whose first request for the table (the guard's
// fetch at start) is answered only when the test closes release, the
// next ones at once; and "fail", whose table is missing.
type tableSite struct {
	sinkSite
	release chan struct{}
	once    sync.Once
	first   chan struct{} // closed when the first table request arrives
}

// tableEarly is the page's first script, in <head> right after the guard:
// it fetches a tracker and an uncatalogued host before the table is in.
const tableEarly = `window.R = {};
fetch(T + '/t/early.json').then(() => { R.tracker = 'ok'; }, (e) => { R.tracker = e.name; });
fetch(O + '/t/early.json').then(() => { R.other = 'ok'; }, (e) => { R.other = e.name; });
fetch('/own.json').then(() => { R.own = 'ok'; }, (e) => { R.own = e.name; });`

// tableBody inserts images of a tracker, an uncatalogued host and the
// site itself, and writes a tracker's script.
const tableBody = `for (const [k, u] of [['tracker', T + '/t/img.gif'], ['other', O + '/t/img.gif'], ['own', '/own.gif']]) {
	const i = document.createElement('img'); i.alt = ''; i.id = 'img-' + k; i.src = u; document.body.append(i);
}
document.write('<script src="' + T + '/t/w.js"><\/script>');`

func (s *tableSite) serve(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/_consent/hosts.t-late.json":
		first := false
		s.once.Do(func() { first = true; close(s.first) })
		// Not stored, and the headers sent at once: Chromium's cache
		// would otherwise keep the next request for the URL waiting for
		// this one (its cache lock).
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		if first {
			w.WriteHeader(http.StatusOK)
			w.(http.Flusher).Flush()
			<-s.release
		}
		_, _ = io.WriteString(w, sinkTable)
	case "/_consent/hosts.t-fail.json":
		http.NotFound(w, r)
	case "/t/page":
		st, _ := json.Marshal(newState(false))
		vars := fmt.Sprintf("const T = 'http://tracker.localhost:%[1]s', O = 'http://other.localhost:%[1]s';", s.port)
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>table</title>
<script type="application/json" id="consent-state" data-key="tk3y">%s</script>
<script type="application/json" id="consent-hosts" data-src="/_consent/hosts.t-%s.json">{}</script>
<script>%s</script>
<script>{%s %s}</script>
</head><body><h1>Table</h1><script>{%s %s}</script></body></html>`, st, r.URL.Query().Get("mode"), Guard(), vars, tableEarly, vars, tableBody)
	default:
		s.sinkSite.serve(w, r)
	}
}

func newTableSite(t *testing.T) *tableSite {
	s := &tableSite{sinkSite: sinkSite{guardSite{t: t}}, release: make(chan struct{}), first: make(chan struct{})}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.srv.Close)
	t.Cleanup(func() {
		select {
		case <-s.release:
		default:
			close(s.release)
		}
	})
	_, s.port, _ = net.SplitHostPort(s.srv.Listener.Addr().String())
	return s
}

// vendorHits returns the stub's hits on vendor hosts, sorted.
func (s *tableSite) vendorHits() []string {
	var out []string
	for _, h := range s.got() {
		if strings.Contains(h, "/t/") {
			out = append(out, h)
		}
	}
	slices.Sort(out)
	return out
}

// TestGuardBeforeTheTable: until the host table arrives, fetch waits for
// it (a first-party fetch does not: path prefixes are inline), and every other judgement of another
// host's URL loads it at once: the tracker's image and the script
// document.write names are held, the uncatalogued host's image loads, in
// order; nothing reaches the tracker. When the table arrives, the waiting
// fetches go on, judged by it.
func TestGuardBeforeTheTable(t *testing.T) {
	tab := browser(t)
	s := newTableSite(t)
	ctx := tab()
	do(t, ctx, chromedp.Navigate(s.srv.URL+"/t/page?mode=late"))
	<-s.first
	waitFor(t, ctx, `document.readyState === 'complete'`)
	waitFor(t, ctx, `'own' in R`)
	if got := eval[map[string]string](t, ctx, `R`); len(got) != 1 {
		t.Errorf("fetches settled before the table arrived: %v, want only the site's own", got)
	}
	if got := eval[[]string](t, ctx, `[...document.querySelectorAll('[data-category]')].map((e) => e.localName + ' ' + e.dataset.category + ' ' + (e.dataset.src || '').replace(/:\d+/, ''))`); !slices.Equal(got,
		[]string{"img analytics http://tracker.localhost/t/img.gif", "script analytics http://tracker.localhost/t/w.js"}) {
		t.Errorf("held before the table's fetch ended: %v", got)
	}
	if got := eval[[]bool](t, ctx, `['other', 'own'].map((k) => document.getElementById('img-' + k).complete && document.getElementById('img-' + k).naturalWidth === 1)`); slices.Contains(got, false) {
		t.Errorf("images of the site and of an uncatalogued host loaded: %v", got)
	}
	close(s.release)
	waitFor(t, ctx, `Object.keys(R).length === 3`)
	if got := eval[map[string]string](t, ctx, `R`); got["tracker"] != "TypeError" || got["other"] != "ok" || got["own"] != "ok" {
		t.Errorf("fetches after the table arrived: %v, want the tracker's refused and the others ok", got)
	}
	if got := s.vendorHits(); !slices.Equal(got, []string{"other.localhost/t/early.json", "other.localhost/t/img.gif"}) {
		t.Errorf("vendor hits %v, want only the uncatalogued host's", got)
	}
}

// TestGuardTableFailsClosed: with no host table (it failed to load), no
// URL of another host passes before consent, catalogued or not: elements
// are held for every refused category at once, requests fail; the
// site's own pass.
func TestGuardTableFailsClosed(t *testing.T) {
	tab := browser(t)
	s := newTableSite(t)
	ctx := tab()
	do(t, ctx, chromedp.Navigate(s.srv.URL+"/t/page?mode=fail"))
	waitFor(t, ctx, `document.readyState === 'complete' && Object.keys(R).length === 3`)
	if got := eval[map[string]string](t, ctx, `R`); got["tracker"] != "TypeError" || got["other"] != "TypeError" || got["own"] != "ok" {
		t.Errorf("fetches with no table: %v, want the other hosts' refused, the site's ok", got)
	}
	want := "advertising analytics preferences social"
	if got := eval[[]string](t, ctx, `[...document.querySelectorAll('[data-category]')].map((e) => e.localName + ' ' + e.dataset.category)`); !slices.Equal(got,
		[]string{"img " + want, "img " + want, "script " + want}) {
		t.Errorf("held with no table: %v, want both images and the script, for every refused category", got)
	}
	if !eval[bool](t, ctx, `document.getElementById('img-own').complete && document.getElementById('img-own').naturalWidth === 1`) {
		t.Errorf("the site's own image did not load")
	}
	if got := s.vendorHits(); len(got) != 0 {
		t.Errorf("vendor hits with no table: %v", got)
	}
}
