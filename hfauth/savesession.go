package hfauth

// This file holds SaveSession, which signs a user in without the provider.

import (
	"errors"
	"fmt"
	"net/http"
)

// SaveSession signs a user in: it writes o's session cookie for info on w,
// as the login callback does once Hugging Face has vouched for the user, so
// that Auth on o, or on any instance with the same session secrets, reads
// info back from later requests. r is the request being answered, or nil:
// session cookies it carries that the new session does not overwrite (the
// chunks of a larger one) are expired.
//
// SaveSession trusts info entirely: call it only for a user your own code
// has authenticated. Tests use it through package echohftest, which builds
// its own OAuth from a Config with a session secret the test chose.
// info.AccessTokenExpiresAt must be at least a second ahead of the clock.
// The session ends by the rule of docs/sessions.md ("When a session
// ends"), this call counting as the sign-in. An organization list too large for the cookies is cut as it
// is at login. Errors match jwtstore.ErrTooLarge when even that does not
// fit.
func (o *OAuth) SaveSession(w http.ResponseWriter, r *http.Request, info *OAuthInfo) error {
	if info == nil {
		return errors.New("echohf: SaveSession: nil OAuthInfo")
	}
	if err := o.saveSession(w, r, info, ""); err != nil { // no refresh token: the session ends with its access token
		return fmt.Errorf("echohf: SaveSession: %w", err)
	}
	return nil
}
