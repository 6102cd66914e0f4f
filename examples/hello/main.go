// Command hello is the greet app of huggingface_hub's OAuth reference,
// line for line in Go: GET / greets the logged-in user, GET /me shows
// their profile as JSON.
//
// With no environment it runs in mock mode, on port 7860 like a Space:
//
//	go run ./examples/hello
//	# open the "sign in (mock mode)" link it prints
//
// In real mode (SPACE_ID and the OAuth variables set, as in a Space with
// `hf_oauth: true`, or as printed by `go run ./mock/cmd/hfmock`), login goes
// through the OpenID provider. HOST and PORT choose where it listens
// (default all interfaces, port 7860). A bad environment stops it at
// startup with one message naming every variable at fault, and exit status 1.
//
// To start an app of your own from this one, copy main.go into your module,
// and either copy ../internal/serve/serve.go into a package of your module
// (fixing the import), or replace the serve.Run call with Echo's
// e.Start(":7860") after printing the sign-in link, as the serve package's
// documentation shows.
package main

import (
	"fmt"
	"log"
	"net/http"
	"os"

	"github.com/labstack/echo/v4"

	"github.com/echohf/echohf/echohf"
	"github.com/echohf/echohf/examples/internal/serve"
)

func main() {
	// Default reads the environment once; Attach and Auth use the same
	// instance, and would panic with this error.
	if _, err := echohf.Default(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	e := echo.New()
	echohf.Attach(e)     // /oauth/huggingface/{login,callback,logout}
	e.Use(echohf.Auth()) // verifies the session cookie on every request
	e.GET("/", greet)
	e.GET("/me", me)

	// In mock mode, print the sign-in link: it holds a key of this process,
	// so only whoever sees this console can sign in. Attach has already
	// panicked if Default's configuration were invalid.
	oauth, _ := echohf.Default()
	if err := serve.Run(e, oauth.MockLoginURL("")); err != nil {
		log.Fatal(err)
	}
}

// greet answers like the reference: who is logged in, if anybody.
func greet(c echo.Context) error {
	info := echohf.Info(c) // *echohf.OAuthInfo, nil when logged out
	if info == nil {
		return c.JSON(http.StatusOK, echo.Map{"msg": "Not logged in!"})
	}
	return c.JSON(http.StatusOK, echo.Map{"msg": "Hello, " + info.UserInfo.PreferredUsername + "!"})
}

// me answers the logged-in user's profile and organizations. The access
// token stays on the server: only UserInfo is sent.
func me(c echo.Context) error {
	info := echohf.Info(c)
	if info == nil {
		return c.JSON(http.StatusUnauthorized, echo.Map{"msg": "Not logged in!"})
	}
	return c.JSON(http.StatusOK, info.UserInfo)
}
