package echohftest_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/echohf/echohf/echohf"
	"github.com/echohf/echohf/echohftest"
	"github.com/echohf/echohf/hfauthtest"
)

// TestCore checks that a Kit and the hfauthtest.Kit it wraps mint through
// one instance, the Kit's OAuth, and that the Config's Skipper, which the
// core Config cannot hold, reaches that instance and Kit.Config.
func TestCore(t *testing.T) {
	t.Parallel()
	skip := func(c echo.Context) bool { return c.Path() == "/health" }
	kit := echohftest.New(t, echohf.Config{Logger: quiet, Skipper: skip})
	if kit.Core().OAuth() != kit.OAuth().OAuth {
		t.Fatal("the core Kit mints through another instance than Kit.OAuth")
	}
	if kit.Config().Skipper == nil {
		t.Error("Kit.Config lost the Skipper")
	}
	e := echo.New()
	e.Use(kit.OAuth().Auth())
	who := func(c echo.Context) error {
		if info := echohf.Info(c); info != nil {
			return c.String(http.StatusOK, info.UserInfo.PreferredUsername)
		}
		return c.String(http.StatusOK, "nobody")
	}
	e.GET("/me", who)
	e.GET("/health", who)
	srv := serveHandler(t, e, false)
	for _, tt := range []struct{ path, want string }{{"/me", "alice"}, {"/health", "nobody"}} {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+tt.path, nil)
		kit.Core().Login(req, hfauthtest.User("alice"))
		if a := do(t, nil, req); a.body != tt.want {
			t.Errorf("GET %s with the core Kit's session = %d %q; want %q", tt.path, a.status, a.body, tt.want)
		}
	}
	// An app built from Kit.Config skips what the Kit's instance skips.
	o, err := echohf.New(kit.Config())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(o.Close)
	e2 := echo.New()
	e2.Use(o.Auth())
	e2.GET("/health", who)
	req := httptest.NewRequest(http.MethodGet, "/health", nil)
	kit.Login(req, echohftest.User("alice"))
	rec := httptest.NewRecorder()
	e2.ServeHTTP(rec, req)
	if rec.Body.String() != "nobody" {
		t.Errorf("an instance built from Kit.Config: GET /health = %q; want nobody (skipped)", rec.Body)
	}
}
