package echohf

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net/http"
	"net/url"
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
}

// New checks cfg (after filling it from the environment) and returns an
// OAuth. In mock mode it logs a warning. Call Close when the OAuth is no
// longer needed to stop its background key refresh.
func New(cfg Config) (*OAuth, error) {
	r, err := cfg.resolve()
	if err != nil {
		return nil, err
	}
	keys, err := sessionKeys(r)
	if err != nil {
		return nil, err
	}
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
		return nil, fmt.Errorf("echohf: session cookie: %w", err)
	}
	lo := opts
	lo.Name, lo.Purpose, lo.MaxAge = "hf_login", purposeLogin, loginTTL
	// A login cookie is one small cookie: never chunks, whatever the request.
	lo.MaxSize = jwtstore.CookieLimit
	logins, err := jwtstore.New[pending](lo)
	if err != nil {
		return nil, fmt.Errorf("echohf: login cookie: %w", err)
	}
	sealer, err := jwtstore.NewSealer(purposeSeal, keys)
	if err != nil {
		return nil, fmt.Errorf("echohf: sealer: %w", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	o := &OAuth{cfg: r, prefix: r.Prefix, sessions: sessions, logins: logins, sealer: sealer, ctx: ctx, cancel: cancel}
	if r.mode == ModeMock {
		r.Logger.Warn("echohf: MOCK MODE: SPACE_ID is not set, so login signs in a mocked user without any provider; never deploy like this (set Config.DisallowMock to make this an error)",
			"loopback_only", !r.InsecureMockAllowRemote)
	}
	if r.randomKey {
		r.Logger.Info("echohf: no session secret configured: sessions are signed with a random key and end when the process exits")
	}
	return o, nil
}

// sessionKeys turns the configured secrets into a jwtstore keyring; with
// no secret at all it makes a random one for this process.
func sessionKeys(r resolved) ([]jwtstore.Key, error) {
	if r.randomKey {
		secret := make([]byte, 32)
		_, _ = rand.Read(secret) // crypto/rand.Read never fails on supported platforms
		return []jwtstore.Key{{Secret: secret}}, nil
	}
	keys := make([]jwtstore.Key, 0, len(r.secrets))
	for i, s := range r.secrets {
		if s == "" {
			return nil, fmt.Errorf("echohf: session secret %d is empty", i)
		}
		keys = append(keys, jwtstore.Key{Secret: []byte(s)})
	}
	return keys, nil
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
// request and makes the login available to Info. It does no network I/O.
// A missing, invalid or expired session leaves the request logged out; the
// cookies of an invalid or expired one are expired so the browser drops them.
func (o *OAuth) Auth() echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if o.cfg.Skipper(c) {
				return next(c)
			}
			req := c.Request()
			s, err := o.sessions.Load(req)
			if err == nil {
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
// organizations (the authorize URL's orgIds parameter).
func (o *OAuth) LoginURL(target string, orgIDs ...string) string {
	q := make([]string, 0, 2)
	if target != "" {
		q = append(q, "_target_url="+url.QueryEscape(SanitizeTarget(target)))
	}
	var ids []string
	for _, id := range orgIDs {
		if validOrgID(id) {
			ids = append(ids, id)
		}
	}
	if len(ids) > 0 {
		q = append(q, "orgIds="+strings.Join(ids, ","))
	}
	u := o.prefix + LoginPath
	if len(q) > 0 {
		u += "?" + strings.Join(q, "&")
	}
	return u
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
	if o, ok := c.Get(ownerKey).(*OAuth); ok {
		return o
	}
	return bare
}

var (
	defaultOnce  sync.Once
	defaultOAuth *OAuth
	defaultErr   error
)

// Default returns the OAuth shared by the package-level Attach and Auth,
// configured from the environment alone (New(Config{})). It is created on
// first use; an invalid environment gives the same error on every call.
func Default() (*OAuth, error) {
	defaultOnce.Do(func() { defaultOAuth, defaultErr = New(Config{}) })
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
