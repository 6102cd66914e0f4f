package hfauthtest_test

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"strings"

	"github.com/labstack/echo/v5"

	"github.com/echohf/echohf/echohf5"
	"github.com/echohf/echohf/hfauth"
	"github.com/echohf/echohf/hfauthtest"
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

// A test of a net/http page reserved to the members of an organization, as
// a member and as a non-member. In a test, pass its t to New.
func ExampleNew() {
	t := &exampleT{}
	defer t.done()

	kit := hfauthtest.New(t, hfauth.Config{Logger: slog.New(slog.DiscardHandler)})
	guard, err := hfauth.RequireOrgGuard(hfauth.RequireOrgConfig{Orgs: []string{"acme"}})
	if err != nil {
		panic(err)
	}
	members := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = fmt.Fprintf(w, "Welcome, %s!", hfauth.Info(r).UserInfo.PreferredUsername) //nolint:gosec // G705: plain text, never read as HTML
	})
	app := kit.OAuth().Middleware(guard.Middleware(members))

	for _, user := range []hfauth.OAuthUserInfo{
		hfauthtest.User("alice", hfauthtest.Org("acme", hfauth.RoleWrite)),
		hfauthtest.User("bob", hfauthtest.Org("other-org", hfauth.RoleAdmin)),
	} {
		req := httptest.NewRequest(http.MethodGet, "/members", nil)
		kit.Login(req, user)
		rec := httptest.NewRecorder()
		app.ServeHTTP(rec, req)
		fmt.Println(user.PreferredUsername, rec.Code, strings.TrimSpace(rec.Body.String()))
	}
	// Output:
	// alice 200 Welcome, alice!
	// bob 403 This page is reserved to members of acme.
}

// An Echo v5 app builds its echohf5 instance from the Kit's Config, which
// ConfigAs gives as an echohf5.Config: that instance accepts the Kit's
// sessions, and refuses the negative ones.
func ExampleConfigAs() {
	t := &exampleT{}
	defer t.done()

	kit := hfauthtest.New(t, hfauth.Config{Logger: slog.New(slog.DiscardHandler)})
	oauth, err := echohf5.New(hfauthtest.ConfigAs[echohf5.Config](kit))
	if err != nil {
		panic(err)
	}
	e := echo.New()
	oauth.Attach(e)
	e.Use(oauth.Auth())
	e.GET("/members", func(c *echo.Context) error {
		return c.String(http.StatusOK, "Welcome, "+echohf5.Info(c).UserInfo.PreferredUsername+"!")
	}, echohf5.RequireOrg("acme"))

	alice := hfauthtest.User("alice", hfauthtest.Org("acme", hfauth.RoleWrite))
	for _, opts := range [][]hfauthtest.Option{nil, {hfauthtest.Expired()}, {hfauthtest.OtherSecret()}} {
		req := httptest.NewRequest(http.MethodGet, "/members", nil)
		kit.Login(req, alice, opts...)
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, req)
		fmt.Println(rec.Code, strings.TrimSpace(rec.Body.String()))
	}
	// Output:
	// 200 Welcome, alice!
	// 401 {"message":"Please sign in to see this page."}
	// 401 {"message":"Please sign in to see this page."}
}

// LoginJar signs a user in for a client with a cookie jar, as a browser is
// after a login. An expired session is logged out, and the app expires its
// cookie, so the jar drops it.
func ExampleKit_LoginJar() {
	t := &exampleT{}
	defer t.done()

	kit := hfauthtest.New(t, hfauth.Config{Logger: slog.New(slog.DiscardHandler)})
	mux := http.NewServeMux()
	mux.Handle("/oauth/huggingface/", kit.OAuth().Handler())
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		if info := hfauth.Info(r); info != nil {
			_, _ = fmt.Fprintf(w, "Hello, %s!", info.UserInfo.PreferredUsername) //nolint:gosec // G705: plain text, never read as HTML
			return
		}
		_, _ = fmt.Fprint(w, "Not logged in!")
	})
	srv := httptest.NewServer(kit.OAuth().Middleware(mux))
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

	kit.LoginJar(jar, srv.URL, hfauthtest.User("alice"))
	show()
	kit.LoginJar(jar, srv.URL, hfauthtest.User("alice"), hfauthtest.Expired())
	show()
	show()
	// Output:
	// Hello, alice!
	// Not logged in!
	// Not logged in!
}
