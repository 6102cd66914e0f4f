package hfauthtest_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/echohf/echohf/hfauth"
	"github.com/echohf/echohf/hfauthtest"
	"github.com/echohf/echohf/mock"
)

// quiet discards the logs of the instances under test.
var quiet = slog.New(slog.DiscardHandler)

// serve serves an app on o over real HTTP: the OAuth routes, Middleware, GET
// /whoami (the login as JSON, with the token), and pages behind RequireOrg:
// /acme for any member of acme, /acme-writers for writers and up,
// /acme-strict for members whose session meets acme's restrictions.
func serve(t *testing.T, o *hfauth.OAuth, tls bool) *httptest.Server {
	t.Helper()
	return serveHandler(t, handler(o), tls)
}

// handler is the app serve serves, a plain net/http one, with o's
// routes: an OAuth mounts them once only, so tests that serve one app
// twice build it once.
func handler(o *hfauth.OAuth) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/oauth/huggingface/", o.Handler())
	mux.HandleFunc("GET /whoami", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		info := hfauth.Info(r)
		if info == nil {
			_ = json.NewEncoder(w).Encode(whoami{})
			return
		}
		_ = json.NewEncoder(w).Encode(whoami{LoggedIn: true, User: info.UserInfo, Token: info.AccessToken, Scope: info.Scope, Expires: info.AccessTokenExpiresAt})
	})
	page := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("page")) })
	mux.Handle("GET /acme", mustGuard(hfauth.RequireOrgConfig{Orgs: []string{"acme"}}).Middleware(page))
	mux.Handle("GET /acme-writers", mustGuard(hfauth.RequireOrgConfig{Orgs: []string{"acme"}, MinRole: hfauth.RoleWrite}).Middleware(page))
	mux.Handle("GET /acme-strict", mustGuard(hfauth.RequireOrgConfig{Orgs: []string{"acme"}, RefuseRestricted: true}).Middleware(page))
	return o.Middleware(mux)
}

// mustGuard returns the RequireOrg guard of cfg, which must be valid.
func mustGuard(cfg hfauth.RequireOrgConfig) *hfauth.Guard {
	g, err := hfauth.RequireOrgGuard(cfg)
	if err != nil {
		panic(err)
	}
	return g
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

// TestClientsKeepTheirConnections: closing an httptest.Server closes the
// idle connections of http.DefaultTransport, which can break a request
// another parallel test is making on one. The tests' clients have their own
// transport, so another server's Close leaves their connections alone.
func TestClientsKeepTheirConnections(t *testing.T) {
	t.Parallel()
	var conns atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	c := newClient(t, nil)
	get(t, c, srv.URL)
	httptest.NewServer(http.NotFoundHandler()).Close() // as another test ending
	get(t, c, srv.URL)
	if n := conns.Load(); n != 1 {
		t.Errorf("two requests in a row opened %d connections; want 1 (another server's Close dropped the client's idle connection)", n)
	}
}

// whoami is the /whoami answer.
type whoami struct {
	LoggedIn bool                 `json:"logged_in"`
	User     hfauth.OAuthUserInfo `json:"user"`
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

// manyOrgs returns n organizations, acme last, enough for a chunked session.
func manyOrgs(n int) []hfauth.OAuthOrgInfo {
	orgs := make([]hfauth.OAuthOrgInfo, 0, n)
	for i := range n - 1 {
		// Names and pictures as varied as real ones, so that compression
		// does not make them fit in one cookie.
		h := sha256.Sum256([]byte(strconv.Itoa(i)))
		org := hfauthtest.Org("org-"+hex.EncodeToString(h[:6]), hfauth.RoleRead)
		org.Picture = "https://cdn-avatars.huggingface.co/v1/production/uploads/" + hex.EncodeToString(h[6:]) + ".png"
		orgs = append(orgs, org)
	}
	return append(orgs, hfauthtest.Org("acme", hfauth.RoleAdmin))
}

func TestLogin(t *testing.T) {
	t.Parallel()
	kit := hfauthtest.New(t, hfauth.Config{Logger: quiet})
	srv := serve(t, kit.OAuth(), false)
	name := kit.Cookies(hfauthtest.User("x"))[0].Name
	big := hfauthtest.User("big", manyOrgs(100)...)
	if n := len(kit.Cookies(big)); n < 2 {
		t.Fatalf("a 100-org session is %d cookie(s); the test wants chunks", n)
	}
	writer := hfauthtest.User("alice", hfauthtest.Org("acme", hfauth.RoleWrite))
	tests := []struct {
		name    string
		user    hfauth.OAuthUserInfo
		opts    []hfauthtest.Option
		path    string
		status  int
		cleared bool // the answer expires the session cookie
	}{
		{"member", writer, nil, "/acme", http.StatusOK, false},
		{"writer", writer, nil, "/acme-writers", http.StatusOK, false},
		{"non-member", hfauthtest.User("bob", hfauthtest.Org("other", hfauth.RoleAdmin)), nil, "/acme", http.StatusForbidden, false},
		{"no orgs", hfauthtest.User("carol"), nil, "/acme", http.StatusForbidden, false},
		{"role too low", hfauthtest.User("dan", hfauthtest.Org("acme", hfauth.RoleRead)), nil, "/acme-writers", http.StatusForbidden, false},
		{"unknown role", hfauthtest.User("dan", hfauthtest.Org("acme", "")), nil, "/acme-writers", http.StatusForbidden, false},
		{"restricted", hfauthtest.User("erin", hfauthtest.Org("acme", hfauth.RoleAdmin, "mfa", "sso")), nil, "/acme-strict", http.StatusForbidden, false},
		{"restricted elsewhere", hfauthtest.User("erin", hfauthtest.Org("acme", hfauth.RoleAdmin, "mfa")), nil, "/acme", http.StatusOK, false},
		{"unrestricted", writer, nil, "/acme-strict", http.StatusOK, false},
		{"chunked member", big, nil, "/acme-writers", http.StatusOK, false},
		{"expired", writer, []hfauthtest.Option{hfauthtest.Expired()}, "/acme", http.StatusUnauthorized, true},
		{"expired within the leeway", writer, []hfauthtest.Option{hfauthtest.ExpiresAt(time.Now().Add(-5 * time.Second))}, "/acme", http.StatusUnauthorized, true},
		{"tampered", writer, []hfauthtest.Option{hfauthtest.Tampered()}, "/acme", http.StatusUnauthorized, true},
		{"tampered chunks", big, []hfauthtest.Option{hfauthtest.Tampered()}, "/acme", http.StatusUnauthorized, true},
		{"expired chunks", big, []hfauthtest.Option{hfauthtest.Expired()}, "/acme", http.StatusUnauthorized, true},
		{"other secret", writer, []hfauthtest.Option{hfauthtest.OtherSecret()}, "/acme", http.StatusUnauthorized, false}, // a key another replica may have
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			req, _ := http.NewRequest(http.MethodGet, srv.URL+tt.path, nil)
			kit.Login(req, tt.user, tt.opts...)
			a := do(t, nil, req)
			if a.status != tt.status {
				t.Errorf("GET %s = %d %s; want %d", tt.path, a.status, a.body, tt.status)
			}
			if cleared := strings.Contains(strings.Join(a.cleared, " "), name); cleared != tt.cleared {
				t.Errorf("session cookie cleared = %v (expired %v); want %v", cleared, a.cleared, tt.cleared)
			}
		})
	}
}

func TestLoginInfo(t *testing.T) {
	t.Parallel()
	clock := time.Unix(1_800_000_000, 0)
	kit := hfauthtest.New(t, hfauth.Config{Logger: quiet, Now: func() time.Time { return clock }})
	srv := serve(t, kit.OAuth(), false)
	alice := hfauthtest.User("alice", hfauthtest.Org("acme", hfauth.RoleWrite, "ip"))
	email := "alice@example.com"
	alice.Email = &email
	alice.IsPro = true

	check := func(t *testing.T, w whoami, token, scope string, expires time.Time) {
		t.Helper()
		u := w.User
		if !w.LoggedIn || u.PreferredUsername != "alice" || u.Name != "alice" || !u.IsPro || u.Email == nil || *u.Email != email {
			t.Fatalf("whoami = %+v; want alice, PRO, with her email", w)
		}
		if len(u.Orgs) != 1 || u.Orgs[0].PreferredUsername != "acme" || u.Orgs[0].RoleInOrg == nil || *u.Orgs[0].RoleInOrg != hfauth.RoleWrite ||
			len(u.Orgs[0].SecurityRestrictions) != 1 || u.Orgs[0].SecurityRestrictions[0] != "ip" {
			t.Errorf("orgs = %+v; want acme, write, restricted by ip", u.Orgs)
		}
		if w.Token != token || w.Scope != scope || !w.Expires.Equal(expires) {
			t.Errorf("token %q scope %q expires %v; want %q %q %v", w.Token, w.Scope, w.Expires, token, scope, expires)
		}
	}
	t.Run("defaults", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/whoami", nil)
		kit.Login(req, alice)
		check(t, do(t, nil, req).who(t), "hf_oauth_test_alice", "openid profile", clock.Add(8*time.Hour))
	})
	t.Run("options", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/whoami", nil)
		expires := clock.Add(90 * time.Minute)
		kit.Login(req, alice, hfauthtest.AccessToken("hf_oauth_xyz"), hfauthtest.Scope("openid profile read-repos"), hfauthtest.ExpiresAt(expires))
		check(t, do(t, nil, req).who(t), "hf_oauth_xyz", "openid profile read-repos", expires)
	})
}

func TestUserAndOrg(t *testing.T) {
	t.Parallel()
	u := hfauthtest.User("alice")
	if u.Sub != mock.NewUser("alice").Sub || u.PreferredUsername != "alice" || u.Profile != "https://huggingface.co/alice" {
		t.Errorf("User(alice) = %+v; want the sub mock.NewUser gives, and her profile", u)
	}
	if u.Orgs == nil || len(u.Orgs) != 0 {
		t.Errorf("User without orgs has Orgs %#v; want an empty list", u.Orgs)
	}
	o := hfauthtest.Org("acme", hfauth.RoleAdmin, "mfa")
	if o.Sub != mock.NewOrg("acme").Sub || o.PreferredUsername != "acme" || o.RoleInOrg == nil || *o.RoleInOrg != hfauth.RoleAdmin || len(o.SecurityRestrictions) != 1 {
		t.Errorf("Org(acme, admin, mfa) = %+v", o)
	}
	if o := hfauthtest.Org("acme", ""); o.RoleInOrg != nil || o.SecurityRestrictions != nil {
		t.Errorf("Org(acme, \"\") = %+v; want role and restrictions unknown", o)
	}
	// RequireOrg matches an id against Sub.
	kit := hfauthtest.New(t, hfauth.Config{Logger: quiet})
	ok := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok")) })
	srv := httptest.NewServer(kit.OAuth().Middleware(mustGuard(hfauth.RequireOrgConfig{Orgs: []string{o.Sub}}).Middleware(ok)))
	defer srv.Close()
	req, _ := http.NewRequest(http.MethodGet, srv.URL, nil)
	kit.Login(req, hfauthtest.User("alice", o))
	if a := do(t, nil, req); a.status != http.StatusOK {
		t.Errorf("RequireOrg(id of acme) = %d %s; want 200", a.status, a.body)
	}
}

// TestLoginReplaces checks that a second login on one request or jar
// replaces the first, whatever cookies each takes.
func TestLoginReplaces(t *testing.T) {
	t.Parallel()
	kit := hfauthtest.New(t, hfauth.Config{Logger: quiet})
	srv := serve(t, kit.OAuth(), false)
	big := hfauthtest.User("big", manyOrgs(100)...)
	small := hfauthtest.User("small")
	for _, tt := range []struct {
		name          string
		first, second hfauth.OAuthUserInfo
	}{
		{"chunks then one cookie", big, small},
		{"one cookie then chunks", small, big},
		{"one cookie then one cookie", hfauthtest.User("first"), small},
	} {
		t.Run(tt.name+" on a request", func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodGet, srv.URL+"/whoami", nil)
			req.AddCookie(&http.Cookie{Name: "theme", Value: "dark"})
			kit.Login(req, tt.first)
			kit.Login(req, tt.second)
			if w := do(t, nil, req).who(t); w.User.PreferredUsername != tt.second.PreferredUsername {
				t.Errorf("logged in as %q (cookies %v); want %q", w.User.PreferredUsername, cookieNames(req), tt.second.PreferredUsername)
			}
			if ck, err := req.Cookie("theme"); err != nil || ck.Value != "dark" {
				t.Errorf("the request lost its other cookie: %v", cookieNames(req))
			}
		})
		t.Run(tt.name+" in a jar", func(t *testing.T) {
			jar, _ := cookiejar.New(nil)
			client := newClient(t, jar)
			kit.LoginJar(jar, srv.URL, tt.first)
			kit.LoginJar(jar, srv.URL, tt.second)
			if w := get(t, client, srv.URL+"/whoami").who(t); w.User.PreferredUsername != tt.second.PreferredUsername {
				t.Errorf("logged in as %q; want %q", w.User.PreferredUsername, tt.second.PreferredUsername)
			}
		})
	}
}

func TestLoginJar(t *testing.T) {
	t.Parallel()
	kit := hfauthtest.New(t, hfauth.Config{Logger: quiet})
	srv := serve(t, kit.OAuth(), false)
	for _, tt := range []struct {
		name    string
		opts    []hfauthtest.Option
		cleared bool // Middleware expires the session cookie
	}{
		{"expired", []hfauthtest.Option{hfauthtest.Expired()}, true},
		{"tampered", []hfauthtest.Option{hfauthtest.Tampered()}, true},
		{"other secret", []hfauthtest.Option{hfauthtest.OtherSecret()}, false}, // a key another replica may have
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			jar, _ := cookiejar.New(nil)
			client := newClient(t, jar)
			kit.LoginJar(jar, srv.URL, hfauthtest.User("alice", hfauthtest.Org("acme", hfauth.RoleRead)))
			if a := get(t, client, srv.URL+"/acme"); a.status != http.StatusOK {
				t.Fatalf("GET /acme = %d %s; want 200", a.status, a.body)
			}
			kit.LoginJar(jar, srv.URL, hfauthtest.User("alice"), tt.opts...)
			if a := get(t, client, srv.URL+"/acme"); a.status != http.StatusUnauthorized || (len(a.cleared) > 0) != tt.cleared {
				t.Fatalf("GET /acme = %d %s, expiring %v; want 401, expiring the session: %v", a.status, a.body, a.cleared, tt.cleared)
			}
			if n := len(jar.Cookies(mustURL(t, srv.URL))); (n == 0) != tt.cleared {
				t.Errorf("the jar holds %d cookies after the answer; want none: %v", n, tt.cleared)
			}
		})
	}
}

// TestLoginJarSecure checks that LoginJar stores a Secure session cookie
// where a jar sends it (https, loopback hosts), and says why it would not
// reach a plain http server elsewhere.
func TestLoginJarSecure(t *testing.T) {
	t.Parallel()
	kit := hfauthtest.New(t, hfauth.Config{Logger: quiet, SpaceHost: "app.hf.space"})
	if c := kit.Cookies(hfauthtest.User("alice"))[0]; !c.Secure || !strings.HasPrefix(c.Name, "__Host-") {
		t.Fatalf("cookie %s Secure=%v; want a Secure __Host- cookie", c.Name, c.Secure)
	}
	h := handler(kit.OAuth())
	for _, tls := range []bool{false, true} {
		t.Run("tls="+strconv.FormatBool(tls), func(t *testing.T) {
			srv := serveHandler(t, h, tls)
			client := srv.Client()
			client.Jar, _ = cookiejar.New(nil)
			kit.LoginJar(client.Jar, srv.URL, hfauthtest.User("alice"))
			if w := get(t, client, srv.URL+"/whoami").who(t); w.User.PreferredUsername != "alice" {
				t.Errorf("whoami = %+v; want alice", w)
			}
		})
	}
	jar, _ := cookiejar.New(nil)
	msg := fatal(t, func(tb hfauthtest.TB) {
		hfauthtest.New(tb, kit.Config()).LoginJar(jar, "http://app.example.com/", hfauthtest.User("alice"))
	})
	if !strings.Contains(msg, "Secure") || !strings.Contains(msg, "NewTLSServer") {
		t.Errorf("LoginJar for http://app.example.com with a Secure cookie: fatal %q; want the reason and the fix", msg)
	}
	if msg := fatal(t, func(tb hfauthtest.TB) {
		hfauthtest.New(tb, kit.Config()).LoginJar(jar, "/relative", hfauthtest.User("alice"))
	}); !strings.Contains(msg, "not an absolute http(s) URL") {
		t.Errorf("LoginJar with a relative URL: fatal %q", msg)
	}
	// On a request, the scheme does not matter.
	srv := serveHandler(t, h, false)
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/whoami", nil)
	kit.Login(req, hfauthtest.User("alice"))
	if w := do(t, nil, req).who(t); w.User.PreferredUsername != "alice" || !strings.Contains(req.Header.Get("Cookie"), "__Host-") {
		t.Errorf("Login on a request: %+v with cookies %v; want alice in a __Host- cookie", w, cookieNames(req))
	}
}

// TestSecret checks that a Kit signs users in to no instance but those of
// its own secret.
func TestSecret(t *testing.T) {
	t.Parallel()
	alice := hfauthtest.User("alice")
	loggedIn := func(t *testing.T, o *hfauth.OAuth, cookies []*http.Cookie) bool {
		t.Helper()
		srv := serve(t, o, false)
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/whoami", nil)
		for _, c := range cookies {
			req.AddCookie(c)
		}
		a := do(t, nil, req)
		w := a.who(t)
		// Every session refused here is signed with a key the instance
		// does not know, which another replica may have: the cookie stays.
		if !w.LoggedIn && len(a.cleared) != 0 {
			t.Errorf("logged out, expiring the cookie of a key the instance does not know")
		}
		return w.LoggedIn
	}
	newOAuth := func(t *testing.T, cfg hfauth.Config) *hfauth.OAuth {
		t.Helper()
		cfg.Logger = quiet
		o, err := hfauth.New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(o.Close)
		return o
	}
	const secret = "an-explicit-test-secret-0123456789abcdef"

	t.Run("generated secret", func(t *testing.T) {
		t.Parallel()
		cfg := hfauth.Config{Mode: hfauth.ModeMock}
		kit := hfauthtest.New(t, cfg)
		if s := kit.Config().SessionSecret; len(s) < 32 || s == hfauthtest.New(t, cfg).Config().SessionSecret {
			t.Errorf("generated SessionSecret %d bytes long, or the same for two kits", len(s))
		}
		if cfg.SessionSecret != "" {
			t.Errorf("New changed the caller's Config")
		}
		cookies := kit.Cookies(alice)
		if !loggedIn(t, kit.OAuth(), cookies) {
			t.Error("the Kit's own OAuth refuses its session")
		}
		if !loggedIn(t, newOAuth(t, kit.Config()), cookies) {
			t.Error("an instance built from Kit.Config refuses the Kit's session")
		}
		// The instance the test configured without a secret signs with a
		// random key of its own: no Kit can mint for it.
		if loggedIn(t, newOAuth(t, cfg), cookies) {
			t.Error("an instance with a random per-process key accepts the Kit's session")
		}
		if loggedIn(t, hfauthtest.New(t, cfg).OAuth(), cookies) {
			t.Error("another Kit's instance accepts this Kit's session")
		}
	})
	t.Run("explicit secret", func(t *testing.T) {
		t.Parallel()
		kit := hfauthtest.New(t, hfauth.Config{SessionSecret: secret, Logger: quiet})
		cookies := kit.Cookies(alice)
		if !loggedIn(t, newOAuth(t, hfauth.Config{SessionSecret: secret}), cookies) {
			t.Error("an instance with the test's secret refuses the session")
		}
		if !loggedIn(t, newOAuth(t, hfauth.Config{SessionSecret: "a-newer-secret-0123456789abcdefghij", OldSessionSecrets: []string{secret}}), cookies) {
			t.Error("an instance keeping the test's secret as an old one refuses the session")
		}
		other := hfauth.Config{SessionSecret: "another-app-secret-0123456789abcdefgh"}
		if loggedIn(t, newOAuth(t, other), cookies) {
			t.Error("an instance with another secret accepts the session")
		}
		if loggedIn(t, newOAuth(t, hfauth.Config{ClientSecret: secret + "-client", Mode: hfauth.ModeMock}), cookies) {
			t.Error("an instance keyed by its client secret accepts the session")
		}
	})
	t.Run("short secret", func(t *testing.T) {
		t.Parallel()
		short := "too-short-secret"
		msg := fatal(t, func(tb hfauthtest.TB) { hfauthtest.New(tb, hfauth.Config{SessionSecret: short}) })
		if !strings.Contains(msg, "at least 32") || strings.Contains(msg, short) {
			t.Errorf("New with a 16-byte secret: fatal %q; want the rule, without the secret", msg)
		}
	})
	t.Run("bad config", func(t *testing.T) {
		t.Parallel()
		msg := fatal(t, func(tb hfauthtest.TB) { hfauthtest.New(tb, hfauth.Config{Mode: hfauth.ModeReal}) })
		if !strings.Contains(msg, "ClientID") {
			t.Errorf("New in real mode without its settings: fatal %q; want hfauth's configuration error", msg)
		}
	})
}

// TestRealMode checks that a Kit for a real-mode Config needs no provider:
// minting and Middleware never reach it.
func TestRealMode(t *testing.T) {
	t.Parallel()
	var hits atomic.Int32
	provider := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		hits.Add(1)
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	defer provider.Close()
	kit := hfauthtest.New(t, hfauth.Config{
		Mode: hfauth.ModeReal, ClientID: "id", ClientSecret: "client-secret", Scopes: []string{"openid", "profile"},
		ProviderURL: provider.URL, RedirectURL: "http://127.0.0.1/oauth/huggingface/callback", Logger: quiet,
	})
	srv := serve(t, kit.OAuth(), false)
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/acme", nil)
	kit.Login(req, hfauthtest.User("alice", hfauthtest.Org("acme", hfauth.RoleRead)))
	if a := do(t, nil, req); a.status != http.StatusOK {
		t.Errorf("GET /acme = %d %s; want 200", a.status, a.body)
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("the provider got %d requests; want none", n)
	}
}

// TestRealModeLater checks that a Kit's real-mode sessions never reach the
// provider, even once the clock passes RevalidateEvery (10 minutes by
// default), when Middleware would read userinfo again with the made-up token and
// a provider that refuses it (any real one) would log the test user out:
// the Kit's configuration turns revalidation off, on its own OAuth and on
// an instance built from Kit.Config alike, unless the test set it.
func TestRealModeLater(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		app  func(t *testing.T, kit *hfauthtest.Kit) *hfauth.OAuth
	}{
		{"the Kit's OAuth", func(_ *testing.T, kit *hfauthtest.Kit) *hfauth.OAuth { return kit.OAuth() }},
		{"an instance built from Kit.Config", func(t *testing.T, kit *hfauthtest.Kit) *hfauth.OAuth {
			o, err := hfauth.New(kit.Config())
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(o.Close)
			return o
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			prov := mock.NewServer(t, mock.Config{})
			var offset atomic.Int64
			start := time.Now()
			now := func() time.Time { return start.Add(time.Duration(offset.Load())) }
			kit := hfauthtest.New(t, hfauth.Config{
				Mode: hfauth.ModeReal, ClientID: mock.TestClientID, ClientSecret: mock.TestClientSecret, Scopes: []string{"openid", "profile"},
				ProviderURL: prov.URL, RedirectURL: "http://127.0.0.1/oauth/huggingface/callback", Logger: quiet, Now: now,
			})
			srv := serve(t, tt.app(t, kit), false)
			offset.Store(int64(11 * time.Minute))
			req, _ := http.NewRequest(http.MethodGet, srv.URL+"/acme", nil)
			kit.Login(req, hfauthtest.User("alice", hfauthtest.Org("acme", hfauth.RoleRead)))
			offset.Store(int64(22 * time.Minute))
			if a := do(t, nil, req); a.status != http.StatusOK {
				t.Errorf("GET /acme 11 minutes after minting = %d; want 200", a.status)
			}
			if n := prov.Requests(mock.EndpointUserinfo) + prov.Requests(mock.EndpointDiscovery); n != 0 {
				t.Errorf("the provider got %d requests; want none", n)
			}
		})
	}
}

// TestConfigRevalidation checks the RevalidateEvery that Kit.Config
// carries: off (negative) unless the test set it, which the Kit keeps.
func TestConfigRevalidation(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ set, want time.Duration }{
		{0, -1},
		{-time.Hour, -time.Hour},
		{5 * time.Minute, 5 * time.Minute},
	} {
		kit := hfauthtest.New(t, hfauth.Config{Logger: quiet, RevalidateEvery: tt.set})
		if got := kit.Config().RevalidateEvery; got != tt.want {
			t.Errorf("New with RevalidateEvery %v: Config().RevalidateEvery = %v; want %v", tt.set, got, tt.want)
		}
	}
}

// TestClock checks that sessions follow the Config's clock.
func TestClock(t *testing.T) {
	t.Parallel()
	var offset atomic.Int64
	start := time.Now()
	now := func() time.Time { return start.Add(time.Duration(offset.Load())) }
	kit := hfauthtest.New(t, hfauth.Config{Logger: quiet, Now: now})
	srv := serve(t, kit.OAuth(), false)
	jar, _ := cookiejar.New(nil)
	client := newClient(t, jar)
	kit.LoginJar(jar, srv.URL, hfauthtest.User("alice"), hfauthtest.ExpiresAt(now().Add(10*time.Minute)))
	if !get(t, client, srv.URL+"/whoami").who(t).LoggedIn {
		t.Fatal("logged out before the session expires")
	}
	offset.Store(int64(11 * time.Minute))
	if get(t, client, srv.URL+"/whoami").who(t).LoggedIn {
		t.Error("still logged in once the clock passed the expiry")
	}
	// Expired is relative to the clock too, however far it has moved.
	offset.Store(int64(1000 * time.Hour))
	kit.LoginJar(jar, srv.URL, hfauthtest.User("alice"))
	if !get(t, client, srv.URL+"/whoami").who(t).LoggedIn {
		t.Error("a default session minted at the moved clock is logged out")
	}
	kit.LoginJar(jar, srv.URL, hfauthtest.User("alice"), hfauthtest.Expired())
	if get(t, client, srv.URL+"/whoami").who(t).LoggedIn {
		t.Error("an Expired session minted at the moved clock is logged in")
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
func fatal(t *testing.T, fn func(tb hfauthtest.TB)) string {
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

func mustURL(t *testing.T, raw string) *url.URL {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
