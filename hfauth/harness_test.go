package hfauth

import (
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// testClock is a clock tests move forward by hand. The zero value runs
// with the real time, plus what was added; stoppedClock's moves only by hand.
type testClock struct {
	off     atomic.Int64
	stopped time.Time
}

// stoppedClock returns a clock standing at the current time, for tests
// whose windows (a second, say) a loaded machine could let pass on its own.
func stoppedClock() *testClock { return &testClock{stopped: time.Now()} }

func (c *testClock) Now() time.Time {
	base := c.stopped
	if base.IsZero() {
		base = time.Now()
	}
	return base.Add(time.Duration(c.off.Load()))
}

func (c *testClock) Advance(d time.Duration) { c.off.Add(int64(d)) }

// serveOpts tunes serveApp.
type serveOpts struct {
	ln  net.Listener // serve on this listener (default a fresh loopback one)
	tls bool         // serve https
	// routes registers the OAuth routes (default o.Handler() under the
	// prefix) and any other route; o.Middleware, /whoami and /page are
	// always there.
	routes func(mux *http.ServeMux, o *OAuth)
	noAuth bool // do not install o.Middleware (routes may, or not at all)
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
	mux := http.NewServeMux()
	if so.routes != nil {
		so.routes(mux, o)
	} else {
		mux.Handle(o.cfg.Prefix+"/oauth/huggingface/", o.Handler())
	}
	mux.HandleFunc("GET /whoami", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		info := Info(r)
		if info == nil {
			_ = json.NewEncoder(w).Encode(map[string]any{"logged_in": false})
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"logged_in": true, "info": info, "token": info.AccessToken})
	})
	mux.HandleFunc("GET /page", func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "page") })
	var h http.Handler = mux
	if !so.noAuth {
		h = o.Middleware(mux)
	}
	srv := httptest.NewUnstartedServer(h)
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
	return &app{Server: srv, oauth: o, h: h, logs: logs}
}

// listen returns a loopback listener and its address.
func listen(t testing.TB) (net.Listener, string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return ln, ln.Addr().String()
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

// location is the absolute Location of a redirect.
func (f fetched) location(t testing.TB) string {
	t.Helper()
	u, err := f.Location()
	if err != nil {
		t.Fatalf("%s %s: no Location (%d %s)", f.Request.Method, f.Request.URL, f.StatusCode, f.body)
	}
	return u.String()
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

// setCookie returns the raw Set-Cookie header that sets name to a value.
func (f fetched) setCookie(name string) string {
	for _, h := range f.Header.Values("Set-Cookie") {
		if strings.HasPrefix(h, name+"=") && !strings.Contains(h, "Max-Age=0") {
			return h
		}
	}
	return ""
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

// countPrefix counts the names with prefix.
func countPrefix(names []string, prefix string) int {
	n := 0
	for _, name := range names {
		if strings.HasPrefix(name, prefix) {
			n++
		}
	}
	return n
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
	v := b.cookie(t, a.URL, a.oauth.sessions.Name())
	if v == "" {
		t.Fatalf("no %s cookie after login", a.oauth.sessions.Name())
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
		{"serveApp's provider client", func(t *testing.T) *http.Client { return newApp(t, Config{Mode: ModeMock}).oauth.cfg.HTTPClient }},
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
