package echohf

import (
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
)

// serveOpts tunes serveApp.
type serveOpts struct {
	ln  net.Listener // serve on this listener (default a fresh loopback one)
	tls bool         // serve https
	// routes registers the OAuth routes (default o.Attach(e)) and any other
	// route; Auth, /whoami and /page are always there.
	routes func(e *echo.Echo, o *OAuth)
	noAuth bool // do not install Auth (routes may, or not at all)
}

// serveApp is newApp with a chosen listener, TLS and routes.
func serveApp(t testing.TB, cfg Config, so serveOpts) *app {
	t.Helper()
	logs := &syncBuffer{}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	if cfg.HTTPClient == nil { // New's default client, on a transport of the test's own
		timeout := cfg.Timeout
		if timeout <= 0 {
			timeout = 10 * time.Second
		}
		cfg.HTTPClient = &http.Client{Timeout: timeout, Transport: ownTransport(t)}
	}
	o, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(o.Close)
	loggers.Store(o, cfg.Logger)
	t.Cleanup(func() { loggers.Delete(o) })
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	if !so.noAuth {
		e.Use(o.Auth())
	}
	if so.routes != nil {
		so.routes(e, o)
	} else {
		o.Attach(e)
	}
	e.GET("/whoami", func(c echo.Context) error {
		info := Info(c)
		if info == nil {
			return c.JSON(http.StatusOK, echo.Map{"logged_in": false})
		}
		return c.JSON(http.StatusOK, echo.Map{"logged_in": true, "info": info, "token": info.AccessToken})
	})
	e.GET("/page", func(c echo.Context) error { return c.String(http.StatusOK, "page") })
	srv := httptest.NewUnstartedServer(e)
	if so.ln != nil {
		srv.Listener.Close()
		srv.Listener = so.ln
	}
	if so.tls {
		srv.StartTLS()
	} else {
		srv.Start()
	}
	t.Cleanup(srv.Close)
	return &app{Server: srv, oauth: o, e: e, logs: logs, logger: cfg.Logger, client: cfg.HTTPClient}
}

// loggers maps each OAuth that serveApp built to its Config.Logger, for
// routes that hand that logger to a guard before the app exists.
var loggers sync.Map

// loggerOf returns the Config.Logger serveApp gave o.
func loggerOf(o *OAuth) *slog.Logger {
	l, _ := loggers.Load(o)
	return l.(*slog.Logger)
}

// fetched is a response whose body was read.
type fetched struct {
	*http.Response
	body string
}

// fetch does one GET with c, without following redirects when c says so.
func fetch(t testing.TB, c *http.Client, u string, hdr ...string) fetched {
	t.Helper()
	return fetchMethod(t, c, http.MethodGet, u, hdr...)
}

// fetchMethod is fetch with another method, and no body.
func fetchMethod(t testing.TB, c *http.Client, method, u string, hdr ...string) fetched {
	t.Helper()
	req, err := http.NewRequest(method, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Add(hdr[i], hdr[i+1])
	}
	res, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, u, err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return fetched{res, string(body)}
}

// rawLocation is the Location header as sent.
func (f fetched) rawLocation() string { return f.Header.Get("Location") }

// expired reports whether the response expires the cookie name.
func (f fetched) expired(name string) bool {
	for _, c := range f.Cookies() {
		if c.Name == name && c.MaxAge < 0 {
			return true
		}
	}
	return false
}

// plainClient is a client with no jar that never follows redirects.
func plainClient(t testing.TB) *http.Client {
	return &http.Client{Transport: ownTransport(t), CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// ownTransport returns a transport for one test's client, closed when the
// test ends. Test clients never use http.DefaultTransport: every
// httptest.Server.Close closes its idle connections, which can break a
// request another parallel test is making on one of them.
func ownTransport(t testing.TB) *http.Transport {
	t.Helper()
	tr := http.DefaultTransport.(*http.Transport).Clone()
	t.Cleanup(tr.CloseIdleConnections)
	return tr
}

// cookie returns the value of the named cookie the jar holds for u.
func (b *browser) cookie(t testing.TB, u, name string) string {
	t.Helper()
	pu, _ := url.Parse(u)
	for _, c := range b.Jar.Cookies(pu) {
		if c.Name == name {
			return c.Value
		}
	}
	return ""
}

// login runs a full login through a (following every redirect) and
// returns the final status. In mock mode it opens the link New logs, as
// the person at the console does.
func (b *browser) login(t testing.TB, a *app) (int, string) {
	t.Helper()
	if u := a.oauth.MockLoginURL("/page"); u != "" {
		return b.get(t, a.URL+u)
	}
	return b.get(t, a.URL+LoginPath+"?_target_url=/page")
}

// mustLogin logs b in on a and fails the test otherwise.
func (b *browser) mustLogin(t testing.TB, a *app) whoamiAnswer {
	t.Helper()
	if status, body := b.login(t, a); status != http.StatusOK || body != "page" {
		t.Fatalf("login = %d %q; want 200 page; logs:\n%s", status, body, a.logs)
	}
	w := b.whoami(t, a.URL)
	if !w.LoggedIn {
		t.Fatalf("not logged in after login; logs:\n%s", a.logs)
	}
	return w
}

// jarClient returns a non-following client with a fresh jar.
func jarClient(t testing.TB) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar, Transport: ownTransport(t), CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// sessionValue logs a fresh browser in on a and returns its session cookie value.
func sessionValue(t testing.TB, a *app) string {
	t.Helper()
	b := newBrowser(t)
	b.mustLogin(t, a)
	v := b.cookie(t, a.URL, a.oauth.SessionCookieName())
	if v == "" {
		t.Fatalf("no %s cookie after login", a.oauth.SessionCookieName())
	}
	return v
}

// withCookie fetches u with the Cookie header set to name=value.
func withCookie(t testing.TB, u, name, value string) fetched {
	t.Helper()
	return fetch(t, plainClient(t), u, "Cookie", name+"="+value)
}

// TestClientHelpersKeepTheirConnections: closing an httptest.Server closes
// the idle connections of http.DefaultTransport, and a request of another
// parallel test that was about to reuse one can then fail ("http:
// CloseIdleConnections called"). The clients the helpers make have their own
// transport, so another test's Close leaves their connections alone.
func TestClientHelpersKeepTheirConnections(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name   string
		client func(t *testing.T) *http.Client
	}{
		{"plainClient", func(t *testing.T) *http.Client { return plainClient(t) }},
		{"jarClient", func(t *testing.T) *http.Client { return jarClient(t) }},
		{"newBrowser", func(t *testing.T) *http.Client { return newBrowser(t).Client }},
		{"noRedirect", func(t *testing.T) *http.Client { return newBrowser(t).noRedirect() }},
		{"serveApp's provider client", func(t *testing.T) *http.Client { return newApp(t, Config{Mode: ModeMock}).client }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var conns atomic.Int32
			srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {}))
			srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
				if s == http.StateNew {
					conns.Add(1)
				}
			}
			srv.Start()
			t.Cleanup(srv.Close)
			c := tt.client(t)
			fetch(t, c, srv.URL)
			httptest.NewServer(http.NotFoundHandler()).Close() // as another test ending
			fetch(t, c, srv.URL)
			if n := conns.Load(); n != 1 {
				t.Errorf("two requests in a row opened %d connections; want 1 (another server's Close dropped this client's idle connection)", n)
			}
		})
	}
}
