package e2e

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/echohf/echohf/echohf"
	"github.com/echohf/echohf/examples/internal/exampletest"
)

// envStrict is the variable under which a missing Chromium or nginx fails
// the tests instead of skipping them (CI sets it).
const envStrict = "ECHOHF_E2E"

// Time bounds.
const (
	procTimeout  = 3 * time.Minute  // hard bound on every started process
	readyTimeout = 20 * time.Second // a process must answer within this
	stopGrace    = 5 * time.Second  // SIGTERM, then SIGKILL after this
	testTimeout  = 60 * time.Second // a browser test's whole context
)

// Fixed session secrets: replicas share them, rotation replaces the first
// with the second.
const (
	sessionSecret        = "e2e-session-secret-one-0123456789abcdef"
	rotatedSessionSecret = "e2e-session-secret-two-fedcba9876543210"
)

// The example apps, built once by TestMain: examples/space (Echo v4) and
// examples/space5 (the same app on Echo v5), and examples/hello (Echo v4)
// and examples/hello5 (Echo v5), which serve the same few routes through
// the two adapters.
var spaceBin, space5Bin, helloBin, hello5Bin string

// spaceApp is the Space app on one Echo: its name for subtests, the prefix
// of its screenshots and its binary.
type spaceApp struct {
	name, shots string
	bin         *string
}

// spaceApps are the Space app on each adapter. The longer checks (the
// session lifecycle, key rotation, big sessions, the pages) run on both.
var spaceApps = []spaceApp{
	{"echo-v4-space", "space", &spaceBin},
	{"echo-v5-space5", "space5", &space5Bin},
}

// forEachSpace runs fn on each Space app in turn, as a subtest.
func forEachSpace(t *testing.T, fn func(t *testing.T, app spaceApp)) {
	for _, app := range spaceApps {
		t.Run(app.name, func(t *testing.T) { fn(t, app) })
	}
}

// TestMain builds the four examples in one go build, runs the tests and
// removes the binaries.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "echohf-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	// go test puts GOROOT/bin first in PATH: "go" is the running toolchain.
	// With -o a directory, each main package becomes dir/<its name>.
	cmd := exec.Command("go", "build", "-o", dir+string(os.PathSeparator), "../space", "../space5", "../hello", "../hello5")
	if out, err := cmd.CombinedOutput(); err != nil {
		_ = os.RemoveAll(dir)
		fmt.Fprintf(os.Stderr, "go build: %v\n%s", err, out)
		os.Exit(2)
	}
	spaceBin, space5Bin = filepath.Join(dir, "space"), filepath.Join(dir, "space5")
	helloBin, hello5Bin = filepath.Join(dir, "hello"), filepath.Join(dir, "hello5")
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

// requireBinary returns the first of candidates found (a name in PATH or an
// absolute path). When none is found the test is skipped, or fails when
// ECHOHF_E2E=1.
func requireBinary(t *testing.T, pkg string, candidates ...string) string {
	t.Helper()
	for _, c := range candidates {
		if p, err := exec.LookPath(c); err == nil {
			return p
		}
	}
	msg := fmt.Sprintf("%s not found (looked for %s): install Debian's %s package (apt-get install -y %s)",
		pkg, strings.Join(candidates, ", "), pkg, pkg)
	if os.Getenv(envStrict) == "1" {
		t.Fatalf("%s; %s=1 makes a missing binary a failure", msg, envStrict)
	}
	t.Skipf("skipping end-to-end test: %s; set %s=1 to make this a failure", msg, envStrict)
	return ""
}

// freePort returns a TCP port that was free on 127.0.0.1 a moment ago.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = ln.Close() }()
	return ln.Addr().(*net.TCPAddr).Port
}

// proc is a started subprocess, ended by PID when the test ends.
type proc struct {
	name string
	pid  int
	out  *exampletest.Buffer
	done chan struct{}
	err  error // from Wait, once done is closed

	cancel context.CancelFunc
	once   sync.Once
}

// startProc runs bin with exactly env (nothing inherited) and ends it when
// the test ends: SIGTERM to its PID, SIGKILL after stopGrace, and in any
// case a kill once procTimeout has passed.
func startProc(t *testing.T, name, bin string, args, env []string) *proc {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), procTimeout)
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = env
	cmd.Dir = t.TempDir()
	cmd.WaitDelay = stopGrace
	p := &proc{name: name, out: &exampletest.Buffer{}, done: make(chan struct{}), cancel: cancel}
	cmd.Stdout, cmd.Stderr = p.out, p.out
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatalf("start %s: %v", name, err)
	}
	p.pid = cmd.Process.Pid
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		p.stop()
		if t.Failed() {
			t.Logf("output of %s (pid %d):\n%s", name, p.pid, p.out.String())
		}
	})
	return p
}

// stop ends the process by its PID: SIGTERM, then SIGKILL after a grace
// period. It waits for the process to be gone.
func (p *proc) stop() {
	p.once.Do(func() {
		select {
		case <-p.done:
		default:
			_ = syscall.Kill(p.pid, syscall.SIGTERM)
			select {
			case <-p.done:
			case <-time.After(stopGrace):
				_ = syscall.Kill(p.pid, syscall.SIGKILL)
				<-p.done
			}
		}
		p.cancel()
	})
}

// exited tells whether the process has ended.
func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// waitHTTP polls url until check accepts a response, the process exits or
// readyTimeout passes.
func waitHTTP(t *testing.T, p *proc, url string, check func(*http.Response) bool) {
	t.Helper()
	c := &http.Client{
		Timeout:       time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	deadline := time.Now().Add(readyTimeout)
	for {
		if p.exited() {
			t.Fatalf("%s exited before answering on %s (%v):\n%s", p.name, url, p.err, p.out.String())
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			cancel()
			t.Fatal(err)
		}
		resp, err := c.Do(req)
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			_ = resp.Body.Close()
			ok := check(resp)
			cancel()
			if ok {
				return
			}
		} else {
			cancel()
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not answer on %s within %v (last error %v):\n%s", p.name, url, readyTimeout, err, p.out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// space is a running instance of an example app (examples/space, or
// hello or hello5 in the adapter tests).
type space struct {
	*proc
	Instance string
	Port     int
	URL      string // http://127.0.0.1:port
}

// startSpace runs the Space app bin (examples/space or space5) as instance
// on 127.0.0.1:port with the given variables on top of a minimal
// environment, and waits until it answers as that instance.
func startSpace(t *testing.T, bin, instance string, port int, vars ...string) *space {
	t.Helper()
	return startApp(t, bin, instance, port, func(r *http.Response) bool {
		return r.StatusCode == http.StatusOK && r.Header.Get("X-Instance") == instance
	}, vars...)
}

// startApp runs the app bin as instance on 127.0.0.1:port with the given
// variables on top of a minimal environment, and waits until ready accepts
// its answer to GET /.
func startApp(t *testing.T, bin, instance string, port int, ready func(*http.Response) bool, vars ...string) *space {
	t.Helper()
	home := t.TempDir()
	env := []string{
		"PATH=/usr/bin:/bin",
		"HOME=" + home,
		"TMPDIR=" + home,
		"HOST=127.0.0.1",
		"PORT=" + strconv.Itoa(port),
		"INSTANCE_ID=" + instance,
	}
	env = append(env, vars...)
	s := &space{
		proc:     startProc(t, filepath.Base(bin)+" "+instance, bin, nil, env),
		Instance: instance,
		Port:     port,
		URL:      baseURL(port),
	}
	waitHTTP(t, s.proc, s.URL+"/", ready)
	return s
}

// signingIn matches the line a mock-mode app prints with its sign-in link.
var signingIn = regexp.MustCompile(`sign in \(mock mode\): (http://\S+)`)

// signInURL returns the sign-in link s printed at startup (mock mode),
// waiting up to readyTimeout for it.
func (s *space) signInURL(t *testing.T) string {
	t.Helper()
	deadline := time.Now().Add(readyTimeout)
	for {
		if m := signingIn.FindStringSubmatch(s.out.String()); m != nil {
			return m[1]
		}
		if s.exited() || time.Now().After(deadline) {
			t.Fatalf("%s printed no sign-in link:\n%s", s.name, s.out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// realEnv is a Space's real-mode environment against the provider at
// providerURL, which is the Hub too (as on Hugging Face), with a fixed
// public callback URL (so that every replica sends the same redirect_uri)
// and a fixed session secret.
func realEnv(providerURL, publicURL string) []string {
	return append(exampletest.RealEnv(providerURL, "local/e2e", "openid profile"),
		echohf.EnvRedirectURL+"="+publicURL+echohf.CallbackPath,
		echohf.EnvSessionSecret+"="+sessionSecret,
		echohf.EnvHFEndpoint+"="+providerURL,
	)
}

// isSessionCookie tells the session cookie and its chunks (hf_session,
// hf_session.0, hf_session.1, …) from the others.
func isSessionCookie(name string) bool {
	return name == "hf_session" || strings.HasPrefix(name, "hf_session.")
}
