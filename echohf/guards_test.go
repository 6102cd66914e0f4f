package echohf

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/echohf/echohf/mock"
)

// guardedApp serves routes behind every guard variant.
func guardedApp(t *testing.T, cfg Config) *app {
	ok := func(c echo.Context) error { return c.String(http.StatusOK, "ok") }
	return serveApp(t, cfg, serveOpts{routes: func(e *echo.Echo, o *OAuth) {
		exposeErrors(e)
		o.Attach(e)
		e.GET("/g/login", ok, RequireLogin())
		e.GET("/g/skip", ok, RequireLoginWithConfig(RequireLoginConfig{Skipper: func(c echo.Context) bool { return c.QueryParam("public") == "1" }}))
		e.GET("/g/org", ok, RequireOrg("other", "acme"))
		e.GET("/g/org-sub", ok, RequireOrg(mock.NewOrg("acme").Sub))
		e.GET("/g/contrib", ok, RequireOrgWithConfig(RequireOrgConfig{Orgs: []string{"acme"}, MinRole: RoleContributor}))
		e.GET("/g/write", ok, RequireOrgWithConfig(RequireOrgConfig{Orgs: []string{"acme"}, MinRole: RoleWrite}))
		e.GET("/g/admin", ok, RequireOrgWithConfig(RequireOrgConfig{Orgs: []string{"acme"}, MinRole: RoleAdmin}))
		e.GET("/g/secure", ok, RequireOrg("secure"))
		e.GET("/g/secure-strict", ok, RequireOrgWithConfig(RequireOrgConfig{Orgs: []string{"secure"}, RefuseRestricted: true}))
		e.GET("/g/clean-strict", ok, RequireOrgWithConfig(RequireOrgConfig{Orgs: []string{"acme"}, RefuseRestricted: true}))
		e.GET("/g/org-skip", ok, RequireOrgWithConfig(RequireOrgConfig{Orgs: []string{"nobody"}, Skipper: func(c echo.Context) bool { return c.QueryParam("public") == "1" }}))
	}})
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
		{"login-required", ErrLoginRequired}, {"not-member", ErrNotMember}, {"role-too-low", ErrRoleTooLow}, {"restricted", ErrRestricted}, {"no-auth", ErrNoAuth},
	}
	e.HTTPErrorHandler = func(err error, c echo.Context) {
		var names []string
		for _, s := range sentinels {
			if errors.Is(err, s.err) {
				names = append(names, s.name)
			}
		}
		c.Response().Header().Set(errHeader, strings.Join(names, " "))
		e.DefaultHTTPErrorHandler(err, c)
	}
}

func org(name, role string, restrictions ...string) mock.Org {
	o := mock.NewOrg(name)
	o.RoleInOrg = role
	o.SecurityRestrictions = restrictions
	return o
}

func TestGuards(t *testing.T) {
	t.Parallel()
	prov := mock.NewServer(t, mock.Config{})
	member := mock.NewUser("member")
	member.Orgs = []mock.Org{org("acme", "write"), org("secure", "admin", "mfa")}
	reader := mock.NewUser("reader")
	reader.Orgs = []mock.Org{org("acme", "read"), org("secure", "admin")}
	norole := mock.NewUser("norole")
	norole.Orgs = []mock.Org{org("acme", "")}
	outsider := mock.NewUser("outsider")
	for _, u := range []mock.User{member, reader, norole, outsider} {
		prov.AddUser(u)
	}
	a := guardedApp(t, realConfig(prov))

	paths := []string{"/g/login", "/g/org", "/g/org-sub", "/g/contrib", "/g/write", "/g/admin", "/g/secure", "/g/secure-strict", "/g/clean-strict"}
	want := map[string][]int{
		"member":   {200, 200, 200, 200, 200, 403, 200, 403, 200},
		"reader":   {200, 200, 200, 403, 403, 403, 200, 200, 200},
		"norole":   {200, 200, 200, 403, 403, 403, 403, 403, 200},
		"outsider": {200, 403, 403, 403, 403, 403, 403, 403, 403},
	}
	// The 403s of a member of acme whose role is too low; every other 403
	// is "reserved to members".
	roleLow := map[string]string{
		"member /g/admin":   "This page needs the admin role in acme; you have write.",
		"reader /g/contrib": "This page needs the contributor role in acme; you have read.",
		"reader /g/write":   "This page needs the write role in acme; you have read.",
		"reader /g/admin":   "This page needs the admin role in acme; you have read.",
		"norole /g/contrib": "This page needs the contributor role in acme; you have no known role there.",
		"norole /g/write":   "This page needs the write role in acme; you have no known role there.",
		"norole /g/admin":   "This page needs the admin role in acme; you have no known role there.",
	}
	// The 403s of a member refused only for the organization's security
	// restrictions that the session does not meet.
	restricted := map[string]string{
		"member /g/secure-strict": "This page needs a session that meets the security policy of secure (mfa).",
	}
	for _, name := range []string{"member", "reader", "norole", "outsider"} {
		t.Run(name, func(t *testing.T) {
			if err := prov.SetUser(name); err != nil {
				t.Fatal(err)
			}
			b := newBrowser(t)
			if w := b.mustLogin(t, a); w.Info.UserInfo.PreferredUsername != name {
				t.Fatalf("logged in as %q; want %q", w.Info.UserInfo.PreferredUsername, name)
			}
			for i, p := range paths {
				for _, hdr := range [][]string{{"Accept", "application/json"}, {"Accept", "text/html"}} {
					f := fetch(t, b.noRedirect(), a.URL+p, hdr...)
					if f.StatusCode != want[name][i] {
						t.Errorf("%s GET %s (%s) = %d %s; want %d", name, p, hdr[1], f.StatusCode, f.body, want[name][i])
					}
					if f.StatusCode != http.StatusForbidden {
						continue
					}
					msg, kinds := "This page is reserved to members of ", "not-member"
					if m, ok := roleLow[name+" "+p]; ok {
						msg, kinds = m, "not-member role-too-low"
					}
					if m, ok := restricted[name+" "+p]; ok {
						msg, kinds = m, "not-member restricted"
					}
					if !strings.Contains(f.body, msg) || f.Header.Get(errHeader) != kinds {
						t.Errorf("%s GET %s: 403 %s matching %q; want %q matching %q", name, p, f.body, f.Header.Get(errHeader), msg, kinds)
					}
				}
			}
		})
	}

	t.Run("logged out", func(t *testing.T) {
		for _, p := range append(paths, "/g/skip") {
			for _, hdr := range [][]string{{"Accept", "text/html,application/xhtml+xml"}, {"Sec-Fetch-Mode", "navigate"}} {
				f := fetch(t, plainClient(t), a.URL+p+"?x=1&y=%2F", hdr...)
				if f.StatusCode != http.StatusFound {
					t.Fatalf("navigation %s (%s) = %d %s; want 302", p, hdr[0], f.StatusCode, f.body)
				}
				u, err := url.Parse(f.rawLocation())
				if err != nil || u.Path != LoginPath || u.Query().Get(paramTarget) != p+"?x=1&y=%2F" {
					t.Errorf("navigation %s: Location %q; want %s?_target_url=%s", p, f.rawLocation(), LoginPath, p+"?x=1&y=%2F")
				}
			}
			for _, hdr := range [][]string{{"Accept", "application/json"}, {"Sec-Fetch-Mode", "cors"}, {"Accept", "text/html", "Sec-Fetch-Mode", "cors"}, {}} {
				f := fetch(t, plainClient(t), a.URL+p, hdr...)
				var msg map[string]any
				if f.StatusCode != http.StatusUnauthorized || json.Unmarshal([]byte(f.body), &msg) != nil || msg["message"] == nil {
					t.Errorf("API %s %v = %d %q; want 401 JSON", p, hdr, f.StatusCode, f.body)
				}
			}
		}
		// A POST is never a navigation.
		req, _ := http.NewRequest(http.MethodPost, a.URL+"/g/login", nil)
		req.Header.Set("Accept", "text/html")
		res, err := plainClient(t).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusUnauthorized && res.StatusCode != http.StatusMethodNotAllowed {
			t.Errorf("POST = %d", res.StatusCode)
		}
		// The full round trip: navigation → login → back to the guarded page.
		setUser(t, prov, "member")
		b := newBrowser(t)
		req, _ = http.NewRequest(http.MethodGet, a.URL+"/g/write?q=1", nil)
		req.Header.Set("Accept", "text/html")
		res, err = b.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusOK || res.Request.URL.RequestURI() != "/g/write?q=1" {
			t.Errorf("guarded navigation round trip ended at %d %s", res.StatusCode, res.Request.URL)
		}
	})

	t.Run("skipper", func(t *testing.T) {
		for _, p := range []string{"/g/skip?public=1", "/g/org-skip?public=1"} {
			if f := fetch(t, plainClient(t), a.URL+p); f.StatusCode != http.StatusOK {
				t.Errorf("skipped %s = %d; want 200", p, f.StatusCode)
			}
		}
		if f := fetch(t, plainClient(t), a.URL+"/g/org-skip"); f.StatusCode != http.StatusUnauthorized {
			t.Errorf("unskipped org guard = %d; want 401", f.StatusCode)
		}
	})
}

// TestGuardWholeApp: a guard installed on the whole app (e.Use) or on the
// group the routes are attached to never guards echohf's own routes, so a
// browser signs in and reaches the page instead of looping.
func TestGuardWholeApp(t *testing.T) {
	prov := mock.NewServer(t, mock.Config{})
	page := func(c echo.Context) error { return c.String(http.StatusOK, "page") }
	whole := func(guard echo.MiddlewareFunc) func(*echo.Echo, *OAuth) {
		return func(e *echo.Echo, o *OAuth) {
			e.Use(guard)
			o.Attach(e)
		}
	}
	prefixed := realConfig(prov)
	prefixed.Prefix = "/my/router"
	tests := []struct {
		name   string
		cfg    Config
		routes func(*echo.Echo, *OAuth)
		start  string // the page the browser opens
		logout string // the logout route
	}{
		{"RequireLogin", realConfig(prov), whole(RequireLogin()), "/page", LogoutPath},
		{"RequireLogin, prefix", prefixed, whole(RequireLogin()), "/page", "/my/router" + LogoutPath},
		{"RequireLogin, mock mode", Config{Mode: ModeMock}, whole(RequireLogin()), "/page", LogoutPath},
		{"RequireOrg", realConfig(prov), whole(RequireOrg("open-models")), "/page", LogoutPath},
		{"RequireLogin on the group", realConfig(prov), func(e *echo.Echo, o *OAuth) {
			g := e.Group("/app", RequireLogin())
			o.AttachGroup(g)
			g.GET("/page", page)
		}, "/app/page", "/app" + LogoutPath},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := serveApp(t, tt.cfg, serveOpts{routes: tt.routes})
			b := newBrowser(t)
			if tt.cfg.Mode == ModeMock { // the person at the console opened the printed link once
				u, _ := url.Parse(a.URL)
				b.Jar.SetCookies(u, []*http.Cookie{mockKeyCookie(t, a)})
			}
			f := fetch(t, b.Client, a.URL+tt.start, "Accept", "text/html")
			if f.StatusCode != http.StatusOK || f.body != "page" || f.Request.URL.Path != tt.start {
				t.Fatalf("navigation to %s ended at %d %s after %d redirects; want 200 page there; logs:\n%s",
					tt.start, f.StatusCode, f.Request.URL.Path, len(b.visited), a.logs)
			}
			// A logged-out logout answers itself instead of sending to login.
			f = fetch(t, plainClient(t), a.URL+tt.logout, "Accept", "text/html")
			if f.StatusCode != http.StatusFound || f.rawLocation() != "/" {
				t.Errorf("logged-out logout = %d Location %q; want 302 /", f.StatusCode, f.rawLocation())
			}
		})
	}
}

// TestGuardWithoutAuth: a guard on a request that Auth did not see (Auth
// not installed, installed after the guard, or skipping the request)
// cannot tell who is logged in. It answers 500 with a clear message, and
// logs why once, instead of sending the browser round a login loop.
func TestGuardWithoutAuth(t *testing.T) {
	ok := func(c echo.Context) error { return c.String(http.StatusOK, "ok") }
	mockMode := Config{Mode: ModeMock}
	skipping := Config{Mode: ModeMock, Skipper: func(c echo.Context) bool { return c.Path() == "/guarded" }}
	withLogger := func(o *OAuth) RequireLoginConfig { return RequireLoginConfig{Logger: loggerOf(o)} }
	tests := []struct {
		name          string
		cfg           Config
		noAuth        bool
		defaultLogger bool // the guard logs to slog.Default()
		routes        func(*echo.Echo, *OAuth)
		log           string // what the log line says
		login         int    // the status of a login (a guard before Auth covers it too)
	}{
		{"no Auth", mockMode, true, false, func(e *echo.Echo, o *OAuth) {
			o.Attach(e)
			e.GET("/guarded", ok, RequireLoginWithConfig(withLogger(o)))
		}, "RequireLogin ran without echohf's Auth before it", http.StatusOK},
		{"no Auth, default logger", mockMode, true, true, func(e *echo.Echo, o *OAuth) {
			o.Attach(e)
			e.GET("/guarded", ok, RequireLogin())
		}, "RequireLogin ran without echohf's Auth before it", http.StatusOK},
		{"guard before Auth", mockMode, true, false, func(e *echo.Echo, o *OAuth) {
			e.Use(RequireLoginWithConfig(withLogger(o)), o.Auth())
			o.Attach(e)
			e.GET("/guarded", ok)
		}, "RequireLogin ran without echohf's Auth before it", http.StatusInternalServerError},
		{"RequireOrg, no Auth", mockMode, true, false, func(e *echo.Echo, o *OAuth) {
			o.Attach(e)
			e.GET("/guarded", ok, RequireOrgWithConfig(RequireOrgConfig{Orgs: []string{"acme-research"}, Logger: loggerOf(o)}))
		}, "RequireOrg ran without echohf's Auth before it", http.StatusOK},
		{"Auth skips the request", skipping, false, false, func(e *echo.Echo, o *OAuth) {
			o.Attach(e)
			e.GET("/guarded", ok, RequireLogin()) // logs to the OAuth's logger
		}, "RequireLogin ran on a request that Auth's Skipper skipped", http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := serveApp(t, tt.cfg, serveOpts{noAuth: tt.noAuth, routes: func(e *echo.Echo, o *OAuth) {
				exposeErrors(e)
				tt.routes(e, o)
			}})
			if tt.defaultLogger {
				prev := slog.Default()
				slog.SetDefault(a.logger)
				t.Cleanup(func() { slog.SetDefault(prev) })
			}
			b := newBrowser(t)
			if status, body := b.login(t, a); status != tt.login || status == http.StatusOK && body != "page" {
				t.Fatalf("login = %d %q; want %d", status, body, tt.login)
			}
			for _, hdr := range [][]string{{"Accept", "text/html"}, {"Sec-Fetch-Mode", "navigate"}, {"Accept", "application/json"}} {
				f := fetch(t, b.noRedirect(), a.URL+"/guarded", hdr...)
				if f.StatusCode != http.StatusInternalServerError || f.rawLocation() != "" ||
					!strings.Contains(f.body, "misconfigured") || f.Header.Get(errHeader) != "no-auth" {
					t.Errorf("GET /guarded (%s) = %d Location %q %s matching %q; want 500 misconfigured matching no-auth",
						hdr[1], f.StatusCode, f.rawLocation(), f.body, f.Header.Get(errHeader))
				}
			}
			if n := strings.Count(a.logs.String(), tt.log); n != 1 {
				t.Errorf("log has %d lines saying %q; want 1:\n%s", n, tt.log, a.logs)
			}
		})
	}
}

func TestGuardsInMockMode(t *testing.T) {
	t.Parallel()
	// The default mock user: orgs of different roles, one restricted.
	u := mock.DefaultUser()
	var restricted, clean string
	for _, o := range u.Orgs {
		if len(o.SecurityRestrictions) > 0 {
			restricted = o.PreferredUsername
		} else {
			clean = o.PreferredUsername
		}
	}
	if restricted == "" || clean == "" {
		t.Fatalf("mock.DefaultUser orgs %+v: want a restricted and an unrestricted one", u.Orgs)
	}
	ok := func(c echo.Context) error { return c.String(http.StatusOK, "ok") }
	a := serveApp(t, Config{Mode: ModeMock}, serveOpts{routes: func(e *echo.Echo, o *OAuth) {
		o.Attach(e)
		e.GET("/login", ok, RequireLogin())
		e.GET("/restricted", ok, RequireOrg(restricted))
		e.GET("/restricted-strict", ok, RequireOrgWithConfig(RequireOrgConfig{Orgs: []string{restricted}, RefuseRestricted: true}))
		e.GET("/clean-strict", ok, RequireOrgWithConfig(RequireOrgConfig{Orgs: []string{clean}, RefuseRestricted: true}))
	}})
	b := newBrowser(t)
	b.mustLogin(t, a)
	for p, want := range map[string]int{"/login": 200, "/restricted": 200, "/restricted-strict": 403, "/clean-strict": 200} {
		if f := fetch(t, b.noRedirect(), a.URL+p); f.StatusCode != want {
			t.Errorf("mock mode GET %s = %d; want %d", p, f.StatusCode, want)
		}
	}
}

// TestGuardConfigs: a guard's ToMiddleware returns an error matching
// ErrConfig for an invalid configuration, and its WithConfig constructor
// panics with that error, as Echo's middleware do; a valid configuration
// gives a guard that works.
func TestGuardConfigs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		build      func() (echo.MiddlewareFunc, error)
		withConfig func() echo.MiddlewareFunc
		wantErr    string // a part of the error; "" for a valid configuration
		wantStatus int    // a logged-out API call's answer from a valid guard
	}{
		{"RequireLogin, zero config", RequireLoginConfig{}.ToMiddleware,
			func() echo.MiddlewareFunc { return RequireLoginWithConfig(RequireLoginConfig{}) }, "", http.StatusUnauthorized},
		{"RequireOrg", RequireOrgConfig{Orgs: []string{"acme"}, MinRole: RoleWrite}.ToMiddleware,
			func() echo.MiddlewareFunc {
				return RequireOrgWithConfig(RequireOrgConfig{Orgs: []string{"acme"}, MinRole: RoleWrite})
			}, "", http.StatusUnauthorized},
		{"RequireOrg, no orgs", RequireOrgConfig{}.ToMiddleware,
			func() echo.MiddlewareFunc { return RequireOrgWithConfig(RequireOrgConfig{}) }, "at least one organization", 0},
		{"RequireOrg, empty org names", RequireOrgConfig{Orgs: []string{"", ""}}.ToMiddleware,
			func() echo.MiddlewareFunc { return RequireOrgWithConfig(RequireOrgConfig{Orgs: []string{"", ""}}) }, "at least one organization", 0},
		{"RequireOrg, unknown role", RequireOrgConfig{Orgs: []string{"a"}, MinRole: "owner"}.ToMiddleware,
			func() echo.MiddlewareFunc {
				return RequireOrgWithConfig(RequireOrgConfig{Orgs: []string{"a"}, MinRole: "owner"})
			}, "MinRole", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			mw, err := tt.build()
			var panicked any
			func() {
				defer func() { panicked = recover() }()
				tt.withConfig()
			}()
			if tt.wantErr != "" {
				if mw != nil || !errors.Is(err, ErrConfig) || !strings.Contains(fmt.Sprint(err), tt.wantErr) {
					t.Fatalf("ToMiddleware() = %v, %v; want no middleware and an ErrConfig error about %q", mw != nil, err, tt.wantErr)
				}
				if p, _ := panicked.(error); p == nil || p.Error() != err.Error() || !errors.Is(p, ErrConfig) {
					t.Errorf("WithConfig panicked with %v; want ToMiddleware's error, %v", panicked, err)
				}
				return
			}
			if err != nil || mw == nil || panicked != nil {
				t.Fatalf("ToMiddleware() = %v, %v; WithConfig panicked with %v; want a guard", mw != nil, err, panicked)
			}
			a := serveApp(t, Config{Mode: ModeMock}, serveOpts{routes: func(e *echo.Echo, o *OAuth) {
				o.Attach(e)
				e.GET("/guarded", func(c echo.Context) error { return c.String(http.StatusOK, "in") }, mw)
			}})
			if f := fetch(t, plainClient(t), a.URL+"/guarded", "Accept", "application/json"); f.StatusCode != tt.wantStatus {
				t.Errorf("logged-out GET /guarded = %d %s; want %d", f.StatusCode, f.body, tt.wantStatus)
			}
		})
	}
}
