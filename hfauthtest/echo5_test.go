package hfauthtest_test

import (
	"net/http"
	"net/http/cookiejar"
	"strings"
	"testing"

	"github.com/labstack/echo/v5"

	"github.com/echohf/echohf/echohf5"
	"github.com/echohf/echohf/hfauth"
	"github.com/echohf/echohf/hfauthtest"
)

// newEcho5App is an Echo v5 app whose constructor builds its own echohf5
// instance from a Config: GET /acme is for members of acme, GET /me shows
// who is logged in, and /private needs a login.
func newEcho5App(cfg echohf5.Config) (*echo.Echo, error) {
	oauth, err := echohf5.New(cfg)
	if err != nil {
		return nil, err
	}
	e := echo.New()
	oauth.Attach(e)
	e.Use(oauth.Auth())
	e.GET("/me", func(c *echo.Context) error {
		if info := echohf5.Info(c); info != nil {
			return c.String(http.StatusOK, info.UserInfo.PreferredUsername+" "+info.AccessToken)
		}
		return c.String(http.StatusOK, "nobody")
	})
	e.GET("/acme", func(c *echo.Context) error { return c.String(http.StatusOK, "acme") }, echohf5.RequireOrg("acme"))
	e.GET("/private", func(c *echo.Context) error { return c.String(http.StatusOK, "private") }, echohf5.RequireLogin())
	return e, nil
}

// TestEcho5App tests an Echo v5 app built from the Kit's Config, through
// real HTTP: the app's own echohf5 instance accepts the sessions the Kit
// mints, runs its guards on them, and refuses the negative ones.
func TestEcho5App(t *testing.T) {
	t.Parallel()
	kit := hfauthtest.New(t, hfauth.Config{Logger: quiet})
	e, err := newEcho5App(hfauthtest.ConfigAs[echohf5.Config](kit))
	if err != nil {
		t.Fatal(err)
	}
	srv := serveHandler(t, e, false)
	name := kit.OAuth().SessionCookieName()
	member := hfauthtest.User("alice", hfauthtest.Org("acme", hfauth.RoleRead))
	tests := []struct {
		name    string
		user    hfauth.OAuthUserInfo
		opts    []hfauthtest.Option
		path    string
		status  int
		body    string
		cleared bool
	}{
		{"member", member, nil, "/acme", http.StatusOK, "acme", false},
		{"info", member, []hfauthtest.Option{hfauthtest.AccessToken("hf_oauth_xyz")}, "/me", http.StatusOK, "alice hf_oauth_xyz", false},
		{"non-member", hfauthtest.User("bob", hfauthtest.Org("other", hfauth.RoleAdmin)), nil, "/acme", http.StatusForbidden, "reserved to members of acme", false},
		{"chunked member", hfauthtest.User("big", manyOrgs(100)...), nil, "/acme", http.StatusOK, "acme", false},
		{"expired", member, []hfauthtest.Option{hfauthtest.Expired()}, "/private", http.StatusUnauthorized, "Please sign in", true},
		{"tampered", member, []hfauthtest.Option{hfauthtest.Tampered()}, "/private", http.StatusUnauthorized, "Please sign in", true},
		{"other secret", member, []hfauthtest.Option{hfauthtest.OtherSecret()}, "/me", http.StatusOK, "nobody", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			req, _ := http.NewRequest(http.MethodGet, srv.URL+tt.path, nil)
			kit.Login(req, tt.user, tt.opts...)
			a := do(t, nil, req)
			if a.status != tt.status || !strings.Contains(a.body, tt.body) {
				t.Errorf("GET %s = %d %q; want %d with %q", tt.path, a.status, a.body, tt.status, tt.body)
			}
			if cleared := strings.Contains(strings.Join(a.cleared, " "), name); cleared != tt.cleared {
				t.Errorf("session cookie cleared = %v (expired %v); want %v", cleared, a.cleared, tt.cleared)
			}
		})
	}
	t.Run("jar", func(t *testing.T) {
		t.Parallel()
		jar, _ := cookiejar.New(nil)
		client := newClient(t, jar)
		kit.LoginJar(jar, srv.URL, member)
		if a := get(t, client, srv.URL+"/acme"); a.status != http.StatusOK {
			t.Errorf("GET /acme with the jar = %d %s; want 200", a.status, a.body)
		}
	})
	t.Run("another secret", func(t *testing.T) {
		t.Parallel()
		other, err := newEcho5App(echohf5.Config{SessionSecret: "another-app-secret-0123456789abcdefgh", Logger: quiet})
		if err != nil {
			t.Fatal(err)
		}
		req, _ := http.NewRequest(http.MethodGet, serveHandler(t, other, false).URL+"/me", nil)
		kit.Login(req, member)
		if a := do(t, nil, req); a.body != "nobody" {
			t.Errorf("an Echo v5 app with another secret: GET /me = %d %q; want nobody", a.status, a.body)
		}
	})
}
