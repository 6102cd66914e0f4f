package hfauth

// This file holds the exported errors and safeToken, which keeps provider
// text short and printable for logs.

import (
	"errors"
	"fmt"

	"github.com/echohf/echohf/internal/oidc"
)

// Errors carried as the Internal error of the *echo.HTTPError values that
// the routes and guards return, so an app's error handler can tell them
// apart with errors.Is (echo.HTTPError unwraps to its Internal error).
var (
	// ErrLoginRequired is returned by the guards for a logged-out API request
	// (401), and by the requests of HubClient's client when logged out or
	// when the Hub refuses the user's token.
	ErrLoginRequired = errors.New("echohf: login required")
	// ErrNotMember is returned by RequireOrg for a logged-in user who is not
	// a member of the organizations, or whose membership does not qualify
	// (403). A role below MinRole gives ErrRoleTooLow, which matches it.
	ErrNotMember = errors.New("echohf: not a member of the required organization")
	// ErrRoleTooLow is returned by RequireOrg for a member of one of the
	// organizations whose role there is below MinRole (403). It also matches
	// ErrNotMember, so handlers written for ErrNotMember still see it.
	ErrRoleTooLow = fmt.Errorf("%w: role too low", ErrNotMember)
	// ErrRestricted is returned by RequireOrg with RefuseRestricted for a
	// member whose session does not meet the organization's security
	// restrictions (403). It also matches ErrNotMember.
	ErrRestricted = fmt.Errorf("%w: organization security restrictions not met", ErrNotMember)
	// ErrNoAuth is returned by the guards (and HubClient's requests) when
	// Auth did not run on the request: not installed, installed after the
	// guard, or skipping the request with its Skipper. The guard cannot
	// tell who is logged in, and
	// sending the browser to login would loop, so it answers 500: the
	// server is misconfigured, and no request can fix that.
	ErrNoAuth = errors.New("echohf: guard ran without Auth")
	// ErrLoginFailed is returned by login and callback when signing in
	// fails: a provider problem (502, 503), a token that fails verification
	// (401), a bad callback or Host header (400), mock login refused (403).
	ErrLoginFailed = errors.New("echohf: sign-in failed")
	// ErrAccessDenied is returned by the callback when the user declined
	// consent (403). It also matches ErrLoginFailed.
	ErrAccessDenied = fmt.Errorf("%w: access denied by the user", ErrLoginFailed)
)

// safeToken keeps an OAuth error code printable and short for logs.
func safeToken(s string) string { return oidc.Printable(s) }
