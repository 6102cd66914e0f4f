package hfauth

// This file holds the logout route.

import "net/http"

// paramEverywhere=1 on the logout route logs the user out of every device
// (LogoutEverywhere).
const paramEverywhere = "everywhere"

// logout revokes the session's tokens (see revokeSession), clears the
// session cookie and all its chunks, then redirects to the sanitized target.
// With everywhere=1, every session of the user ends (LogoutEverywhere).
func (o *OAuth) logout(w http.ResponseWriter, r *http.Request) reply {
	// The session cookie is SameSite=None in a Space, so another site could
	// log users out with an <img>; browsers say where a request comes from.
	if r.Header.Get("Sec-Fetch-Site") == "cross-site" {
		return reply{status: http.StatusForbidden, msg: "Log out from this site's own pages."}
	}
	if r.URL.Query().Get(paramEverywhere) == "1" && o.LogoutEverywhere(w, r) == nil {
		return redirect(SanitizeTarget(r.URL.Query().Get(paramTarget)))
	}
	o.revokeSession(r)
	o.sessions.Clear(w, r)
	return redirect(SanitizeTarget(r.URL.Query().Get(paramTarget)))
}
