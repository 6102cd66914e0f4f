// Package exampletest runs the example programs as their users do: it
// builds a main package once, starts the binary on a free loopback port
// with a clean environment, reads the address it prints, and drives it
// over real HTTP with a browser-like client (cookie jar, redirects).
//
// A typical test file:
//
//	var bin string // the example, built once by TestMain
//
//	func TestMain(m *testing.M) { exampletest.Main(m, ".", &bin) }
//
//	func TestHello(t *testing.T) {
//		p := exampletest.Start(t, bin) // mock mode: no SPACE_ID
//		c := exampletest.NewClient(t)
//		r := c.Get(t, p.SignInURL(t)) // the link printed for the console
//		...
//	}
package exampletest

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/echohf/echohf/echohf"
	"github.com/echohf/echohf/mock"
)

// Main is a TestMain for the tests of an example: it builds the main
// package pkg (see mustBuild) into *bin, runs the tests, removes the binary
// and exits with the tests' status.
func Main(m *testing.M, pkg string, bin *string) {
	b, cleanup := mustBuild(pkg)
	*bin = b
	code := m.Run()
	cleanup()
	os.Exit(code)
}

// RealEnv is the environment of a Space with `hf_oauth: true` and the
// given id and scopes, whose OpenID provider is at providerURL (a
// mock.Server's URL) and knows the mock package's test client.
func RealEnv(providerURL, spaceID, scopes string) []string {
	return []string{
		echohf.EnvSpaceID + "=" + spaceID,
		echohf.EnvClientID + "=" + mock.TestClientID,
		echohf.EnvClientSecret + "=" + mock.TestClientSecret,
		echohf.EnvScopes + "=" + scopes,
		echohf.EnvProviderURL + "=" + providerURL,
	}
}

// mustBuild compiles the main package pkg (a path such as "." or
// "../space") into a temporary directory and returns the binary and a
// function removing it. It is meant for TestMain, and exits the process
// with the compiler's output when the build fails.
func mustBuild(pkg string) (bin string, cleanup func()) {
	bin, cleanup, err := build(pkg)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	return bin, cleanup
}

// build compiles the main package pkg into a temporary directory.
func build(pkg string) (bin string, cleanup func(), err error) {
	dir, err := os.MkdirTemp("", "echohf-example-")
	if err != nil {
		return "", nil, err
	}
	cleanup = func() { _ = os.RemoveAll(dir) }
	abs, err := filepath.Abs(pkg)
	if err != nil {
		cleanup()
		return "", nil, err
	}
	bin = filepath.Join(dir, filepath.Base(abs))
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	// go test puts GOROOT/bin first in PATH, so "go" is the toolchain running the tests.
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, ".") //nolint:gosec // G204: bin is a path in our own temporary directory

	cmd.Dir = abs
	if out, err := cmd.CombinedOutput(); err != nil {
		cleanup()
		return "", nil, fmt.Errorf("go build %s: %w\n%s", pkg, err, out)
	}
	return bin, cleanup, nil
}

// clearedPrefixes and cleared name the variables dropped from the
// environment inherited by a started program, so that a developer's or CI's
// own settings (an HF_TOKEN, a SPACE_ID, ECHOHF_DISALLOW_MOCK) never change
// what a test sees. Every variable echohf.Config.FromEnv reads, now or
// later, starts with one of the prefixes; cleared adds those the examples
// read themselves.
var (
	clearedPrefixes = []string{"ECHOHF_", "SPACE_", "OAUTH_", "OPENID_", "HF_"}
	cleared         = []string{"HOST", "PORT", "ORG_NAME", "INSTANCE_ID"}
)

// isCleared reports whether Env drops the variable name.
func isCleared(name string) bool {
	return slices.Contains(cleared, name) || slices.ContainsFunc(clearedPrefixes, func(p string) bool { return strings.HasPrefix(name, p) })
}

// Env returns the environment a started program gets: this process's,
// without the variables echohf and the examples read, then HOST=127.0.0.1
// and PORT=0, then kv ("NAME=value" entries, which win).
func Env(kv ...string) []string {
	env := make([]string, 0, len(os.Environ())+len(kv)+2)
	for _, e := range os.Environ() {
		if name, _, _ := strings.Cut(e, "="); !isCleared(name) {
			env = append(env, e)
		}
	}
	env = append(env, "HOST=127.0.0.1", "PORT=0")
	return append(env, kv...)
}

// startTimeout bounds how long Start waits for a program to listen.
const startTimeout = 30 * time.Second

// stopGrace is how long a program has to exit after SIGTERM before it is killed.
const stopGrace = 5 * time.Second

// A Proc is a started example program.
type Proc struct {
	// URL is the base URL the program printed, e.g. http://127.0.0.1:41234.
	URL string
	// PID is the program's process id.
	PID int

	cmd    *exec.Cmd
	cancel context.CancelFunc
	out    *Buffer // stdout after the address line, and stderr
	done   chan struct{}
	err    error // from Wait, once done is closed

	signIn     string        // the printed mock-mode sign-in link
	signInSeen chan struct{} // closed once signIn is set
	scanned    chan struct{} // closed when stdout ends
}

var (
	listening = regexp.MustCompile(`listening on (http://\S+)`)
	signingIn = regexp.MustCompile(`sign in \(mock mode\): (http://\S+)`)
)

// signInWait bounds how long SignInURL waits for the sign-in line, which
// the examples print right after their address.
const signInWait = 5 * time.Second

// Start runs bin with Env(kv...) and waits until it prints the address it
// listens on. The program is stopped when the test ends (SIGTERM, then a
// kill after a grace period) and in any case when the test's deadline
// passes; its output is logged if the test failed.
func Start(t testing.TB, bin string, kv ...string) *Proc {
	t.Helper()
	p, err := startErr(t, bin, kv...)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// startErr is Start, returning an error (with the program's output) when
// the program cannot start or exits before listening.
func startErr(t testing.TB, bin string, kv ...string) (*Proc, error) {
	t.Helper()
	ctx := context.Background()
	var cancel context.CancelFunc
	if d, ok := t.(interface{ Deadline() (time.Time, bool) }); ok {
		if dl, ok := d.Deadline(); ok {
			ctx, cancel = context.WithDeadline(ctx, dl)
		}
	}
	if cancel == nil {
		ctx, cancel = context.WithTimeout(ctx, 10*time.Minute)
	}
	cmd := exec.CommandContext(ctx, bin)
	cmd.Env = Env(kv...)
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = stopGrace
	p := &Proc{cmd: cmd, cancel: cancel, out: &Buffer{}, done: make(chan struct{}), signInSeen: make(chan struct{}), scanned: make(chan struct{})}
	cmd.Stderr = p.out
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		cancel()
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	if err := cmd.Start(); err != nil {
		cancel()
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	p.PID = cmd.Process.Pid
	urlc := make(chan string, 1)
	go func() {
		defer close(p.scanned)
		sc := bufio.NewScanner(stdout)
		found, signIn := false, false
		for sc.Scan() {
			line := sc.Text()
			if m := listening.FindStringSubmatch(line); m != nil && !found {
				found = true
				urlc <- m[1]
				continue
			}
			if m := signingIn.FindStringSubmatch(line); m != nil && found && !signIn {
				signIn = true
				p.signIn = m[1]
				close(p.signInSeen)
			}
			p.out.writeString(line + "\n")
		}
		close(urlc)
		_, _ = io.Copy(io.Discard, stdout)
	}()
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		if err := p.Stop(); err != nil {
			t.Logf("%s (pid %d) did not exit cleanly: %v", filepath.Base(bin), p.PID, err)
		}
		if t.Failed() {
			t.Logf("output of %s (pid %d):\n%s", filepath.Base(bin), p.PID, p.Output())
		}
	})
	select {
	case u, ok := <-urlc:
		if !ok {
			<-p.done
			if p.err == nil {
				return nil, fmt.Errorf("%s exited before listening:\n%s", filepath.Base(bin), p.Output())
			}
			return nil, fmt.Errorf("%s exited before listening (%w):\n%s", filepath.Base(bin), p.err, p.Output())
		}
		p.URL = u
	case <-time.After(startTimeout):
		return nil, fmt.Errorf("%s did not print its address within %v:\n%s", filepath.Base(bin), startTimeout, p.Output())
	}
	return p, nil
}

// StartupFailure runs bin with Env(kv...) expecting it to refuse to start,
// and checks that it fails the way a configuration error should: exit
// status 1, every string of want in its output, and no panic or goroutine
// dump. It returns the output.
func StartupFailure(t testing.TB, bin string, kv []string, want ...string) string {
	t.Helper()
	p, err := startErr(t, bin, kv...)
	if err == nil {
		t.Fatalf("%s started at %s with %q; want a startup error", filepath.Base(bin), p.URL, kv)
	}
	out := err.Error()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Errorf("%s with %q did not exit with status 1:\n%s", filepath.Base(bin), kv, out)
	}
	for _, w := range want {
		if !strings.Contains(out, w) {
			t.Errorf("%s with %q: output does not name %q:\n%s", filepath.Base(bin), kv, w, out)
		}
	}
	for _, bad := range []string{"panic", "goroutine "} {
		if strings.Contains(out, bad) {
			t.Errorf("%s with %q: output has %q, a crash rather than a message:\n%s", filepath.Base(bin), kv, bad, out)
		}
	}
	return out
}

// Stop ends the program (SIGTERM, then a kill after a grace period) and
// waits for it. It returns the program's exit error, nil for a clean exit.
// Calling Stop again returns the same result.
func (p *Proc) Stop() error {
	select {
	case <-p.done:
	default:
		_ = p.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-p.done:
		case <-time.After(stopGrace):
			// cancel would only send SIGTERM again and wait out WaitDelay.
			_ = p.cmd.Process.Kill()
			<-p.done
		}
	}
	p.cancel()
	return p.err
}

// SignInURL returns the mock-mode sign-in link the program printed after
// its address ("sign in (mock mode): http://…"), the link the person at the
// console opens. It waits a moment for the line, and fails the test when
// the program prints none (in real mode, say).
func (p *Proc) SignInURL(t testing.TB) string {
	t.Helper()
	select {
	case <-p.signInSeen:
		return p.signIn
	case <-p.scanned:
	case <-time.After(signInWait):
	}
	select {
	case <-p.signInSeen: // seen just as stdout ended
		return p.signIn
	default:
	}
	t.Fatalf("%s printed no \"sign in (mock mode): URL\" line:\n%s", filepath.Base(p.cmd.Path), p.Output())
	return ""
}

// Output returns what the program wrote so far, besides its address line.
func (p *Proc) Output() string { return p.out.String() }

// Buffer collects a process's output: a bytes.Buffer safe for concurrent
// writes and reads. The zero value is ready to use.
type Buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

// Write appends p.
func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *Buffer) writeString(s string) {
	_, _ = b.Write([]byte(s))
}

// String returns what was written so far.
func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}
