package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"time"
)

// userAgent is a current desktop Chrome, as a visitor would send.
const userAgent = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36"

// target is one request the load generator repeats.
type target struct {
	addr string // host:port to dial
	req  []byte // the raw HTTP/1.1 request
}

// newTarget builds a browser-like GET for path on addr. cookie may be empty.
func newTarget(addr, path string, gzip bool, cookie string) target {
	req := "GET " + path + " HTTP/1.1\r\nHost: " + addr + "\r\nUser-Agent: " + userAgent +
		"\r\nAccept: text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8" +
		"\r\nAccept-Language: en-GB,en;q=0.9\r\n"
	if gzip {
		req += "Accept-Encoding: gzip\r\n"
	}
	if cookie != "" {
		req += "Cookie: " + cookie + "\r\n"
	}
	return target{addr: addr, req: []byte(req + "\r\n")}
}

// loadResult is what one timed window measured.
type loadResult struct {
	Requests uint64        // responses completed inside the window with status 200
	Errors   uint64        // other statuses and I/O errors inside the window
	Bytes    uint64        // response body bytes of those requests, as sent (compressed if so)
	Window   time.Duration // the window's length
	Hist     *histogram    // latency of every request counted in Requests
}

// rps is requests per second in the window.
func (r loadResult) rps() float64 { return float64(r.Requests) / r.Window.Seconds() }

// runLoad is a closed-loop load generator: conns workers, each on its own
// keep-alive connection, send one request and read the whole response
// before sending the next. Worker i repeats targets[i%len(targets)]. The
// first warmup is not counted; then every response completed in the
// window is. atStart and atEnd (may be nil) run when the window opens and
// closes, to take snapshots of the server processes.
func runLoad(ctx context.Context, targets []target, conns int, warmup, window time.Duration, atStart, atEnd func()) (loadResult, error) {
	if conns < 1 || len(targets) == 0 {
		return loadResult{}, fmt.Errorf("runLoad: need at least one connection and one target")
	}
	start := time.Now().Add(warmup)
	end := start.Add(window)
	ctx, cancel := context.WithDeadline(ctx, end.Add(30*time.Second))
	defer cancel()

	stats := make([]workerStats, conns)
	var wg sync.WaitGroup
	for i := range conns {
		wg.Add(1)
		go func(st *workerStats, t target) {
			defer wg.Done()
			st.run(ctx, t, start, end)
		}(&stats[i], targets[i%len(targets)])
	}
	timer := time.NewTimer(time.Until(start))
	select {
	case <-timer.C:
		if atStart != nil {
			atStart()
		}
	case <-ctx.Done():
	}
	timer.Reset(time.Until(end))
	select {
	case <-timer.C:
		if atEnd != nil {
			atEnd()
		}
	case <-ctx.Done():
	}
	wg.Wait()
	if err := ctx.Err(); err != nil && time.Now().Before(end) {
		return loadResult{}, err
	}
	res := loadResult{Window: window, Hist: new(histogram)}
	var firstErr error
	for i := range stats {
		res.Requests += stats[i].requests
		res.Errors += stats[i].errors
		res.Bytes += stats[i].bytes
		res.Hist.merge(&stats[i].hist)
		if firstErr == nil {
			firstErr = stats[i].firstErr
		}
	}
	if res.Requests == 0 {
		return res, fmt.Errorf("no successful request in the window (%d errors, first: %v)", res.Errors, firstErr)
	}
	return res, nil
}

// workerStats is one worker's counts; only that worker writes them.
type workerStats struct {
	requests, errors, bytes uint64
	hist                    histogram
	firstErr                error
}

// run repeats the request on one keep-alive connection until end,
// reconnecting after errors and when the server closes the connection.
func (st *workerStats) run(ctx context.Context, t target, start, end time.Time) {
	var (
		conn net.Conn
		br   *bufio.Reader
	)
	defer func() {
		if conn != nil {
			conn.Close()
		}
	}()
	fail := func(err error) {
		if time.Now().After(start) {
			st.errors++
			if st.firstErr == nil {
				st.firstErr = err
			}
		}
		if conn != nil {
			conn.Close()
			conn = nil
		}
	}
	for ctx.Err() == nil {
		t0 := time.Now()
		if t0.After(end) {
			return
		}
		if conn == nil {
			c, err := net.DialTimeout("tcp", t.addr, 5*time.Second)
			if err != nil {
				fail(err)
				select { // back off a little; the server may be restarting
				case <-time.After(10 * time.Millisecond):
				case <-ctx.Done():
				}
				continue
			}
			// A bound on every read and write, so a stuck server ends the run.
			c.SetDeadline(end.Add(30 * time.Second))
			conn = c
			if br == nil {
				br = bufio.NewReaderSize(conn, 32<<10)
			} else {
				br.Reset(conn)
			}
			t0 = time.Now()
		}
		if _, err := conn.Write(t.req); err != nil {
			fail(err)
			continue
		}
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			fail(err)
			continue
		}
		n, err := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if err != nil {
			fail(err)
			continue
		}
		t1 := time.Now()
		if !t1.Before(start) && !t1.After(end) {
			if resp.StatusCode == http.StatusOK {
				st.requests++
				st.bytes += uint64(n)
				st.hist.record(t1.Sub(t0))
			} else {
				st.errors++
				if st.firstErr == nil {
					st.firstErr = fmt.Errorf("status %s", resp.Status)
				}
			}
		}
		if resp.Close {
			conn.Close()
			conn = nil
		}
	}
}
