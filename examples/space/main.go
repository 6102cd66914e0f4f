// Command space is a "Sign in with Hugging Face" web app as a Docker Space
// ships it: HTML pages rendered with html/template, a sign-in button, the
// user's avatar, name and organizations, a page for logged-in users only
// (/private), one for the members of an organization (/members), one
// listing the user's models on the Hub (/models, through echohf.HubClient),
// and a JSON API for scripts (/api/me, /api/members) that takes a session
// cookie or a Hugging Face token ("Authorization: Bearer hf_…").
//
// With no environment it runs in mock mode on port 7860:
//
//	go run ./examples/space
//	# open the "sign in (mock mode)" link it prints
//
// On a Space with `hf_oauth: true` (see README.md and Dockerfile next to
// this file), login goes through Hugging Face. Environment:
//
//	HOST, PORT    where to listen (default all interfaces, port 7860)
//	ORG_NAME      the organization whose members see /members
//	              (default acme-research, an organization of the mock user)
//	INSTANCE_ID   sent in the X-Instance header of every response, to tell
//	              replicas apart (default the host name)
//	ECHOHF_ACCEPT_BEARER
//	              0 or false turns bearer tokens off (default on, unlike
//	              echohf's own default, since the API demonstrates them)
//	HF_ENDPOINT   the Hub that checks bearer tokens and lists models
//	              (default https://huggingface.co)
//	ECHOHF_REDIS_URL
//	              redis:// or rediss:// URL of a Redis shared by the
//	              replicas: a logout, and "Log out all devices", then
//	              holds on every replica at once (see docs/revocation.md;
//	              the hfredis import below is what reads it)
//
// plus the variables echohf reads (SPACE_ID, OAUTH_CLIENT_ID, …,
// ECHOHF_SESSION_SECRET; see echohf.Config). A bad environment stops it at
// startup with one message naming every variable at fault, and exit status 1.
//
// The pages, what they show and the settings are in ../internal/spacepages,
// which examples/space5 (this app on Echo v5) shares. To start an app of
// your own from this one, copy its .go files (not the tests) into your
// module (README.md's "Your own module" has a Dockerfile for it), with
// ../internal/spacepages and ../internal/serve/serve.go in packages of
// your module (fixing the imports); or replace the serve.Run call with
// Echo's e.Start(":7860") after printing the sign-in link, as the serve
// package's documentation shows.
package main

import (
	"fmt"
	"log"
	"os"

	"github.com/echohf/echohf/echohf"
	"github.com/echohf/echohf/examples/internal/serve"
	"github.com/echohf/echohf/examples/internal/spacepages"
	_ "github.com/echohf/echohf/hfredis" // ECHOHF_REDIS_URL: logouts shared by the replicas
)

func main() {
	oauth, err := echohf.NewFromEnv(baseConfig(os.Getenv)) // the rest from the environment
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer oauth.Close()

	e, err := newApp(oauth, spacepages.SettingsFromEnv(os.Getenv))
	if err != nil {
		log.Fatal(err)
	}
	// In mock mode, print the sign-in link (a key of this process, for the
	// person at this console).
	if err := serve.Run(e, oauth.MockLoginURL("")); err != nil {
		log.Fatal(err)
	}
}

// baseConfig is the echohf configuration the environment completes. The
// app's API is meant for scripts with a Hugging Face token, so it accepts
// bearer tokens unless ECHOHF_ACCEPT_BEARER is set: then echohf reads it,
// and 0 or false turns them off.
func baseConfig(getenv func(string) string) echohf.Config {
	return echohf.Config{AcceptBearer: getenv(echohf.EnvAcceptBearer) == ""}
}
