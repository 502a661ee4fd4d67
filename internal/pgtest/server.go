// Package pgtest runs a private PostgreSQL server for tests: initdb in a
// temporary directory, postgres on a free loopback port with trust
// authentication, removed when the test ends.
//
//	func TestStore(t *testing.T) {
//		srv := pgtest.Start(t) // skips when PostgreSQL is not installed
//		dsn := srv.NewDatabase(t)
//		…
//	}
//
// One server per test package, shared by its tests:
//
//	func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }
//
//	func TestStore(t *testing.T) {
//		dsn := pgtest.Shared(t).NewDatabase(t)
//		…
//	}
//
// Where the binaries are missing the tests skip, unless $CI is "true",
// where they fail. As root, PostgreSQL runs as the postgres user.
package pgtest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

// startTimeout bounds initdb and a server start.
const startTimeout = 2 * time.Minute

// stopTimeout is how long Stop waits for the server to exit before it
// kills it.
const stopTimeout = 30 * time.Second

// Server is a private PostgreSQL server. Its superuser is postgres, with
// no password, on 127.0.0.1 only.
type Server struct {
	dir     string // removed by Close
	data    string
	sock    string
	logPath string
	bin     string
	cred    *syscall.Credential
	port    int

	mu      sync.Mutex
	cmd     *exec.Cmd
	exited  chan struct{} // closed when cmd has exited
	waitErr error         // cmd's exit, once exited is closed
	closed  bool
	dbs     int // databases made by NewDatabase
}

// New creates a data directory and starts a server on a free port. The
// error wraps ErrNoPostgres when PostgreSQL is not installed. Call Close
// when done.
func New() (*Server, error) {
	bin, err := findBinDir()
	if err != nil {
		return nil, err
	}
	cred, err := runAs()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "pgtest-")
	if err != nil {
		return nil, fmt.Errorf("pgtest: %w", err)
	}
	s := &Server{
		dir: dir, data: filepath.Join(dir, "data"), sock: filepath.Join(dir, "sock"),
		logPath: filepath.Join(dir, "postgres.log"), bin: bin, cred: cred,
	}
	if err := s.init(); err != nil {
		s.Close()
		return nil, err
	}
	// Another process may take the free port before postgres binds it:
	// try a few.
	for try := 0; ; try++ {
		if s.port, err = freePort(); err != nil {
			s.Close()
			return nil, err
		}
		err = s.Start()
		if err == nil {
			return s, nil
		}
		if try == 2 || !strings.Contains(s.Log(), "could not bind") {
			s.Close()
			return nil, err
		}
	}
}

// init makes the directories and runs initdb.
func (s *Server) init() error {
	for _, d := range []string{s.data, s.sock} {
		if err := os.Mkdir(d, 0o700); err != nil {
			return fmt.Errorf("pgtest: %w", err)
		}
	}
	if s.cred != nil {
		// postgres must traverse the directory and own what it writes.
		if err := os.Chmod(s.dir, 0o711); err != nil {
			return fmt.Errorf("pgtest: %w", err)
		}
		for _, d := range []string{s.data, s.sock} {
			if err := os.Chown(d, int(s.cred.Uid), int(s.cred.Gid)); err != nil {
				return fmt.Errorf("pgtest: giving %s to the postgres user: %w", d, err)
			}
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	cmd, log, err := s.command(ctx, "initdb", "-D", s.data, "-U", "postgres", "-A", "trust",
		"--encoding=UTF8", "--locale=C", "--no-sync")
	if err != nil {
		return err
	}
	defer log.Close()
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("pgtest: initdb: %w\n%s", err, s.Log())
	}
	return nil
}

// command is the binary name with args, run as the postgres user when the
// process is root, in the server's directory, with a clean environment and
// its output appended to the log file (which the caller closes once the
// command has started or run).
func (s *Server) command(ctx context.Context, name string, args ...string) (*exec.Cmd, *os.File, error) {
	log, err := os.OpenFile(s.logPath, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return nil, nil, fmt.Errorf("pgtest: %w", err)
	}
	cmd := exec.CommandContext(ctx, filepath.Join(s.bin, name), args...)
	cmd.Dir = s.dir
	cmd.Stdout, cmd.Stderr = log, log
	cmd.Env = []string{"LC_ALL=C", "TZ=UTC", "PATH=" + os.Getenv("PATH")}
	// If the test binary dies, so does the server (immediate shutdown).
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: s.cred, Pdeathsig: syscall.SIGQUIT}
	return cmd, log, nil
}

// freePort is a TCP port on 127.0.0.1 that nothing listens on now.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("pgtest: finding a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// Start starts the server, on the same port and data directory as before,
// and waits until it accepts connections. Starting a running server is an
// error.
func (s *Server) Start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return errors.New("pgtest: Start on a closed server")
	}
	if s.cmd != nil {
		return errors.New("pgtest: Start on a running server")
	}
	// Not CommandContext: the server outlives this call.
	cmd, log, err := s.command(context.Background(), "postgres", "-D", s.data,
		"-p", strconv.Itoa(s.port), "-k", s.sock, "-c", "listen_addresses=127.0.0.1",
		"-c", "max_connections=200")
	if err != nil {
		return err
	}
	err = cmd.Start()
	log.Close()
	if err != nil {
		return fmt.Errorf("pgtest: starting postgres: %w", err)
	}
	exited := make(chan struct{})
	s.cmd, s.exited = cmd, exited
	go func() {
		err := cmd.Wait()
		s.mu.Lock()
		s.waitErr = err
		s.mu.Unlock()
		close(exited)
	}()
	if err := s.waitReady(exited); err != nil {
		s.stopLocked()
		return err
	}
	return nil
}

// waitReady polls a connection until the server answers, it exits, or
// startTimeout passes.
func (s *Server) waitReady(exited <-chan struct{}) error {
	deadline := time.Now().Add(startTimeout)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		conn, err := pgx.Connect(ctx, s.DSN("postgres"))
		if err == nil {
			err = conn.Ping(ctx)
			conn.Close(ctx)
		}
		cancel()
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("pgtest: postgres did not accept connections within %v: %w\n%s", startTimeout, err, s.Log())
		}
		select {
		case <-exited:
			s.mu.Lock()
			werr := s.waitErr
			s.mu.Unlock()
			return fmt.Errorf("pgtest: postgres exited while starting (%v)\n%s", werr, s.Log())
		case <-tick.C:
		}
	}
}

// Stop stops the server in immediate mode, as a crash would: every
// connection drops at once and the next Start runs crash recovery. It
// returns once the server has exited. Stopping a stopped server does
// nothing.
func (s *Server) Stop() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stopLocked()
}

// stopLocked is Stop with s.mu held.
func (s *Server) stopLocked() error {
	if s.cmd == nil {
		return nil
	}
	cmd, exited := s.cmd, s.exited
	s.cmd, s.exited = nil, nil
	_ = cmd.Process.Signal(syscall.SIGQUIT)
	s.mu.Unlock()
	defer s.mu.Lock()
	timer := time.NewTimer(stopTimeout)
	defer timer.Stop()
	select {
	case <-exited:
		return nil
	case <-timer.C:
		_ = cmd.Process.Kill()
		<-exited
		return fmt.Errorf("pgtest: postgres did not stop within %v; killed it", stopTimeout)
	}
}

// Close stops the server and removes its directory. It is safe to call
// more than once.
func (s *Server) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	err := s.stopLocked()
	return errors.Join(err, os.RemoveAll(s.dir))
}

// Port is the server's TCP port on 127.0.0.1.
func (s *Server) Port() int { return s.port }

// DSN is the connection URL of database db as the superuser postgres.
func (s *Server) DSN(db string) string {
	u := url.URL{
		Scheme:   "postgres",
		User:     url.User("postgres"),
		Host:     net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port)),
		Path:     "/" + db,
		RawQuery: "sslmode=disable&connect_timeout=10",
	}
	return u.String()
}

// CreateDatabase creates the database name.
func (s *Server) CreateDatabase(name string) error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, s.DSN("postgres"))
	if err != nil {
		return fmt.Errorf("pgtest: creating database %s: %w", name, err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		return fmt.Errorf("pgtest: creating database %s: %w", name, err)
	}
	return nil
}

// Log is what the server and initdb have written so far.
func (s *Server) Log() string {
	b, err := os.ReadFile(s.logPath)
	if err != nil {
		return fmt.Sprintf("(no postgres log: %v)", err)
	}
	return string(b)
}
