package echohf

import (
	"log/slog"
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"github.com/echohf/echohf/hfauth"
)

// This file is echohf's Echo v4 layer: route registration, the Auth
// middleware, what Auth leaves in the echo.Context, the guards' middleware
// and their configurations. The routes and guards themselves are hfauth's:
// they return an hfauth.Decision, which send turns into Echo's answer.

// Attach registers the login, callback and logout routes on e under the
// configured prefix; in mock mode it logs the sign-in link (MockLoginURL),
// and has e.Server and e.TLSServer log the full link, with the address
// they listen on, when e.Start or e.StartTLS starts serving.
// An OAuth registers its routes once: a second Attach or
// AttachGroup panics, since it would move every link LoginURL, LogoutURL,
// MockLoginURL and the guards build. To serve the routes on another Echo,
// build another OAuth from the same Config: the two are replicas.
func (o *OAuth) Attach(e *echo.Echo) {
	o.register(e.GET, e.POST)
	o.LogLinkOnStart(e.Server, "http")
	o.LogLinkOnStart(e.TLSServer, "https")
}

// AttachGroup registers the routes on g, under the configured prefix
// inside the group. Links built by the guards and LoginURL use the group's
// full path. Like Attach, it panics when o's routes are already registered.
func (o *OAuth) AttachGroup(g *echo.Group) {
	o.register(g.GET, g.POST)
}

func (o *OAuth) register(get, post func(string, echo.HandlerFunc, ...echo.MiddlewareFunc) *echo.Route) {
	err := o.Mount(func(prefix string) string {
		r := get(prefix+LoginPath, handle(o.Login))
		get(prefix+CallbackPath, handle(o.Callback))
		get(prefix+LogoutPath, handle(o.Logout))
		post(prefix+HandoffPath, handle(o.Handoff))
		return r.Path
	})
	if err != nil {
		panic(err)
	}
}

// handle makes a route of hfauth an echo.HandlerFunc.
func handle(route func(http.ResponseWriter, *http.Request) hfauth.Decision) echo.HandlerFunc {
	return func(c echo.Context) error {
		return send(c, route(c.Response(), c.Request()))
	}
}

// send answers c with d: a redirect, or an *echo.HTTPError carrying the
// decision's error as its Internal error, for the app's error handler.
func send(c echo.Context, d hfauth.Decision) error {
	switch {
	case d.Location != "":
		return c.Redirect(d.Status, d.Location)
	case d.Status == 0:
		return nil
	}
	if d.Challenge != "" {
		c.Response().Header().Set("WWW-Authenticate", d.Challenge)
	}
	if d.Err == nil {
		return echo.NewHTTPError(d.Status, d.Message)
	}
	return echo.NewHTTPError(d.Status, d.Message).WithInternal(d.Err)
}

// Keys of what Auth leaves in the echo.Context: the login under infoKey,
// else the OAuth under ownerKey (as itself, or as skipped), for the guards
// and the link builders.
const (
	infoKey        = "echohf.info"
	ownerKey       = "echohf.owner"
	bearerStateKey = "echohf.bearer" //nolint:gosec // G101: a context key (what became of a logged-out request's bearer token), not a credential
)

// skipped is what Auth leaves under ownerKey on a request its Skipper
// skips: the guards can tell it from a request Auth never saw, and
// LoginURL still knows the routes' prefix. (A struct holding one pointer is
// stored in an interface without allocating.)
type skipped struct{ o *hfauth.OAuth }

// Auth returns the middleware that runs hfauth's authenticate step
// (hfauth.OAuth.Authenticate: the session cookie, or a bearer token with
// Config.AcceptBearer) on every request that Config.Skipper does not skip,
// and makes the login available to Info, the guards, LoginURL and
// HubClient. It adds no allocation to a request.
func (o *OAuth) Auth() echo.MiddlewareFunc {
	// The per-request closure holds next and o alone: 16 bytes, the
	// allocation Echo makes for any middleware, no larger.
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			// A nil Skipper is middleware.DefaultSkipper: it skips nothing.
			if o.skip != nil && o.skip(c) {
				c.Set(ownerKey, skipped{o.Skip(c.Request()).OAuth}) // for the guards and LoginURL
				return next(c)
			}
			s := o.Authenticate(c.Response(), c.Request())
			if s.Info != nil {
				c.Set(infoKey, s.Info) // info names its OAuth for the guards and LoginURL
				return next(c)
			}
			c.Set(ownerKey, o.OAuth)
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
func Info(c echo.Context) *OAuthInfo {
	info, _ := c.Get(infoKey).(*OAuthInfo)
	return info
}

// seenBy reads what Auth left on c.
func seenBy(c echo.Context) hfauth.Seen {
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
// OAuth.LoginURL.
func LoginURL(c echo.Context, target string, orgIDs ...string) string {
	return seenBy(c).Owner().LoginURL(target, orgIDs...)
}

// LoginURLWithOptions returns the login path of the OAuth whose Auth
// middleware handled c, or the default path when Auth is not installed.
// See OAuth.LoginURLWithOptions.
func LoginURLWithOptions(c echo.Context, target string, opts LoginOptions) string {
	return seenBy(c).Owner().LoginURLWithOptions(target, opts)
}

// LogoutURL returns the logout path of the OAuth whose Auth middleware
// handled c, or the default path when Auth is not installed.
func LogoutURL(c echo.Context, target string) string {
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

// RequireLoginConfig configures the RequireLogin guard.
type RequireLoginConfig struct {
	// Skipper skips the guard. Optional. Default middleware.DefaultSkipper.
	Skipper middleware.Skipper
	// Logger receives the line that reports the guard running without Auth
	// (once per guard). Optional. Default: the Logger of the OAuth whose
	// Auth skipped the request, else slog.Default().
	Logger *slog.Logger
}

// RequireLogin returns a guard for routes that need a logged-in user. It
// must run after Auth. A logged-out browser navigation is redirected to
// login, coming back to the current path and query; any other logged-out
// request gets 401. It never guards echohf's own login, callback and logout
// routes, so it can protect a whole app: e.Use(o.Auth(),
// echohf.RequireLogin()). How a navigation is told from an API call, the
// bearer challenge, and the 500 (ErrNoAuth) on a request that Auth did not
// see are the rules of the guards in package hfauth's documentation.
func RequireLogin() echo.MiddlewareFunc {
	return RequireLoginWithConfig(RequireLoginConfig{})
}

// RequireLoginWithConfig returns a RequireLogin guard with cfg. It panics
// when cfg is invalid (see RequireLoginConfig.ToMiddleware).
func RequireLoginWithConfig(cfg RequireLoginConfig) echo.MiddlewareFunc {
	return must(cfg.ToMiddleware())
}

// ToMiddleware returns the RequireLogin guard cfg describes. Every
// RequireLoginConfig is valid today: the error is there for settings to
// come, as in Echo's middleware.
func (cfg RequireLoginConfig) ToMiddleware() (echo.MiddlewareFunc, error) {
	return guardMiddleware(cfg.Skipper, hfauth.RequireLoginGuard(cfg.Logger)), nil
}

// RequireOrgConfig configures the RequireOrg guard.
type RequireOrgConfig struct {
	// Skipper skips the guard. Optional. Default middleware.DefaultSkipper.
	Skipper middleware.Skipper
	// Orgs are the organizations that grant access, by handle
	// (preferred_username) or by id (sub, 24 hexadecimal digits, matched
	// against ids only); membership of any one is enough. Required.
	Orgs []string
	// MinRole is the least role in the organization that grants access:
	// RoleRead < RoleContributor < RoleWrite < RoleAdmin. Optional. Default
	// "": any member.
	MinRole string
	// RefuseRestricted refuses an organization whose securityRestrictions
	// is not empty (the session does not meet the organization's IP, token,
	// MFA or SSO policy); such a member gets a 403 naming the policy, whose
	// error is ErrRestricted. Optional. Default false.
	RefuseRestricted bool
	// Logger receives the line that reports the guard running without Auth
	// (once per guard), and the warning that the OAuth's scopes lack
	// read-memberships when this guard is the first of the process to
	// find it (see docs/scopes.md). Optional. Default: the Logger of the
	// OAuth whose Auth saw or skipped the request, else slog.Default().
	Logger *slog.Logger
}

// RequireOrg returns a guard for routes reserved to members of one of orgs
// (handles or ids). It must run after Auth. Logged-out requests are treated
// as by RequireLogin; logged-in non-members get 403 (ErrNotMember), and with
// MinRole, members whose role is too low get 403 saying which role the page
// needs (ErrRoleTooLow).
func RequireOrg(orgs ...string) echo.MiddlewareFunc {
	return RequireOrgWithConfig(RequireOrgConfig{Orgs: orgs})
}

// RequireOrgWithConfig returns a RequireOrg guard with cfg. It panics when
// cfg is invalid (see RequireOrgConfig.ToMiddleware), as Echo's WithConfig
// constructors do.
func RequireOrgWithConfig(cfg RequireOrgConfig) echo.MiddlewareFunc {
	return must(cfg.ToMiddleware())
}

// ToMiddleware returns the RequireOrg guard cfg describes, or an error
// matching ErrConfig when cfg names no organization or an unknown MinRole.
func (cfg RequireOrgConfig) ToMiddleware() (echo.MiddlewareFunc, error) {
	g, err := hfauth.RequireOrgGuard(hfauth.RequireOrgConfig{Orgs: cfg.Orgs, MinRole: cfg.MinRole, RefuseRestricted: cfg.RefuseRestricted, Logger: cfg.Logger})
	if err != nil {
		return nil, err
	}
	return guardMiddleware(cfg.Skipper, g), nil
}

// guardMiddleware runs g on every request skip does not skip.
func guardMiddleware(skip middleware.Skipper, g *hfauth.Guard) echo.MiddlewareFunc {
	if skip == nil {
		skip = middleware.DefaultSkipper
	}
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if skip(c) {
				return next(c)
			}
			if d := g.Decide(seenBy(c), c.Request(), c.Path()); d.Status != 0 {
				return send(c, d)
			}
			return next(c)
		}
	}
}

// must is the panic of the WithConfig constructors: a guard with an
// invalid configuration is a programming error, found at startup.
func must(mw echo.MiddlewareFunc, err error) echo.MiddlewareFunc {
	if err != nil {
		panic(err)
	}
	return mw
}
