package echohf

import (
	"net/http"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
)

// RequireLoginConfig configures the RequireLogin guard.
type RequireLoginConfig struct {
	// Skipper skips the guard. Optional. Default middleware.DefaultSkipper.
	Skipper middleware.Skipper
}

// DefaultRequireLoginConfig is the configuration RequireLogin uses.
var DefaultRequireLoginConfig = RequireLoginConfig{Skipper: middleware.DefaultSkipper}

// RequireLogin returns a guard for routes that need a logged-in user. It
// must run after Auth. A logged-out browser navigation is redirected to
// login, coming back to the current path and query; any other logged-out
// request gets 401.
func RequireLogin() echo.MiddlewareFunc {
	return RequireLoginWithConfig(DefaultRequireLoginConfig)
}

// RequireLoginWithConfig returns a RequireLogin guard with cfg.
func RequireLoginWithConfig(cfg RequireLoginConfig) echo.MiddlewareFunc {
	if cfg.Skipper == nil {
		cfg.Skipper = DefaultRequireLoginConfig.Skipper
	}
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if cfg.Skipper(c) || Info(c) != nil {
				return next(c)
			}
			return loginRequired(c)
		}
	}
}

// loginRequired sends a browser to login and answers an API call with 401.
func loginRequired(c echo.Context) error {
	if isNavigation(c.Request()) {
		return c.Redirect(http.StatusFound, LoginURL(c, c.Request().URL.RequestURI()))
	}
	return echo.NewHTTPError(http.StatusUnauthorized, "Please sign in to see this page.").WithInternal(ErrLoginRequired)
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
	// MFA or SSO policy). Optional. Default false.
	RefuseRestricted bool
}

// RequireOrg returns a guard for routes reserved to members of one of orgs
// (handles or ids). It must run after Auth. Logged-out requests are treated
// as by RequireLogin; logged-in non-members get 403.
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
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if cfg.Skipper(c) {
				return next(c)
			}
			info := Info(c)
			if info == nil {
				return loginRequired(c)
			}
			for _, name := range orgs {
				org := info.UserInfo.Org(name)
				if org == nil {
					continue
				}
				if roleRank(org.RoleInOrg) < minRank {
					continue
				}
				if cfg.RefuseRestricted && len(org.SecurityRestrictions) > 0 {
					continue
				}
				return next(c)
			}
			return echo.NewHTTPError(http.StatusForbidden, "This page is reserved to members of "+strings.Join(orgs, ", ")+".").WithInternal(ErrNotMember)
		}
	}
}
