package hfauth

// This file holds the logout route.

import "net/http"

// logout revokes the session's tokens (see revokeSession), clears the
// session cookie and all its chunks, then redirects to the sanitized target.
func (o *OAuth) logout(w http.ResponseWriter, r *http.Request) reply {
	// The session cookie is SameSite=None in a Space, so another site could
	// log users out with an <img>; browsers say where a request comes from.
	if r.Header.Get("Sec-Fetch-Site") == "cross-site" {
		return reply{status: http.StatusForbidden, msg: "Log out from this site's own pages."}
	}
	o.revokeSession(r)
	o.sessions.Clear(w, r)
	return redirect(SanitizeTarget(r.URL.Query().Get(paramTarget)))
}
