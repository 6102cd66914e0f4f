package main

// This file holds the app on Echo v5: routes, handlers, guards and error
// pages, as examples/space has them on Echo v4.

import (
	"errors"
	"io"
	"log/slog"
	"net/http"

	"github.com/labstack/echo/v5"

	"github.com/echohf/echohf/echohf5"
	"github.com/echohf/echohf/examples/internal/spacepages"
)

// renderer renders the pages for echo.Context.Render.
type renderer struct{ spacepages.Renderer }

// Render implements echo.Renderer.
func (r renderer) Render(_ *echo.Context, w io.Writer, name string, data any) error {
	return r.Renderer.Render(w, name, data)
}

// app holds what the handlers share.
type app struct {
	spacepages.Settings
	log  *slog.Logger
	mock bool // oauth runs in mock mode
}

// newApp builds the Echo app around oauth.
func newApp(oauth *echohf5.OAuth, s spacepages.Settings) (*echo.Echo, error) {
	r, err := spacepages.NewRenderer()
	if err != nil {
		return nil, err
	}
	a := &app{Settings: s, log: slog.Default(), mock: oauth.Mode() == echohf5.ModeMock}
	e := echo.New()
	e.Renderer = renderer{r}
	e.HTTPErrorHandler = a.handleError
	e.Pre(a.headers)

	oauth.Attach(e)     // /oauth/huggingface/{login,callback,logout}
	e.Use(oauth.Auth()) // reads the session cookie on every request

	e.GET("/", a.page("home"))
	e.GET("/private", a.page("private"), echohf5.RequireLogin())
	e.GET("/members", a.members, echohf5.RequireOrg(s.Org))
	e.GET("/models", a.models, echohf5.RequireLogin())

	api := e.Group(spacepages.APIPrefix)
	api.GET("/me", func(c *echo.Context) error {
		return c.JSON(http.StatusOK, spacepages.Me(echohf5.Info(c)))
	}, echohf5.RequireLogin())
	api.GET("/members", func(c *echo.Context) error {
		return c.JSON(http.StatusOK, spacepages.Members(echohf5.Info(c), a.Org))
	}, echohf5.RequireOrg(s.Org))
	return e, nil
}

// headers names the instance on every response and keeps per-user pages
// out of caches.
func (a *app) headers(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c *echo.Context) error {
		spacepages.SetHeaders(c.Response().Header(), a.Instance)
		return next(c)
	}
}

// view returns the data common to every page.
func (a *app) view(c *echo.Context) spacepages.View {
	return spacepages.NewView(a.Settings, echohf5.Info(c), echohf5.LoginURL(c, c.Request().URL.RequestURI()), echohf5.LogoutURL(c, "/"))
}

// page renders the page name with the common data.
func (a *app) page(name string) echo.HandlerFunc {
	return func(c *echo.Context) error { return c.Render(http.StatusOK, name, a.view(c)) }
}

// members is guarded by RequireOrg: only members of a.Org get here.
func (a *app) members(c *echo.Context) error {
	v := a.view(c)
	v.SetRole(a.Org)
	return c.Render(http.StatusOK, "members", v)
}

// models is guarded by RequireLogin: the user's models as the Hub lists
// them to the user's token.
func (a *app) models(c *echo.Context) error {
	v := a.view(c)
	v.HubURL, v.MockMode = echohf5.HubEndpoint(c), a.mock
	status, err := v.LoadModels(c.Request().Context(), echohf5.HubClient(c), a.log)
	if err != nil {
		return echo.NewHTTPError(http.StatusUnauthorized, spacepages.HubRefused).Wrap(err)
	}
	return c.Render(status, "models", v)
}

// handleError renders errors as HTML pages with their status code, or as
// JSON for the API and clients that ask for JSON only.
func (a *app) handleError(c *echo.Context, err error) {
	if r, _ := echo.UnwrapResponse(c.Response()); r != nil && r.Committed {
		return
	}
	// Echo v5's own errors (404, 405, …) carry a status but are no
	// *echo.HTTPError: echo.StatusCode reads both.
	status := echo.StatusCode(err)
	if status == 0 {
		status = http.StatusInternalServerError
		a.log.Error("request failed", "path", c.Path(), "error", err.Error())
	}
	msg := http.StatusText(status)
	if he := (*echo.HTTPError)(nil); errors.As(err, &he) {
		if he.Message != "" {
			msg = he.Message
		}
		if cause := he.Unwrap(); cause != nil {
			a.log.Warn("request failed", "path", c.Path(), "status", status, "error", cause.Error())
		}
	}
	msg = spacepages.ErrorMessage(status, msg)
	req := c.Request()
	var werr error
	switch {
	case req.Method == http.MethodHead:
		werr = c.NoContent(status)
	case spacepages.PrefersJSON(req) || spacepages.IsAPI(req):
		werr = c.JSON(status, map[string]string{"message": msg})
	default:
		v := a.view(c)
		if errors.Is(err, echohf5.ErrLoginFailed) {
			v.LoginURL = echohf5.LoginURL(c, "/") // not back to a failed callback
		}
		v.SetError(err, status, msg, req.URL.Path)
		werr = c.Render(status, "error", v)
	}
	if werr != nil {
		a.log.Error("error page failed", "error", werr.Error())
	}
}
