package echohf

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/echohf/echohf/mock"
)

// Tests of the Echo integration: Attach, AttachGroup, Auth's Skipper, Info
// and the links on an echo.Context.

func TestAttachGroup(t *testing.T) {
	t.Parallel()
	prov := mock.NewServer(t, mock.Config{})
	cfg := realConfig(prov)
	cfg.Prefix = "auth"
	a := serveApp(t, cfg, serveOpts{routes: func(e *echo.Echo, o *OAuth) {
		g := e.Group("/api")
		o.AttachGroup(g)
		g.GET("/me", func(c echo.Context) error { return c.String(http.StatusOK, "me") }, RequireLogin())
	}})
	b := newBrowser(t)
	// The guard sends a navigation to the group's login route.
	f := fetch(t, plainClient(t), a.URL+"/api/me", "Accept", "text/html")
	if f.StatusCode != http.StatusFound || !strings.HasPrefix(f.rawLocation(), "/api/auth"+LoginPath+"?") {
		t.Fatalf("guard = %d Location %q; want a redirect to /api/auth%s", f.StatusCode, f.rawLocation(), LoginPath)
	}
	status, body := b.get(t, a.URL+f.rawLocation())
	if status != http.StatusOK || body != "me" {
		t.Fatalf("login through the group = %d %q; logs:\n%s", status, body, a.logs)
	}
	if w := b.whoami(t, a.URL); !w.LoggedIn {
		t.Fatal("not logged in")
	}
	b.get(t, a.URL+"/api/auth"+LogoutPath)
	if w := b.whoami(t, a.URL); w.LoggedIn {
		t.Fatal("still logged in after logout")
	}
}

// TestAttachOnce: an OAuth registers its routes once. A second Attach or
// AttachGroup, on the same Echo or another, panics at startup saying so,
// registers nothing, and leaves the first routes and the links to them
// (which the second would have moved) as they were.
func TestAttachOnce(t *testing.T) {
	t.Parallel()
	attach := map[string]func(*OAuth, *echo.Echo){
		"Attach":      func(o *OAuth, e *echo.Echo) { o.Attach(e) },
		"AttachGroup": func(o *OAuth, e *echo.Echo) { o.AttachGroup(e.Group("/group")) },
	}
	tests := []struct {
		first, second string
		sameEcho      bool // the second call registers on the first's Echo
	}{
		{"Attach", "Attach", false},
		{"Attach", "Attach", true},
		{"Attach", "AttachGroup", false},
		{"Attach", "AttachGroup", true},
		{"AttachGroup", "Attach", false},
		{"AttachGroup", "AttachGroup", false},
	}
	for _, tt := range tests {
		name := tt.first + " then " + tt.second
		if tt.sameEcho {
			name += " on the same Echo"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var panicked any
			var links, linksAfter []string
			var added int // routes the second call registered
			a := serveApp(t, Config{Mode: ModeMock}, serveOpts{routes: func(e *echo.Echo, o *OAuth) {
				attach[tt.first](o, e)
				links = []string{o.LoginURL("/page"), o.LogoutURL("/page"), o.MockLoginURL("/page")}
				second := echo.New()
				if tt.sameEcho {
					second = e
				}
				routes := len(second.Routes())
				func() {
					defer func() { panicked = recover() }()
					attach[tt.second](o, second)
				}()
				added = len(second.Routes()) - routes
				linksAfter = []string{o.LoginURL("/page"), o.LogoutURL("/page"), o.MockLoginURL("/page")}
			}})
			if msg := fmt.Sprint(panicked); !strings.Contains(msg, "echohf: ") || !strings.Contains(msg, "already registered") {
				t.Fatalf("second %s panicked with %v; want a message saying the routes are already registered", tt.second, panicked)
			}
			if added != 0 {
				t.Errorf("the refused %s registered %d routes", tt.second, added)
			}
			if !slices.Equal(links, linksAfter) {
				t.Errorf("links after the refused %s = %q; want them unchanged, %q", tt.second, linksAfter, links)
			}
			b := newBrowser(t)
			b.mustLogin(t, a)
			b.get(t, a.URL+links[1])
			if w := b.whoami(t, a.URL); w.LoggedIn {
				t.Fatalf("still logged in after logout at %s", links[1])
			}
		})
	}
}

// TestMockLinkLoggedWithRoutes: the sign-in link is logged when the routes
// are registered, so it has the group's path and the prefix, and it works;
// New's warning says mock mode is on without the key.
func TestMockLinkLoggedWithRoutes(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name   string
		prefix string
		routes func(e *echo.Echo, o *OAuth)
		want   string // the link's path
	}{
		{"Attach", "", func(e *echo.Echo, o *OAuth) { o.Attach(e) }, LoginPath},
		{"AttachGroup", "", func(e *echo.Echo, o *OAuth) { o.AttachGroup(e.Group("/app")) }, "/app" + LoginPath},
		{"AttachGroup and Prefix", "auth/", func(e *echo.Echo, o *OAuth) { o.AttachGroup(e.Group("/app")) }, "/app/auth" + LoginPath},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a := serveApp(t, Config{Mode: ModeMock, Prefix: tt.prefix}, serveOpts{routes: tt.routes})
			logs := a.logs.String()
			m := regexp.MustCompile(`sign_in="?([^"\s]+)`).FindStringSubmatch(logs)
			if m == nil {
				t.Fatalf("no sign_in link in the logs:\n%s", logs)
			}
			logged := m[1]
			if logged != a.oauth.MockLoginURL("") || !strings.HasPrefix(logged, tt.want+"?") {
				t.Errorf("logged link %q; want MockLoginURL %q, under %s", logged, a.oauth.MockLoginURL(""), tt.want)
			}
			if n := strings.Count(logs, mockKeyOf(t, a)); n != 1 {
				t.Errorf("the key is %d times in the logs; want once:\n%s", n, logs)
			}
			if !strings.Contains(logs, "MOCK MODE") {
				t.Errorf("no MOCK MODE warning:\n%s", logs)
			}
			if f := fetch(t, plainClient(t), a.URL+logged); f.StatusCode != http.StatusFound {
				t.Errorf("the logged link answers %d; want a redirect", f.StatusCode)
			}
			b := newBrowser(t)
			b.get(t, a.URL+logged) // on to "/", which this app does not serve
			if !b.whoami(t, a.URL).LoggedIn {
				t.Error("the logged link did not sign in")
			}
		})
	}
}

// TestInfoWithoutAuth: Info and the links work on a context Auth never saw.
func TestInfoWithoutAuth(t *testing.T) {
	t.Parallel()
	e := echo.New()
	c := e.NewContext(httptest.NewRequest(http.MethodGet, "/", nil), httptest.NewRecorder())
	if Info(c) != nil {
		t.Error("Info without Auth is not nil")
	}
	if got := LoginURL(c, "/x"); got != LoginPath+"?_target_url=%2Fx" {
		t.Errorf("LoginURL = %q", got)
	}
	if got := LogoutURL(c, ""); got != LogoutPath {
		t.Errorf("LogoutURL = %q", got)
	}
}

// TestAuthSkipper: a skipped request is not authenticated, even with a
// valid cookie, and its cookies are left alone.
func TestAuthSkipper(t *testing.T) {
	t.Parallel()
	a := newApp(t, Config{Mode: ModeMock, Skipper: func(c echo.Context) bool { return c.QueryParam("skip") == "1" }})
	value := sessionValue(t, a)
	name := a.oauth.SessionCookieName()
	if f := withCookie(t, a.URL+"/whoami", name, value); !strings.Contains(f.body, `"logged_in":true`) {
		t.Fatalf("not skipped: %s", f.body)
	}
	f := withCookie(t, a.URL+"/whoami?skip=1", name, value)
	if strings.Contains(f.body, `"logged_in":true`) {
		t.Errorf("skipped request is logged in: %s", f.body)
	}
	if f := withCookie(t, a.URL+"/whoami?skip=1", name, "garbage"); len(f.Header.Values("Set-Cookie")) != 0 {
		t.Errorf("skipped request got Set-Cookie %q", f.Header.Values("Set-Cookie"))
	}
}

// TestBearerOnEcho: with AcceptBearer, what Auth found about a bearer
// token reaches the guards through the echo.Context. A good token is
// logged in; a refused one, or none on an API call, gets a 401 whose
// RFC 6750 challenge says which, as an *echo.HTTPError (JSON body, the
// error matching ErrLoginRequired), never a redirect, and no cookie.
func TestBearerOnEcho(t *testing.T) {
	t.Parallel()
	srv := hub(t)
	a := serveApp(t, bearerConfig(srv, ModeReal), serveOpts{routes: func(e *echo.Echo, o *OAuth) {
		exposeErrors(e)
		o.Attach(e)
		e.GET("/private", func(c echo.Context) error { return c.String(http.StatusOK, "hi "+Info(c).UserInfo.PreferredUsername) }, RequireLogin())
	}})
	tests := []struct {
		name, auth, accept string
		status             int
		challenge, body    string
	}{
		{"good token", "Bearer " + patAlice, "text/html", http.StatusOK, "", "hi alice"},
		{"refused token", "Bearer hf_unknownToken0123456789abcdef", "text/html", http.StatusUnauthorized, `Bearer error="invalid_token"`, `"message":`},
		{"no token, API call", "", "application/json", http.StatusUnauthorized, "Bearer", `"message":`},
	}
	for _, tt := range tests {
		f := bearerGet(t, a, "/private", tt.auth, "Accept", tt.accept)
		if f.StatusCode != tt.status || f.Header.Get("WWW-Authenticate") != tt.challenge || !strings.Contains(f.body, tt.body) {
			t.Errorf("%s: /private = %d %q, WWW-Authenticate %q; want %d containing %q, %q", tt.name, f.StatusCode, f.body, f.Header.Get("WWW-Authenticate"), tt.status, tt.body, tt.challenge)
		}
		if tt.status == http.StatusUnauthorized && f.Header.Get(errHeader) != "login-required" {
			t.Errorf("%s: error matches %q; want login-required", tt.name, f.Header.Get(errHeader))
		}
		if sc := f.Header.Values("Set-Cookie"); len(sc) > 0 {
			t.Errorf("%s: Set-Cookie %q; want none", tt.name, sc)
		}
	}
}
