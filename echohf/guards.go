package echohf

import (
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
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

// DefaultRequireLoginConfig is the configuration RequireLogin uses.
var DefaultRequireLoginConfig = RequireLoginConfig{Skipper: middleware.DefaultSkipper}

// RequireLogin returns a guard for routes that need a logged-in user. It
// must run after Auth. A logged-out browser navigation is redirected to
// login, coming back to the current path and query; any other logged-out
// request gets 401.
//
// The guard never guards echohf's own login, callback and logout routes,
// so it can protect a whole app: e.Use(o.Auth(), echohf.RequireLogin()).
// On a request that Auth did not see (Auth missing, installed after the
// guard, or skipping the request), it cannot tell who is logged in: it logs
// the mistake once and answers 500 with ErrNoAuth, rather than sending the
// browser round a login loop.
func RequireLogin() echo.MiddlewareFunc {
	return RequireLoginWithConfig(DefaultRequireLoginConfig)
}

// RequireLoginWithConfig returns a RequireLogin guard with cfg.
func RequireLoginWithConfig(cfg RequireLoginConfig) echo.MiddlewareFunc {
	if cfg.Skipper == nil {
		cfg.Skipper = DefaultRequireLoginConfig.Skipper
	}
	g := &guard{name: "RequireLogin", logger: cfg.Logger}
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if cfg.Skipper(c) {
				return next(c)
			}
			info, own, err := g.enter(c)
			switch {
			case own || info != nil:
				return next(c)
			case err != nil:
				return err
			}
			return loginRequired(c)
		}
	}
}

// guard is what RequireLogin and RequireOrg share: finding the login Auth
// left on the request, letting echohf's own routes through, and reporting
// a missing Auth.
type guard struct {
	name    string       // the guard's constructor, for the log line
	logger  *slog.Logger // nil: the owner's, else slog.Default()
	noAuth  atomic.Bool  // a missing Auth was logged
	skipped atomic.Bool  // a request Auth skipped was logged
}

// skipped is what Auth leaves under ownerKey on a request its Skipper
// skips: the guards can tell it from a request Auth never saw, and
// LoginURL still knows the routes' prefix. (A struct holding one pointer is
// stored in an interface without allocating.)
type skipped struct{ o *OAuth }

// enter reads what Auth left on c: the login (nil when logged out), and
// whether c is routed to one of echohf's own routes, which a guard always
// lets through. err is the answer when Auth did not see c.
func (g *guard) enter(c echo.Context) (info *OAuthInfo, own bool, err error) {
	if info = Info(c); info != nil {
		return info, info.owner != nil && info.owner.ownRoute(c), nil
	}
	switch o := c.Get(ownerKey).(type) {
	case *OAuth:
		return nil, o.ownRoute(c), nil
	case skipped:
		if o.o.ownRoute(c) {
			return nil, true, nil
		}
		g.report(&g.skipped, o.o, g.name+" ran on a request that Auth's Skipper skipped, so it cannot tell who is logged in; skip the request in the guard as well, or let Auth see it", c)
	default:
		g.report(&g.noAuth, nil, g.name+" ran without echohf's Auth before it, so it cannot tell who is logged in; install Auth first: e.Use(o.Auth(), guard)", c)
	}
	return nil, false, echo.NewHTTPError(http.StatusInternalServerError,
		"This page needs sign-in, but the server is misconfigured: echohf's Auth middleware did not see this request.").WithInternal(ErrNoAuth)
}

// report logs msg the first time done is set, to the guard's logger, else
// owner's, else slog.Default().
func (g *guard) report(done *atomic.Bool, owner *OAuth, msg string, c echo.Context) {
	if done.Swap(true) {
		return
	}
	l := g.logger
	if l == nil && owner != nil {
		l = owner.cfg.Logger
	}
	if l == nil {
		l = slog.Default()
	}
	l.Error("echohf: "+msg, "path", c.Path())
}

// loginRequired sends a browser to login and answers an API call, or any
// request that came with a bearer token, with 401 (and a Bearer challenge
// when bearer tokens are accepted).
func loginRequired(c echo.Context) error {
	state, _ := c.Get(bearerStateKey).(bearerOutcome)
	if state == bearerNone && isNavigation(c.Request()) {
		return c.Redirect(http.StatusFound, LoginURL(c, c.Request().URL.RequestURI()))
	}
	challengeBearer(c, state)
	msg := "Please sign in to see this page."
	switch state {
	case bearerRefused:
		msg = "The bearer token is invalid or expired."
	case bearerUnverified:
		msg = "The bearer token could not be checked with Hugging Face. Please try again."
	}
	return echo.NewHTTPError(http.StatusUnauthorized, msg).WithInternal(ErrLoginRequired)
}

// isNavigation tells a browser loading a page from a script or API call.
func isNavigation(r *http.Request) bool {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return false
	}
	if mode := r.Header.Get("Sec-Fetch-Mode"); mode != "" {
		return mode == "navigate"
	}
	return strings.Contains(r.Header.Get("Accept"), "text/html")
}

// Roles in an organization, from least to most privileged.
const (
	RoleRead        = "read"
	RoleContributor = "contributor"
	RoleWrite       = "write"
	RoleAdmin       = "admin"
)

var roles = []string{RoleRead, RoleContributor, RoleWrite, RoleAdmin}

// roleRank orders roles; an unknown or missing role ranks below read.
func roleRank(role *string) int {
	if role == nil {
		return -1
	}
	return slices.Index(roles, *role)
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
	// MFA or SSO policy). A request signed in by a bearer token (see
	// OAuthInfo.FromBearer) has no such list, so it is refused too.
	// Optional. Default false.
	RefuseRestricted bool
	// Logger receives the line that reports the guard running without Auth
	// (once per guard). Optional. Default: the Logger of the OAuth whose
	// Auth skipped the request, else slog.Default().
	Logger *slog.Logger
}

// RequireOrg returns a guard for routes reserved to members of one of orgs
// (handles or ids). It must run after Auth. Logged-out requests are treated
// as by RequireLogin; logged-in non-members get 403 (ErrNotMember), and with
// MinRole, members whose role is too low get 403 saying which role the page
// needs (ErrRoleTooLow). Like RequireLogin, it never guards echohf's own
// routes and answers 500 when Auth did not see the request.
//
// On its first request the guard logs a warning when the OAuth's scopes
// lack read-memberships (in real mode) and its logins do not ask for all of
// orgs by id (Config.OrgIDs): Hugging Face may then list only the
// organizations the user grants the app at sign-in, so a member who skipped
// one is refused (LoginOptions.Consent lets them grant it later).
func RequireOrg(orgs ...string) echo.MiddlewareFunc {
	return RequireOrgWithConfig(RequireOrgConfig{Orgs: orgs})
}

// RequireOrgWithConfig returns a RequireOrg guard with cfg. It panics when
// cfg names no organization or an unknown role, as Echo's WithConfig
// constructors do for invalid configurations.
func RequireOrgWithConfig(cfg RequireOrgConfig) echo.MiddlewareFunc {
	minRank := -1 // below every role's rank, unknown roles (-1) included
	if cfg.MinRole != "" {
		minRank = roleRank(&cfg.MinRole)
		if minRank < 0 {
			panic("echohf: RequireOrg MinRole must be read, contributor, write or admin")
		}
	}
	if cfg.Skipper == nil {
		cfg.Skipper = middleware.DefaultSkipper
	}
	var orgs []string
	for _, org := range cfg.Orgs {
		if org != "" {
			orgs = append(orgs, org)
		}
	}
	if len(orgs) == 0 {
		panic("echohf: RequireOrg needs at least one organization")
	}
	g := &guard{name: "RequireOrg", logger: cfg.Logger}
	var scopes orgScopeCheck
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if cfg.Skipper(c) {
				return next(c)
			}
			info, own, err := g.enter(c)
			scopes.check(c, orgs, cfg.Logger)
			switch {
			case own:
				return next(c)
			case err != nil:
				return err
			case info == nil:
				return loginRequired(c)
			}
			var low *OAuthOrgInfo // the first org the user is in with too low a role
			var lowName string    // as cfg.Orgs names it
			for _, name := range orgs {
				org := info.UserInfo.Org(name)
				switch {
				case org == nil:
					continue
				case roleRank(org.RoleInOrg) < minRank:
					if low == nil {
						low, lowName = org, name
					}
					continue
				case cfg.RefuseRestricted && (len(org.SecurityRestrictions) > 0 || info.bearer):
					continue
				}
				return next(c)
			}
			if low != nil {
				return echo.NewHTTPError(http.StatusForbidden, roleMessage(cfg.MinRole, lowName, low)).WithInternal(ErrRoleTooLow)
			}
			return echo.NewHTTPError(http.StatusForbidden, "This page is reserved to members of "+strings.Join(orgs, ", ")+".").WithInternal(ErrNotMember)
		}
	}
}

// roleMessage tells a member of org (named name in the guard's
// configuration) that the page needs role there, and which role they have
// (only a known role is repeated).
func roleMessage(role, name string, org *OAuthOrgInfo) string {
	if org.PreferredUsername != "" {
		name = org.PreferredUsername
	}
	have := "no known role there"
	if roleRank(org.RoleInOrg) >= 0 {
		have = *org.RoleInOrg
	}
	return "This page needs the " + role + " role in " + name + "; you have " + have + "."
}
