package hfauth

// This file holds the cross-site check of requests with unsafe methods.

import "net/http"

// crossSiteUnsafe reports whether r is a request with an unsafe method
// (anything but GET, HEAD and OPTIONS) that a browser sent on behalf of
// another site (Sec-Fetch-Site: cross-site). Auth leaves such a request
// logged out, without reading or clearing its session cookie: in a Space
// the cookie is SameSite=None, so another site's form or fetch would carry
// it, and no unsafe request from another site should act as the user.
// Browsers that do not send Sec-Fetch-Site (before 2020-2023, depending on
// the browser) are not covered: see Echo's CSRF middleware for them.
func crossSiteUnsafe(r *http.Request) bool {
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return false
	}
	return r.Header.Get("Sec-Fetch-Site") == "cross-site"
}
