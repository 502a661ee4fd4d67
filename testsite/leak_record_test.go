package testsite

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/httpcaddyfile"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
)

// The leak test's server side: a handler, leak_record, that the leak
// variant of the demo puts first in every site (the fake vendors, the leak
// pages with and without the consent module, and a catch-all for any other
// host name on the port). It records every request that reaches the server,
// so requests the page's DevTools events never show (workers, beacons,
// popups, WebSocket handshakes, navigations of frames) are counted too.

func init() {
	caddy.RegisterModule(leakRecorder{})
	httpcaddyfile.RegisterHandlerDirective("leak_record", func(h httpcaddyfile.Helper) (caddyhttp.MiddlewareHandler, error) {
		h.Next()
		if h.NextArg() {
			return nil, h.ArgErr()
		}
		return leakRecorder{}, nil
	})
	httpcaddyfile.RegisterDirectiveOrder("leak_record", httpcaddyfile.Before, "header")
}

// leakRecorder records each request in serverLog, then hands it on.
type leakRecorder struct{}

// CaddyModule returns the Caddy module information.
func (leakRecorder) CaddyModule() caddy.ModuleInfo {
	return caddy.ModuleInfo{
		ID:  "http.handlers.leak_record",
		New: func() caddy.Module { return new(leakRecorder) },
	}
}

// ServeHTTP records r and serves it with next; the request counts as in
// flight until next returns.
func (leakRecorder) ServeHTTP(w http.ResponseWriter, r *http.Request, next caddyhttp.Handler) error {
	serverLog.begin(r)
	defer serverLog.end()
	return next.ServeHTTP(w, r)
}

var _ caddyhttp.MiddlewareHandler = leakRecorder{}

// served is one request that reached the server.
type served struct {
	Host    string // the Host header, lower case, without port or trailing dots
	URL     string // as the browser sent it: http://Host:port/path?query
	Path    string
	Upgrade string // the Upgrade header (websocket)
	Load    int    // the page load it belongs to (see leakLoad)
	Exact   bool   // Load is from the Referer, not from the time it came
}

// leakLoad is the number of the page load the leak test runs now; requests
// that do not say which load they come from are counted to it.
var leakLoad atomic.Int64

// loadOf returns the load a request comes from: the load= parameter of the
// page address in its Referer (the leak sites send the full address), else
// the load running now (not exact).
func loadOf(r *http.Request) (n int, exact bool) {
	return loadOfAddress(r.Referer())
}

// loadOfAddress returns the load of a page address: its load= parameter,
// else the load running now (not exact).
func loadOfAddress(u string) (n int, exact bool) {
	if pu, err := url.Parse(u); err == nil {
		if n, err := strconv.Atoi(pu.Query().Get("load")); err == nil {
			return n, true
		}
	}
	return int(leakLoad.Load()), false
}

// hostOf normalises a host[:port] as the leak test compares hosts.
func hostOf(hostport string) string {
	h := hostport
	if host, _, err := net.SplitHostPort(hostport); err == nil {
		h = host
	}
	return strings.TrimRight(strings.ToLower(h), ".")
}

// requestLog holds what the server received.
type requestLog struct {
	mu       sync.Mutex
	reqs     []served
	inflight int
	changed  chan struct{} // closed and replaced on every change
}

var serverLog = &requestLog{changed: make(chan struct{})}

func (l *requestLog) begin(r *http.Request) {
	l.mu.Lock()
	defer l.mu.Unlock()
	n, exact := loadOf(r)
	l.reqs = append(l.reqs, served{
		Host:    hostOf(r.Host),
		URL:     "http://" + r.Host + r.URL.RequestURI(),
		Path:    r.URL.Path,
		Upgrade: r.Header.Get("Upgrade"),
		Load:    n,
		Exact:   exact,
	})
	l.inflight++
	l.notify()
}

func (l *requestLog) end() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.inflight--
	l.notify()
}

// notify wakes the waiters; l.mu is held.
func (l *requestLog) notify() {
	close(l.changed)
	l.changed = make(chan struct{})
}

// forLoad returns the requests of load n.
func (l *requestLog) forLoad(n int) []served {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []served
	for _, r := range l.reqs {
		if r.Load == n {
			out = append(out, r)
		}
	}
	return out
}

// waitIdle blocks until no request is in flight at the server.
func (l *requestLog) waitIdle(ctx context.Context) error {
	for {
		l.mu.Lock()
		n, ch := l.inflight, l.changed
		l.mu.Unlock()
		if n == 0 {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("waiting for the server's requests to finish (%d in flight): %w", n, ctx.Err())
		}
	}
}
