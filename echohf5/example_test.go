package echohf5_test

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"os"
	"strings"

	"github.com/labstack/echo/v5"

	"github.com/echohf/echohf/echohf5"
	"github.com/echohf/echohf/mock"
)

// greet is the reference's example handler.
func greet(c *echo.Context) error {
	info := echohf5.Info(c)
	if info == nil {
		return c.JSON(http.StatusOK, map[string]any{"msg": "Not logged in!"})
	}
	return c.JSON(http.StatusOK, map[string]any{"msg": "Hello, " + info.UserInfo.PreferredUsername + "!"})
}

// get fetches u with client and prints the status and body.
func get(client *http.Client, u string) {
	res, err := client.Get(u)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	fmt.Println(res.StatusCode, strings.TrimSpace(string(body)))
}

func browser() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar}
}

// The three-line setup, configured from the environment: in a Space with
// `hf_oauth: true` login goes through Hugging Face; without SPACE_ID it runs
// in mock mode, where login needs the sign-in link printed at startup
// (MockLoginURL). Calling Default first turns a bad environment into one
// message and an exit status, where Attach would panic. (This example is
// not run, as its result depends on the environment.)
func ExampleAttach() {
	oauth, err := echohf5.Default()
	if err != nil {
		fmt.Fprintln(os.Stderr, err) // names every bad or missing variable
		os.Exit(1)
	}
	e := echo.New()
	echohf5.Attach(e)
	e.Use(echohf5.Auth())
	e.GET("/", greet)
	if link := oauth.MockLoginURL(""); link != "" {
		fmt.Println("sign in (mock mode): http://localhost:7860" + link)
	}
	_ = e.Start(":7860")
}

// Auth reads the session on every request; Info hands a handler the typed
// login, or nil. Here in mock mode, signed in through the link that mock
// mode logs.
func ExampleAuth() {
	oauth, _ := echohf5.New(echohf5.Config{Mode: echohf5.ModeMock, Logger: slog.New(slog.DiscardHandler)})
	defer oauth.Close()
	e := echo.New()
	oauth.Attach(e)
	e.Use(oauth.Auth())
	e.GET("/", greet)
	srv := httptest.NewServer(e)
	defer srv.Close()
	client := browser()
	get(client, srv.URL+"/")
	get(client, srv.URL+oauth.MockLoginURL("/"))
	get(client, srv.URL+echohf5.LogoutPath)
	// Output:
	// 200 {"msg":"Not logged in!"}
	// 200 {"msg":"Hello, mockuser!"}
	// 200 {"msg":"Not logged in!"}
}

// An explicit instance in real mode, against the mock provider standing in
// for huggingface.co.
func ExampleNew() {
	provider, err := mock.Start(mock.Config{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer provider.Close()
	provider.AddClient(mock.Client{ID: "my-space", Secret: "my-secret", RedirectURIs: mock.LoopbackRedirectURIs()})

	oauth, err := echohf5.New(echohf5.Config{
		Mode:         echohf5.ModeReal,
		ClientID:     "my-space",
		ClientSecret: "my-secret",
		Scopes:       []string{"openid", "profile"},
		ProviderURL:  provider.URL,
		Logger:       slog.New(slog.DiscardHandler),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer oauth.Close()
	e := echo.New()
	oauth.Attach(e)
	e.Use(oauth.Auth())
	e.GET("/", greet)
	srv := httptest.NewServer(e)
	defer srv.Close()
	get(browser(), srv.URL+"/oauth/huggingface/login")
	// Output:
	// 200 {"msg":"Hello, mockuser!"}
}

// Info hands a handler the typed login: here the user's organizations.
func ExampleInfo() {
	oauth, _ := echohf5.New(echohf5.Config{Mode: echohf5.ModeMock, Logger: slog.New(slog.DiscardHandler)})
	defer oauth.Close()
	e := echo.New()
	oauth.Attach(e)
	e.Use(oauth.Auth())
	e.GET("/orgs", func(c *echo.Context) error {
		info := echohf5.Info(c)
		if info == nil {
			return echo.ErrUnauthorized
		}
		var names []string
		for _, org := range info.UserInfo.Orgs {
			names = append(names, org.PreferredUsername)
		}
		return c.String(http.StatusOK, strings.Join(names, ","))
	})
	srv := httptest.NewServer(e)
	defer srv.Close()
	get(browser(), srv.URL+oauth.MockLoginURL("/orgs"))
	// Output:
	// 200 acme-research,open-models,reading-club
}

// RequireOrg guards a route for the members of an organization; the error
// of a refusal reaches the app's error handler, wrapped in the
// *echo.HTTPError.
func ExampleRequireOrg() {
	oauth, _ := echohf5.New(echohf5.Config{Mode: echohf5.ModeMock, Logger: slog.New(slog.DiscardHandler)})
	defer oauth.Close()
	e := echo.New()
	handle := echo.DefaultHTTPErrorHandler(false)
	e.HTTPErrorHandler = func(c *echo.Context, err error) {
		if errors.Is(err, echohf5.ErrRoleTooLow) {
			fmt.Println("error handler: role too low")
		}
		handle(c, err)
	}
	oauth.Attach(e)
	e.Use(oauth.Auth())
	ok := func(c *echo.Context) error { return c.String(http.StatusOK, "welcome") }
	e.GET("/acme", ok, echohf5.RequireOrg("acme-research"))
	e.GET("/admins", ok, echohf5.RequireOrgWithConfig(echohf5.RequireOrgConfig{Orgs: []string{"open-models"}, MinRole: echohf5.RoleAdmin}))
	srv := httptest.NewServer(e)
	defer srv.Close()
	client := browser()
	get(client, srv.URL+"/acme") // logged out, not a browser navigation
	get(client, srv.URL+oauth.MockLoginURL("/acme"))
	get(client, srv.URL+"/admins") // a writer, not an admin, of open-models
	// Output:
	// 401 {"message":"Please sign in to see this page."}
	// 200 welcome
	// error handler: role too low
	// 403 {"message":"This page needs the admin role in open-models; you have write."}
}

// RequireLogin after Auth protects a whole app: the OAuth's own routes stay
// open, so signing in works.
func ExampleRequireLogin() {
	oauth, _ := echohf5.New(echohf5.Config{Mode: echohf5.ModeMock, Logger: slog.New(slog.DiscardHandler)})
	defer oauth.Close()
	e := echo.New()
	oauth.Attach(e)
	e.Use(oauth.Auth(), echohf5.RequireLogin())
	e.GET("/", greet)
	srv := httptest.NewServer(e)
	defer srv.Close()
	client := browser()
	get(client, srv.URL+"/")
	get(client, srv.URL+oauth.MockLoginURL("/"))
	// Output:
	// 401 {"message":"Please sign in to see this page."}
	// 200 {"msg":"Hello, mockuser!"}
}

// ToMiddleware reports a guard configuration that cannot work as an error,
// where RequireOrgWithConfig would panic.
func ExampleRequireOrgConfig_ToMiddleware() {
	_, err := echohf5.RequireOrgConfig{Orgs: []string{"acme-research"}, MinRole: "owner"}.ToMiddleware()
	fmt.Println(errors.Is(err, echohf5.ErrConfig))
	// Output:
	// true
}

// LoginURL builds a sign-in link that comes back to a page and asks for
// access to an organization; the links follow the group the routes are on.
func ExampleOAuth_AttachGroup() {
	oauth, _ := echohf5.New(echohf5.Config{Mode: echohf5.ModeMock, Logger: slog.New(slog.DiscardHandler)})
	defer oauth.Close()
	oauth.AttachGroup(echo.New().Group("/app"))
	fmt.Println(oauth.LoginURL("/reports?year=2026", "5f1c0ffee"))
	fmt.Println(oauth.LogoutURL("/"))
	// Output:
	// /app/oauth/huggingface/login?_target_url=%2Freports%3Fyear%3D2026&orgIds=5f1c0ffee
	// /app/oauth/huggingface/logout?_target_url=%2F
}
