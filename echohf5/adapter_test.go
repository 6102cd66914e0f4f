package echohf5

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v5"
)

// TestInvalidSessionCleared: a tampered session cookie is logged out (never
// a 5xx) and expired on Echo v5's response by Auth, so the browser drops it.
func TestInvalidSessionCleared(t *testing.T) {
	t.Parallel()
	a := newApp(t, Config{Mode: ModeMock}, nil)
	b := newBrowser(t)
	b.mustLogin(t, a)
	c := &http.Client{Transport: ownTransport(t)}
	for _, ck := range b.Jar.Cookies(mustURL(t, a.URL)) {
		if !strings.HasPrefix(ck.Name, "hf_session") {
			continue
		}
		f := fetch(t, c, a.URL+"/whoami", "Cookie", ck.Name+"="+ck.Value+"x")
		if w := decodeWhoami(t, f); w.LoggedIn {
			t.Errorf("a tampered cookie is logged in")
		}
		expired := false
		for _, set := range f.Cookies() {
			expired = expired || set.Name == ck.Name && set.MaxAge < 0
		}
		if !expired {
			t.Errorf("the tampered %s is not expired: %q", ck.Name, f.Header.Values("Set-Cookie"))
		}
		return
	}
	t.Fatalf("no session cookie after login")
}

// TestLogLinkOnStart checks what the package documentation says: with
// StartConfig.BeforeServeFunc handing Echo v5's server to LogLinkOnStart,
// the full mock sign-in link, with the address, is logged once serving
// starts.
func TestLogLinkOnStart(t *testing.T) {
	t.Parallel()
	logs := &syncBuffer{}
	o, err := New(Config{Mode: ModeMock, Logger: slog.New(slog.NewTextHandler(logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(o.Close)
	e := echo.New()
	o.Attach(e)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	sc := echo.StartConfig{Listener: ln, HideBanner: true, HidePort: true, BeforeServeFunc: func(s *http.Server) error {
		o.LogLinkOnStart(s, "http")
		return nil
	}}
	go func() { done <- sc.Start(ctx, e) }()
	want := "http://" + ln.Addr().String() + o.MockLoginURL("")
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(logs.String(), want) && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Start: %v", err)
	}
	if !strings.Contains(logs.String(), want) {
		t.Errorf("the logs lack the full sign-in link %s:\n%s", want, logs)
	}
}

// TestNoEchoV4 checks that echohf5 does not link Echo v4, which would put
// two Echos into every v5 app.
func TestNoEchoV4(t *testing.T) {
	t.Parallel()
	out, err := exec.Command("go", "list", "-deps", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	if strings.Contains(string(out), "labstack/echo/v4") {
		t.Errorf("echohf5 depends on Echo v4:\n%s", out)
	}
}
