package echohf5

import (
	"net/http"

	"github.com/labstack/echo/v5"

	"github.com/echohf/echohf/hfauth"
)

// This file is echohf5's Echo v5 layer: route registration, the Auth
// middleware, what Auth leaves in the *echo.Context and the links read
// from it. The routes and guards themselves are hfauth's: they return an
// hfauth.Decision, which send turns into Echo's answer.

// Attach registers the login, callback and logout routes on e under the
// configured prefix; in mock mode it logs the sign-in path (MockLoginURL;
// see the package documentation for the full link with the address).
// An OAuth registers its routes once: a second Attach or AttachGroup
// panics, since it would move every link LoginURL, LogoutURL, MockLoginURL
// and the guards build. To serve the routes on another Echo, build another
// OAuth from the same Config: the two are replicas.
func (o *OAuth) Attach(e *echo.Echo) {
	o.register(e.GET, e.POST)
}

// AttachGroup registers the routes on g, under the configured prefix
// inside the group. Links built by the guards and LoginURL use the group's
// full path. Like Attach, it panics when o's routes are already registered.
func (o *OAuth) AttachGroup(g *echo.Group) {
	o.register(g.GET, g.POST)
}

func (o *OAuth) register(get, post func(string, echo.HandlerFunc, ...echo.MiddlewareFunc) echo.RouteInfo) {
	err := o.Mount(func(prefix string) string {
		ri := get(prefix+LoginPath, handle(o.Login))
		get(prefix+CallbackPath, handle(o.Callback))
		get(prefix+LogoutPath, handle(o.Logout))
		post(prefix+HandoffPath, handle(o.Handoff))
		return ri.Path // holds the group's path
	})
	if err != nil {
		panic(err)
	}
}

// handle makes a route of hfauth an echo.HandlerFunc.
func handle(route func(http.ResponseWriter, *http.Request) hfauth.Decision) echo.HandlerFunc {
	return func(c *echo.Context) error {
		return send(c, route(c.Response(), c.Request()))
	}
}

// send answers c with d: a redirect, or an *echo.HTTPError whose message is
// for the user and which wraps the decision's error, for the app's error
// handler (errors.Is and errors.As see through it).
func send(c *echo.Context, d hfauth.Decision) error {
	switch {
	case d.Location != "":
		return c.Redirect(d.Status, d.Location)
	case d.Status == 0:
		return nil
	}
	if d.Challenge != "" {
		c.Response().Header().Set("WWW-Authenticate", d.Challenge)
	}
	he := echo.NewHTTPError(d.Status, d.Message)
	if d.Err == nil {
		return he
	}
	return he.Wrap(d.Err)
}

// Keys of what Auth leaves in the *echo.Context: the login under infoKey,
// else the OAuth under ownerKey (as itself, or as skipped), for the guards
// and the link builders. Each value is a pointer, a one-pointer struct or
// a small integer, which an interface holds without allocating; and Echo
// v5 keeps a pooled Context's map between requests, so Set allocates
// nothing either.
const (
	infoKey        = "echohf.info"
	ownerKey       = "echohf.owner"
	bearerStateKey = "echohf.bearer" //nolint:gosec // G101: a context key (what became of a logged-out request's bearer token), not a credential
)

// skipped is what Auth leaves under ownerKey on a request its Skipper
// skips: the guards can tell it from a request Auth never saw, and
// LoginURL still knows the routes' prefix.
type skipped struct{ o *hfauth.OAuth }

// Auth returns the middleware that runs hfauth's authenticate step
// (hfauth.OAuth.Authenticate: the session cookie, or a bearer token with
// Config.AcceptBearer) on every request that Config.Skipper does not skip,
// and makes the login available to Info, the guards, LoginURL and
// HubClient. It adds no allocation to a request.
func (o *OAuth) Auth() echo.MiddlewareFunc {
	core, skip := o.OAuth, o.skip
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c *echo.Context) error {
			// A nil Skipper is middleware.DefaultSkipper: it skips nothing.
			if skip != nil && skip(c) {
				c.Set(ownerKey, skipped{core.Skip(c.Request()).OAuth}) // for the guards and LoginURL
				return next(c)
			}
			s := core.Authenticate(c.Response(), c.Request())
			if s.Info != nil {
				c.Set(infoKey, s.Info) // info names its OAuth for the guards and LoginURL
				return next(c)
			}
			c.Set(ownerKey, core)
			if s.Bearer != hfauth.BearerNone {
				c.Set(bearerStateKey, s.Bearer)
			}
			return next(c)
		}
	}
}

// Info returns the OAuthInfo that Auth found on the request, or nil when the
// request is logged out (or Auth is not installed). It is the counterpart of
// parse_huggingface_oauth. The value is shared: do not modify it.
func Info(c *echo.Context) *OAuthInfo {
	info, _ := c.Get(infoKey).(*OAuthInfo)
	return info
}

// seenBy reads what Auth left on c.
func seenBy(c *echo.Context) hfauth.Seen {
	if info := Info(c); info != nil {
		return hfauth.Seen{Info: info}
	}
	switch o := c.Get(ownerKey).(type) {
	case *hfauth.OAuth:
		b, _ := c.Get(bearerStateKey).(hfauth.BearerOutcome)
		return hfauth.Seen{OAuth: o, Bearer: b}
	case skipped:
		return hfauth.Seen{OAuth: o.o, Skipped: true}
	}
	return hfauth.Seen{}
}

// LoginURL returns the login path of the OAuth whose Auth middleware
// handled c, or the default path when Auth is not installed. See
// hfauth.OAuth.LoginURL.
func LoginURL(c *echo.Context, target string, orgIDs ...string) string {
	return seenBy(c).Owner().LoginURL(target, orgIDs...)
}

// LoginURLWithOptions returns the login path of the OAuth whose Auth
// middleware handled c, or the default path when Auth is not installed.
// See hfauth.OAuth.LoginURLWithOptions.
func LoginURLWithOptions(c *echo.Context, target string, opts LoginOptions) string {
	return seenBy(c).Owner().LoginURLWithOptions(target, opts)
}

// LogoutURL returns the logout path of the OAuth whose Auth middleware
// handled c, or the default path when Auth is not installed.
func LogoutURL(c *echo.Context, target string) string {
	return seenBy(c).Owner().LogoutURL(target)
}

// Attach registers the login, callback and logout routes of the default
// OAuth on e. It panics when the environment is invalid (a Space without
// `hf_oauth: true`, say): the error names what is missing. Use New and
// OAuth.Attach to handle the error yourself. Like OAuth.Attach, it
// registers the routes once: a second call panics.
func Attach(e *echo.Echo) {
	mustDefault().Attach(e)
}

// Auth returns the default OAuth's session middleware. It panics when the
// environment is invalid, like Attach.
func Auth() echo.MiddlewareFunc {
	return mustDefault().Auth()
}

func mustDefault() *OAuth {
	o, err := Default()
	if err != nil {
		panic(err)
	}
	return o
}
