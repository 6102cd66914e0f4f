package main

// This file holds the models page's handler; the Hub's list is read by
// examples/internal/spacepages.

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/echohf/echohf/echohf"
	"github.com/echohf/echohf/examples/internal/spacepages"
)

// models is guarded by RequireLogin. It lists the user's models as the Hub
// lists them to the user's token (through echohf.HubClient). When the Hub
// refuses that token, the error page offers to sign in again; when the Hub
// fails, the page says so with a 502, and the user stays signed in.
func (a *app) models(c echo.Context) error {
	v := a.view(c)
	v.HubURL, v.MockMode = echohf.HubEndpoint(c), a.mock
	status, err := v.LoadModels(c.Request().Context(), echohf.HubClient(c), a.log)
	if err != nil {
		return echo.NewHTTPError(http.StatusUnauthorized, spacepages.HubRefused).WithInternal(err)
	}
	return c.Render(status, "models", v)
}
