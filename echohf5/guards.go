package echohf5

import (
	"log/slog"

	"github.com/labstack/echo/v5"
	"github.com/labstack/echo/v5/middleware"

	"github.com/echohf/echohf/hfauth"
)

// The guards' configurations implement Echo v5's MiddlewareConfigurator.
var (
	_ echo.MiddlewareConfigurator = RequireLoginConfig{}
	_ echo.MiddlewareConfigurator = RequireOrgConfig{}
)

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
// request gets 401 (see hfauth.RequireLoginGuard for how a navigation is
// told from an API call; with Config.AcceptBearer, any request that came
// with a bearer token gets 401).
//
// The guard never guards the OAuth's own login, callback and logout
// routes, so it can protect a whole app: e.Use(o.Auth(),
// echohf5.RequireLogin()). On a request that Auth did not see (Auth
// missing, installed after the guard, or skipping the request), it cannot
// tell who is logged in: it logs the mistake once and answers 500 with
// ErrNoAuth, rather than sending the browser round a login loop.
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
// needs (ErrRoleTooLow). Like RequireLogin, it never guards the OAuth's own
// routes and answers 500 when Auth did not see the request. It panics when
// orgs names no organization.
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

// guardMiddleware runs g on every request skip does not skip, with the
// route path Echo matched (c.Path()) as the guard's route.
func guardMiddleware(skip middleware.Skipper, g *hfauth.Guard) echo.MiddlewareFunc {
	if skip == nil {
		skip = middleware.DefaultSkipper
	}
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c *echo.Context) error {
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
