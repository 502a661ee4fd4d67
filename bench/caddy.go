package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// setup is one way of serving the pages that the harness measures.
type setup struct {
	Key        string // short name used in tables and flags
	Title      string // what it is, for the report
	Caddy      bool   // false: the upstream directly
	Encode     bool   // encode gzip
	Consent    string // the consent block's body; "" for no consent handler
	Granted    bool   // requests carry a consent cookie granting everything
	AcceptGzip bool   // requests send Accept-Encoding: gzip
	// SizedCookie: requests carry a cookie the size of a consent cookie
	// (syntheticCookie), so plain proxy can be compared with granted on
	// requests of the same size.
	SizedCookie bool
}

// syntheticCookie has the name and length of the consent cookie granted
// sends (an encrypted choice of every category: 376 characters).
var syntheticCookie = "consent=" + strings.Repeat("MTc5NTU0NDE4M3xBZ0VBQUFBQUFB", 14)[:376]

// allSetups are the setups in report order. consent-sqlite (the default
// consent log) and proxy-cookie are measured only when asked for with
// -setups.
var allSetups = []setup{
	{Key: "direct", Title: "upstream directly (Go net/http)"},
	{Key: "proxy", Title: "Caddy reverse_proxy", Caddy: true},
	{Key: "consent", Title: "Caddy + consent, no choice", Caddy: true, Consent: "log off"},
	{Key: "granted", Title: "Caddy + consent, all granted", Caddy: true, Consent: "log off", Granted: true},
	{Key: "gzip-consent", Title: "Caddy + encode gzip + consent, no choice", Caddy: true, Encode: true, Consent: "log off", AcceptGzip: true},
	{Key: "gzip-proxy", Title: "Caddy + encode gzip + reverse_proxy", Caddy: true, Encode: true, AcceptGzip: true},
	{Key: "consent-sqlite", Title: "Caddy + consent, no choice, default SQLite log", Caddy: true, Consent: "# default log"},
	{Key: "proxy-cookie", Title: "Caddy reverse_proxy, requests with a consent-sized cookie", Caddy: true, SizedCookie: true},
}

// defaultSetupKeys are measured unless -setups says otherwise.
var defaultSetupKeys = []string{"direct", "proxy", "consent", "granted", "gzip-consent", "gzip-proxy"}

// caddyfile renders the setup's Caddyfile.
func (s setup) caddyfile(port, adminPort int, storage, upstreamAddr string) string {
	var site strings.Builder
	if s.Encode {
		site.WriteString("\tencode gzip\n")
	}
	if s.Consent != "" {
		fmt.Fprintf(&site, "\tconsent {\n\t\t%s\n\t}\n", s.Consent)
	}
	fmt.Fprintf(&site, "\treverse_proxy %s\n", upstreamAddr)
	return fmt.Sprintf(`{
	admin 127.0.0.1:%d
	persist_config off
	auto_https off
	storage file_system %s
	log {
		level ERROR
	}
}

http://127.0.0.1:%d {
%s}
`, adminPort, storage, port, site.String())
}

// caddyProc is one running Caddy process.
type caddyProc struct {
	setup setup
	base  string // http://127.0.0.1:port
	admin string // http://127.0.0.1:port of the admin API (pprof)
	cmd   *exec.Cmd
	out   *bytes.Buffer
	done  chan error
}

// startCaddy writes the setup's Caddyfile into dir and runs bin on it with
// GOMAXPROCS procs (0: the Go default), then waits until it proxies.
func startCaddy(ctx context.Context, bin, dir string, s setup, upstreamAddr string, procs int) (*caddyProc, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	adminPort, err := freePort()
	if err != nil {
		return nil, err
	}
	home := filepath.Join(dir, "home")
	conf := filepath.Join(dir, "Caddyfile")
	if err := os.MkdirAll(home, 0o700); err != nil {
		return nil, err
	}
	if err := os.WriteFile(conf, []byte(s.caddyfile(port, adminPort, filepath.Join(dir, "storage"), upstreamAddr)), 0o600); err != nil {
		return nil, err
	}
	p := &caddyProc{
		setup: s,
		base:  "http://127.0.0.1:" + strconv.Itoa(port),
		admin: "http://127.0.0.1:" + strconv.Itoa(adminPort),
		out:   new(bytes.Buffer),
		done:  make(chan error, 1),
	}
	p.cmd = exec.Command(bin, "run", "--config", conf, "--adapter", "caddyfile")
	p.cmd.Env = append(os.Environ(), "HOME="+home, "XDG_DATA_HOME="+filepath.Join(home, "data"),
		"XDG_CONFIG_HOME="+filepath.Join(home, "config"))
	if procs > 0 {
		p.cmd.Env = append(p.cmd.Env, "GOMAXPROCS="+strconv.Itoa(procs))
	}
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
	if err := p.cmd.Start(); err != nil {
		return nil, fmt.Errorf("%s: %v", s.Key, err)
	}
	go func() { p.done <- p.cmd.Wait() }()
	if err := p.waitServing(ctx, 60*time.Second); err != nil {
		p.stop()
		return nil, err
	}
	return p, nil
}

// waitServing polls the smallest page until Caddy answers 200.
func (p *caddyProc) waitServing(ctx context.Context, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		resp, err := http.Get(p.base + "/page-2k.html")
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("caddy %s did not serve within %v (last error %v):\n%s", p.setup.Key, limit, err, p.out)
		}
		select {
		case err := <-p.done:
			p.done <- err
			return fmt.Errorf("caddy %s exited while starting: %v\n%s", p.setup.Key, err, p.out)
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
}

// pid is the Caddy process id.
func (p *caddyProc) pid() int { return p.cmd.Process.Pid }

// stop asks Caddy to stop (SIGTERM), kills it after 20 s, and waits.
func (p *caddyProc) stop() {
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(20 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

// grantAll posts an accept-all decision to the consent endpoint and returns
// the Cookie header value that carries it.
func (p *caddyProc) grantAll() (string, error) {
	req, err := http.NewRequest(http.MethodPost, p.base+"/_consent", strings.NewReader(`{"action":"accept_all"}`))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", userAgent)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("%s: POST /_consent: %s: %s", p.setup.Key, resp.Status, body)
	}
	var pairs []string
	for _, c := range resp.Cookies() {
		if c.MaxAge >= 0 && c.Value != "" {
			pairs = append(pairs, c.Name+"="+c.Value)
		}
	}
	if len(pairs) == 0 {
		return "", fmt.Errorf("%s: POST /_consent set no cookie", p.setup.Key)
	}
	return strings.Join(pairs, "; "), nil
}

// profile fetches a CPU profile of seconds from Caddy's admin API.
func (p *caddyProc) profile(ctx context.Context, seconds int) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, fmt.Sprintf("%s/debug/pprof/profile?seconds=%d", p.admin, seconds), nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("pprof: %s: %s", resp.Status, b)
	}
	return b, nil
}

// caddyVersion runs "caddy version".
func caddyVersion(bin string) string {
	out, err := exec.Command(bin, "version").Output()
	if err != nil {
		return "unknown (" + err.Error() + ")"
	}
	v, _, _ := strings.Cut(strings.TrimSpace(string(out)), " ")
	return v
}

// buildCaddy builds ./cmd/caddy of this module into dir.
func buildCaddy(dir string) (string, error) {
	bin := filepath.Join(dir, "caddy")
	out, err := exec.Command("go", "build", "-o", bin, "github.com/consentry/consentry/cmd/caddy").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go build ./cmd/caddy: %v\n%s", err, out)
	}
	return bin, nil
}

// reservedPorts are used by other runs on this machine; never bind them.
var reservedPorts = map[int]bool{2999: true, 8080: true, 9080: true, 9443: true}

// freePort returns a loopback port that was free a moment ago.
func freePort() (int, error) {
	for range 10 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return 0, err
		}
		port := l.Addr().(*net.TCPAddr).Port
		l.Close()
		if !reservedPorts[port] {
			return port, nil
		}
	}
	return 0, fmt.Errorf("no free loopback port outside the reserved ones")
}
