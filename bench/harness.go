package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// harnessConfig says what to start.
type harnessConfig struct {
	CaddyBin      string
	Dir           string // scratch directory for Caddyfiles and storage
	Setups        []setup
	Pages         []*page
	UpstreamProcs int // GOMAXPROCS of the upstream process (0: Go default)
	CaddyProcs    int // GOMAXPROCS of each Caddy process (0: Go default)
}

// harness holds the running upstream and one Caddy process per setup.
type harness struct {
	cfg      harnessConfig
	upstream *upstream
	caddies  map[string]*caddyProc
	cookies  map[string]string // setup key: Cookie header for granted setups
}

// newHarness starts the upstream and every setup's Caddy, obtains the
// consent cookies, and checks each setup on each page with verify.
func newHarness(ctx context.Context, cfg harnessConfig) (_ *harness, err error) {
	h := &harness{cfg: cfg, caddies: map[string]*caddyProc{}, cookies: map[string]string{}}
	defer func() {
		if err != nil {
			h.close()
		}
	}()
	if h.upstream, err = startUpstream(cfg.UpstreamProcs); err != nil {
		return nil, err
	}
	for _, s := range cfg.Setups {
		if !s.Caddy {
			continue
		}
		dir := filepath.Join(cfg.Dir, s.Key)
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, err
		}
		p, err := startCaddy(ctx, cfg.CaddyBin, dir, s, h.upstream.addr, cfg.CaddyProcs)
		if err != nil {
			return nil, err
		}
		h.caddies[s.Key] = p
		if s.Granted {
			if h.cookies[s.Key], err = p.grantAll(); err != nil {
				return nil, err
			}
		}
		if s.SizedCookie {
			h.cookies[s.Key] = syntheticCookie
		}
	}
	var errs []error
	for _, s := range cfg.Setups {
		for _, p := range cfg.Pages {
			errs = append(errs, verify(h.target(s, p), s, p))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return h, nil
}

// target is the request for page p through setup s.
func (h *harness) target(s setup, p *page) target {
	addr := h.upstream.addr
	if c := h.caddies[s.Key]; c != nil {
		addr = strings.TrimPrefix(c.base, "http://")
	}
	return newTarget(addr, p.Path, s.AcceptGzip, h.cookies[s.Key])
}

// serverPID is the process that serves setup s: its Caddy, or the upstream.
func (h *harness) serverPID(s setup) int {
	if c := h.caddies[s.Key]; c != nil {
		return c.pid()
	}
	return h.upstream.pid()
}

// measurement is one timed window of one setup on one page.
type measurement struct {
	Setup    string        `json:"setup"`
	Page     string        `json:"page"`
	Round    int           `json:"round"`
	Conns    int           `json:"conns"`
	Requests uint64        `json:"requests"`
	Errors   uint64        `json:"errors"`
	Window   time.Duration `json:"window_ns"`
	RPS      float64       `json:"rps"`
	P50      time.Duration `json:"p50_ns"`
	P99      time.Duration `json:"p99_ns"`
	// CPU is the user+system time of the serving process (Caddy, or the
	// upstream for the direct setup) in the window; UpstreamCPU and GenCPU
	// are the upstream's and the load generator's.
	CPU         time.Duration `json:"cpu_ns"`
	UpstreamCPU time.Duration `json:"upstream_cpu_ns"`
	GenCPU      time.Duration `json:"generator_cpu_ns"`
	RSS         int64         `json:"rss_bytes"` // serving process, at the end of the window
	BodyBytes   float64       `json:"body_bytes"`
}

// cpuPerReq is the serving process's CPU time per request.
func (m measurement) cpuPerReq() time.Duration {
	if m.Requests == 0 {
		return 0
	}
	return m.CPU / time.Duration(m.Requests)
}

// measure runs the load generator against setup s on page p and takes the
// serving process's CPU time and RSS at the window's edges.
func (h *harness) measure(ctx context.Context, s setup, p *page, conns int, warmup, window time.Duration) (measurement, error) {
	pid, self, up := h.serverPID(s), os.Getpid(), h.upstream.pid()
	var cpu0, cpu1, up0, up1, gen0, gen1 time.Duration
	var rssEnd int64
	var snapErr error
	snap := func(cpu, upc, gen *time.Duration) {
		var err error
		if *cpu, err = cpuTime(pid); err != nil {
			snapErr = err
		}
		*upc, _ = cpuTime(up)
		*gen, _ = cpuTime(self)
	}
	res, err := runLoad(ctx, []target{h.target(s, p)}, conns, warmup, window,
		func() { snap(&cpu0, &up0, &gen0) },
		func() {
			snap(&cpu1, &up1, &gen1)
			var err error
			if rssEnd, err = rss(pid); err != nil {
				snapErr = err
			}
		})
	if err != nil {
		return measurement{}, fmt.Errorf("%s %s: %v", s.Key, p.Key, err)
	}
	if snapErr != nil {
		return measurement{}, fmt.Errorf("%s %s: %v", s.Key, p.Key, snapErr)
	}
	return measurement{
		Setup: s.Key, Page: p.Key, Conns: conns, Requests: res.Requests, Errors: res.Errors, Window: res.Window,
		RPS: res.rps(), P50: res.Hist.quantile(0.50), P99: res.Hist.quantile(0.99),
		CPU: cpu1 - cpu0, UpstreamCPU: up1 - up0, GenCPU: gen1 - gen0, RSS: rssEnd,
		BodyBytes: float64(res.Bytes) / float64(res.Requests),
	}, nil
}

// close stops every process the harness started.
func (h *harness) close() {
	for _, c := range h.caddies {
		c.stop()
	}
	if h.upstream != nil {
		h.upstream.stop()
	}
}
