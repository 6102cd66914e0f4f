package main

// This file holds the app on Echo v4: its routes, pages, guards and error
// pages. What the pages show is examples/internal/spacepages', which
// examples/space5 (the same app on Echo v5) shares.

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/echohf/echohf/echohf"
	"github.com/echohf/echohf/examples/internal/spacepages"
)

// renderer renders the pages for echo.Context.Render.
type renderer struct{ spacepages.Renderer }

// Render implements echo.Renderer.
func (r renderer) Render(w io.Writer, name string, data any, _ echo.Context) error {
	return r.Renderer.Render(w, name, data)
}

// app holds what the handlers share.
type app struct {
	spacepages.Settings
	log  *slog.Logger
	mock bool // oauth runs in mock mode
}

// newApp builds the Echo app around oauth: its routes, pages, guards and
// error pages.
func newApp(oauth *echohf.OAuth, s spacepages.Settings) (*echo.Echo, error) {
	r, err := spacepages.NewRenderer()
	if err != nil {
		return nil, err
	}
	a := &app{Settings: s, log: slog.Default(), mock: oauth.Mode() == echohf.ModeMock}
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.Renderer = renderer{r}
	e.HTTPErrorHandler = a.handleError
	e.Pre(a.headers)

	oauth.Attach(e)     // /oauth/huggingface/{login,callback,logout}
	e.Use(oauth.Auth()) // reads the session cookie on every request

	e.GET("/", a.home)
	e.GET("/private", a.private, echohf.RequireLogin())
	e.GET("/members", a.members, echohf.RequireOrg(s.Org))
	e.GET("/models", a.models, echohf.RequireLogin())

	// The API, for scripts with a token as much as for the pages' scripts.
	api := e.Group(spacepages.APIPrefix)
	api.GET("/me", a.apiMe, echohf.RequireLogin())
	api.GET("/members", a.apiMembers, echohf.RequireOrg(s.Org))
	return e, nil
}

// headers names the instance on every response (replicas behind a load
// balancer can be told apart) and keeps per-user pages out of caches.
func (a *app) headers(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		spacepages.SetHeaders(c.Response().Header(), a.Instance)
		return next(c)
	}
}

// view returns the data common to every page.
func (a *app) view(c echo.Context) spacepages.View {
	return spacepages.NewView(a.Settings, echohf.Info(c), echohf.LoginURL(c, c.Request().URL.RequestURI()), echohf.LogoutURL(c, "/"))
}

func (a *app) home(c echo.Context) error {
	return c.Render(http.StatusOK, "home", a.view(c))
}

// private is guarded by RequireLogin: a logged-out visitor is sent to
// login and comes back here.
func (a *app) private(c echo.Context) error {
	return c.Render(http.StatusOK, "private", a.view(c))
}

// members is guarded by RequireOrg: only members of a.Org get here.
func (a *app) members(c echo.Context) error {
	v := a.view(c)
	v.SetRole(a.Org)
	return c.Render(http.StatusOK, "members", v)
}

// handleError renders errors as HTML pages with their status code: the
// guards' 401 and 403, login failures (a denied consent, say), 404s. A
// client that asks for JSON only, and any call to the API, gets a JSON
// error instead.
func (a *app) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	he := &echo.HTTPError{}
	if !errors.As(err, &he) {
		a.log.Error("request failed", "path", c.Path(), "error", err.Error())
		he = echo.NewHTTPError(http.StatusInternalServerError)
	} else if he.Internal != nil {
		a.log.Warn("request failed", "path", c.Path(), "status", he.Code, "error", he.Internal.Error())
	}
	msg := spacepages.ErrorMessage(he.Code, fmt.Sprint(he.Message))
	req := c.Request()
	var werr error
	switch {
	case req.Method == http.MethodHead:
		werr = c.NoContent(he.Code)
	case spacepages.PrefersJSON(req) || spacepages.IsAPI(req):
		werr = c.JSON(he.Code, echo.Map{"message": msg})
	default:
		v := a.view(c)
		if errors.Is(err, echohf.ErrLoginFailed) {
			v.LoginURL = echohf.LoginURL(c, "/") // not back to a failed callback
		}
		v.SetError(err, he.Code, msg, req.URL.Path)
		werr = c.Render(he.Code, "error", v)
	}
	if werr != nil {
		a.log.Error("error page failed", "error", werr.Error())
	}
}
