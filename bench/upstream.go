package main

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// upstreamEnv, when set in the environment, makes the harness binary (or the
// test binary) serve the pages as the upstream instead of running the
// harness.
const upstreamEnv = "CONSENTRY_BENCH_UPSTREAM"

// serveUpstream is the upstream process: a plain net/http server that serves
// the pages from memory with a Content-Length, on a free loopback port that
// it prints to stdout as "listening 127.0.0.1:port". It serves until killed.
func serveUpstream() error {
	mux := http.NewServeMux()
	for _, p := range buildPages() {
		p := p
		length := strconv.Itoa(len(p.Body))
		mux.HandleFunc("GET "+p.Path, func(w http.ResponseWriter, r *http.Request) {
			h := w.Header()
			h["Content-Type"] = []string{p.ContentType}
			h["Content-Length"] = []string{length}
			h["Cache-Control"] = []string{"no-cache"}
			w.Write(p.Body)
		})
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	fmt.Printf("listening %s\n", l.Addr())
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 5 * time.Minute}
	return srv.Serve(l)
}

// upstream is the running upstream process.
type upstream struct {
	addr string
	cmd  *exec.Cmd
	done chan error
}

// startUpstream runs this executable again as the upstream process with
// GOMAXPROCS procs (0: the Go default) and waits for its address.
func startUpstream(procs int) (*upstream, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(self)
	cmd.Env = append(os.Environ(), upstreamEnv+"=1")
	if procs > 0 {
		cmd.Env = append(cmd.Env, "GOMAXPROCS="+strconv.Itoa(procs))
	}
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	u := &upstream{cmd: cmd, done: make(chan error, 1)}
	line := make(chan string, 1)
	go func() {
		s := bufio.NewScanner(out)
		if s.Scan() {
			line <- s.Text()
		}
		close(line)
		for s.Scan() { // drain anything else it prints
		}
		u.done <- cmd.Wait()
	}()
	select {
	case l, ok := <-line:
		addr, found := strings.CutPrefix(l, "listening ")
		if !ok || !found {
			u.stop()
			return nil, fmt.Errorf("upstream process: unexpected first line %q", l)
		}
		u.addr = addr
		return u, nil
	case <-time.After(30 * time.Second):
		u.stop()
		return nil, fmt.Errorf("upstream process did not report its address within 30s")
	}
}

// pid is the upstream process id.
func (u *upstream) pid() int { return u.cmd.Process.Pid }

// stop kills the upstream process and waits for it.
func (u *upstream) stop() {
	_ = u.cmd.Process.Kill()
	<-u.done
}
