package hfauth

// This file holds OAuth, the top type that wires the parts, with New,
// NewFromEnv and Default.

import (
	"context"
	"crypto/rand"
	"fmt"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/echohf/echohf/internal/oidc"
	"github.com/echohf/echohf/jwtstore"
)

// Route paths, relative to Config.Prefix.
const (
	LoginPath    = "/oauth/huggingface/login"
	CallbackPath = "/oauth/huggingface/callback"
	LogoutPath   = "/oauth/huggingface/logout"
	// HandoffPath (handoff.go) is the fourth route.
)

// Purposes of the keys derived from the session secret: each cookie kind
// and the token sealing get their own, so none can stand in for another.
const (
	purposeSession = "echohf/session/v2" // v2: the compact wire form (wire.go)
	purposeLogin   = "echohf/login/v1"
	purposeSeal    = "echohf/access-token/v1"
	purposeRefresh = "echohf/refresh-token/v1"
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
	// refreshSealer seals refresh tokens, under a key of their own.
	refreshSealer *jwtstore.Sealer
	// handoffSealer seals the handoffs to custom domains (handoff.go), and
	// usedHandoffs remembers those used on this process.
	handoffSealer *jwtstore.Sealer
	usedHandoffs  *usedStates
	// handoverSealer seals the renewed sessions handed between replicas
	// through a RefreshCoordinator (coordinate.go).
	handoverSealer *jwtstore.Sealer
	renewals       renewals       // the sessions' refreshes and revalidations (renew.go)
	logouts        logouts        // the sign-ins logged out here (logouts.go)
	feed           RevocationFeed // Config's, or opened from its URL (feed.go); nil without
	feedOwned      bool           // feed was opened from RevocationFeedURL: Close closes it

	cancel   context.CancelFunc // ends the provider client's key refresh
	provider *oidc.Client       // the OpenID provider: discovery, keys, tokens (internal/oidc)

	attached atomic.Bool // the routes are registered
	// plainWarned is set once warnPlainHTTP has warned, or from the start
	// when no SpaceHost is configured: Auth then skips the check.
	plainWarned atomic.Bool
	usedStates  *usedStates // login states already called back on this process
	// scopeWarned records the scope warnings given (scopes.go): the
	// process's scopeWarnings, which a test may replace before serving.
	scopeWarned *sync.Map
	bearers     *bearerAuth // AcceptBearer: the bearer-token path and its cache (bearer.go)
	mock        *mockMode   // mock mode's key, its cookie and its warning (mockkey.go); nil in real mode
}

// New checks cfg and returns an OAuth. New uses cfg as given and never
// reads the environment: use NewFromEnv (or Default) to fill empty fields
// from it. A configuration error matches ErrConfig and names every bad or
// missing setting at once. New logs a warning for settings that work but
// should not be deployed (mock mode, whose sign-in link Mount logs, see
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
	refreshSealer, err := jwtstore.NewSealer(purposeRefresh, keys)
	if err != nil {
		return nil, fmt.Errorf("%w: sealer: %w", ErrConfig, err)
	}
	handoffSealer, err := jwtstore.NewSealer(purposeHandoff, keys)
	if err != nil {
		return nil, fmt.Errorf("%w: sealer: %w", ErrConfig, err)
	}
	handoverSealer, err := jwtstore.NewSealer(purposeHandover, keys)
	if err != nil {
		return nil, fmt.Errorf("%w: sealer: %w", ErrConfig, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	o := &OAuth{cfg: r, prefix: r.Prefix, sessions: sessions, logins: logins, sealer: sealer, refreshSealer: refreshSealer, cancel: cancel,
		provider:      newProviderClient(ctx, r),
		handoffSealer: handoffSealer, usedHandoffs: newUsedStates(maxUsedStates), handoverSealer: handoverSealer, usedStates: newUsedStates(maxUsedStates), scopeWarned: &scopeWarnings}
	o.plainWarned.Store(r.SpaceHost == "")
	o.bearers = newBearerAuth(o)
	if err := o.startFeed(keys[0].Secret); err != nil {
		cancel()
		return nil, err
	}
	if r.mode == ModeMock {
		o.mock = newMockMode()
		why := "SPACE_ID is not set, so "
		if r.Mode == ModeMock {
			why = "Mode is mock, so "
		}
		// The sign-in link is logged by Mount, which knows the routes'
		// full path.
		r.Logger.Warn("echohf: MOCK MODE: "+why+"login signs in a mocked user without any provider; never deploy like this (DisallowMock or ECHOHF_DISALLOW_MOCK=true makes this an error). The sign-in link is logged once the routes are attached",
			"loopback_only", !r.InsecureMockAllowRemote)
		if r.InsecureMockAllowRemote {
			r.Logger.Warn("echohf: MOCK MODE ALLOWS REMOTE SIGN-IN: InsecureMockAllowRemote (" + EnvMockAllowRemote +
				") lets whoever holds the sign-in link sign in from any address, through any proxy; use it only for a container or VM of your own, never on a server others can reach")
		}
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

// Close stops the background refresh of the provider's keys, and the
// RevocationFeed opened from RevocationFeedURL. Call it when
// the OAuth is discarded (tests, reconfiguration): sessions still verify
// after Close, but a login that needs to fetch the provider's keys fails.
func (o *OAuth) Close() {
	o.cancel()
	if o.feedOwned {
		_ = o.feed.Close()
	}
}

// Mode reports whether o runs the real flow or mock mode.
func (o *OAuth) Mode() Mode { return o.cfg.mode }

// SessionCookieName returns the name of o's session cookie as browsers
// store it: Config.CookieName, with the "__Host-" prefix a Secure cookie
// gets. A session too large for one cookie continues in cookies named
// after it. Tests and proxies that pass the cookie on use it.
func (o *OAuth) SessionCookieName() string { return o.sessions.Name() }

// ownRoute reports whether route, a request's route path, is o's login,
// callback, logout or handoff route, which the guards never guard.
func (o *OAuth) ownRoute(route string) bool {
	p, ok := strings.CutPrefix(route, o.prefix)
	return ok && (p == LoginPath || p == CallbackPath || p == LogoutPath || p == HandoffPath)
}

var (
	defaultOnce  sync.Once
	defaultOAuth *OAuth
	defaultErr   error
)

// Default returns the OAuth configured from the environment alone
// (NewFromEnv(Config{})), which the adapters' package-level setup (echohf's
// Attach and Auth) shares. It is created on first use; an invalid
// environment gives the same error on every call, so a program that calls
// Default first can report that error and exit before such a setup would
// panic with it.
func Default() (*OAuth, error) {
	defaultOnce.Do(func() { defaultOAuth, defaultErr = NewFromEnv(Config{}) })
	return defaultOAuth, defaultErr
}
