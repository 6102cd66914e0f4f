package echohf

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/labstack/echo/v4/middleware"
)

// Mode selects between the real OAuth flow and the local mock login.
type Mode int

const (
	// ModeAuto uses ModeReal when SPACE_ID is set and ModeMock otherwise,
	// like the Python reference.
	ModeAuto Mode = iota
	// ModeReal runs the OpenID Connect flow against the provider.
	ModeReal
	// ModeMock logs every loopback visitor in as a mocked user, with no
	// provider involved. It is for local development only.
	ModeMock
)

func (m Mode) String() string {
	switch m {
	case ModeReal:
		return "real"
	case ModeMock:
		return "mock"
	default:
		return "auto"
	}
}

// Environment variables read by FromEnv. The OAuth ones are those a Space
// with `hf_oauth: true` receives.
//
//nolint:gosec // G101: these are names of environment variables, not credentials.
const (
	EnvSpaceID           = "SPACE_ID"
	EnvSpaceHost         = "SPACE_HOST"
	EnvClientID          = "OAUTH_CLIENT_ID"
	EnvClientSecret      = "OAUTH_CLIENT_SECRET"
	EnvScopes            = "OAUTH_SCOPES"
	EnvProviderURL       = "OPENID_PROVIDER_URL"
	EnvMode              = "ECHOHF_MODE"
	EnvDisallowMock      = "ECHOHF_DISALLOW_MOCK"
	EnvRedirectURL       = "ECHOHF_REDIRECT_URL"
	EnvSessionSecret     = "ECHOHF_SESSION_SECRET"
	EnvOldSessionSecrets = "ECHOHF_OLD_SESSION_SECRETS"
	EnvHFToken           = "HF_TOKEN"
	EnvHFEndpoint        = "HF_ENDPOINT"
)

// Config configures an OAuth instance: its routes and its Auth middleware.
// Empty fields are filled from the environment (see FromEnv), then from the
// defaults documented on each field.
type Config struct {
	// Skipper skips the Auth middleware for some requests.
	// Optional. Default middleware.DefaultSkipper.
	Skipper middleware.Skipper

	// Mode selects real or mock mode. Optional. Default $ECHOHF_MODE ("real"
	// or "mock"), else ModeAuto: real when SpaceID is set.
	Mode Mode
	// DisallowMock turns mock mode into a startup error, for deployments
	// that must never log anybody in without a provider. Optional. Default
	// true when $ECHOHF_DISALLOW_MOCK is "1" or "true".
	DisallowMock bool

	// Prefix is the path the routes live under: "/my/app" gives
	// /my/app/oauth/huggingface/login. Leading and trailing slashes do not
	// matter ("my/app/" is the same). Optional. Default "".
	Prefix string

	// SpaceID is the Space's id. Optional. Default $SPACE_ID.
	SpaceID string
	// SpaceHost is the Space's public host name. Optional. Default the
	// first entry of the comma-separated $SPACE_HOST.
	SpaceHost string
	// ClientID is the OAuth client id. Required in real mode. Default $OAUTH_CLIENT_ID.
	ClientID string
	// ClientSecret is the OAuth client secret. Required in real mode.
	// Default $OAUTH_CLIENT_SECRET.
	ClientSecret string
	// Scopes are the scopes to request. Required in real mode. Default the
	// space-separated $OAUTH_SCOPES.
	Scopes []string
	// ProviderURL is the OpenID provider's issuer URL. Required in real
	// mode. Default $OPENID_PROVIDER_URL.
	ProviderURL string
	// RedirectURL is the full callback URL registered with the provider.
	// Optional. Default $ECHOHF_REDIRECT_URL, else
	// https://{SpaceHost}{Prefix}/oauth/huggingface/callback
	// when SpaceHost is known, else built from the request's Host header
	// (local development only; a Host that is not a valid host[:port] gets
	// a 400 from login).
	RedirectURL string
	// OrgIDs are organization ids asked for on every login (the authorize
	// URL's orgIds parameter). Optional. See also LoginURL.
	OrgIDs []string

	// SessionSecret is the secret the session keys are derived from.
	// Optional. Default $ECHOHF_SESSION_SECRET, else ClientSecret, else (mock
	// mode only) a random secret per process.
	SessionSecret string
	// OldSessionSecrets still verify existing sessions while SessionSecret
	// signs new ones, so secrets rotate without logging anybody out.
	// Optional. Default the comma-separated $ECHOHF_OLD_SESSION_SECRETS.
	OldSessionSecrets []string

	// CookieName is the session cookie's name. Optional. Default
	// "hf_session", prefixed with "__Host-" when the cookie is Secure.
	CookieName string
	// InsecureCookie drops the Secure attribute and uses SameSite=Lax even
	// when the public URL is https. Optional. Default false: a Space (or
	// any https public URL) gets "SameSite=None; Secure", plain http
	// (local development) gets "SameSite=Lax".
	InsecureCookie bool
	// PartitionedCookie adds the Partitioned attribute (CHIPS) to the
	// cookies of an https deployment. Optional. Default false.
	PartitionedCookie bool
	// SessionMaxAge caps a session's lifetime whatever the access token's.
	// Optional. Default 30 days, Hugging Face's longest token lifetime.
	SessionMaxAge time.Duration
	// SessionCacheSize bounds the per-process memory of verified sessions
	// that spares Auth the signature and JSON work on repeated requests.
	// Optional. Default 1024 entries; negative disables it.
	SessionCacheSize int
	// MaxPendingLogins caps the login cookies kept for logins in progress
	// (one per browser tab). Optional. Default 4.
	MaxPendingLogins int
	// Leeway is the clock skew allowed on token times. Optional. Default 1 minute.
	Leeway time.Duration

	// HTTPClient makes every request to the provider. Optional. Default a
	// client with Timeout.
	HTTPClient *http.Client
	// Timeout bounds each request to the provider. Optional. Default 10s.
	Timeout time.Duration
	// JWKSRefreshInterval is the smallest gap between two fetches of the
	// provider's keys forced by an unknown key id. Optional. Default 1 minute.
	JWKSRefreshInterval time.Duration

	// HFToken is used in mock mode to build the mocked user from
	// /api/whoami-v2. Optional. Default $HF_TOKEN.
	HFToken string
	// HFEndpoint is the Hub the whoami call goes to. Optional. Default
	// $HF_ENDPOINT, else https://huggingface.co.
	HFEndpoint string
	// MockCarryHFToken puts HFToken itself into mock sessions as their
	// access token. Optional. Default false: mock sessions carry a fake token,
	// so the machine's real token never travels in a cookie.
	MockCarryHFToken bool
	// InsecureMockAllowRemote lets mock login answer requests that do not
	// come from a loopback address. Optional. Default false: a mock-mode app
	// deployed by mistake logs nobody in.
	InsecureMockAllowRemote bool

	// Logger receives warnings and login failures; it never sees a secret.
	// Optional. Default slog.Default().
	Logger *slog.Logger
	// Now is the clock. Optional. Default time.Now.
	Now func() time.Time
}

// FromEnv returns c with every empty field that has an environment variable
// filled from it. New calls it; it is exported for apps that want to inspect
// the result.
func (c Config) FromEnv() Config {
	setStr := func(dst *string, key string) {
		if *dst == "" {
			*dst = strings.TrimSpace(os.Getenv(key))
		}
	}
	if c.Mode == ModeAuto {
		switch strings.ToLower(strings.TrimSpace(os.Getenv(EnvMode))) {
		case "real":
			c.Mode = ModeReal
		case "mock":
			c.Mode = ModeMock
		}
	}
	if !c.DisallowMock {
		switch strings.ToLower(strings.TrimSpace(os.Getenv(EnvDisallowMock))) {
		case "1", "true", "yes":
			c.DisallowMock = true
		}
	}
	setStr(&c.SpaceID, EnvSpaceID)
	if c.SpaceHost == "" {
		c.SpaceHost = firstHost(os.Getenv(EnvSpaceHost))
	}
	setStr(&c.ClientID, EnvClientID)
	setStr(&c.ClientSecret, EnvClientSecret)
	if c.Scopes == nil {
		c.Scopes = strings.Fields(os.Getenv(EnvScopes))
	}
	setStr(&c.ProviderURL, EnvProviderURL)
	setStr(&c.RedirectURL, EnvRedirectURL)
	setStr(&c.SessionSecret, EnvSessionSecret)
	if c.OldSessionSecrets == nil {
		c.OldSessionSecrets = splitList(os.Getenv(EnvOldSessionSecrets))
	}
	setStr(&c.HFToken, EnvHFToken)
	setStr(&c.HFEndpoint, EnvHFEndpoint)
	return c
}

// firstHost returns the first entry of a comma-separated SPACE_HOST: the
// Space's own host, before any custom domains.
func firstHost(v string) string {
	first, _, _ := strings.Cut(v, ",")
	return strings.TrimSpace(first)
}

func splitList(v string) []string {
	var out []string
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// normalizePrefix applies the reference's route_prefix rules: "/a/b/",
// "a/b" and "/a/b" all give "/a/b"; "", "/" give "".
func normalizePrefix(p string) string {
	p = strings.Trim(p, "/")
	if p == "" {
		return ""
	}
	return "/" + p
}

// resolved is a Config with defaults applied and checked.
type resolved struct {
	Config
	mode      Mode
	secure    bool // cookies get Secure, SameSite=None and __Host-
	secrets   []string
	randomKey bool
}

// errMissing names a variable real mode needs.
func errMissing(field, env string) error {
	return fmt.Errorf("echohf: real mode needs %s (environment variable %s); on a Space, set `hf_oauth: true` in the Space's README metadata to have it provided", field, env)
}

func (c Config) resolve() (resolved, error) {
	c = c.FromEnv()
	r := resolved{Config: c}
	if r.Skipper == nil {
		r.Skipper = middleware.DefaultSkipper
	}
	r.Prefix = normalizePrefix(r.Prefix)
	switch {
	case c.Mode == ModeReal, c.Mode == ModeAuto && c.SpaceID != "":
		r.mode = ModeReal
	case c.Mode == ModeMock, c.Mode == ModeAuto:
		r.mode = ModeMock
	default:
		return r, fmt.Errorf("echohf: unknown Mode %d", c.Mode)
	}
	if r.mode == ModeMock && c.DisallowMock {
		return r, errors.New("echohf: mock mode is disallowed (DisallowMock) and SPACE_ID is not set; set SPACE_ID and the OAuth variables (`hf_oauth: true` on a Space), or Mode: ModeReal")
	}
	if r.mode == ModeReal {
		switch {
		case c.ClientID == "":
			return r, errMissing("ClientID", EnvClientID)
		case c.ClientSecret == "":
			return r, errMissing("ClientSecret", EnvClientSecret)
		case len(c.Scopes) == 0:
			return r, errMissing("Scopes", EnvScopes)
		case c.ProviderURL == "":
			return r, errMissing("ProviderURL", EnvProviderURL)
		}
		u, err := url.Parse(c.ProviderURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return r, fmt.Errorf("echohf: ProviderURL %q is not an http(s) URL", c.ProviderURL)
		}
		r.ProviderURL = strings.TrimRight(c.ProviderURL, "/")
	}
	if c.RedirectURL != "" {
		u, err := url.Parse(c.RedirectURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return r, fmt.Errorf("echohf: RedirectURL %q is not an absolute http(s) URL", c.RedirectURL)
		}
	}
	if strings.ContainsAny(c.SpaceHost, "/?#@ ") {
		return r, fmt.Errorf("echohf: SpaceHost %q is not a host name", c.SpaceHost)
	}
	r.secure = !c.InsecureCookie && (c.SpaceHost != "" || strings.HasPrefix(c.RedirectURL, "https://"))

	switch {
	case c.SessionSecret != "":
		r.secrets = append([]string{c.SessionSecret}, c.OldSessionSecrets...)
	case c.ClientSecret != "":
		r.secrets = append([]string{c.ClientSecret}, c.OldSessionSecrets...)
	default:
		r.randomKey = true
	}
	if r.CookieName == "" {
		r.CookieName = "hf_session"
	}
	if r.SessionMaxAge <= 0 {
		r.SessionMaxAge = 30 * 24 * time.Hour
	}
	if r.SessionCacheSize == 0 {
		r.SessionCacheSize = 1024
	} else if r.SessionCacheSize < 0 {
		r.SessionCacheSize = 0
	}
	if r.MaxPendingLogins <= 0 {
		r.MaxPendingLogins = 4
	}
	if r.Leeway <= 0 {
		r.Leeway = time.Minute
	}
	if r.Timeout <= 0 {
		r.Timeout = 10 * time.Second
	}
	if r.HTTPClient == nil {
		r.HTTPClient = &http.Client{Timeout: r.Timeout}
	}
	if r.JWKSRefreshInterval <= 0 {
		r.JWKSRefreshInterval = time.Minute
	}
	if r.HFEndpoint == "" {
		r.HFEndpoint = "https://huggingface.co"
	}
	r.HFEndpoint = strings.TrimRight(r.HFEndpoint, "/")
	if r.Logger == nil {
		r.Logger = slog.Default()
	}
	if r.Now == nil {
		r.Now = time.Now
	}
	for _, id := range r.OrgIDs {
		if !validOrgID(id) {
			return r, fmt.Errorf("echohf: OrgIDs entry %q is not an organization id", id)
		}
	}
	return r, nil
}

// validOrgID accepts Hub ids: short runs of letters, digits, '-' and '_'.
func validOrgID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !idChar(c) {
			return false
		}
	}
	return true
}

// idChar reports whether c may appear in an id: base64url's alphabet.
func idChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_'
}
