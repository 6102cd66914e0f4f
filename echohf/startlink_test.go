package echohf

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
)

// TestMockLinkOnEchoStart runs the README's quick start: Attach, Auth, a
// handler, and Echo's own e.Start. The log then gives the sign-in link as
// a full http:// URL of the address the server listens on, which signs
// the browser in when opened.
func TestMockLinkOnEchoStart(t *testing.T) {
	t.Parallel()
	logs := &syncBuffer{}
	o, err := New(Config{Mode: ModeMock, Logger: slog.New(slog.NewTextHandler(logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(o.Close)
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	o.Attach(e)
	e.Use(o.Auth())
	e.GET("/", func(c echo.Context) error {
		if info := Info(c); info != nil {
			return c.String(http.StatusOK, "Hello, "+info.UserInfo.PreferredUsername+"!")
		}
		return c.String(http.StatusOK, "Not logged in!")
	})
	errc := make(chan error, 1)
	go func() { errc <- e.Start("127.0.0.1:0") }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = e.Shutdown(ctx)
		if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("e.Start: %v", err)
		}
	})

	full := regexp.MustCompile(`sign_in="?(http://[^"\s]+)`)
	var link string
	for deadline := time.Now().Add(10 * time.Second); link == "" && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if m := full.FindStringSubmatch(logs.String()); m != nil {
			link = m[1]
		}
	}
	if link == "" {
		t.Fatalf("no full sign_in URL in the logs:\n%s", logs)
	}
	addr := e.ListenerAddr().String()
	if want := "http://" + addr + o.MockLoginURL(""); link != want {
		t.Errorf("logged link %q; want %q", link, want)
	}
	b := newBrowser(t)
	if status, body := b.get(t, link); status != http.StatusOK || !strings.Contains(body, "Hello, ") {
		t.Errorf("opening the logged link = %d %q; want the greeting of a signed-in user", status, body)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.visited) == 0 || b.visited[len(b.visited)-1] != "http://"+addr+"/" {
		t.Errorf("the link went through %v; want it to land on http://%s/", b.visited, addr)
	}
}
