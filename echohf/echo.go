package echohf

import (
	"log/slog"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
)

// This file is echohf's Echo v4 layer: route registration, the Auth
// middleware, what Auth leaves in the echo.Context, the guards' middleware
// and their configurations. The routes and guards themselves work in
// net/http terms and return a reply, which send turns into Echo's.

// Attach registers the login, callback and logout routes on e under the
// configured prefix; in mock mode it logs the sign-in link (MockLoginURL),
// and has e.Server and e.TLSServer log the full link, with the address
// they listen on, when e.Start or e.StartTLS starts serving.
// An OAuth registers its routes once: a second Attach or
// AttachGroup panics, since it would move every link LoginURL, LogoutURL,
// MockLoginURL and the guards build. To serve the routes on another Echo,
// build another OAuth from the same Config: the two are replicas.
func (o *OAuth) Attach(e *echo.Echo) {
	o.register(e.GET)
	o.logLinkOnStart(e.Server, "http")
	o.logLinkOnStart(e.TLSServer, "https")
}

// AttachGroup registers the routes on g, under the configured prefix
// inside the group. Links built by the guards and LoginURL use the group's
// full path. Like Attach, it panics when o's routes are already registered.
func (o *OAuth) AttachGroup(g *echo.Group) {
	o.register(g.GET)
}

func (o *OAuth) register(get func(string, echo.HandlerFunc, ...echo.MiddlewareFunc) *echo.Route) {
	if o.attached.Swap(true) {
		panic("echohf: this OAuth's routes are already registered (by Attach or AttachGroup); an OAuth registers them once, " +
			"so that its links stay right: for another Echo or group, build another OAuth from the same Config")
	}
	r := get(o.cfg.Prefix+LoginPath, handle(o.login))
	get(o.cfg.Prefix+CallbackPath, handle(o.callback))
	get(o.cfg.Prefix+LogoutPath, handle(o.logout))
	// Routes are registered before serving starts, so this write happens
	// before any request reads o.prefix.
	o.prefix = strings.TrimSuffix(r.Path, LoginPath)
	if o.cfg.mode == ModeMock { // now the link has the group's path
		o.cfg.Logger.Warn("echohf: MOCK MODE: to sign in, open sign_in on this server: it holds a key for this process only",
			"sign_in", o.MockLoginURL(""), "loopback_only", !o.cfg.InsecureMockAllowRemote)
	}
}

// handle makes a route of echohf an echo.HandlerFunc.
func handle(route func(http.ResponseWriter, *http.Request) reply) echo.HandlerFunc {
	return func(c echo.Context) error {
		return send(c, route(c.Response(), c.Request()))
	}
}

// send answers c with rep: a redirect, or an *echo.HTTPError carrying the
// reply's error as its Internal error, for the app's error handler.
func send(c echo.Context, rep reply) error {
	switch {
	case rep.location != "":
		return c.Redirect(rep.status, rep.location)
	case rep.status == 0:
		return nil
	}
	if rep.challenge != "" {
		c.Response().Header().Set("WWW-Authenticate", rep.challenge)
	}
	if rep.err == nil {
		return echo.NewHTTPError(rep.status, rep.msg)
	}
	return echo.NewHTTPError(rep.status, rep.msg).WithInternal(rep.err)
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
type skipped struct{ o *OAuth }

// Auth returns the middleware that reads the session cookie on every
// request and makes the login available to Info. A missing, invalid or
// expired session leaves the request logged out; the cookies of an invalid
// or expired one are expired so the browser drops them, except when they
// are signed with a key o does not know, which another replica may already
// have (a rolling secret rotation): those stay. A session expires the
// moment its access token does: Leeway allows for clock skew on the times
// of the cookie and of the id_token, not on the end of the access token's
// life.
//
// Only a request whose session is due calls the provider: in the token's
// last RefreshBefore (a refresh) or once its user data is RevalidateEvery
// old (userinfo again); it then re-mints the cookie on its answer. See
// Config.RefreshBefore and Config.RevalidateEvery. With Config.AcceptBearer,
// a bearer token not in the cache costs a call to the Hub's whoami.
//
// A request with an unsafe method (not GET, HEAD or OPTIONS) that another
// site made the browser send (Sec-Fetch-Site: cross-site) is logged out,
// its session cookie neither read nor cleared, so that no other site can
// act as the user through the cookie (SameSite=None in a Space); a bearer
// token is not affected.
func (o *OAuth) Auth() echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if !o.plainWarned.Load() { // SpaceHost set and not yet warned
				o.warnPlainHTTP(c.Request())
			}
			// A nil Skipper is middleware.DefaultSkipper: it skips nothing.
			if o.cfg.Skipper != nil && o.cfg.Skipper(c) {
				c.Set(ownerKey, skipped{o}) // for the guards and LoginURL
				return next(c)
			}
			if o.cfg.AcceptBearer && hasBearer(c.Request()) { // the bearer token alone decides
				info, outcome := o.bearerLogin(c.Request())
				if info != nil {
					c.Set(infoKey, info)
				} else {
					c.Set(ownerKey, o)
					c.Set(bearerStateKey, outcome)
				}
				return next(c)
			}
			if crossSiteUnsafe(c.Request()) { // another site's form or fetch: never the user's act
				c.Set(ownerKey, o)
				return next(c)
			}
			if info := o.authenticate(c.Response(), c.Request()); info != nil {
				c.Set(infoKey, info) // info names o for the guards and LoginURL
			} else {
				c.Set(ownerKey, o)
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
func seenBy(c echo.Context) seen {
	s := seen{info: Info(c)}
	if s.info != nil && s.info.owner != nil {
		s.o = s.info.owner
		return s
	}
	switch o := c.Get(ownerKey).(type) {
	case *OAuth:
		s.o = o
		s.bearer, _ = c.Get(bearerStateKey).(bearerOutcome)
	case skipped:
		s.o, s.skipped = o.o, true
	}
	return s
}

// LoginURL returns the login path of the OAuth whose Auth middleware
// handled c, or the default path when Auth is not installed. See
// OAuth.LoginURL.
func LoginURL(c echo.Context, target string, orgIDs ...string) string {
	return seenBy(c).owner().LoginURL(target, orgIDs...)
}

// LoginURLWithOptions returns the login path of the OAuth whose Auth
// middleware handled c, or the default path when Auth is not installed.
// See OAuth.LoginURLWithOptions.
func LoginURLWithOptions(c echo.Context, target string, opts LoginOptions) string {
	return seenBy(c).owner().LoginURLWithOptions(target, opts)
}

// LogoutURL returns the logout path of the OAuth whose Auth middleware
// handled c, or the default path when Auth is not installed.
func LogoutURL(c echo.Context, target string) string {
	return seenBy(c).owner().LogoutURL(target)
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
// request gets 401. A navigation is a GET or HEAD whose Sec-Fetch-Mode
// header is "navigate" (what browsers send when loading a page), or, when
// the request has no Sec-Fetch-Mode (an older browser), whose Accept header
// lists text/html. So a script's fetch (Sec-Fetch-Mode "cors"), a POST or a
// client asking for JSON gets 401 rather than a redirect it cannot follow
// (with Config.AcceptBearer, so does any request that came with a bearer
// token).
//
// The guard never guards echohf's own login, callback and logout routes,
// so it can protect a whole app: e.Use(o.Auth(), echohf.RequireLogin()).
// On a request that Auth did not see (Auth missing, installed after the
// guard, or skipping the request), it cannot tell who is logged in: it logs
// the mistake once and answers 500 with ErrNoAuth, rather than sending the
// browser round a login loop.
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
	return guardMiddleware(cfg.Skipper, &guard{name: "RequireLogin", logger: cfg.Logger}), nil
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
// as by RequireLogin (a browser navigation, told by Sec-Fetch-Mode, else
// Accept, is sent to login; anything else gets 401); logged-in non-members get 403 (ErrNotMember), and with
// MinRole, members whose role is too low get 403 saying which role the page
// needs (ErrRoleTooLow). Like RequireLogin, it never guards echohf's own
// routes and answers 500 when Auth did not see the request.
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
	rule, err := newOrgRule(cfg.Orgs, cfg.MinRole, cfg.RefuseRestricted)
	if err != nil {
		return nil, err
	}
	g := &guard{name: "RequireOrg", logger: cfg.Logger, admit: rule.admit, scopes: &orgScopeCheck{}, orgs: rule.orgs}
	return guardMiddleware(cfg.Skipper, g), nil
}

// guardMiddleware runs g on every request skip does not skip.
func guardMiddleware(skip middleware.Skipper, g *guard) echo.MiddlewareFunc {
	if skip == nil {
		skip = middleware.DefaultSkipper
	}
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if skip(c) {
				return next(c)
			}
			if rep := g.decide(seenBy(c), c.Request(), c.Path()); rep.status != 0 {
				return send(c, rep)
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
