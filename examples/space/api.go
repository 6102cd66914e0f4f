package main

// This file holds the JSON API's handlers; their answers are
// examples/internal/spacepages'.

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/echohf/echohf/echohf"
	"github.com/echohf/echohf/examples/internal/spacepages"
)

// apiMe is guarded by RequireLogin: a logged-out call gets 401 with a
// WWW-Authenticate: Bearer challenge. The access token is not part of the
// answer (OAuthInfo never marshals it).
func (a *app) apiMe(c echo.Context) error {
	return c.JSON(http.StatusOK, spacepages.Me(echohf.Info(c)))
}

// apiMembers is guarded by RequireOrg: only members of a.Org get here,
// others get 403.
func (a *app) apiMembers(c echo.Context) error {
	return c.JSON(http.StatusOK, spacepages.Members(echohf.Info(c), a.Org))
}
