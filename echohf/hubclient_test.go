package echohf

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/echohf/echohf/mock"
)

// hubAPI is a fake Hugging Face Hub for HubClient. /api/whoami-v2 accepts
// any bearer token but the revoked ones, and answers 401 as the Hub does
// otherwise; /api/public answers anyone; /api/models/gone answers 401 with
// the Hub's RepoNotFound code; /redirect sends to its to parameter. It
// records the Authorization header of every request.
type hubAPI struct {
	*httptest.Server
	mu      sync.Mutex
	auths   []string
	revoked map[string]bool
}

func newHubAPI(t *testing.T) *hubAPI {
	t.Helper()
	h := &hubAPI{revoked: map[string]bool{}}
	h.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth := r.Header.Get("Authorization")
		h.mu.Lock()
		h.auths = append(h.auths, auth)
		token, bearer := strings.CutPrefix(auth, "Bearer ")
		refused := !bearer || token == "" || h.revoked[token]
		h.mu.Unlock()
		switch r.URL.Path {
		case "/api/whoami-v2":
			if refused {
				w.Header().Set("X-Error-Message", "Invalid credentials in Authorization header")
				http.Error(w, `{"error":"Invalid credentials in Authorization header"}`, http.StatusUnauthorized)
				return
			}
			_, _ = io.WriteString(w, `{"type":"user","name":"alice"}`)
		case "/api/public":
			_, _ = io.WriteString(w, "public")
		case "/api/models/gone":
			w.Header().Set("X-Error-Code", "RepoNotFound")
			http.Error(w, `{"error":"Repository not found"}`, http.StatusUnauthorized)
		case "/redirect":
			http.Redirect(w, r, r.URL.Query().Get("to"), http.StatusFound) //nolint:gosec // G710: the fake Hub redirects where the test says

		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(h.Close)
	return h
}

// seen returns the Authorization headers received so far, and forgets them.
func (h *hubAPI) seen() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	s := h.auths
	h.auths = nil
	return s
}

func (h *hubAPI) revoke(token string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.revoked[token] = true
}

// hubRoutes registers the OAuth routes and GET /hub, which fetches the URL
// in its u parameter (a path is taken on the Hub) with HubClient and
// answers the Hub's status and body, or 401 "login required", 500 "no
// auth", 502 and the error for the errors HubClient gives.
func hubRoutes(e *echo.Echo, o *OAuth) {
	o.Attach(e)
	e.GET("/hub", hubHandler)
}

func hubHandler(c echo.Context) error {
	u := c.QueryParam("u")
	if strings.HasPrefix(u, "/") {
		u = HubEndpoint(c) + u
	}
	res, err := HubClient(c).Get(u)
	switch {
	case errors.Is(err, ErrLoginRequired):
		return c.String(http.StatusUnauthorized, "login required")
	case errors.Is(err, ErrNoAuth):
		return c.String(http.StatusInternalServerError, "no auth")
	case err != nil:
		return c.String(http.StatusBadGateway, err.Error())
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return c.String(res.StatusCode, string(body))
}

// hubApp serves a real-mode app against prov whose Hub is hub, with GET /hub.
func hubApp(t *testing.T, prov *mock.Server, hub *hubAPI) *app {
	t.Helper()
	cfg := realConfig(prov)
	cfg.HFEndpoint = hub.URL + "/"
	return serveApp(t, cfg, serveOpts{routes: hubRoutes})
}

func TestHubClientSendsToken(t *testing.T) {
	t.Parallel()
	hub := newHubAPI(t)
	a := hubApp(t, mock.NewServer(t, mock.Config{}), hub)
	b := newBrowser(t)
	token := b.mustLogin(t, a).Token
	hub.seen()
	for _, tt := range []struct {
		name, u string
		status  int
		body    string
		auths   []string
	}{
		{"whoami", "/api/whoami-v2", http.StatusOK, `{"type":"user","name":"alice"}`, []string{"Bearer " + token}},
		{"absolute URL", hub.URL + "/api/public", http.StatusOK, "public", []string{"Bearer " + token}},
		{"redirect on the Hub", "/redirect?to=" + url.QueryEscape(hub.URL+"/api/whoami-v2"), http.StatusOK, `{"type":"user","name":"alice"}`, []string{"Bearer " + token, "Bearer " + token}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			status, body := b.get(t, a.URL+"/hub?u="+url.QueryEscape(tt.u))
			if status != tt.status || body != tt.body {
				t.Errorf("GET /hub = %d %q; want %d %q", status, body, tt.status, tt.body)
			}
			if got := hub.seen(); strings.Join(got, "|") != strings.Join(tt.auths, "|") {
				t.Errorf("the Hub saw Authorization %q; want %q", got, tt.auths)
			}
		})
	}
}

// TestHubClientTokenStaysOnHub checks that the token goes to the Hub's
// scheme, host and port only, redirects included.
func TestHubClientTokenStaysOnHub(t *testing.T) {
	t.Parallel()
	hub, other := newHubAPI(t), newHubAPI(t)
	a := hubApp(t, mock.NewServer(t, mock.Config{}), hub)
	b := newBrowser(t)
	token := b.mustLogin(t, a).Token
	_, port, _ := strings.Cut(strings.TrimPrefix(hub.URL, "http://"), ":")
	for _, tt := range []struct {
		name, u string
		hub     []string // Authorization seen by the Hub
		other   []string // seen by the other server
	}{
		{"another server", other.URL + "/api/public", nil, []string{""}},
		{"the Hub by another name", "http://localhost:" + port + "/api/public", []string{""}, nil},
		{"redirect off the Hub", "/redirect?to=" + url.QueryEscape(other.URL+"/api/public"), []string{"Bearer " + token}, []string{""}},
		{"redirect to the Hub from elsewhere", other.URL + "/redirect?to=" + url.QueryEscape(hub.URL+"/api/public"), []string{""}, []string{""}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if status, body := b.get(t, a.URL+"/hub?u="+url.QueryEscape(tt.u)); status != http.StatusOK || body != "public" {
				t.Errorf("GET /hub = %d %q; want 200 public", status, body)
			}
			if got := hub.seen(); strings.Join(got, "|") != strings.Join(tt.hub, "|") {
				t.Errorf("the Hub saw Authorization %q; want %q", got, tt.hub)
			}
			if got := other.seen(); strings.Join(got, "|") != strings.Join(tt.other, "|") {
				t.Errorf("the other server saw Authorization %q; want %q", got, tt.other)
			}
		})
	}
}

func TestHubClientLoggedOut(t *testing.T) {
	t.Parallel()
	hub := newHubAPI(t)
	a := hubApp(t, mock.NewServer(t, mock.Config{}), hub)
	for _, u := range []string{"/api/whoami-v2", "/api/public"} {
		if status, body := newBrowser(t).get(t, a.URL+"/hub?u="+url.QueryEscape(u)); status != http.StatusUnauthorized || body != "login required" {
			t.Errorf("logged out, GET /hub?u=%s = %d %q; want 401 login required", u, status, body)
		}
	}
	if got := hub.seen(); len(got) != 0 {
		t.Errorf("logged out, the Hub got %d requests; want none", len(got))
	}
}

// TestHubClientRefused checks that a 401 from the Hub for the session's
// token logs the user out on that answer.
func TestHubClientRefused(t *testing.T) {
	t.Parallel()
	hub := newHubAPI(t)
	a := hubApp(t, mock.NewServer(t, mock.Config{}), hub)
	b := newBrowser(t)
	token := b.mustLogin(t, a).Token
	hub.revoke(token)
	f := fetch(t, b.noRedirect(), a.URL+"/hub?u=/api/whoami-v2")
	if f.StatusCode != http.StatusUnauthorized || f.body != "login required" {
		t.Errorf("with a revoked token, GET /hub = %d %q; want 401 login required", f.StatusCode, f.body)
	}
	if !f.expired(a.oauth.SessionCookieName()) {
		t.Errorf("the answer does not expire the session cookie: %q", f.Header.Values("Set-Cookie"))
	}
	if b.whoami(t, a.URL).LoggedIn {
		t.Error("still logged in after the Hub refused the token")
	}
	if strings.Contains(a.logs.String(), token) {
		t.Errorf("the token is in the logs:\n%s", a.logs)
	}
}

// TestHubClient401NotAboutToken checks the 401s that say nothing about the
// session's token: they come back as answers, and the session stays.
func TestHubClient401NotAboutToken(t *testing.T) {
	t.Parallel()
	hub := newHubAPI(t)
	a := hubApp(t, mock.NewServer(t, mock.Config{}), hub)
	a.e.GET("/own-token", func(c echo.Context) error {
		req, _ := http.NewRequestWithContext(c.Request().Context(), http.MethodGet, HubEndpoint(c)+"/api/whoami-v2", nil)
		req.Header.Set("Authorization", "Bearer hf_the_apps_own_token")
		res, err := HubClient(c).Do(req)
		if err != nil {
			return c.String(http.StatusBadGateway, err.Error())
		}
		res.Body.Close()
		return c.String(res.StatusCode, "own token")
	})
	b := newBrowser(t)
	b.mustLogin(t, a)
	hub.revoke("hf_the_apps_own_token")
	hub.seen()
	for _, tt := range []struct {
		name, path string
		status     int
		auth       string
	}{
		{"repository error", "/hub?u=/api/models/gone", http.StatusUnauthorized, "Bearer "},
		{"the caller's own token", "/own-token", http.StatusUnauthorized, "Bearer hf_the_apps_own_token"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := fetch(t, b.noRedirect(), a.URL+tt.path)
			if f.StatusCode != tt.status || f.body == "login required" {
				t.Errorf("GET %s = %d %q; want the Hub's %d", tt.path, f.StatusCode, f.body, tt.status)
			}
			if f.expired(a.oauth.SessionCookieName()) {
				t.Error("the answer expires the session cookie")
			}
			if got := hub.seen(); len(got) != 1 || !strings.HasPrefix(got[0], tt.auth) {
				t.Errorf("the Hub saw Authorization %q; want %q…", got, tt.auth)
			}
			if !b.whoami(t, a.URL).LoggedIn {
				t.Error("logged out")
			}
		})
	}
}

// TestHubClientConcurrentRefusals checks that goroutines of one handler
// refused together clear the session safely (run with -race).
func TestHubClientConcurrentRefusals(t *testing.T) {
	t.Parallel()
	hub := newHubAPI(t)
	a := hubApp(t, mock.NewServer(t, mock.Config{}), hub)
	a.e.GET("/fan-out", func(c echo.Context) error {
		var wg sync.WaitGroup
		var refused atomic.Int32
		for range 8 {
			wg.Go(func() {
				res, err := HubClient(c).Get(HubEndpoint(c) + "/api/whoami-v2")
				if errors.Is(err, ErrLoginRequired) {
					refused.Add(1)
				} else if err == nil {
					res.Body.Close()
				}
			})
		}
		wg.Wait()
		return c.String(http.StatusOK, fmt.Sprint(refused.Load()))
	})
	b := newBrowser(t)
	hub.revoke(b.mustLogin(t, a).Token)
	f := fetch(t, b.noRedirect(), a.URL+"/fan-out")
	if f.body != "8" || !f.expired(a.oauth.SessionCookieName()) {
		t.Errorf("GET /fan-out = %q refused, expiring the session: %v; want 8, true", f.body, f.expired(a.oauth.SessionCookieName()))
	}
	if n := strings.Count(strings.Join(f.Header.Values("Set-Cookie"), "\n"), a.oauth.SessionCookieName()+"="); n != 1 {
		t.Errorf("%d Set-Cookie lines for the session cookie; want 1", n)
	}
}

// TestHubClientMockSession checks that the made-up token of a mock session
// never goes to the Hub (which would refuse it, even for public calls),
// while a session carrying HF_TOKEN (MockCarryHFToken) sends it.
func TestHubClientMockSession(t *testing.T) {
	t.Parallel()
	hub := newHubAPI(t)
	a := serveApp(t, Config{Mode: ModeMock, HFEndpoint: hub.URL}, serveOpts{routes: hubRoutes})
	b := newBrowser(t)
	if w := b.mustLogin(t, a); !strings.HasPrefix(w.Token, mockTokenPrefix) {
		t.Fatalf("mock session token %q does not start with %q", w.Token, mockTokenPrefix)
	}
	if status, body := b.get(t, a.URL+"/hub?u=/api/public"); status != http.StatusOK || body != "public" {
		t.Errorf("GET /hub public = %d %q; want 200 public", status, body)
	}
	if status, _ := b.get(t, a.URL+"/hub?u=/api/whoami-v2"); status != http.StatusUnauthorized {
		t.Errorf("GET /hub whoami = %d; want the Hub's 401", status)
	}
	if got := hub.seen(); strings.Join(got, "|") != "|" {
		t.Errorf("the Hub saw Authorization %q; want none twice", got)
	}
	if !b.whoami(t, a.URL).LoggedIn {
		t.Error("the Hub's 401 to an anonymous call logged the mock session out")
	}

	const token = "hf_the_machines_token"
	carry := serveApp(t, Config{Mode: ModeMock, HFEndpoint: hub.URL, HFToken: token, MockCarryHFToken: true}, serveOpts{routes: hubRoutes})
	b = newBrowser(t)
	b.mustLogin(t, carry)
	hub.seen() // the mocked profile's whoami
	if status, _ := b.get(t, carry.URL+"/hub?u=/api/whoami-v2"); status != http.StatusOK {
		t.Errorf("with MockCarryHFToken, GET /hub whoami = %d; want 200", status)
	}
	if got := hub.seen(); len(got) != 1 || got[0] != "Bearer "+token {
		t.Errorf("the Hub saw Authorization %q; want HF_TOKEN", got)
	}
}

// TestHubClientWithoutAuth checks that HubClient reports a request Auth did
// not see as ErrNoAuth, with no network call.
func TestHubClientWithoutAuth(t *testing.T) {
	t.Parallel()
	hub := newHubAPI(t)
	prov := mock.NewServer(t, mock.Config{})
	cfg := realConfig(prov)
	cfg.HFEndpoint = hub.URL
	noAuth := serveApp(t, cfg, serveOpts{noAuth: true, routes: hubRoutes})
	cfg.Skipper = func(c echo.Context) bool { return c.Path() == "/hub" }
	skipped := serveApp(t, cfg, serveOpts{routes: hubRoutes})
	for _, a := range []*app{noAuth, skipped} {
		if status, body := newBrowser(t).get(t, a.URL+"/hub?u=/api/whoami-v2"); status != http.StatusInternalServerError || body != "no auth" {
			t.Errorf("GET /hub without Auth = %d %q; want 500 no auth", status, body)
		}
	}
	if got := hub.seen(); len(got) != 0 {
		t.Errorf("the Hub got %d requests; want none", len(got))
	}
}

// roundTripFunc is an http.RoundTripper made of a function.
type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// closeBody is a body that records that it was closed.
type closeBody struct {
	io.Reader
	closed atomic.Bool
}

func (b *closeBody) Close() error { b.closed.Store(true); return nil }

// TestHubClientInstanceClient checks that HubClient goes through the
// instance's HTTPClient with its timeout, and closes the bodies it does
// not hand back.
func TestHubClientInstanceClient(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	refusedBody := &closeBody{Reader: strings.NewReader(`{"error":"Invalid credentials in Authorization header"}`)}
	cfg := Config{Mode: ModeMock, HFEndpoint: "https://hub.example", SessionSecret: "test-session-secret-0123456789abcdef"}
	cfg.HTTPClient = &http.Client{Timeout: 3 * time.Second, Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		calls.Add(1)
		if r.URL.Host != "hub.example" || r.Header.Get("Authorization") != "Bearer hf_oauth_instance" {
			return nil, errors.New("unexpected request")
		}
		return &http.Response{StatusCode: http.StatusUnauthorized, Header: http.Header{}, Body: refusedBody, Request: r}, nil
	})}
	a := serveApp(t, cfg, serveOpts{routes: func(e *echo.Echo, o *OAuth) {
		o.Attach(e)
		e.GET("/timeout", func(c echo.Context) error { return c.String(http.StatusOK, HubClient(c).Timeout.String()) })
		e.POST("/post", func(c echo.Context) error {
			body := &closeBody{Reader: strings.NewReader("data")}
			req, _ := http.NewRequestWithContext(c.Request().Context(), http.MethodPost, HubEndpoint(c)+"/api/repos/create", body)
			res, err := HubClient(c).Do(req)
			if err == nil {
				res.Body.Close()
			}
			return c.String(http.StatusOK, fmt.Sprint(errors.Is(err, ErrLoginRequired), body.closed.Load()))
		})
		e.GET("/hub", hubHandler)
	}})
	b := newBrowser(t)
	if _, body := b.get(t, a.URL+"/timeout"); body != "3s" {
		t.Errorf("HubClient timeout = %s; want the instance client's 3s", body)
	}
	res, err := b.Post(a.URL+"/post", "text/plain", nil)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if string(got) != "true true" || calls.Load() != 0 {
		t.Errorf("logged out POST: ErrLoginRequired, body closed = %s, %d calls; want true true, 0 calls", got, calls.Load())
	}

	// A session minted by SaveSession, then refused by the Hub.
	rec := httptest.NewRecorder()
	if err := a.oauth.SaveSession(rec, nil, &OAuthInfo{AccessToken: "hf_oauth_instance", AccessTokenExpiresAt: time.Now().Add(time.Hour), UserInfo: OAuthUserInfo{Sub: "u", PreferredUsername: "u"}}); err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(a.URL)
	b.Jar.SetCookies(u, rec.Result().Cookies())
	if status, body := b.get(t, a.URL+"/hub?u=/api/whoami-v2"); status != http.StatusUnauthorized || body != "login required" {
		t.Errorf("GET /hub = %d %q; want 401 login required", status, body)
	}
	if calls.Load() != 1 || !refusedBody.closed.Load() {
		t.Errorf("%d calls through the instance client, refused body closed: %v; want 1, true", calls.Load(), refusedBody.closed.Load())
	}
}

func TestHubEndpoint(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ endpoint, want string }{
		{"", "https://huggingface.co"},
		{"https://hf-mirror.example/", "https://hf-mirror.example"},
	} {
		a := serveApp(t, Config{Mode: ModeMock, HFEndpoint: tt.endpoint}, serveOpts{routes: func(e *echo.Echo, o *OAuth) {
			e.GET("/endpoint", func(c echo.Context) error { return c.String(http.StatusOK, HubEndpoint(c)) })
		}})
		if _, body := newBrowser(t).get(t, a.URL+"/endpoint"); body != tt.want {
			t.Errorf("HFEndpoint %q: HubEndpoint = %q; want %q", tt.endpoint, body, tt.want)
		}
	}
	e := echo.New()
	c := e.NewContext(httptest.NewRequest(http.MethodGet, "/", nil), httptest.NewRecorder())
	if got := HubEndpoint(c); got != "https://huggingface.co" {
		t.Errorf("without Auth, HubEndpoint = %q; want the default", got)
	}
}

func TestSaveSession(t *testing.T) {
	t.Parallel()
	a := newApp(t, Config{Mode: ModeMock, SessionSecret: "test-session-secret-0123456789abcdef"})
	user := OAuthUserInfo{Sub: "u1", PreferredUsername: "ursula"}
	for _, tt := range []struct {
		name string
		info *OAuthInfo
	}{
		{"nil info", nil},
		{"expired", &OAuthInfo{AccessToken: "t", AccessTokenExpiresAt: time.Now().Add(-time.Minute), UserInfo: user}},
	} {
		rec := httptest.NewRecorder()
		if err := a.oauth.SaveSession(rec, nil, tt.info); err == nil || !strings.HasPrefix(err.Error(), "echohf: SaveSession") {
			t.Errorf("%s: SaveSession error = %v; want one naming SaveSession", tt.name, err)
		}
		if lines := rec.Header().Values("Set-Cookie"); len(lines) != 0 {
			t.Errorf("%s: SaveSession wrote %q", tt.name, lines)
		}
	}
	expires := time.Now().Add(time.Hour).Truncate(time.Second)
	a.e.GET("/signin", func(c echo.Context) error {
		info := &OAuthInfo{AccessToken: "hf_oauth_saved", AccessTokenExpiresAt: expires, UserInfo: user, Scope: "openid profile"}
		if err := a.oauth.SaveSession(c.Response(), c.Request(), info); err != nil {
			return err
		}
		return c.Redirect(http.StatusFound, "/page")
	})
	b := newBrowser(t)
	if status, body := b.get(t, a.URL+"/signin"); status != http.StatusOK || body != "page" {
		t.Fatalf("GET /signin = %d %q", status, body)
	}
	w := b.whoami(t, a.URL)
	if !w.LoggedIn || w.Token != "hf_oauth_saved" || w.Info.UserInfo.PreferredUsername != "ursula" || !w.Info.AccessTokenExpiresAt.Equal(expires) || w.Info.Scope != "openid profile" {
		t.Errorf("after SaveSession, whoami = %+v", w)
	}
}

// TestHubClientBearerRefused: a request signed in by a bearer token has no
// session cookie to clear, so when the Hub refuses that token, HubClient's
// error matches ErrLoginRequired and the answer sets no cookie at all, in
// particular none that would log out the browser the script runs beside.
func TestHubClientBearerRefused(t *testing.T) {
	t.Parallel()
	srv := hub(t)
	a := serveApp(t, bearerConfig(srv, ModeReal), serveOpts{routes: func(e *echo.Echo, o *OAuth) {
		o.Attach(e)
		e.GET("/hub", func(c echo.Context) error {
			if Info(c) == nil {
				return c.String(http.StatusUnauthorized, "logged out")
			}
			req, _ := http.NewRequestWithContext(c.Request().Context(), http.MethodGet, HubEndpoint(c)+"/api/whoami-v2", nil)
			res, err := HubClient(c).Do(req)
			if errors.Is(err, ErrLoginRequired) {
				return c.String(http.StatusUnauthorized, "login required")
			}
			if err != nil {
				return c.String(http.StatusBadGateway, err.Error())
			}
			res.Body.Close()
			return c.String(res.StatusCode, "hub")
		})
	}})
	if f := bearerGet(t, a, "/hub", "Bearer "+patAlice); f.StatusCode != http.StatusOK {
		t.Fatalf("GET /hub with a good token = %d %q; want 200", f.StatusCode, f.body)
	}
	srv.RemoveToken(patAlice) // revoked on the Hub; Auth's cache still accepts it for a while
	f := bearerGet(t, a, "/hub", "Bearer "+patAlice)
	if f.StatusCode != http.StatusUnauthorized || f.body != "login required" {
		t.Errorf("GET /hub with a revoked token = %d %q; want 401 login required", f.StatusCode, f.body)
	}
	if sc := f.Header.Values("Set-Cookie"); len(sc) > 0 {
		t.Errorf("the answer to a bearer request sets cookies: %q", sc)
	}
	// Auth no longer trusts its cached answer: the next request asks the Hub.
	before := srv.Requests(mock.EndpointWhoami)
	if f := bearerGet(t, a, "/hub", "Bearer "+patAlice); f.StatusCode != http.StatusUnauthorized || f.body != "logged out" {
		t.Errorf("GET /hub after the Hub refused the token = %d %q; want 401 logged out", f.StatusCode, f.body)
	}
	if n := srv.Requests(mock.EndpointWhoami) - before; n != 1 {
		t.Errorf("whoami calls after the refusal = %d; want 1 (Auth asks again)", n)
	}
}

// TestHubClientAfterItsRequest: Echo reuses a request's context for later
// requests, so a HubClient kept past its handler must never clear a
// session on the answer of whatever request the context serves next.
func TestHubClientAfterItsRequest(t *testing.T) {
	t.Parallel()
	hub := newHubAPI(t)
	a := hubApp(t, mock.NewServer(t, mock.Config{}), hub)
	b := newBrowser(t)
	token := b.mustLogin(t, a).Token
	name := a.oauth.SessionCookieName()
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	req.AddCookie(&http.Cookie{Name: name, Value: b.cookie(t, a.URL, name)})
	c := a.e.NewContext(req, httptest.NewRecorder())
	var client *http.Client
	if err := a.oauth.Auth()(func(c echo.Context) error {
		client = HubClient(c)
		return nil
	})(c); err != nil || Info(c) == nil {
		t.Fatalf("Auth = %v, Info %v; want the session's login", err, Info(c))
	}
	next := httptest.NewRecorder()
	c.Reset(httptest.NewRequest(http.MethodGet, "/other", nil), next) // the context serves another request
	hub.revoke(token)
	res, err := client.Get(hub.URL + "/api/whoami-v2")
	if err == nil {
		res.Body.Close()
	}
	if !errors.Is(err, ErrLoginRequired) {
		t.Errorf("the kept client's Hub call: %v; want an error matching ErrLoginRequired", err)
	}
	if sc := next.Header().Values("Set-Cookie"); len(sc) > 0 {
		t.Errorf("the next request's answer got Set-Cookie %q from a client kept past its handler", sc)
	}
}
