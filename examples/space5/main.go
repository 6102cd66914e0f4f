// Command space5 is examples/space on Echo v5 (echohf5): the same pages,
// guards, API and environment, from the same examples/internal/spacepages.
// Next to space, only the imports (echo/v5, echohf5) and Echo v5's own
// changes differ: handlers take *echo.Context, the error handler takes the
// context first, and an HTTPError wraps its cause with Wrap.
//
// With no environment it runs in mock mode on port 7860:
//
//	go run ./examples/space5
//	# open the "sign in (mock mode)" link it prints
//
// The end-to-end tests (examples/e2e) run their session lifecycle, key
// rotation, big-session and page checks on both apps.
package main

import (
	"fmt"
	"log"
	"os"

	"github.com/echohf/echohf/echohf5"
	"github.com/echohf/echohf/examples/internal/serve"
	"github.com/echohf/echohf/examples/internal/spacepages"
)

func main() {
	// Bearer tokens on unless ECHOHF_ACCEPT_BEARER says otherwise, as in
	// examples/space: its API is meant for scripts with a token.
	cfg := echohf5.Config{AcceptBearer: os.Getenv(echohf5.EnvAcceptBearer) == ""}
	oauth, err := echohf5.NewFromEnv(cfg) // the rest from the environment
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer oauth.Close()

	e, err := newApp(oauth, spacepages.SettingsFromEnv(os.Getenv))
	if err != nil {
		log.Fatal(err)
	}
	if err := serve.Run(e, oauth.MockLoginURL("")); err != nil {
		log.Fatal(err)
	}
}
