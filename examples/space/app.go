package main

import (
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/echohf/echohf/echohf"
)

//go:embed templates/*.html
var templateFS embed.FS

// pages are the templates, each page parsed with the shared layout.
var pages = []string{"home", "private", "members", "models", "error"}

// renderer renders the pages of templateFS for echo.Context.Render.
type renderer map[string]*template.Template

func newRenderer() (renderer, error) {
	r := renderer{}
	for _, p := range pages {
		t, err := template.New(p).Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/"+p+".html")
		if err != nil {
			return nil, err
		}
		r[p] = t
	}
	return r, nil
}

// Render implements echo.Renderer.
func (r renderer) Render(w io.Writer, name string, data any, _ echo.Context) error {
	t, ok := r[name]
	if !ok {
		return fmt.Errorf("no template %q", name)
	}
	return t.ExecuteTemplate(w, "layout", data)
}

// view is what every page template gets.
type view struct {
	Instance  string
	Org       string
	User      *echohf.OAuthUserInfo // nil when logged out
	LoginURL  string                // back to the current page
	LogoutURL string                // back to the home page
	// LogoutEverywhereURL ends every session of the user, on every device
	// (on every replica, with ECHOHF_REDIS_URL), then goes home.
	LogoutEverywhereURL string

	// Private page.
	Expires time.Time
	Scope   string
	// Members page.
	Role string
	// Models page.
	Models   []hubModel
	Limited  bool   // the Hub may have more than Models
	HubURL   string // the Hub's base URL, for links to the models
	HubError string // why the Hub gave no list, or ""
	MockMode bool   // the Hub is asked without a token
	// Error page.
	Status     int
	StatusText string
	Heading    string
	Message    string
	NotMember  bool
}

// app holds what the handlers share.
type app struct {
	settings
	log  *slog.Logger
	mock bool // oauth runs in mock mode
}

// newApp builds the Echo app around oauth: its routes, pages, guards and
// error pages.
func newApp(oauth *echohf.OAuth, s settings) (*echo.Echo, error) {
	r, err := newRenderer()
	if err != nil {
		return nil, err
	}
	a := &app{settings: s, log: slog.Default(), mock: oauth.Mode() == echohf.ModeMock}
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.Renderer = r
	e.HTTPErrorHandler = a.handleError
	e.Pre(a.headers)

	oauth.Attach(e)     // /oauth/huggingface/{login,callback,logout}
	e.Use(oauth.Auth()) // reads the session cookie on every request

	e.GET("/", a.home)
	e.GET("/private", a.private, echohf.RequireLogin())
	e.GET("/members", a.members, echohf.RequireOrg(s.Org))
	e.GET("/models", a.models, echohf.RequireLogin())

	// The API, for scripts with a token as much as for the pages' scripts.
	api := e.Group(apiPrefix)
	api.GET("/me", a.apiMe, echohf.RequireLogin())
	api.GET("/members", a.apiMembers, echohf.RequireOrg(s.Org))
	return e, nil
}

// headers names the instance on every response (replicas behind a load
// balancer can be told apart) and keeps per-user pages out of caches.
func (a *app) headers(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		h.Set("X-Instance", a.Instance)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Cache-Control", "no-store")
		return next(c)
	}
}

// view returns the data common to every page.
func (a *app) view(c echo.Context) view {
	v := view{
		Instance:  a.Instance,
		Org:       a.Org,
		LoginURL:  echohf.LoginURL(c, c.Request().URL.RequestURI()),
		LogoutURL: echohf.LogoutURL(c, "/"),
	}
	v.LogoutEverywhereURL = v.LogoutURL + "&everywhere=1" // the logout route's switch (OAuth.LogoutEverywhere)
	if info := echohf.Info(c); info != nil {
		v.User = &info.UserInfo
		v.Expires, v.Scope = info.AccessTokenExpiresAt, info.Scope
	}
	return v
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
	if org := v.User.Org(a.Org); org != nil && org.RoleInOrg != nil {
		v.Role = *org.RoleInOrg
	}
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
	msg := fmt.Sprint(he.Message)
	if he.Code >= 500 && he.Message == http.StatusText(he.Code) {
		msg = "Something went wrong on our side. Please try again later."
	}
	req := c.Request()
	var werr error
	switch {
	case req.Method == http.MethodHead:
		werr = c.NoContent(he.Code)
	case prefersJSON(req) || isAPI(req):
		werr = c.JSON(he.Code, echo.Map{"message": msg})
	default:
		v := a.view(c)
		if errors.Is(err, echohf.ErrLoginFailed) {
			v.LoginURL = echohf.LoginURL(c, "/") // not back to a failed callback
		}
		v.Status, v.StatusText, v.Message = he.Code, http.StatusText(he.Code), msg
		v.Heading = v.StatusText
		switch {
		case errors.Is(err, echohf.ErrLoginRequired):
			// Logged out, or the Hub refused the session's token and
			// HubClient cleared it: offer to sign in (again).
			v.User = nil
			v.Heading = "Please sign in"
		case errors.Is(err, echohf.ErrNotMember):
			v.Heading, v.NotMember = "Members only", true
		case errors.Is(err, echohf.ErrAccessDenied):
			v.Heading = "Access denied"
		case he.Code == http.StatusNotFound:
			v.Message = "There is no page at " + req.URL.Path + "."
		}
		werr = c.Render(he.Code, "error", v)
	}
	if werr != nil {
		a.log.Error("error page failed", "error", werr.Error())
	}
}

// prefersJSON tells an API client that asked for JSON and not HTML.
func prefersJSON(r *http.Request) bool {
	accept := r.Header.Get("Accept")
	return strings.Contains(accept, "application/json") && !strings.Contains(accept, "text/html")
}
