// Package redistest runs a real redis-server for the tests of hfredis and
// of the examples that use it. Only tests import it.
package redistest

import (
	"context"
	"io"
	"net"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// Server is a Debian redis-server the test started on a free port of
// its own, in a temporary directory, with no persistence: a restart comes
// back empty.
type Server struct {
	t    testing.TB
	Addr string // host:port
	dir  string
	mu   sync.Mutex
	cmd  *exec.Cmd
}

// New starts redis-server and kills it when the test ends. Without it on
// PATH the test is skipped, unless ECHOHF_REDIS=1 (CI), which makes that a
// failure.
func New(t testing.TB) *Server {
	t.Helper()
	if _, err := exec.LookPath("redis-server"); err != nil {
		if os.Getenv("ECHOHF_REDIS") == "1" {
			t.Fatalf("ECHOHF_REDIS=1 but redis-server is not on PATH: %v", err)
		}
		t.Skip("redis-server not on PATH (set ECHOHF_REDIS=1 to make this a failure)")
	}
	ln, err := (&net.ListenConfig{}).Listen(context.Background(), "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	s := &Server{t: t, Addr: addr, dir: t.TempDir()}
	s.Start()
	t.Cleanup(s.Stop)
	return s
}

// URL is the server's redis:// URL.
func (s *Server) URL() string { return "redis://" + s.Addr + "/0" }

// Start runs the server (again, after Stop: empty) and waits until it
// answers.
func (s *Server) Start() {
	s.t.Helper()
	_, port, _ := net.SplitHostPort(s.Addr)
	//nolint:gosec // G204: the port and directory are the test's own
	cmd := exec.CommandContext(context.Background(), "redis-server", "--port", port, "--bind", "127.0.0.1", "--dir", s.dir,
		"--save", "", "--appendonly", "no", "--protected-mode", "no", "--loglevel", "warning")
	cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
	if err := cmd.Start(); err != nil {
		s.t.Fatalf("redis-server: %v", err)
	}
	s.mu.Lock()
	s.cmd = cmd
	s.mu.Unlock()
	c := redis.NewClient(&redis.Options{Addr: s.Addr})
	defer func() { _ = c.Close() }()
	deadline := time.Now().Add(10 * time.Second)
	for c.Ping(context.Background()).Err() != nil {
		if time.Now().After(deadline) {
			s.t.Fatalf("redis-server on %s did not answer within 10s", s.Addr)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Stop kills the server (a crash: nothing is saved).
func (s *Server) Stop() {
	s.mu.Lock()
	cmd := s.cmd
	s.cmd = nil
	s.mu.Unlock()
	if cmd != nil {
		_ = cmd.Process.Signal(syscall.SIGCONT) // in case it was frozen
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	}
}

// Signal sends sig to the server: SIGSTOP freezes it, SIGCONT thaws it.
func (s *Server) Signal(sig syscall.Signal) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.cmd.Process.Signal(sig); err != nil {
		s.t.Fatalf("signal %v: %v", sig, err)
	}
}
