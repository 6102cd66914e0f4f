package hfauth

// This file holds Config, Mode and the reading of the environment (FromEnv).

import (
	"log/slog"
	"net/http"
	"os"
	"strings"
	"time"
)

// Mode selects between the real OAuth flow and the local mock login.
type Mode int

const (
	// ModeAuto uses ModeReal when Config.SpaceID (SPACE_ID) is set and ModeMock otherwise,
	// like the Python reference.
	ModeAuto Mode = iota
	// ModeReal runs the OpenID Connect flow against the provider.
	ModeReal
	// ModeMock logs loopback visitors in as a mocked user, with no provider
	// involved, once their browser has opened the link OAuth.MockLoginURL
	// gives (mounting the routes logs it). It is for local development only.
	ModeMock
)

// String returns "real", "mock" or "auto" (for ModeAuto and any unknown
// value), as ECHOHF_MODE spells the first two.
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

// Environment variables read by FromEnv (and so by NewFromEnv, Default and
// the adapters' Default-based setup; never by New). The OAuth ones are those a Space with
// `hf_oauth: true` receives. Values are trimmed of surrounding spaces, and an
// empty value is the same as an unset variable. ECHOHF_MODE accepts real or
// mock; ECHOHF_DISALLOW_MOCK, ECHOHF_ACCEPT_BEARER and ECHOHF_MOCK_ALLOW_REMOTE
// accept 1/0, true/false, yes/no and on/off; both in any case. ECHOHF_REFRESH_BEFORE and
// ECHOHF_REVALIDATE_EVERY accept Go durations (time.ParseDuration) of at
// least 1s, or negative ones, which turn the feature off. Any other value is
// a startup error naming the variable and the accepted values.
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
	EnvAcceptBearer      = "ECHOHF_ACCEPT_BEARER"
	EnvMockAllowRemote   = "ECHOHF_MOCK_ALLOW_REMOTE"
	EnvRedirectURL       = "ECHOHF_REDIRECT_URL"
	EnvSessionSecret     = "ECHOHF_SESSION_SECRET"
	EnvOldSessionSecrets = "ECHOHF_OLD_SESSION_SECRETS"
	EnvRefreshBefore     = "ECHOHF_REFRESH_BEFORE"
	EnvRevalidateEvery   = "ECHOHF_REVALIDATE_EVERY"
	EnvRedisURL          = "ECHOHF_REDIS_URL"
	EnvHFToken           = "HF_TOKEN"
	EnvHFEndpoint        = "HF_ENDPOINT"
)

// Accepted values, as error messages and the docs spell them.
const (
	modeValues     = "real, mock (any case)"
	boolValues     = "1/0, true/false, yes/no, on/off (any case)"
	durationValues = "a Go duration of at least 1s, such as 90s, 10m or 1h30m, or a negative one such as -1s to turn it off"
)

// Config configures an OAuth instance: its routes and its authenticate
// step (OAuth.Middleware for net/http; adapters such as echohf's Auth).
//
// New uses a Config as given: an empty field takes the default documented
// on it. A field documented "From $VAR" is filled from that environment
// variable only by FromEnv, and so by NewFromEnv and Default;
// the field, when set, wins over the variable.
type Config struct {
	// Skipper skips OAuth.Middleware for the requests it returns true for:
	// they are neither authenticated nor logged in, and a guard refuses them
	// with ErrNoAuth. Adapters apply their own framework's skipper instead.
	// Optional. Default nil: skip nothing.
	Skipper func(*http.Request) bool

	// Mode selects real or mock mode. From $ECHOHF_MODE ("real" or "mock",
	// any case). Optional. Default ModeAuto: real when SpaceID is set.
	Mode Mode
	// DisallowMock turns mock mode into a startup error, for deployments
	// that must never log anybody in without a provider. From
	// $ECHOHF_DISALLOW_MOCK (1/0, true/false, yes/no, on/off, any case).
	// Optional. Default false.
	DisallowMock bool

	// Prefix is the path the routes live under: "/my/app" gives
	// /my/app/oauth/huggingface/login. Leading and trailing slashes do not
	// matter ("my/app/" is the same). It may hold only letters, digits,
	// '-', '.', '_', '~' and '/', with no "." or ".." segment. Optional.
	// Default "".
	Prefix string

	// SpaceID is the Space's id. From $SPACE_ID. Optional.
	SpaceID string
	// SpaceHost is the Space's public host name, with an optional :port,
	// or, as Hugging Face sets $SPACE_HOST for a Space with custom domains,
	// a comma-separated list: the Space's own host first (the one the
	// callback URL is on), then its custom domains, where sign-in ends with
	// a handoff (docs/custom-domains.md). From $SPACE_HOST. Optional.
	SpaceHost string
	// ClientID is the OAuth client id. From $OAUTH_CLIENT_ID. Required in
	// real mode.
	ClientID string
	// ClientSecret is the OAuth client secret. From $OAUTH_CLIENT_SECRET.
	// Required in real mode.
	ClientSecret string
	// Scopes are the scopes to request. From the space-separated
	// $OAUTH_SCOPES. Required in real mode, and must include "openid".
	Scopes []string
	// ProviderURL is the OpenID provider's issuer URL. From
	// $OPENID_PROVIDER_URL. Required in real mode.
	ProviderURL string
	// RedirectURL is the full callback URL registered with the provider; a
	// path that does not end with Prefix+CallbackPath gets a startup warning
	// in real mode (a proxy may rewrite it). From $ECHOHF_REDIRECT_URL.
	// Optional. Default
	// https://{SpaceHost}{Prefix}/oauth/huggingface/callback
	// when SpaceHost is known, else built from the request's Host header
	// (local development only: real mode then logs a warning at startup,
	// and a Host that is not a valid host[:port] gets a 400 from login).
	RedirectURL string
	// OrgIDs are organization ids asked for on every login (the authorize
	// URL's orgIds parameter). Optional. See also LoginURL.
	OrgIDs []string

	// SessionSecret is the secret the session keys are derived from; it
	// must be at least 32 bytes long. From $ECHOHF_SESSION_SECRET. Optional.
	// Default ClientSecret (a warning is logged when it is shorter than 32
	// bytes), else (mock mode only) a random secret per process.
	SessionSecret string
	// OldSessionSecrets still verify existing sessions while SessionSecret
	// signs new ones, so secrets rotate without logging anybody out. An
	// entry shorter than 32 bytes (a former client secret, say) is accepted
	// with a warning. From the comma-separated $ECHOHF_OLD_SESSION_SECRETS.
	// Optional.
	OldSessionSecrets []string

	// CookieName is the session cookie's name: at most 128 bytes of cookie
	// name characters, not starting with "__Host-" (added when the cookie is
	// Secure) nor, unless the cookie is Secure, "__Secure-". Optional.
	// Default "hf_session", prefixed with "__Host-" when the cookie is Secure.
	CookieName string
	// InsecureCookie drops the Secure attribute and uses SameSite=Lax even
	// when the public URL is https. Optional. Default false: a Space (or
	// any https public URL) gets "SameSite=None; Secure", plain http
	// (local development) gets "SameSite=Lax".
	InsecureCookie bool
	// PartitionedCookie adds the Partitioned attribute (CHIPS) to the
	// cookies of an https deployment, so that browsers that block
	// third-party cookies keep them in the Space's iframe. Browsers keep
	// such cookies per top-level site: a session made in a new top-level
	// tab (the Space at its own host) is not visible in the Space's iframe
	// on huggingface.co, nor the other way round, so users must then sign
	// in inside the iframe. Optional. Default false.
	PartitionedCookie bool
	// SessionMaxAge is the absolute lifetime of a sign-in, which no
	// refresh or revalidation extends; the user then signs in again. When
	// a session ends is written in docs/sessions.md, "When a session ends".
	// At least one second. Optional. Default 30 days, Hugging Face's
	// longest token lifetime.
	SessionMaxAge time.Duration
	// SessionCacheSize bounds the per-process memory of verified sessions
	// that spares Auth the signature and JSON work on repeated requests.
	// An entry of a 3-org session takes about 3.3 KB; a request whose
	// session is not in it pays a cold check (docs/performance.md, "Sizing
	// SessionCacheSize"). Optional. Default 1024 entries, at most
	// 4,194,304 (jwtstore's bound); negative disables it.
	SessionCacheSize int
	// RefreshBefore is how long before its access token expires a session
	// is refreshed (with the refresh token the provider issued at login),
	// by the first request that comes in that window: the default refreshes
	// a Space's 8-hour token in its last hour. The window is never more than
	// half the token's lifetime, so a short-lived token is not refreshed
	// right after login. Negative turns refreshing off: the session then
	// ends with its access token. At least 1s when set. From
	// $ECHOHF_REFRESH_BEFORE (a Go duration such as 30m; -1s for off).
	// Optional. Default 1 hour.
	RefreshBefore time.Duration
	// RevalidateEvery is how old a session's user data may get before a
	// request reads userinfo again, so that organization and role changes
	// reach Info and RequireOrg, and a revoked token (userinfo answers 401 or 403)
	// logs the session out. The time of the last check travels in the
	// cookie: no replica repeats it. Negative turns it off. At least 1s when
	// set. Real mode only. From $ECHOHF_REVALIDATE_EVERY (a Go duration
	// such as 5m; -1s for off). Optional. Default 10 minutes.
	RevalidateEvery time.Duration
	// MaxPendingLogins caps the login cookies kept for logins in progress
	// (one per browser tab). Optional. Default 4.
	MaxPendingLogins int
	// Leeway is the clock skew allowed on token times. Optional. Default 1 minute.
	Leeway time.Duration

	// HTTPClient makes every request to the provider. Optional. Default a
	// client with Timeout. JWKS fetches, which jwk.Cache makes without a
	// request context, use a copy with Timeout when it has none.
	HTTPClient *http.Client
	// Timeout bounds each request to the provider. Optional. Default 10s.
	Timeout time.Duration
	// JWKSRefreshInterval is how long a key id is refused without another
	// fetch once a fresh fetch of the provider's keys did not hold it. A key
	// id not seen before always forces a fetch, at most one a second.
	// Optional. Default 1 minute.
	JWKSRefreshInterval time.Duration

	// AcceptBearer lets API clients sign in each request with a Hugging
	// Face token ("Authorization: Bearer hf_…") instead of a session cookie:
	// Auth asks the Hub's /api/whoami-v2 at HFEndpoint who owns it, in real
	// and mock mode alike, and caches the answer by the token's SHA-256 (an
	// accepted token 5 minutes, a refused one 30 seconds, a Hub failure 1
	// second; see the package documentation). Personal access tokens are
	// what scripts use; OAuth access tokens ("hf_oauth_…") are refused
	// unless AcceptBearerOAuthTokens is set. From $ECHOHF_ACCEPT_BEARER
	// (1/0, true/false, yes/no, on/off, any case). Optional. Default false.
	AcceptBearer bool
	// AcceptBearerOAuthTokens makes AcceptBearer accept OAuth access tokens
	// ("hf_oauth_…") too. Such a token was granted to an app, and not
	// necessarily this one: any Space the user signed in to holds one, and
	// could send it here to act as the user (whoami does not say which app
	// it was granted to). Set it only when your own clients hold OAuth
	// tokens of apps you trust. Optional. Default false: such tokens are
	// refused without asking the Hub.
	AcceptBearerOAuthTokens bool

	// HFToken is used in mock mode to build the mocked user from
	// /api/whoami-v2. From $HF_TOKEN. Optional.
	HFToken string
	// HFEndpoint is the Hub that whoami calls (mock mode's HFToken, bearer
	// tokens) and HubClient's requests go to; its host must be plain ASCII
	// (an internationalized name in its xn-- form). From $HF_ENDPOINT.
	// Optional. Default https://huggingface.co.
	HFEndpoint string
	// MockCarryHFToken puts HFToken itself into mock sessions as their
	// access token. Optional. Default false: mock sessions carry a fake token,
	// so the machine's real token never travels in a cookie.
	MockCarryHFToken bool
	// InsecureMockAllowRemote lets mock login answer requests that do not
	// come from a loopback address, or come through a proxy: what `docker
	// run -p` needs, since the container sees the bridge's gateway, not
	// loopback. The key of OAuth.MockLoginURL is still required, so anyone
	// who can read the startup log can sign in from anywhere; New logs a
	// warning when it is on. It has no effect in real mode. From
	// $ECHOHF_MOCK_ALLOW_REMOTE (1/0, true/false, yes/no, on/off, any case).
	// Optional. Default false: a mock-mode app deployed by mistake logs
	// nobody in.
	InsecureMockAllowRemote bool

	// RevocationFeed shares logouts between replicas, so that a logout (and
	// LogoutEverywhere) is refused on every replica at once, without any
	// network call on Auth's path; see docs/revocation.md. Optional.
	// Default nil: a logout holds at once on the replica that served it,
	// elsewhere at the next revalidation.
	RevocationFeed RevocationFeed
	// RevocationFeedURL opens a RevocationFeed from a URL, through the
	// package registered for its scheme (RegisterRevocationFeed): redis://
	// and rediss:// once github.com/echohf/echohf/hfredis is imported. OAuth.Close
	// closes it. From $ECHOHF_REDIS_URL. Optional.
	RevocationFeedURL string

	// Logger receives warnings and login failures; it never sees a secret,
	// except in mock mode the sign-in link that Mount logs, which is meant
	// for the console (see OAuth.MockLoginURL). Optional. Default
	// slog.Default().
	Logger *slog.Logger
	// Now is the clock. Optional. Default time.Now.
	Now func() time.Time
}

// FromEnv returns c with every empty field that has an environment variable
// (see the Env constants) filled from it. Its error, which matches
// ErrConfig, names every variable whose value is not one of the accepted
// values and every malformed value of the result (a short session secret, a
// URL that is not http(s), ...), all at once. Settings still missing are not
// an error here: New reports them, so fields may be filled after FromEnv.
func (c Config) FromEnv() (Config, error) {
	var p configError
	c = c.fromEnv(os.Getenv, &p)
	c.checkValues(&p)
	return c, p.err()
}

// fromEnv is FromEnv with the environment as getenv, recording in p the
// values it cannot read.
func (c Config) fromEnv(getenv func(string) string, p *configError) Config {
	get := func(key string) string { return strings.TrimSpace(getenv(key)) }
	str := func(dst *string, key string) {
		if *dst == "" {
			*dst = get(key)
		}
	}
	if c.Mode == ModeAuto {
		switch v := get(EnvMode); strings.ToLower(v) {
		case "":
		case "real":
			c.Mode = ModeReal
		case "mock":
			c.Mode = ModeMock
		default:
			p.addf("%s=%q is not a mode; accepted values: %s", EnvMode, v, modeValues)
		}
	}
	if v := get(EnvDisallowMock); !c.DisallowMock && v != "" {
		b, ok := parseBool(v)
		if !ok {
			p.addf("%s=%q is not a boolean; accepted values: %s", EnvDisallowMock, v, boolValues)
		}
		// An unreadable safety switch fails closed.
		c.DisallowMock = b || !ok
	}
	if v := get(EnvAcceptBearer); !c.AcceptBearer && v != "" {
		b, ok := parseBool(v)
		if !ok {
			p.addf("%s=%q is not a boolean; accepted values: %s", EnvAcceptBearer, v, boolValues)
		}
		c.AcceptBearer = b // unreadable: off, the safe side (and a startup error)
	}
	if v := get(EnvMockAllowRemote); !c.InsecureMockAllowRemote && v != "" {
		b, ok := parseBool(v)
		if !ok {
			p.addf("%s=%q is not a boolean; accepted values: %s", EnvMockAllowRemote, v, boolValues)
		}
		c.InsecureMockAllowRemote = b // unreadable: off, the safe side (and a startup error)
	}
	str(&c.SpaceID, EnvSpaceID)
	if c.SpaceHost == "" { // the whole list, blanks trimmed: resolve splits it
		c.SpaceHost = strings.Join(splitList(getenv(EnvSpaceHost)), ",")
	}
	str(&c.ClientID, EnvClientID)
	str(&c.ClientSecret, EnvClientSecret)
	if len(c.Scopes) == 0 {
		c.Scopes = strings.Fields(getenv(EnvScopes))
	}
	str(&c.ProviderURL, EnvProviderURL)
	str(&c.RedirectURL, EnvRedirectURL)
	str(&c.SessionSecret, EnvSessionSecret)
	if len(c.OldSessionSecrets) == 0 {
		c.OldSessionSecrets = splitList(getenv(EnvOldSessionSecrets))
	}
	str(&c.HFToken, EnvHFToken)
	str(&c.RevocationFeedURL, EnvRedisURL)
	str(&c.HFEndpoint, EnvHFEndpoint)
	dur := func(dst *time.Duration, key string) {
		if v := get(key); *dst == 0 && v != "" {
			d, err := time.ParseDuration(v)
			if err != nil || d == 0 {
				// Zero is refused rather than read as "the default":
				// whoever wrote it may have meant "off".
				p.addf("%s=%q is not an accepted duration; accepted values: %s", key, v, durationValues)
				return
			}
			*dst = d
		}
	}
	dur(&c.RefreshBefore, EnvRefreshBefore)
	dur(&c.RevalidateEvery, EnvRevalidateEvery)
	return c
}

// parseBool reads the spellings every boolean variable accepts: 1/0,
// true/false, yes/no, on/off, in any case.
func parseBool(v string) (value, ok bool) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "1", "true", "yes", "on":
		return true, true
	case "0", "false", "no", "off":
		return false, true
	}
	return false, false
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
