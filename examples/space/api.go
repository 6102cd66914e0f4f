package main

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/echohf/echohf/echohf"
)

// apiPrefix is where the JSON API lives. Its routes answer errors in JSON
// too, whatever the Accept header: curl sends none.
const apiPrefix = "/api"

// isAPI tells a call to the API from a page load.
func isAPI(r *http.Request) bool {
	return r.URL.Path == apiPrefix || strings.HasPrefix(r.URL.Path, apiPrefix+"/")
}

// meAnswer is the answer of GET /api/me.
type meAnswer struct {
	// Auth is how the caller signed in: "session" (the cookie a browser
	// got at login) or "bearer" (a Hugging Face token in the request).
	Auth string `json:"auth"`
	// User is the caller's profile and organizations.
	User echohf.OAuthUserInfo `json:"user"`
}

// membersAnswer is the answer of GET /api/members.
type membersAnswer struct {
	Auth     string `json:"auth"`
	Username string `json:"username"` // the caller's handle on the Hub
	Org      string `json:"org"`
	Role     string `json:"role,omitempty"` // the caller's role in Org, when known
}

// authKind names how info signed in, for the API's answers.
func authKind(info *echohf.OAuthInfo) string {
	if info.FromBearer() {
		return "bearer"
	}
	return "session"
}

// apiMe is guarded by RequireLogin: a logged-out call gets 401 with a
// WWW-Authenticate: Bearer challenge. The access token is not part of the
// answer (OAuthInfo never marshals it).
func (a *app) apiMe(c echo.Context) error {
	info := echohf.Info(c)
	return c.JSON(http.StatusOK, meAnswer{Auth: authKind(info), User: info.UserInfo})
}

// apiMembers is guarded by RequireOrg: only members of a.Org get here,
// others get 403.
func (a *app) apiMembers(c echo.Context) error {
	info := echohf.Info(c)
	ans := membersAnswer{Auth: authKind(info), Username: info.UserInfo.PreferredUsername, Org: a.Org}
	if org := info.UserInfo.Org(a.Org); org != nil && org.RoleInOrg != nil {
		ans.Role = *org.RoleInOrg
	}
	return c.JSON(http.StatusOK, ans)
}
