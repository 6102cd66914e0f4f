package echohf

import (
	"sync"

	"github.com/labstack/echo/v4/middleware"

	"github.com/echohf/echohf/hfauth"
)

// OAuth is one configured "Sign in with Hugging Face" for Echo v4: the
// framework-neutral hfauth.OAuth (whose methods it has: LoginURL,
// LogoutURL, MockLoginURL, SaveSession, Mode, Close, ...) plus Attach,
// AttachGroup and Auth. Instances built from the same Config accept each
// other's cookies: they are replicas. An OAuth is safe for concurrent use.
type OAuth struct {
	*hfauth.OAuth
	skip middleware.Skipper // Config.Skipper, for Auth
}

// New checks cfg and returns an OAuth; see hfauth.New. It never reads the
// environment, and its error matches ErrConfig.
func New(cfg Config) (*OAuth, error) { return wrap(cfg.Skipper)(hfauth.New(cfg.core())) }

// NewFromEnv is New(cfg.FromEnv()); see hfauth.NewFromEnv.
func NewFromEnv(cfg Config) (*OAuth, error) { return wrap(cfg.Skipper)(hfauth.NewFromEnv(cfg.core())) }

// wrap returns a func that makes a core OAuth (or its error) an echohf one
// whose Auth skips what skip skips.
func wrap(skip middleware.Skipper) func(*hfauth.OAuth, error) (*OAuth, error) {
	return func(o *hfauth.OAuth, err error) (*OAuth, error) {
		if err != nil {
			return nil, err
		}
		return &OAuth{OAuth: o, skip: skip}, nil
	}
}

// defaultOAuth is Default's OAuth, made once.
var defaultOAuth = sync.OnceValues(func() (*OAuth, error) { return wrap(nil)(hfauth.Default()) })

// Default returns the OAuth shared by the package-level Attach and Auth:
// hfauth.Default's, configured from the environment alone. An invalid
// environment gives the same error on every call, so a program that calls
// Default first can report it and exit before Attach and Auth would panic
// with it.
func Default() (*OAuth, error) { return defaultOAuth() }

// Types shared with hfauth, documented there.
type (
	// Mode selects between the real OAuth flow and the local mock login.
	Mode = hfauth.Mode
	// LoginOptions are the optional parts of a link to the login route.
	LoginOptions = hfauth.LoginOptions
	// OAuthInfo is a logged-in user's OAuth session.
	OAuthInfo = hfauth.OAuthInfo
	// OAuthUserInfo is a Hugging Face user as the userinfo endpoint describes it.
	OAuthUserInfo = hfauth.OAuthUserInfo
	// OAuthOrgInfo is an organization a user belongs to.
	OAuthOrgInfo = hfauth.OAuthOrgInfo
	// OAuthResourceGroup is a resource group of an organization.
	OAuthResourceGroup = hfauth.OAuthResourceGroup
)

// Modes; see hfauth.ModeAuto.
const (
	// ModeAuto uses ModeReal when Config.SpaceID is set, else ModeMock.
	ModeAuto = hfauth.ModeAuto
	// ModeReal runs the OpenID Connect flow against the provider.
	ModeReal = hfauth.ModeReal
	// ModeMock logs loopback visitors in as a mocked user (local development only).
	ModeMock = hfauth.ModeMock
)

// Route paths, relative to Config.Prefix.
const (
	LoginPath    = hfauth.LoginPath
	CallbackPath = hfauth.CallbackPath
	HandoffPath  = hfauth.HandoffPath
	LogoutPath   = hfauth.LogoutPath
)

// Roles in an organization, from least to most privileged.
const (
	RoleRead        = hfauth.RoleRead
	RoleContributor = hfauth.RoleContributor
	RoleWrite       = hfauth.RoleWrite
	RoleAdmin       = hfauth.RoleAdmin
)

// Environment variables read by FromEnv; see hfauth.EnvSpaceID.
//
//nolint:gosec // G101: these are names of environment variables, not credentials.
const (
	EnvSpaceID           = hfauth.EnvSpaceID
	EnvSpaceHost         = hfauth.EnvSpaceHost
	EnvClientID          = hfauth.EnvClientID
	EnvClientSecret      = hfauth.EnvClientSecret
	EnvScopes            = hfauth.EnvScopes
	EnvProviderURL       = hfauth.EnvProviderURL
	EnvMode              = hfauth.EnvMode
	EnvDisallowMock      = hfauth.EnvDisallowMock
	EnvAcceptBearer      = hfauth.EnvAcceptBearer
	EnvMockAllowRemote   = hfauth.EnvMockAllowRemote
	EnvRedirectURL       = hfauth.EnvRedirectURL
	EnvSessionSecret     = hfauth.EnvSessionSecret
	EnvOldSessionSecrets = hfauth.EnvOldSessionSecrets
	EnvRefreshBefore     = hfauth.EnvRefreshBefore
	EnvRevalidateEvery   = hfauth.EnvRevalidateEvery
	EnvRedisURL          = hfauth.EnvRedisURL
	EnvHFToken           = hfauth.EnvHFToken
	EnvHFEndpoint        = hfauth.EnvHFEndpoint
)

// Errors of the routes, guards and HubClient (hfauth's): the Internal
// error of the *echo.HTTPError values the routes and guards return.
var (
	// ErrConfig is matched by every configuration error; see hfauth.ErrConfig.
	ErrConfig = hfauth.ErrConfig
	// ErrLoginRequired: logged out (401); see hfauth.ErrLoginRequired.
	ErrLoginRequired = hfauth.ErrLoginRequired
	// ErrNotMember: not a member of the organizations (403).
	ErrNotMember = hfauth.ErrNotMember
	// ErrRoleTooLow: a role below MinRole (403); matches ErrNotMember.
	ErrRoleTooLow = hfauth.ErrRoleTooLow
	// ErrRestricted: organization security restrictions not met (403); matches ErrNotMember.
	ErrRestricted = hfauth.ErrRestricted
	// ErrNoAuth: a guard or HubClient ran on a request Auth did not see (500).
	ErrNoAuth = hfauth.ErrNoAuth
	// ErrLoginFailed: signing in failed; see hfauth.ErrLoginFailed.
	ErrLoginFailed = hfauth.ErrLoginFailed
	// ErrAccessDenied: the user declined consent (403); matches ErrLoginFailed.
	ErrAccessDenied = hfauth.ErrAccessDenied
)

// SanitizeTarget returns target if it is a path on this site, and "/"
// otherwise; see hfauth.SanitizeTarget.
func SanitizeTarget(target string) string { return hfauth.SanitizeTarget(target) }
