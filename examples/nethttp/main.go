// Command nethttp is the hello example on plain net/http, with the core
// package hfauth and no web framework: o.Handler() serves the sign-in
// routes on a ServeMux, o.Middleware runs the authenticate step on every
// request, hfauth.Info(r) reads the login, and a guard's Middleware
// protects a route. GET / greets the logged-in user, GET /me shows their
// profile, and GET /members is reserved to members of ORG_NAME (default
// acme-research, an organization of the mock user).
//
// With no environment it runs in mock mode, on port 7860 like a Space:
//
//	go run ./examples/nethttp
//	# open the "sign in (mock mode)" link it prints
//
// In real mode (SPACE_ID and the OAuth variables set, as in a Space with
// `hf_oauth: true`), login goes through the OpenID provider; the guard
// needs the read-memberships scope to see organizations. HOST and PORT
// choose where it listens. A bad environment stops it at startup with one
// message naming every variable at fault, and exit status 1.
package main

import (
	"encoding/json"
	"fmt"
	"log"
	"net/http"
	"os"

	"github.com/echohf/echohf/examples/internal/serve"
	"github.com/echohf/echohf/hfauth"
)

func main() {
	o, err := hfauth.Default() // configured from the environment
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	org := os.Getenv("ORG_NAME")
	if org == "" {
		org = "acme-research"
	}
	members, err := hfauth.RequireOrgGuard(hfauth.RequireOrgConfig{Orgs: []string{org}})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}

	mux := http.NewServeMux()
	mux.Handle("/oauth/huggingface/", o.Handler()) // login, callback, logout
	mux.HandleFunc("GET /{$}", greet)
	mux.HandleFunc("GET /me", me)
	mux.Handle("GET /members", members.Middleware(http.HandlerFunc(membersOnly)))

	// o.Middleware reads the session cookie on every request, before the mux.
	if err := serve.Run(o.Middleware(mux), o.MockLoginURL("")); err != nil {
		log.Fatal(err)
	}
}

// greet answers like the reference: who is logged in, if anybody.
func greet(w http.ResponseWriter, r *http.Request) {
	info := hfauth.Info(r) // *hfauth.OAuthInfo, nil when logged out
	if info == nil {
		writeJSON(w, http.StatusOK, map[string]string{"msg": "Not logged in!"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"msg": "Hello, " + info.UserInfo.PreferredUsername + "!"})
}

// me answers the logged-in user's profile and organizations. The access
// token stays on the server: only UserInfo is sent.
func me(w http.ResponseWriter, r *http.Request) {
	info := hfauth.Info(r)
	if info == nil {
		writeJSON(w, http.StatusUnauthorized, map[string]string{"msg": "Not logged in!"})
		return
	}
	writeJSON(w, http.StatusOK, info.UserInfo)
}

// membersOnly runs only for members: the guard answered everybody else.
func membersOnly(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"msg": "Welcome, member " + hfauth.Info(r).UserInfo.PreferredUsername + "!"})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v) // the client may have gone: nothing to do
}
