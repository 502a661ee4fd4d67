package sdk

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"
)

// TestHeapNonReadingClients measures what clients that send a request and
// never read their answer hold in the server: 100 connections each ask for
// a 4 MB page with the costliest request there is (a withdrawn choice, 2,000
// refused cookie names and a Host of 120 labels), through a real HTTP
// server. Issue 12 saw three such clients hold 107 MB. Run with
//
//	go test -run TestHeapNonReadingClients -v ./sdk
//
// for the figure; the kernel's socket buffers come on top and are not Go
// heap.
func TestHeapNonReadingClients(t *testing.T) {
	if testing.Short() {
		t.Skip("opens 100 connections")
	}
	const clients, pageSize = 100, 4 << 20
	c := newTestConsent(t, Options{})
	upstream := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = io.Copy(w, &pageStream{size: pageSize})
	})
	srv := httptest.NewServer(c.Handler(upstream))
	defer srv.Close()
	host := strings.Repeat("a.", 118) + "example.com"

	// A withdrawn choice, made the way a browser makes it, on that host.
	req, _ := http.NewRequest("POST", srv.URL+"/_consent", strings.NewReader(`{"action":"reject_all"}`))
	req.Host = host
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	var consent string
	for _, ck := range resp.Cookies() {
		if ck.Name == c.opts.CookieName && ck.Value != "" {
			consent = ck.Name + "=" + ck.Value
		}
	}
	if consent == "" {
		t.Fatalf("no consent cookie: %d %q", resp.StatusCode, resp.Header.Values("Set-Cookie"))
	}
	var raw strings.Builder
	fmt.Fprintf(&raw, "GET /page HTTP/1.1\r\nHost: %s\r\nCookie: %s", host, consent)
	for i := range 2000 {
		fmt.Fprintf(&raw, "; _ga_%d=1", i)
	}
	raw.WriteString("\r\n\r\n")

	// The answer's headers, read once in full.
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.WriteString(conn, raw.String())
	head := make([]byte, 0, 64<<10)
	for buf := make([]byte, 4096); !strings.Contains(string(head), "\r\n\r\n"); {
		n, err := conn.Read(buf)
		if err != nil {
			t.Fatal(err)
		}
		head = append(head, buf[:n]...)
	}
	conn.Close()
	headers := len(head[:strings.Index(string(head), "\r\n\r\n")])
	if strings.Count(string(head), "Set-Cookie: _ga_") != 2*maxExpiredCookies {
		t.Fatalf("the answer expires %d cookies, want %d (host-only and example.com)", strings.Count(string(head), "Set-Cookie: _ga_")/2, maxExpiredCookies)
	}

	before := liveHeap()
	goroutines := runtime.NumGoroutine()
	conns := make([]net.Conn, 0, clients)
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for range clients {
		conn, err := net.Dial("tcp", srv.Listener.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, conn)
		if _, err := io.WriteString(conn, raw.String()); err != nil {
			t.Fatal(err)
		}
	}
	// Let every handler run until its writes block on a full socket.
	var held uint64
	for stable, last := 0, uint64(0); stable < 3; time.Sleep(300 * time.Millisecond) {
		held = liveHeap()
		if held == last {
			stable++
		} else {
			stable = 0
		}
		last = held
	}
	growth := int64(held) - int64(before)
	t.Logf("%d clients that never read: request %d B, answer headers %d B; Go heap %+d B (%d B per client), %d goroutines more",
		clients, raw.Len(), headers, growth, growth/clients, runtime.NumGoroutine()-goroutines)
	if growth > 64<<20 {
		t.Errorf("%d non-reading clients hold %d B of heap, want under 64 MiB", clients, growth)
	}
}
