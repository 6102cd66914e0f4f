package echohf5

import (
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/labstack/echo/v5"

	"github.com/echohf/echohf/internal/logbuf"
	"github.com/echohf/echohf/mock"
)

// app is an Echo v5 app with an OAuth instance, served over real HTTP:
// the OAuth routes, Auth, GET /whoami (the Info as JSON, with the access
// token) and GET /page.
type app struct {
	*httptest.Server
	oauth *OAuth
	e     *echo.Echo
	logs  *syncBuffer
}

// syncBuffer is the tests' goroutine-safe log sink.
type syncBuffer = logbuf.Buffer

// testClock is a clock standing still at its start until a test moves it.
type testClock struct {
	start time.Time
	off   atomic.Int64
}

func newClock() *testClock { return &testClock{start: time.Now()} }

func (c *testClock) Now() time.Time          { return c.start.Add(time.Duration(c.off.Load())) }
func (c *testClock) Advance(d time.Duration) { c.off.Add(int64(d)) }

// realConfig is a real-mode configuration against the mock provider srv.
// New never reads the environment, so neither does an app built from it.
func realConfig(srv *mock.Server) Config {
	return Config{
		Mode:          ModeReal,
		SpaceID:       "test/space",
		ClientID:      mock.TestClientID,
		ClientSecret:  mock.TestClientSecret,
		Scopes:        []string{"openid", "profile", "email", "read-memberships"},
		ProviderURL:   srv.URL,
		SessionSecret: "test-session-secret-0123456789abcdef",
		HFEndpoint:    srv.URL, // the mock is a small fake Hub too
	}
}

// newApp serves an app built from cfg; routes, when set, registers the
// OAuth routes (instead of o.Attach(e)) and any other route.
func newApp(t testing.TB, cfg Config, routes func(e *echo.Echo, o *OAuth)) *app {
	t.Helper()
	logs := &syncBuffer{}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 10 * time.Second, Transport: ownTransport(t)}
	}
	o, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(o.Close)
	e := echo.New()
	exposeErrors(e)
	e.Use(o.Auth())
	if routes != nil {
		routes(e, o)
	} else {
		o.Attach(e)
	}
	e.GET("/whoami", whoamiHandler)
	e.GET("/page", func(c *echo.Context) error { return c.String(http.StatusOK, "page") })
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	return &app{Server: srv, oauth: o, e: e, logs: logs}
}

// whoamiHandler answers what Info holds, with the access token.
func whoamiHandler(c *echo.Context) error {
	info := Info(c)
	if info == nil {
		return c.JSON(http.StatusOK, map[string]any{"logged_in": false})
	}
	return c.JSON(http.StatusOK, map[string]any{"logged_in": true, "info": info, "token": info.AccessToken})
}

// errHeader names the sentinels an error answer matches (see exposeErrors).
const errHeader = "X-Echohf-Error"

// exposeErrors makes e's error answers list, in errHeader, the sentinels
// their error matches, so tests over HTTP can check them with errors.Is.
func exposeErrors(e *echo.Echo) {
	sentinels := []struct {
		name string
		err  error
	}{
		{"login-required", ErrLoginRequired}, {"not-member", ErrNotMember}, {"role-too-low", ErrRoleTooLow},
		{"restricted", ErrRestricted}, {"no-auth", ErrNoAuth}, {"login-failed", ErrLoginFailed},
	}
	handle := echo.DefaultHTTPErrorHandler(false)
	e.HTTPErrorHandler = func(c *echo.Context, err error) {
		var names []string
		for _, s := range sentinels {
			if errors.Is(err, s.err) {
				names = append(names, s.name)
			}
		}
		c.Response().Header().Set(errHeader, strings.Join(names, " "))
		handle(c, err)
	}
}

// ownTransport returns a transport for one test's client, closed when the
// test ends, so that another test's httptest.Server.Close cannot drop its
// idle connections.
func ownTransport(t testing.TB) *http.Transport {
	t.Helper()
	tr := http.DefaultTransport.(*http.Transport).Clone()
	t.Cleanup(tr.CloseIdleConnections)
	return tr
}

// browser is an http.Client with a cookie jar that follows redirects and
// records every URL it is redirected to.
type browser struct {
	*http.Client
	mu      sync.Mutex
	visited []string
}

func newBrowser(t testing.TB) *browser {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	b := &browser{}
	b.Client = &http.Client{Jar: jar, Transport: ownTransport(t), CheckRedirect: func(req *http.Request, via []*http.Request) error {
		b.mu.Lock()
		b.visited = append(b.visited, req.URL.String())
		b.mu.Unlock()
		if len(via) > 20 {
			return http.ErrUseLastResponse
		}
		return nil
	}}
	return b
}

// noRedirect is a client that stops at the first answer, sharing b's jar.
func (b *browser) noRedirect() *http.Client {
	return &http.Client{Jar: b.Jar, Transport: b.Transport, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// via reports whether b was redirected through a URL starting with prefix.
func (b *browser) via(prefix string) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, u := range b.visited {
		if strings.HasPrefix(u, prefix) {
			return true
		}
	}
	return false
}

// fetched is a response whose body was read.
type fetched struct {
	*http.Response
	body string
}

// fetch does one GET with c, with the header entries hdr (name, value, ...).
func fetch(t testing.TB, c *http.Client, u string, hdr ...string) fetched {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Add(hdr[i], hdr[i+1])
	}
	res, err := c.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return fetched{res, string(body)}
}

// login signs b in on a (in mock mode through the link New logs, as the
// person at the console does) and returns the final answer, /page's.
func (b *browser) login(t testing.TB, a *app) fetched {
	t.Helper()
	if u := a.oauth.MockLoginURL("/page"); u != "" {
		return fetch(t, b.Client, a.URL+u)
	}
	return fetch(t, b.Client, a.URL+LoginPath+"?_target_url=/page")
}

// whoamiAnswer is the /whoami answer.
type whoamiAnswer struct {
	LoggedIn bool       `json:"logged_in"`
	Info     *OAuthInfo `json:"info"`
	Token    string     `json:"token"`
}

// mustLogin signs b in on a and fails the test otherwise.
func (b *browser) mustLogin(t testing.TB, a *app) whoamiAnswer {
	t.Helper()
	if f := b.login(t, a); f.StatusCode != http.StatusOK || f.body != "page" {
		t.Fatalf("login = %d %q; want 200 page; logs:\n%s", f.StatusCode, f.body, a.logs)
	}
	w := b.whoami(t, a.URL)
	if !w.LoggedIn {
		t.Fatalf("not logged in after login; logs:\n%s", a.logs)
	}
	return w
}

// whoami fetches base/whoami with b's cookies.
func (b *browser) whoami(t testing.TB, base string, hdr ...string) whoamiAnswer {
	t.Helper()
	return decodeWhoami(t, fetch(t, b.Client, base+"/whoami", hdr...))
}

func decodeWhoami(t testing.TB, f fetched) whoamiAnswer {
	t.Helper()
	if f.StatusCode != http.StatusOK {
		t.Fatalf("GET /whoami = %d %s", f.StatusCode, f.body)
	}
	var w whoamiAnswer
	if err := json.Unmarshal([]byte(f.body), &w); err != nil {
		t.Fatalf("whoami: %v in %s", err, f.body)
	}
	return w
}

// mustURL parses u.
func mustURL(t testing.TB, u string) *url.URL {
	t.Helper()
	pu, err := url.Parse(u)
	if err != nil {
		t.Fatal(err)
	}
	return pu
}
