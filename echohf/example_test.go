package echohf_test

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

	"github.com/labstack/echo/v4"

	"github.com/echohf/echohf/echohf"
	"github.com/echohf/echohf/mock"
)

// greet is the reference's example handler.
func greet(c echo.Context) error {
	info := echohf.Info(c)
	if info == nil {
		return c.JSON(http.StatusOK, echo.Map{"msg": "Not logged in!"})
	}
	return c.JSON(http.StatusOK, echo.Map{"msg": "Hello, " + info.UserInfo.PreferredUsername + "!"})
}

// get fetches u with client and prints the body.
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
// not run, as its result depends on the environment; TestDefaultAttachAuth
// runs it.)
func ExampleAttach() {
	oauth, err := echohf.Default()
	if err != nil {
		fmt.Fprintln(os.Stderr, err) // names every bad or missing variable
		os.Exit(1)
	}
	e := echo.New()
	echohf.Attach(e)
	e.Use(echohf.Auth())
	e.GET("/", greet)
	if link := oauth.MockLoginURL(""); link != "" {
		fmt.Println("sign in (mock mode): http://localhost:7860" + link)
	}
	_ = e.Start(":7860")
}

// An explicit instance in real mode, against the mock provider standing in
// for huggingface.co. Any instance built from the same Config accepts the
// session, so replicas need no shared store.
func ExampleNew() {
	provider, err := mock.Start(mock.Config{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer provider.Close()
	provider.AddClient(mock.Client{ID: "my-space", Secret: "my-secret", RedirectURIs: mock.LoopbackRedirectURIs()})

	oauth, err := echohf.New(echohf.Config{
		Mode:         echohf.ModeReal,
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

// Info hands a handler the typed login, or nil.
func ExampleInfo() {
	oauth, _ := echohf.New(echohf.Config{Mode: echohf.ModeMock, Logger: slog.New(slog.DiscardHandler)})
	defer oauth.Close()
	e := echo.New()
	oauth.Attach(e)
	e.Use(oauth.Auth())
	e.GET("/orgs", func(c echo.Context) error {
		info := echohf.Info(c)
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
	get(browser(), srv.URL+oauth.MockLoginURL("/orgs")) // mock mode: the link New logs
	// Output:
	// 200 acme-research,open-models,reading-club
}

// RequireOrg guards a route for the members of an organization.
func ExampleRequireOrg() {
	oauth, _ := echohf.New(echohf.Config{Mode: echohf.ModeMock, Logger: slog.New(slog.DiscardHandler)})
	defer oauth.Close()
	e := echo.New()
	oauth.Attach(e)
	e.Use(oauth.Auth())
	ok := func(c echo.Context) error { return c.String(http.StatusOK, "welcome") }
	e.GET("/acme", ok, echohf.RequireOrg("acme-research"))
	e.GET("/acme-admins", ok, echohf.RequireOrgWithConfig(echohf.RequireOrgConfig{Orgs: []string{"open-models"}, MinRole: echohf.RoleAdmin}))
	srv := httptest.NewServer(e)
	defer srv.Close()
	client := browser()
	get(client, srv.URL+"/acme") // logged out, not a browser navigation
	get(client, srv.URL+oauth.MockLoginURL("/acme"))
	get(client, srv.URL+"/acme-admins") // a writer, not an admin, of open-models
	// Output:
	// 401 {"message":"Please sign in to see this page."}
	// 200 welcome
	// 403 {"message":"This page needs the admin role in open-models; you have write."}
}

// ToMiddleware reports a guard configuration that cannot work as an error,
// where RequireOrgWithConfig would panic.
func ExampleRequireOrgConfig_ToMiddleware() {
	_, err := echohf.RequireOrgConfig{Orgs: []string{"acme-research"}, MinRole: "owner"}.ToMiddleware()
	fmt.Println(errors.Is(err, echohf.ErrConfig))
	fmt.Println(err)
	// Output:
	// true
	// echohf: invalid configuration: RequireOrg MinRole "owner" is not read, contributor, write or admin
}

// RequireLogin after Auth protects a whole app: echohf's own routes stay
// open, so signing in works.
func ExampleRequireLogin() {
	oauth, _ := echohf.New(echohf.Config{Mode: echohf.ModeMock, Logger: slog.New(slog.DiscardHandler)})
	defer oauth.Close()
	e := echo.New()
	oauth.Attach(e)
	e.Use(oauth.Auth(), echohf.RequireLogin())
	e.GET("/", greet)
	srv := httptest.NewServer(e)
	defer srv.Close()
	client := browser()
	get(client, srv.URL+"/")                     // logged out, not a browser navigation
	get(client, srv.URL+oauth.MockLoginURL("/")) // the sign-in link mock mode logs
	// Output:
	// 401 {"message":"Please sign in to see this page."}
	// 200 {"msg":"Hello, mockuser!"}
}

// SanitizeTarget lets only same-origin paths through.
func ExampleSanitizeTarget() {
	for _, t := range []string{"/spaces?q=1", "//evil.example", "/\\evil.example", "https://evil.example", "/%2F%2Fevil.example"} {
		fmt.Printf("%q -> %q\n", t, echohf.SanitizeTarget(t))
	}
	// Output:
	// "/spaces?q=1" -> "/spaces?q=1"
	// "//evil.example" -> "/"
	// "/\\evil.example" -> "/"
	// "https://evil.example" -> "/"
	// "/%2F%2Fevil.example" -> "/"
}

// LoginURL builds a sign-in link that comes back to a page and asks for
// access to an organization.
func ExampleOAuth_LoginURL() {
	oauth, _ := echohf.New(echohf.Config{Mode: echohf.ModeMock, Prefix: "/app", Logger: slog.New(slog.DiscardHandler)})
	defer oauth.Close()
	oauth.Attach(echo.New())
	fmt.Println(oauth.LoginURL("/reports?year=2026", "5f1c0ffee"))
	fmt.Println(oauth.LogoutURL("/"))
	// Output:
	// /app/oauth/huggingface/login?_target_url=%2Freports%3Fyear%3D2026&orgIds=5f1c0ffee
	// /app/oauth/huggingface/logout?_target_url=%2F
}

// LoginURLWithOptions builds a "grant another organization" link: the
// consent screen shows again, so a user who skipped the organization the
// first time can grant it.
func ExampleOAuth_LoginURLWithOptions() {
	oauth, _ := echohf.New(echohf.Config{Mode: echohf.ModeMock, Logger: slog.New(slog.DiscardHandler)})
	defer oauth.Close()
	oauth.Attach(echo.New())
	fmt.Println(oauth.LoginURLWithOptions("/members", echohf.LoginOptions{OrgIDs: []string{"5f1c0ffee"}, Consent: true}))
	// Output:
	// /oauth/huggingface/login?_target_url=%2Fmembers&orgIds=5f1c0ffee&prompt=consent
}
