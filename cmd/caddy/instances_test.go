package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Helpers that run the built binary as separate Caddy processes, the way
// an operator runs several instances behind a load balancer.

var (
	buildOnce sync.Once
	builtBin  string
	buildErr  error
)

// caddyBinary builds the command once per test run.
func caddyBinary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "consentry-caddy-")
		if err != nil {
			buildErr = err
			return
		}
		builtBin = filepath.Join(dir, "caddy")
		if out, err := exec.Command("go", "build", "-o", builtBin, ".").CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return builtBin
}

// freePort returns a loopback port that was free a moment ago.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// instance is one running Caddy process.
type instance struct {
	t       *testing.T
	name    string
	bin     string
	config  string // Caddyfile path
	home    string
	base    string // http://127.0.0.1:port
	admin   string // http://127.0.0.1:port of the admin API
	cmd     *exec.Cmd
	out     *bytes.Buffer
	waitErr chan error
}

// instanceConfig is what differs between instances.
type instanceConfig struct {
	Storage string // shared Caddy storage directory
	Log     string // the consent block's log line(s)
}

// startInstance writes a Caddyfile serving an HTML page through the consent
// handler and starts Caddy on it. It fails the test if the server does not
// answer within 30 seconds.
func startInstance(t *testing.T, name string, c instanceConfig) *instance {
	t.Helper()
	dir := t.TempDir()
	port, adminPort := freePort(t), freePort(t)
	caddyfile := fmt.Sprintf(`{
	admin 127.0.0.1:%d
	storage file_system %s
	persist_config off
}

http://127.0.0.1:%d {
	consent {
		# Every decision of these tests comes from 127.0.0.1: the decision
		# limits are not under test.
		rate_limit off off
		category advertising {
			hosts ads.localhost
		}
		%s
	}
	header Content-Type "text/html; charset=utf-8"
	respond "<!doctype html><html><head><title>Shop</title></head><body><h1>Shop</h1><script src=https://ads.localhost/ad.js></script></body></html>"
}
`, adminPort, c.Storage, port, c.Log)
	in := &instance{
		t: t, name: name, bin: caddyBinary(t), config: filepath.Join(dir, "Caddyfile"), home: filepath.Join(dir, "home"),
		base: fmt.Sprintf("http://127.0.0.1:%d", port), admin: fmt.Sprintf("http://127.0.0.1:%d", adminPort),
	}
	in.launch(caddyfile)
	return in
}

// launch writes the Caddyfile, starts the instance and stops it at the
// end of the test, printing its output when the test failed.
func (in *instance) launch(caddyfile string) {
	t := in.t
	t.Helper()
	if err := os.WriteFile(in.config, []byte(caddyfile), 0o600); err != nil {
		t.Fatal(err)
	}
	in.start()
	t.Cleanup(func() {
		if in.cmd != nil {
			in.kill()
		}
		if t.Failed() {
			t.Logf("%s output:\n%s", in.name, in.out)
		}
	})
}

// start runs the process and waits until it serves.
func (in *instance) start() {
	t := in.t
	t.Helper()
	in.out = new(bytes.Buffer)
	in.cmd = exec.Command(in.bin, "run", "--config", in.config, "--adapter", "caddyfile")
	in.cmd.Env = append(os.Environ(), "HOME="+in.home, "XDG_DATA_HOME="+filepath.Join(in.home, "data"),
		"XDG_CONFIG_HOME="+filepath.Join(in.home, "config"))
	in.cmd.Stdout, in.cmd.Stderr = in.out, in.out
	if err := in.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	in.waitErr = make(chan error, 1)
	go func(cmd *exec.Cmd) { in.waitErr <- cmd.Wait() }(in.cmd)
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(in.base + "/_consent")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		select {
		case err := <-in.waitErr:
			in.cmd = nil
			t.Fatalf("%s exited while starting: %v\n%s", in.name, err, in.out)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not start serving in 30s:\n%s", in.name, in.out)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// stop shuts the process down gracefully (SIGTERM) and waits for it.
func (in *instance) stop() {
	in.t.Helper()
	if err := in.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		in.t.Fatal(err)
	}
	select {
	case <-in.waitErr:
	case <-time.After(60 * time.Second):
		in.kill()
		in.t.Fatalf("%s did not stop within 60s of SIGTERM:\n%s", in.name, in.out)
	}
	in.cmd = nil
}

func (in *instance) kill() {
	_ = in.cmd.Process.Kill()
	<-in.waitErr
	in.cmd = nil
}

// decision posts a choice, with the consent cookie when given, and
// returns the state and the cookie.
func (in *instance) decision(body, cookie string) (state map[string]any, setCookie string, err error) {
	req, _ := http.NewRequest("POST", in.base+"/_consent", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36")
	if cookie != "" {
		req.Header.Set("Cookie", cookie)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, "", err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		return nil, "", fmt.Errorf("%s: POST /_consent: %d %s", in.name, resp.StatusCode, b)
	}
	if err := json.Unmarshal(b, &state); err != nil {
		return nil, "", err
	}
	return state, strings.Split(resp.Header.Get("Set-Cookie"), ";")[0], nil
}

// state gets /_consent with a cookie.
func (in *instance) state(cookie string) map[string]any {
	in.t.Helper()
	req, _ := http.NewRequest("GET", in.base+"/_consent", nil)
	req.Header.Set("Cookie", cookie)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		in.t.Fatal(err)
	}
	defer resp.Body.Close()
	var s map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&s); err != nil {
		in.t.Fatal(err)
	}
	return s
}

// metric returns the value of the first sample on the admin API's
// /metrics named name whose labels include every one of labels
// (`outcome="written"`), or -1 when there is none.
func (in *instance) metric(name string, labels ...string) float64 {
	in.t.Helper()
	resp, err := http.Get(in.admin + "/metrics")
	if err != nil {
		in.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
lines:
	for line := range strings.SplitSeq(string(b), "\n") {
		if !strings.HasPrefix(line, name+"{") && !strings.HasPrefix(line, name+" ") {
			continue
		}
		for _, l := range labels {
			if !strings.Contains(line, l) {
				continue lines
			}
		}
		var v float64
		fmt.Sscan(line[strings.LastIndexByte(line, ' ')+1:], &v)
		return v
	}
	return -1
}
