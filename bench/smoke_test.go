package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"
)

// TestMain lets the test binary serve as the upstream process, as the
// harness binary does.
func TestMain(m *testing.M) {
	if _, ok := os.LookupEnv(upstreamEnv); ok {
		if err := serveUpstream(); err != nil {
			fmt.Fprintln(os.Stderr, "upstream:", err)
			os.Exit(1)
		}
		return
	}
	os.Exit(m.Run())
}

// TestHarnessSmoke builds ./cmd/caddy, starts every setup and checks that
// the harness works: every setup answers 200 on every page, the consent
// setups rewrite HTML (the state script is injected; tags are neutralised
// without a choice and none with everything granted), the gzip setups
// compress, other bodies arrive unchanged, and a 1 s load window on each
// setup yields positive figures. It checks no performance target.
func TestHarnessSmoke(t *testing.T) {
	if testing.Short() {
		t.Skip("builds Caddy and runs load for about 30 s")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	bin, err := buildCaddy(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	setups, err := pickSetups(strings.Join(defaultSetupKeys, ","))
	if err != nil {
		t.Fatal(err)
	}
	pages := buildPages()
	// newHarness runs verify on every setup and page before it returns.
	h, err := newHarness(ctx, harnessConfig{CaddyBin: bin, Dir: t.TempDir(), Setups: setups, Pages: pages, UpstreamProcs: 1})
	if h != nil {
		defer h.close()
	}
	if err != nil {
		t.Fatal(err)
	}
	if c := h.cookies["granted"]; !strings.Contains(c, "=") {
		t.Fatalf("granted setup has no consent cookie: %q", c)
	}

	rep := &report{Setups: setups, Pages: pages, Conns: 4, LatConns: 1, Command: "go test ./bench"}
	for _, s := range setups {
		for _, p := range pages {
			window := 250 * time.Millisecond
			if p.Key == "50KB" {
				window = time.Second // long enough for a CPU reading (10 ms ticks)
			}
			m, err := h.measure(ctx, s, p, 4, 100*time.Millisecond, window)
			if err != nil {
				t.Fatal(err)
			}
			if m.Errors != 0 || m.Requests == 0 || m.RPS <= 0 || m.P50 <= 0 || m.P99 < m.P50 || m.RSS <= 0 {
				t.Errorf("%s %s: implausible measurement %+v", s.Key, p.Key, m)
			}
			if p.Key == "50KB" && m.CPU <= 0 {
				t.Errorf("%s %s: no CPU time measured for the serving process in %v at %.0f req/s", s.Key, p.Key, window, m.RPS)
			}
			if want := float64(len(p.Body)); s.Consent == "" && !s.AcceptGzip && m.BodyBytes != want {
				t.Errorf("%s %s: %.0f body bytes per response, want %.0f", s.Key, p.Key, m.BodyBytes, want)
			}
			rep.Load.all = append(rep.Load.all, m)
		}
	}
	md := rep.markdown()
	for _, want := range []string{"| 2KB | consent |", "| 1MB | gzip-proxy |", "Time added per request", "| 300 KB image, `granted`: req/s ≥ 99 % of proxy |"} {
		if !strings.Contains(md, want) {
			t.Errorf("report lacks %q:\n%s", want, md)
		}
	}
	if t.Failed() {
		t.Log(md)
	}
}

// TestPages checks the generated pages: sizes, and the tracker tags the
// consent setups are expected to neutralise.
func TestPages(t *testing.T) {
	want := map[string]int{"2KB": 2 << 10, "50KB": 50 << 10, "1MB": 1 << 20, "image": 300 << 10, "3KB": 3 << 10, "7KB": 7 << 10}
	for _, p := range buildPages() {
		if len(p.Body) != want[p.Key] {
			t.Errorf("%s: %d bytes, want %d", p.Key, len(p.Body), want[p.Key])
		}
		if !p.HTML {
			continue
		}
		body := string(p.Body)
		if !strings.HasPrefix(body, "<!DOCTYPE html>") || !strings.Contains(body, "</html>") {
			t.Errorf("%s: not a whole HTML document", p.Key)
		}
		hosts := []string{"googletagmanager.com"}
		if p.Key != "2KB" && p.Key != "3KB" && p.Key != "7KB" {
			hosts = append(hosts, "doubleclick.net", "connect.facebook.net", "youtube.com/embed", "platform.twitter.com")
		}
		for _, h := range hosts {
			if !strings.Contains(body, h) {
				t.Errorf("%s: no %s tag", p.Key, h)
			}
		}
	}
	for i, p := range buildPages() {
		if string(p.Body) != string(buildPages()[i].Body) {
			t.Errorf("%s: not deterministic", p.Key)
		}
	}
}
