// Command bench is the load harness for Consentry: it measures, side by side
// and on the same upstream pages, the upstream served directly, Caddy's plain
// reverse_proxy, Caddy with the consent handler (without a choice and with
// everything granted), and encode gzip with and without consent, and checks
// the performance targets. Everything runs on loopback.
//
// From the repository root:
//
//	go run ./bench -duration 10s -rounds 3 -soak -out /tmp/bench.md
//
// It builds ./cmd/caddy (or uses -caddy), starts the upstream (this program
// again, as a separate process serving the pages from memory) and one Caddy
// process per setup, checks each setup's responses, then runs a closed-loop
// load generator against each setup and page in turn, rounds times,
// rotating the order of setups each round. It prints a Markdown report with
// medians over the rounds and PASS or FAIL for each target.
//
// CPU use: the machine this was written for has 2 cores, shared by the load
// generator, the upstream and Caddy. By default the generator runs with
// GOMAXPROCS=1 (-gen-procs), the upstream with GOMAXPROCS=1
// (-upstream-procs), and Caddy with Go's default, all cores (-caddy-procs),
// so the process under test can use both cores and the other two cannot
// take more than one each.
//
// go test ./bench runs a short smoke test of the harness (TestHarnessSmoke);
// -short skips it.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"
)

// options are the command-line flags.
type options struct {
	caddyBin       string
	duration       time.Duration
	warmup         time.Duration
	rounds         int
	conns          int
	latConns       int
	latDuration    time.Duration
	pages          string
	setups         string
	genProcs       int
	upstreamProcs  int
	caddyProcs     int
	soak           bool
	soakDuration   time.Duration
	soakWarmup     time.Duration
	soakConns      int
	soakSetup      string
	profile        string
	profileOut     string
	profileSeconds int
	out            string
	jsonOut        string
}

func main() {
	if _, ok := os.LookupEnv(upstreamEnv); ok {
		if err := serveUpstream(); err != nil {
			fmt.Fprintln(os.Stderr, "upstream:", err)
			os.Exit(1)
		}
		return
	}
	var o options
	flag.StringVar(&o.caddyBin, "caddy", "", "Caddy binary with the consent module (default: go build ./cmd/caddy into a temporary directory)")
	flag.DurationVar(&o.duration, "duration", 10*time.Second, "timed window per setup and page")
	flag.DurationVar(&o.warmup, "warmup", 2*time.Second, "warm-up before each window, not counted")
	flag.IntVar(&o.rounds, "rounds", 3, "rounds over every setup and page; the report shows medians (0: only the soak)")
	flag.IntVar(&o.conns, "conns", 64, "keep-alive connections for the throughput windows")
	flag.IntVar(&o.latConns, "latency-conns", 1, "connections for the latency windows (0: none)")
	flag.DurationVar(&o.latDuration, "latency-duration", 3*time.Second, "timed window per setup and page for latency")
	flag.StringVar(&o.pages, "pages", "2KB,50KB,1MB,image", "pages to measure")
	flag.StringVar(&o.setups, "setups", strings.Join(defaultSetupKeys, ","), "setups to measure (also: consent-sqlite)")
	flag.IntVar(&o.genProcs, "gen-procs", 1, "GOMAXPROCS of the load generator")
	flag.IntVar(&o.upstreamProcs, "upstream-procs", 1, "GOMAXPROCS of the upstream process (0: Go default)")
	flag.IntVar(&o.caddyProcs, "caddy-procs", 0, "GOMAXPROCS of each Caddy process (0: Go default)")
	flag.BoolVar(&o.soak, "soak", false, "after the rounds, run the memory soak")
	flag.DurationVar(&o.soakDuration, "soak-duration", 60*time.Second, "soak window")
	flag.DurationVar(&o.soakWarmup, "soak-warmup", 30*time.Second, "soak warm-up; RSS is taken at its end (10 s is too short: RSS still settles)")
	flag.IntVar(&o.soakConns, "soak-conns", 256, "soak connections")
	flag.StringVar(&o.soakSetup, "soak-setup", "consent", "setup the soak runs against")
	flag.StringVar(&o.profile, "profile", "", "setup/page (e.g. consent/1MB): after the rest, take a CPU profile of that Caddy under load")
	flag.StringVar(&o.profileOut, "profile-out", "caddy-cpu.pprof", "where -profile writes the profile")
	flag.IntVar(&o.profileSeconds, "profile-seconds", 10, "length of the -profile profile")
	flag.StringVar(&o.out, "out", "", "also write the Markdown report to this file")
	flag.StringVar(&o.jsonOut, "json", "", "also write every measurement as JSON to this file")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, o, commandLine()); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// commandLine is the command as typed from the repository root.
func commandLine() string {
	args := []string{"go", "run", "./bench"}
	for _, a := range os.Args[1:] {
		if strings.ContainsAny(a, " \t'\"$") {
			a = strconv.Quote(a)
		}
		args = append(args, a)
	}
	return strings.Join(args, " ")
}

// run is the whole harness.
func run(ctx context.Context, o options, command string) error {
	runtime.GOMAXPROCS(o.genProcs)
	setups, err := pickSetups(o.setups)
	if err != nil {
		return err
	}
	pages, err := pickPages(o.pages)
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "consentry-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if o.caddyBin == "" {
		logf("building ./cmd/caddy")
		if o.caddyBin, err = buildCaddy(dir); err != nil {
			return err
		}
	}
	need := slices.Clone(setups)
	if o.soak && !slices.ContainsFunc(need, func(s setup) bool { return s.Key == o.soakSetup }) {
		s, err := pickSetups(o.soakSetup)
		if err != nil {
			return fmt.Errorf("-soak-setup: %v", err)
		}
		need = append(need, s...)
	}
	mach := newMachine(o.caddyBin)
	logf("starting the upstream and %d setups", len(need))
	h, err := newHarness(ctx, harnessConfig{CaddyBin: o.caddyBin, Dir: dir, Setups: need, Pages: pages,
		UpstreamProcs: o.upstreamProcs, CaddyProcs: o.caddyProcs})
	if err != nil {
		return err
	}
	defer h.close()

	rep := &report{Machine: mach, Command: command, Setups: setups, Pages: pages, Conns: o.conns, LatConns: o.latConns,
		Config: fmt.Sprintf("Per setup and page: %v warm-up, then a %v window at %d keep-alive connections (closed loop), "+
			"and a %v window at %d connection(s); %d rounds, setup order rotated each round. "+
			"GOMAXPROCS: load generator %d, upstream %s, Caddy %s.",
			o.warmup, o.duration, o.conns, o.latDuration, o.latConns, o.rounds, o.genProcs, procsText(o.upstreamProcs), procsText(o.caddyProcs))}
	for round := range o.rounds {
		order := append(slices.Clone(setups[round%len(setups):]), setups[:round%len(setups)]...)
		for _, p := range pages {
			for _, s := range order {
				m, err := h.measure(ctx, s, p, o.conns, o.warmup, o.duration)
				if err != nil {
					return err
				}
				m.Round = round
				logf("round %d %-5s %-13s c=%-3d %8.0f req/s  p50 %-9v p99 %-9v cpu/req %v", round+1, p.Key, s.Key, o.conns, m.RPS, m.P50, m.P99, m.cpuPerReq())
				rep.Load.all = append(rep.Load.all, m)
			}
		}
		if o.latConns > 0 {
			for _, p := range pages {
				for _, s := range order {
					m, err := h.measure(ctx, s, p, o.latConns, o.warmup/2, o.latDuration)
					if err != nil {
						return err
					}
					m.Round = round
					logf("round %d %-5s %-13s c=%-3d %8.0f req/s  p50 %-9v p99 %v", round+1, p.Key, s.Key, o.latConns, m.RPS, m.P50, m.P99)
					rep.Latency.all = append(rep.Latency.all, m)
				}
			}
		}
	}
	if o.soak {
		s, _ := pickSetups(o.soakSetup)
		logf("soak: %s, %d connections, %v + %v", o.soakSetup, o.soakConns, o.soakWarmup, o.soakDuration)
		if rep.Soak, err = soak(ctx, h, s[0], pages, o.soakConns, o.soakWarmup, o.soakDuration); err != nil {
			return err
		}
	}
	if o.profile != "" {
		if err := profile(ctx, h, o, pages); err != nil {
			return err
		}
	}
	rep.Machine.LoadAvg1 = loadAvg()
	md := rep.markdown()
	fmt.Print(md)
	if o.out != "" {
		if err := os.WriteFile(o.out, []byte(md), 0o644); err != nil {
			return err
		}
	}
	if o.jsonOut != "" {
		b, err := json.MarshalIndent(map[string]any{"load": rep.Load.all, "latency": rep.Latency.all, "soak": rep.Soak, "machine": rep.Machine}, "", "  ")
		if err != nil {
			return err
		}
		if err := os.WriteFile(o.jsonOut, b, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// soak runs the memory soak: conns connections, worker i on page i mod
// len(pages), RSS sampled every second.
func soak(ctx context.Context, h *harness, s setup, pages []*page, conns int, warmup, window time.Duration) (*soakResult, error) {
	var targets []target
	for _, p := range pages {
		targets = append(targets, h.target(s, p))
	}
	pid := h.serverPID(s)
	res := &soakResult{Setup: s.Key, Conns: conns, Warmup: warmup, Window: window, SampleEvery: time.Second}
	var cpu0, cpu1 time.Duration
	done := make(chan struct{})
	sampled := make(chan struct{})
	started := make(chan struct{})
	go func() {
		defer close(sampled)
		select {
		case <-started:
		case <-done:
			return
		}
		tick := time.NewTicker(res.SampleEvery)
		defer tick.Stop()
		for {
			select {
			case <-tick.C:
				if v, err := rss(pid); err == nil {
					res.Samples = append(res.Samples, v)
				}
			case <-done:
				return
			}
		}
	}()
	var snapErr error
	lr, err := runLoad(ctx, targets, conns, warmup, window,
		func() {
			res.RSSAfterWarm, snapErr = rss(pid)
			cpu0, _ = cpuTime(pid)
			close(started)
		},
		func() {
			var err error
			if res.RSSEnd, err = rss(pid); err != nil {
				snapErr = err
			}
			cpu1, _ = cpuTime(pid)
		})
	close(done)
	<-sampled
	if err != nil {
		return nil, fmt.Errorf("soak: %v", err)
	}
	if snapErr != nil {
		return nil, fmt.Errorf("soak: %v", snapErr)
	}
	res.RPS, res.Errors, res.RequestsTotal, res.ServerCPU = lr.rps(), lr.Errors, lr.Requests, cpu1-cpu0
	res.RSSMin, res.RSSMax = res.RSSAfterWarm, res.RSSAfterWarm
	for _, v := range append(res.Samples, res.RSSEnd) {
		res.RSSMin, res.RSSMax = min(res.RSSMin, v), max(res.RSSMax, v)
	}
	return res, nil
}

// profile loads one setup with one page and fetches a CPU profile of its
// Caddy process from the admin API meanwhile.
func profile(ctx context.Context, h *harness, o options, pages []*page) error {
	sk, pk, ok := strings.Cut(o.profile, "/")
	if !ok {
		return fmt.Errorf("-profile %q: want setup/page", o.profile)
	}
	c := h.caddies[sk]
	if c == nil {
		return fmt.Errorf("-profile: setup %q is not a running Caddy setup", sk)
	}
	i := slices.IndexFunc(pages, func(p *page) bool { return p.Key == pk })
	if i < 0 {
		return fmt.Errorf("-profile: unknown page %q", pk)
	}
	logf("profiling %s on %s for %ds", sk, pk, o.profileSeconds)
	type result struct {
		b   []byte
		err error
	}
	got := make(chan result, 1)
	_, err := runLoad(ctx, []target{h.target(c.setup, pages[i])}, o.conns, o.warmup, time.Duration(o.profileSeconds+2)*time.Second,
		func() {
			go func() {
				b, err := c.profile(ctx, o.profileSeconds)
				got <- result{b, err}
			}()
		}, nil)
	if err != nil {
		return err
	}
	r := <-got
	if r.err != nil {
		return r.err
	}
	logf("wrote %s (go tool pprof -top %s %s)", o.profileOut, o.caddyBin, o.profileOut)
	return os.WriteFile(o.profileOut, r.b, 0o644)
}

// pickSetups returns the setups named in a comma-separated list.
func pickSetups(list string) ([]setup, error) {
	var out []setup
	for _, k := range strings.Split(list, ",") {
		i := slices.IndexFunc(allSetups, func(s setup) bool { return s.Key == strings.TrimSpace(k) })
		if i < 0 {
			return nil, fmt.Errorf("unknown setup %q", k)
		}
		out = append(out, allSetups[i])
	}
	return out, nil
}

// pickPages returns the pages named in a comma-separated list.
func pickPages(list string) ([]*page, error) {
	all := buildPages()
	var out []*page
	for _, k := range strings.Split(list, ",") {
		i := slices.IndexFunc(all, func(p *page) bool { return p.Key == strings.TrimSpace(k) })
		if i < 0 {
			return nil, fmt.Errorf("unknown page %q", k)
		}
		out = append(out, all[i])
	}
	return out, nil
}

// procsText describes a GOMAXPROCS setting.
func procsText(n int) string {
	if n <= 0 {
		return fmt.Sprintf("Go default (%d)", runtime.NumCPU())
	}
	return strconv.Itoa(n)
}

// logf prints progress to stderr.
func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, time.Now().Format("15:04:05 ")+format+"\n", args...)
}
