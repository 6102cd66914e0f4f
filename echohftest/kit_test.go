package echohftest_test

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/echohf/echohf/echohf"
	"github.com/echohf/echohf/echohftest"
	"github.com/echohf/echohf/hfauthtest"
)

// quiet discards the logs of the instances under test.
var quiet = slog.New(slog.DiscardHandler)

// serve serves an app on o over real HTTP: the OAuth routes, Auth, GET
// /whoami (the login as JSON, with the token), and pages behind RequireOrg:
// /acme for any member of acme, /acme-writers for writers and up,
// /acme-strict for members whose session meets acme's restrictions.
func serve(t *testing.T, o *echohf.OAuth, tls bool) *httptest.Server {
	t.Helper()
	return serveHandler(t, handler(o), tls)
}

// handler is the app serve serves, with o's routes: an OAuth registers them
// on one Echo only, so tests that serve one app twice build it once.
func handler(o *echohf.OAuth) *echo.Echo {
	e := echo.New()
	o.Attach(e)
	e.Use(o.Auth())
	e.GET("/whoami", func(c echo.Context) error {
		info := echohf.Info(c)
		if info == nil {
			return c.JSON(http.StatusOK, whoami{})
		}
		return c.JSON(http.StatusOK, whoami{LoggedIn: true, User: info.UserInfo, Token: info.AccessToken, Scope: info.Scope, Expires: info.AccessTokenExpiresAt})
	})
	page := func(c echo.Context) error { return c.String(http.StatusOK, "page") }
	e.GET("/acme", page, echohf.RequireOrg("acme"))
	e.GET("/acme-writers", page, echohf.RequireOrgWithConfig(echohf.RequireOrgConfig{Orgs: []string{"acme"}, MinRole: echohf.RoleWrite}))
	e.GET("/acme-strict", page, echohf.RequireOrgWithConfig(echohf.RequireOrgConfig{Orgs: []string{"acme"}, RefuseRestricted: true}))
	return e
}

// serveHandler serves h over http, or https when tls is set.
func serveHandler(t *testing.T, h http.Handler, tls bool) *httptest.Server {
	t.Helper()
	srv := httptest.NewUnstartedServer(h)
	if tls {
		srv.StartTLS()
	} else {
		srv.Start()
	}
	t.Cleanup(srv.Close)
	return srv
}

// newClient returns a client with jar (which may be nil) for one test, on a
// transport of its own, closed when the test ends: every
// httptest.Server.Close closes the idle connections of
// http.DefaultTransport, which can break a request another parallel test is
// making on one of them.
func newClient(t testing.TB, jar http.CookieJar) *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Jar: jar, Transport: tr}
}

// whoami is the /whoami answer.
type whoami struct {
	LoggedIn bool                 `json:"logged_in"`
	User     echohf.OAuthUserInfo `json:"user"`
	Token    string               `json:"token"`
	Scope    string               `json:"scope"`
	Expires  time.Time            `json:"expires"`
}

// answer is a response whose body was read.
type answer struct {
	status  int
	body    string
	cleared []string // the cookies it expires
}

// do sends req with client (a plain one when nil), never following redirects.
func do(t *testing.T, client *http.Client, req *http.Request) answer {
	t.Helper()
	if client == nil {
		client = newClient(t, nil)
	}
	c := *client
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	res, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	a := answer{status: res.StatusCode, body: string(body)}
	for _, ck := range res.Cookies() {
		if ck.MaxAge < 0 {
			a.cleared = append(a.cleared, ck.Name)
		}
	}
	return a
}

// get fetches u with client.
func get(t *testing.T, client *http.Client, u string) answer {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	return do(t, client, req)
}

// who decodes a /whoami answer.
func (a answer) who(t *testing.T) whoami {
	t.Helper()
	var w whoami
	if a.status != http.StatusOK || json.Unmarshal([]byte(a.body), &w) != nil {
		t.Fatalf("/whoami = %d %s", a.status, a.body)
	}
	return w
}

// The Kit's behavior (what sessions it mints, chunking, the options'
// effects, secrets, clocks, real mode) is tested once, in hfauthtest. The
// tests below check what echohftest adds: each method and option of the
// wrapper reaches the core Kit and gives an Echo v4 app, through echohf's
// Auth, Info and guards, what the core Kit gives a net/http one.

// TestNew: New builds the *echohf.OAuth it mints for, completes the Config
// as hfauthtest.New does, and reports a bad Config through the TB.
func TestNew(t *testing.T) {
	t.Parallel()
	cfg := echohf.Config{Logger: quiet}
	kit := echohftest.New(t, cfg)
	if kit.OAuth() == nil || kit.Core().OAuth() != kit.OAuth().OAuth {
		t.Fatal("Kit.OAuth is not the instance the core Kit mints through")
	}
	if got := kit.Config(); len(got.SessionSecret) < 32 || got.RevalidateEvery != -1 || cfg.SessionSecret != "" {
		t.Errorf("Config: secret of %d bytes, RevalidateEvery %v, caller's Config changed %v; want a generated secret, -1, no",
			len(got.SessionSecret), got.RevalidateEvery, cfg.SessionSecret != "")
	}
	for _, tt := range []struct {
		name string
		cfg  echohf.Config
		want string
	}{
		{"short secret", echohf.Config{SessionSecret: "too-short-secret"}, "at least 32"},
		{"real mode without its settings", echohf.Config{Mode: echohf.ModeReal}, "ClientID"},
	} {
		if msg := fatal(t, func(tb echohftest.TB) { echohftest.New(tb, tt.cfg) }); !strings.Contains(msg, tt.want) || strings.Contains(msg, "too-short-secret") {
			t.Errorf("New with %s: fatal %q; want %q, without the secret", tt.name, msg, tt.want)
		}
	}
}

// TestConfig: an Echo v4 app built from Kit.Config with echohf.New accepts
// the Kit's sessions, like a replica.
func TestConfig(t *testing.T) {
	t.Parallel()
	kit := echohftest.New(t, echohf.Config{Logger: quiet})
	o, err := echohf.New(kit.Config())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(o.Close)
	srv := serve(t, o, false)
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/whoami", nil)
	kit.Login(req, echohftest.User("alice"))
	if w := do(t, nil, req).who(t); w.User.PreferredUsername != "alice" {
		t.Errorf("an instance built from Kit.Config: whoami %+v; want alice", w)
	}
}

// TestCookies: the cookies Cookies returns sign user in on the Kit's
// Echo app, with its organizations for the guards.
func TestCookies(t *testing.T) {
	t.Parallel()
	kit := echohftest.New(t, echohf.Config{Logger: quiet})
	srv := serve(t, kit.OAuth(), false)
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/acme-writers", nil)
	for _, c := range kit.Cookies(echohftest.User("alice", echohftest.Org("acme", echohf.RoleWrite))) {
		req.AddCookie(c)
	}
	if a := do(t, nil, req); a.status != http.StatusOK {
		t.Errorf("GET /acme-writers with Cookies' cookies = %d %s; want 200", a.status, a.body)
	}
}

// TestLogin: Login puts on a request a session that echohf.Info and
// RequireOrg read, in place of an earlier one, keeping other cookies.
func TestLogin(t *testing.T) {
	t.Parallel()
	kit := echohftest.New(t, echohf.Config{Logger: quiet})
	srv := serve(t, kit.OAuth(), false)
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/whoami", nil)
	req.AddCookie(&http.Cookie{Name: "theme", Value: "dark"})
	kit.Login(req, echohftest.User("first"))
	kit.Login(req, echohftest.User("alice", echohftest.Org("acme", echohf.RoleRead)))
	if w := do(t, nil, req).who(t); w.User.PreferredUsername != "alice" || len(w.User.Orgs) != 1 {
		t.Errorf("whoami = %+v; want alice of acme", w)
	}
	if ck, err := req.Cookie("theme"); err != nil || ck.Value != "dark" {
		t.Errorf("the request lost its other cookie: %v", cookieNames(req))
	}
	req.URL.Path = "/acme-writers"
	if a := do(t, nil, req); a.status != http.StatusForbidden {
		t.Errorf("GET /acme-writers as a reader = %d; want 403 from RequireOrg", a.status)
	}
}

// TestLoginJar: LoginJar stores a session a client's jar sends to the
// Kit's Echo app, and reports through the TB a URL the jar would not send
// it to.
func TestLoginJar(t *testing.T) {
	t.Parallel()
	kit := echohftest.New(t, echohf.Config{Logger: quiet})
	srv := serve(t, kit.OAuth(), false)
	jar, _ := cookiejar.New(nil)
	client := newClient(t, jar)
	kit.LoginJar(jar, srv.URL, echohftest.User("alice"))
	if w := get(t, client, srv.URL+"/whoami").who(t); w.User.PreferredUsername != "alice" {
		t.Errorf("whoami = %+v; want alice", w)
	}
	if msg := fatal(t, func(tb echohftest.TB) {
		echohftest.New(tb, kit.Config()).LoginJar(jar, "/relative", echohftest.User("alice"))
	}); !strings.Contains(msg, "not an absolute http(s) URL") {
		t.Errorf("LoginJar with a relative URL: fatal %q", msg)
	}
}

// TestUserAndOrg: User and Org are hfauthtest's, and RequireOrg on the
// Kit's Echo app matches an Org's Sub as an id.
func TestUserAndOrg(t *testing.T) {
	t.Parallel()
	o := echohftest.Org("acme", echohf.RoleAdmin, "mfa")
	u := echohftest.User("alice", o)
	if !reflect.DeepEqual(u, hfauthtest.User("alice", hfauthtest.Org("acme", echohf.RoleAdmin, "mfa"))) ||
		!reflect.DeepEqual(echohftest.User("bob"), hfauthtest.User("bob")) {
		t.Errorf("User(alice, Org(acme, admin, mfa)) = %+v; want hfauthtest's", u)
	}
	kit := echohftest.New(t, echohf.Config{Logger: quiet})
	e := echo.New()
	e.Use(kit.OAuth().Auth())
	e.GET("/", func(c echo.Context) error { return c.String(http.StatusOK, "ok") }, echohf.RequireOrg(o.Sub))
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	kit.Login(req, u)
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		t.Errorf("RequireOrg(id of acme) = %d %s; want 200", rec.Code, rec.Body)
	}
}

// TestOptions: each Option is its hfauthtest counterpart, as the Kit's
// Echo app sees it.
func TestOptions(t *testing.T) {
	t.Parallel()
	clock := time.Unix(1_800_000_000, 0)
	kit := echohftest.New(t, echohf.Config{Logger: quiet, Now: func() time.Time { return clock }})
	srv := serve(t, kit.OAuth(), false)
	expires := clock.Add(90 * time.Minute)
	tests := []struct {
		name     string
		opts     []echohftest.Option
		loggedIn bool
		cleared  bool // Auth expires the session cookie
		check    func(w whoami) bool
	}{
		{"defaults", nil, true, false, func(w whoami) bool {
			return w.Token == "hf_oauth_test_alice" && w.Scope == "openid profile" && w.Expires.Equal(clock.Add(8*time.Hour))
		}},
		{"ExpiresAt", []echohftest.Option{echohftest.ExpiresAt(expires)}, true, false, func(w whoami) bool { return w.Expires.Equal(expires) }},
		{"Scope", []echohftest.Option{echohftest.Scope("openid read-repos")}, true, false, func(w whoami) bool { return w.Scope == "openid read-repos" }},
		{"AccessToken", []echohftest.Option{echohftest.AccessToken("hf_oauth_xyz")}, true, false, func(w whoami) bool { return w.Token == "hf_oauth_xyz" }},
		{"Expired", []echohftest.Option{echohftest.Expired()}, false, true, nil},
		{"Tampered", []echohftest.Option{echohftest.Tampered()}, false, true, nil},
		{"OtherSecret", []echohftest.Option{echohftest.OtherSecret()}, false, false, nil}, // a key another replica may have
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			req, _ := http.NewRequest(http.MethodGet, srv.URL+"/whoami", nil)
			kit.Login(req, echohftest.User("alice"), tt.opts...)
			a := do(t, nil, req)
			w := a.who(t)
			if w.LoggedIn != tt.loggedIn || (len(a.cleared) > 0) != tt.cleared {
				t.Fatalf("logged in %v, expiring %v; want logged in %v, expiring the session %v", w.LoggedIn, a.cleared, tt.loggedIn, tt.cleared)
			}
			if tt.check != nil && !tt.check(w) {
				t.Errorf("whoami = %+v", w)
			}
		})
	}
}

// fatalT stands in for a test's T to catch a Kit's Fatalf: it records the
// message and ends the goroutine, as testing.T's FailNow does.
type fatalT struct {
	t   *testing.T
	msg string
}

func (f *fatalT) Helper()           {}
func (f *fatalT) Cleanup(fn func()) { f.t.Cleanup(fn) }
func (f *fatalT) Fatalf(format string, args ...any) {
	f.msg = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

// fatal runs fn with a fatalT and returns its Fatalf message, "" for none.
func fatal(t *testing.T, fn func(tb echohftest.TB)) string {
	t.Helper()
	f := &fatalT{t: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn(f)
	}()
	<-done
	return f.msg
}

// cookieNames lists the names of the cookies r carries.
func cookieNames(r *http.Request) []string {
	var names []string
	for _, c := range r.Cookies() {
		names = append(names, c.Name)
	}
	return names
}
