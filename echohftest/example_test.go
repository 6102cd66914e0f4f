package echohftest_test

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/echohf/echohf/echohf"
	"github.com/echohf/echohf/echohftest"
)

// exampleT stands in for the *testing.T that a test passes to New, so that
// the examples run as they are: it fails by panicking, and runs the
// cleanups when the example calls done.
type exampleT struct{ cleanups []func() }

func (*exampleT) Helper() {}

func (*exampleT) Fatalf(format string, args ...any) { panic(fmt.Sprintf(format, args...)) }

func (t *exampleT) Cleanup(f func()) { t.cleanups = append(t.cleanups, f) }

func (t *exampleT) done() {
	for i := len(t.cleanups) - 1; i >= 0; i-- {
		t.cleanups[i]()
	}
}

// A test of a page reserved to the members of an organization, as a member
// and as a non-member. In a test, pass its t to New.
func ExampleNew() {
	t := &exampleT{}
	defer t.done()

	kit := echohftest.New(t, echohf.Config{Logger: slog.New(slog.DiscardHandler)})
	e := echo.New()
	e.Use(kit.OAuth().Auth())
	e.GET("/members", func(c echo.Context) error {
		return c.String(http.StatusOK, "Welcome, "+echohf.Info(c).UserInfo.PreferredUsername+"!")
	}, echohf.RequireOrg("acme"))

	for _, user := range []echohf.OAuthUserInfo{
		echohftest.User("alice", echohftest.Org("acme", echohf.RoleWrite)),
		echohftest.User("bob", echohftest.Org("other-org", echohf.RoleAdmin)),
	} {
		req := httptest.NewRequest(http.MethodGet, "/members", nil)
		kit.Login(req, user)
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, req)
		fmt.Println(user.PreferredUsername, rec.Code, strings.TrimSpace(rec.Body.String()))
	}
	// Output:
	// alice 200 Welcome, alice!
	// bob 403 {"message":"This page is reserved to members of acme."}
}

// LoginJar signs a user in for a client with a cookie jar, as a browser is
// after a login. An expired session is logged out, and Auth expires its
// cookie, so the jar drops it.
func ExampleKit_LoginJar() {
	t := &exampleT{}
	defer t.done()

	kit := echohftest.New(t, echohf.Config{Logger: slog.New(slog.DiscardHandler)})
	e := echo.New()
	kit.OAuth().Attach(e)
	e.Use(kit.OAuth().Auth())
	e.GET("/", func(c echo.Context) error {
		if info := echohf.Info(c); info != nil {
			return c.String(http.StatusOK, "Hello, "+info.UserInfo.PreferredUsername+"!")
		}
		return c.String(http.StatusOK, "Not logged in!")
	})
	srv := httptest.NewServer(e)
	defer srv.Close()

	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar}
	show := func() {
		res, err := client.Get(srv.URL)
		if err != nil {
			panic(err)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		fmt.Println(string(body))
	}

	kit.LoginJar(jar, srv.URL, echohftest.User("alice"))
	show()
	kit.LoginJar(jar, srv.URL, echohftest.User("alice"), echohftest.Expired())
	show()
	show()
	// Output:
	// Hello, alice!
	// Not logged in!
	// Not logged in!
}

// newApp is an app whose constructor builds its own echohf instance from
// a Config.
func newApp(cfg echohf.Config) (*echo.Echo, error) {
	oauth, err := echohf.New(cfg)
	if err != nil {
		return nil, err
	}
	e := echo.New()
	oauth.Attach(e)
	e.Use(oauth.Auth(), echohf.RequireLogin())
	e.GET("/scope", func(c echo.Context) error { return c.String(http.StatusOK, echohf.Info(c).Scope) })
	return e, nil
}

// An app that builds its own instance accepts the Kit's sessions when it
// is built from Kit.Config, which holds the session secret; sessions signed
// with another secret are logged out.
func ExampleKit_Config() {
	t := &exampleT{}
	defer t.done()

	kit := echohftest.New(t, echohf.Config{Logger: slog.New(slog.DiscardHandler)})
	e, err := newApp(kit.Config())
	if err != nil {
		panic(err)
	}
	for _, opts := range [][]echohftest.Option{
		{echohftest.Scope("openid profile read-repos")},
		{echohftest.OtherSecret()},
		{echohftest.Tampered()},
	} {
		req := httptest.NewRequest(http.MethodGet, "/scope", nil)
		kit.Login(req, echohftest.User("alice"), opts...)
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, req)
		fmt.Println(rec.Code, strings.TrimSpace(rec.Body.String()))
	}
	// Output:
	// 200 openid profile read-repos
	// 401 {"message":"Please sign in to see this page."}
	// 401 {"message":"Please sign in to see this page."}
}
