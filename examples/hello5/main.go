// Command hello5 is examples/hello on Echo v5: GET / greets the logged-in
// user, GET /me shows their profile as JSON. Next to hello, only the
// imports (echo/v5, echohf5) and Echo v5's own changes differ: handlers
// take *echo.Context, and echo.Map is gone.
//
// With no environment it runs in mock mode, on port 7860 like a Space:
//
//	go run ./examples/hello5
//	# open the "sign in (mock mode)" link it prints
//
// In real mode (SPACE_ID and the OAuth variables set, as in a Space with
// `hf_oauth: true`), login goes through the OpenID provider. HOST and PORT
// choose where it listens. A bad environment stops it at startup with one
// message naming every variable at fault, and exit status 1.
package main

import (
	"fmt"
	"log"
	"net/http"
	"os"

	"github.com/labstack/echo/v5"

	"github.com/echohf/echohf/echohf5"
	"github.com/echohf/echohf/examples/internal/serve"
)

func main() {
	// Default reads the environment once; Attach and Auth use the same
	// instance, and would panic with this error.
	oauth, err := echohf5.Default()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	e := echo.New()
	echohf5.Attach(e)     // /oauth/huggingface/{login,callback,logout}
	e.Use(echohf5.Auth()) // verifies the session cookie on every request
	e.GET("/", greet)
	e.GET("/me", me)

	// In mock mode, print the sign-in link: it holds a key of this process,
	// so only whoever sees this console can sign in.
	if err := serve.Run(e, oauth.MockLoginURL("")); err != nil {
		log.Fatal(err)
	}
}

// greet answers like the reference: who is logged in, if anybody.
func greet(c *echo.Context) error {
	info := echohf5.Info(c) // *echohf5.OAuthInfo, nil when logged out
	if info == nil {
		return c.JSON(http.StatusOK, map[string]string{"msg": "Not logged in!"})
	}
	return c.JSON(http.StatusOK, map[string]string{"msg": "Hello, " + info.UserInfo.PreferredUsername + "!"})
}

// me answers the logged-in user's profile and organizations. The access
// token stays on the server: only UserInfo is sent.
func me(c *echo.Context) error {
	info := echohf5.Info(c)
	if info == nil {
		return c.JSON(http.StatusUnauthorized, map[string]string{"msg": "Not logged in!"})
	}
	return c.JSON(http.StatusOK, info.UserInfo)
}
