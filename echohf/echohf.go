package echohf

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/echohf/echohf/jwtstore"
)

// Route paths, relative to Config.Prefix.
const (
	LoginPath    = "/oauth/huggingface/login"
	CallbackPath = "/oauth/huggingface/callback"
	LogoutPath   = "/oauth/huggingface/logout"
)

// Purposes of the keys derived from the session secret: each cookie kind
// and the token sealing get their own, so none can stand in for another.
const (
	purposeSession = "echohf/session/v1"
	purposeLogin   = "echohf/login/v1"
	purposeSeal    = "echohf/access-token/v1"
)

// loginTTL is how long a login may take between the redirect to the
// provider and the callback.
const loginTTL = 10 * time.Minute

// OAuth is one configured "Sign in with Hugging Face": its routes, its
// Auth middleware and its keys. Instances built from the same Config (and
// so the same secrets) accept each other's cookies, so any of them can serve
// any request: they are replicas. An OAuth is safe for concurrent use.
type OAuth struct {
	cfg      resolved
	prefix   string // public path prefix of the routes
	sessions *jwtstore.Store[*session]
	logins   *jwtstore.Store[pending]
	sealer   *jwtstore.Sealer

	ctx    context.Context // owns the JWKS refresher
	cancel context.CancelFunc

	prov        atomic.Pointer[provider]
	provMu      sync.Mutex
	provErr     error
	provRetryAt time.Time

	whoamiWarn sync.Once
	bearers    bearerCache // AcceptBearer: the Hub's answers by token hash
	mockKey    string      // mock mode only: the key of MockLoginURL
	mockCookie string      // mock mode only: the cookie value that stands for it
}

// New checks cfg and returns an OAuth. New uses cfg as given and never
// reads the environment: use NewFromEnv (or Default) to fill empty fields
// from it. A configuration error matches ErrConfig and names every bad or
// missing setting at once. New logs a warning for settings that work but
// should not be deployed (mock mode, with its sign-in link, see
// MockLoginURL; a short client secret as the session secret; a callback URL
// taken from the Host header). Call Close when the OAuth is no longer
// needed to stop its background key refresh.
func New(cfg Config) (*OAuth, error) {
	var p configError
	r := cfg.resolve(&p)
	if err := p.err(); err != nil {
		return nil, err
	}
	return newResolved(r)
}

// NewFromEnv is New(cfg.FromEnv()): empty fields of cfg are filled from the
// environment first. Its error names every unreadable variable and every
// bad or missing setting together.
func NewFromEnv(cfg Config) (*OAuth, error) {
	var p configError
	r := cfg.fromEnv(os.Getenv, &p).resolve(&p)
	if err := p.err(); err != nil {
		return nil, err
	}
	return newResolved(r)
}

func newResolved(r resolved) (*OAuth, error) {
	keys := sessionKeys(r)
	opts := jwtstore.Options{
		Keys:        keys,
		Insecure:    !r.secure,
		SameSite:    http.SameSiteLaxMode,
		Partitioned: r.secure && r.PartitionedCookie,
		HostPrefix:  r.secure,
		Leeway:      r.Leeway,
		Now:         r.Now,
	}
	if r.secure {
		opts.SameSite = http.SameSiteNoneMode // Spaces run in an iframe
	}
	so := opts
	so.Name, so.Purpose, so.MaxAge, so.CacheSize = r.CookieName, purposeSession, r.SessionMaxAge, r.SessionCacheSize
	sessions, err := jwtstore.New[*session](so)
	if err != nil {
		return nil, fmt.Errorf("%w: session cookie: %w", ErrConfig, err)
	}
	lo := opts
	lo.Name, lo.Purpose, lo.MaxAge = "hf_login", purposeLogin, loginTTL
	// A login cookie is one small cookie: never chunks, whatever the request.
	lo.MaxSize = jwtstore.CookieLimit
	logins, err := jwtstore.New[pending](lo)
	if err != nil {
		return nil, fmt.Errorf("%w: login cookie: %w", ErrConfig, err)
	}
	sealer, err := jwtstore.NewSealer(purposeSeal, keys)
	if err != nil {
		return nil, fmt.Errorf("%w: sealer: %w", ErrConfig, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	o := &OAuth{cfg: r, prefix: r.Prefix, sessions: sessions, logins: logins, sealer: sealer, ctx: ctx, cancel: cancel}
	if r.mode == ModeMock {
		o.mockKey, o.mockCookie = newMockKey()
		why := "SPACE_ID is not set, so "
		if r.Mode == ModeMock {
			why = "Mode is mock, so "
		}
		r.Logger.Warn("echohf: MOCK MODE: "+why+"login signs in a mocked user without any provider; never deploy like this (DisallowMock or ECHOHF_DISALLOW_MOCK=true makes this an error). To sign in, open sign_in on this server: it holds a key for this process only",
			"sign_in", o.MockLoginURL(""), "loopback_only", !r.InsecureMockAllowRemote)
	}
	for _, w := range r.warnings {
		r.Logger.Warn(w)
	}
	if r.randomKey {
		r.Logger.Info("echohf: no session secret configured: sessions are signed with a random key and end when the process exits")
	}
	return o, nil
}

// sessionKeys turns the configured secrets into a jwtstore keyring; with
// no secret at all it makes a random one for this process.
func sessionKeys(r resolved) []jwtstore.Key {
	if r.randomKey {
		secret := make([]byte, minSecretLen)
		_, _ = rand.Read(secret) // crypto/rand.Read never fails on supported platforms
		return []jwtstore.Key{{Secret: secret}}
	}
	keys := make([]jwtstore.Key, 0, len(r.secrets))
	for _, s := range r.secrets {
		keys = append(keys, jwtstore.Key{Secret: []byte(s)})
	}
	return keys
}

// Close stops the background refresh of the provider's keys. Call it when
// the OAuth is discarded (tests, reconfiguration): sessions still verify
// after Close, but a login that needs to fetch the provider's keys fails.
func (o *OAuth) Close() { o.cancel() }

// Mode reports whether o runs the real flow or mock mode.
func (o *OAuth) Mode() Mode { return o.cfg.mode }

// Attach registers the login, callback and logout routes on e under the
// configured prefix.
func (o *OAuth) Attach(e *echo.Echo) {
	o.register(e.GET)
}

// AttachGroup registers the routes on g, under the configured prefix
// inside the group. Links built by the guards and LoginURL use the group's
// full path.
func (o *OAuth) AttachGroup(g *echo.Group) {
	o.register(g.GET)
}

func (o *OAuth) register(get func(string, echo.HandlerFunc, ...echo.MiddlewareFunc) *echo.Route) {
	r := get(o.cfg.Prefix+LoginPath, o.login)
	get(o.cfg.Prefix+CallbackPath, o.callback)
	get(o.cfg.Prefix+LogoutPath, o.logout)
	// Routes are registered before serving starts, so this write happens
	// before any request reads o.prefix.
	o.prefix = strings.TrimSuffix(r.Path, LoginPath)
}

// ownerKey is the echo.Context key under which Auth stores its *OAuth, for
// the guards and LoginURL.
const ownerKey = "echohf.owner"

// Auth returns the middleware that reads the session cookie on every
// request and makes the login available to Info. It does no network I/O,
// except, with Config.AcceptBearer, for a bearer token not in its cache.
// A missing, invalid or expired session leaves the request logged out; the
// cookies of an invalid or expired one are expired so the browser drops them.
// A session expires the moment its access token does: Leeway allows for
// clock skew on the times of the cookie and of the id_token, not on the end
// of the access token's life.
func (o *OAuth) Auth() echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if o.cfg.Skipper(c) {
				c.Set(ownerKey, skipped{o}) // for the guards and LoginURL
				return next(c)
			}
			req := c.Request()
			if o.cfg.AcceptBearer && hasBearer(req) {
				return o.authBearer(c, next) // the bearer token alone decides
			}
			s, err := o.sessions.Load(req)
			if err == nil && s.live(o.cfg.Now()) {
				if info := o.infoOf(s); info != nil {
					c.Set(infoKey, info) // info names o for ownerOf
					return next(c)
				}
			}
			c.Set(ownerKey, o)
			if err == nil || errors.Is(err, jwtstore.ErrInvalid) || errors.Is(err, jwtstore.ErrExpired) {
				o.sessions.Clear(c.Response(), req)
			}
			return next(c)
		}
	}
}

// LoginURL returns the path of o's login route that comes back to target
// (sanitized) and, when orgIDs are given, asks the user for access to those
// organizations (the authorize URL's orgIds parameter). See also
// LoginURLWithOptions.
func (o *OAuth) LoginURL(target string, orgIDs ...string) string {
	return o.LoginURLWithOptions(target, LoginOptions{OrgIDs: orgIDs})
}

// LogoutURL returns the path of o's logout route that comes back to target.
func (o *OAuth) LogoutURL(target string) string {
	u := o.prefix + LogoutPath
	if target != "" {
		u += "?_target_url=" + url.QueryEscape(SanitizeTarget(target))
	}
	return u
}

// LoginURL returns the login path of the OAuth whose Auth middleware
// handled c, or the default path when Auth is not installed. See
// OAuth.LoginURL.
func LoginURL(c echo.Context, target string, orgIDs ...string) string {
	return ownerOf(c).LoginURL(target, orgIDs...)
}

// LogoutURL returns the logout path of the OAuth whose Auth middleware
// handled c, or the default path when Auth is not installed.
func LogoutURL(c echo.Context, target string) string {
	return ownerOf(c).LogoutURL(target)
}

// bare stands in for an OAuth when none handled the request: only its
// prefix is used, to build default links.
var bare = &OAuth{}

func ownerOf(c echo.Context) *OAuth {
	if info := Info(c); info != nil && info.owner != nil {
		return info.owner
	}
	switch o := c.Get(ownerKey).(type) {
	case *OAuth:
		return o
	case skipped:
		return o.o
	}
	return bare
}

// ownRoute reports whether c is routed to o's login, callback or logout
// route, which the guards never guard.
func (o *OAuth) ownRoute(c echo.Context) bool {
	p, ok := strings.CutPrefix(c.Path(), o.prefix)
	return ok && (p == LoginPath || p == CallbackPath || p == LogoutPath)
}

var (
	defaultOnce  sync.Once
	defaultOAuth *OAuth
	defaultErr   error
)

// Default returns the OAuth shared by the package-level Attach and Auth,
// configured from the environment alone (NewFromEnv(Config{})). It is
// created on first use; an invalid environment gives the same error on
// every call. A program that calls Default first can report that error and
// exit before Attach and Auth would panic with it.
func Default() (*OAuth, error) {
	defaultOnce.Do(func() { defaultOAuth, defaultErr = NewFromEnv(Config{}) })
	return defaultOAuth, defaultErr
}

// Attach registers the login, callback and logout routes of the default
// OAuth on e. It panics when the environment is invalid (a Space without
// `hf_oauth: true`, say): the error names what is missing. Use New and
// OAuth.Attach to handle the error yourself.
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
