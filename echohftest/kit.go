package echohftest

import (
	"net/http"
	"reflect"
	"time"

	"github.com/labstack/echo/v4/middleware"

	"github.com/echohf/echohf/echohf"
	"github.com/echohf/echohf/hfauth"
	"github.com/echohf/echohf/hfauthtest"
	"github.com/echohf/echohf/internal/fields"
)

// TB is the part of testing.TB that a Kit uses: a test passes its
// *testing.T (or *testing.B, *testing.F). Fatalf must not return, as
// testing.T's does not. It has the methods of hfauthtest.TB.
type TB interface {
	Helper()
	Fatalf(format string, args ...any)
	Cleanup(f func())
}

// Kit mints sessions for the echohf instances of one Config: it is an
// hfauthtest.Kit whose instance is an *echohf.OAuth. Its methods report a
// mistake (a jar that would not send the cookies back, say) through the TB
// given to New, so a Kit that subtests share fails their parent test. A
// Kit is safe for concurrent use.
type Kit struct {
	t    TB
	core *hfauthtest.Kit
	o    *echohf.OAuth
	skip middleware.Skipper // the Config's, which hfauth.Config cannot hold
}

// New returns a Kit for cfg, failing the test when cfg is not a valid
// echohf configuration. It completes cfg as hfauthtest.New does: an empty
// cfg.SessionSecret is set to a fresh random secret (see Config), and one
// shorter than 32 bytes fails the test; a zero cfg.RevalidateEvery is set
// to -1, revalidation off, so that a minted session's made-up access token
// never reaches a provider, however far the Config's clock moves; a nil
// cfg.Logger is set to one that discards everything, so the test's output
// holds no MOCK MODE warnings and no mock key (see the package
// documentation). New then builds the OAuth for the app under test from
// cfg with echohf.New, which does not read the environment, mints through
// it, and closes it when the test ends.
func New(t TB, cfg echohf.Config) *Kit {
	t.Helper()
	var o *echohf.OAuth
	core := hfauthtest.NewWith(t, toCore(cfg), func(hc hfauth.Config) (*hfauth.OAuth, error) {
		var err error
		if o, err = echohf.New(fromCore(hc, cfg.Skipper)); err != nil {
			return nil, err
		}
		return o.OAuth, nil
	})
	if core == nil { // the TB's Fatalf returned
		return nil
	}
	return &Kit{t: t, core: core, o: o, skip: cfg.Skipper}
}

// toCore returns cfg as an hfauth.Config, without its Skipper.
func toCore(cfg echohf.Config) hfauth.Config {
	var hc hfauth.Config
	mustCopy(&hc, cfg)
	return hc
}

// fromCore returns hc as an echohf.Config with skip as its Skipper.
func fromCore(hc hfauth.Config, skip middleware.Skipper) echohf.Config {
	cfg := echohf.Config{Skipper: skip}
	mustCopy(&cfg, hc)
	return cfg
}

// mustCopy sets each field of *dst but Skipper to src's field of the same
// name: echohf.Config lists hfauth.Config's fields (echohf's tests check
// it) with a Skipper of Echo's type, so an error is a programming mistake.
func mustCopy(dst, src any) {
	if err := fields.Copy(reflect.ValueOf(dst).Elem(), reflect.ValueOf(src), "Skipper"); err != nil {
		panic(err)
	}
}

// OAuth returns the instance to give the app under test: it accepts the
// sessions the Kit mints.
func (k *Kit) OAuth() *echohf.OAuth { return k.o }

// Config returns the Config the Kit's OAuth was built from, session secret
// included, revalidation off unless the test set RevalidateEvery, and the
// discarding Logger unless the test set one (see New). Instances built
// from it with echohf.New accept the Kit's sessions too, and never take
// them to the provider: give it to an app whose constructor builds its own
// instance, or build replicas from it.
func (k *Kit) Config() echohf.Config { return fromCore(k.core.Config(), k.skip) }

// Core returns the framework-neutral hfauthtest.Kit that k wraps, which
// mints through the same instance: for test helpers written against
// package hfauthtest.
func (k *Kit) Core() *hfauthtest.Kit { return k.core }

// Cookies returns the session cookies of user, as the login callback would
// set them (one cookie, or chunks for a large session), shaped by opts.
func (k *Kit) Cookies(user echohf.OAuthUserInfo, opts ...Option) []*http.Cookie {
	k.t.Helper()
	return k.core.Cookies(user, coreOptions(opts)...)
}

// Login signs user in on r: it puts the session cookies on r's Cookie
// header, in place of any session cookies r already carries, as a browser
// would after a login.
func (k *Kit) Login(r *http.Request, user echohf.OAuthUserInfo, opts ...Option) {
	k.t.Helper()
	k.core.Login(r, user, coreOptions(opts)...)
}

// LoginJar signs user in for requests to rawURL made with jar: it stores
// the session cookies in jar, in place of any session cookies jar held for
// rawURL, as a browser does at the end of a login. It fails the test when
// jar would not send them back to rawURL: a Secure cookie (a Config with
// SpaceHost or an https RedirectURL, without InsecureCookie) goes only to
// https URLs and, as browsers and net/http/cookiejar allow, to loopback
// hosts such as the 127.0.0.1 of httptest servers.
func (k *Kit) LoginJar(jar http.CookieJar, rawURL string, user echohf.OAuthUserInfo, opts ...Option) {
	k.t.Helper()
	k.core.LoginJar(jar, rawURL, user, coreOptions(opts)...)
}

// minted collects the hfauthtest options that Options stand for.
type minted struct{ opts []hfauthtest.Option }

// An Option shapes the session a Kit mints: it is an hfauthtest.Option.
type Option interface{ apply(*minted) }

type option struct{ o hfauthtest.Option }

func (o option) apply(m *minted) { m.opts = append(m.opts, o.o) }

// coreOptions returns the hfauthtest options opts stand for.
func coreOptions(opts []Option) []hfauthtest.Option {
	var m minted
	for _, opt := range opts {
		opt.apply(&m)
	}
	return m.opts
}

// ExpiresAt makes the access token, and so the session, expire at t. A
// time that has passed mints an expired session (see Expired). Default: 8
// hours after the Kit's clock (Config.Now), Hugging Face's default token
// lifetime.
func ExpiresAt(t time.Time) Option { return option{hfauthtest.ExpiresAt(t)} }

// Expired mints a session whose access token expired an hour before the
// Kit's clock: Auth treats the request as logged out and expires the cookie.
func Expired() Option { return option{hfauthtest.Expired()} }

// Scope sets the space-separated scopes the user granted. Default
// "openid profile".
func Scope(scope string) Option { return option{hfauthtest.Scope(scope)} }

// AccessToken sets the session's access token, the one Info returns and
// echohf.HubClient sends to the Hub. Default "hf_oauth_test_" followed by
// the user's PreferredUsername.
func AccessToken(token string) Option { return option{hfauthtest.AccessToken(token)} }

// Tampered changes one character of the session's signature, as an
// attacker editing the cookie would: Auth treats the request as logged out
// and expires the cookie.
func Tampered() Option { return option{hfauthtest.Tampered()} }

// OtherSecret signs the session with a random secret that no instance
// knows, like a session of another app: Auth treats the request as logged
// out but leaves the cookie alone, as it does for any key it does not know
// (another replica may already have it, see jwtstore.ErrUnknownKey).
func OtherSecret() Option { return option{hfauthtest.OtherSecret()} }
