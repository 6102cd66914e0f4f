package hfauthtest

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"time"

	"github.com/echohf/echohf/hfauth"
)

// minSecretLen is the shortest session secret hfauth accepts.
const minSecretLen = 32

// defaultLifetime is the access token lifetime of a minted session when
// ExpiresAt does not set one: Hugging Face's default, 8 hours.
const defaultLifetime = 8 * time.Hour

// TB is the part of testing.TB that a Kit uses: a test passes its
// *testing.T (or *testing.B, *testing.F). Fatalf must not return, as
// testing.T's does not.
type TB interface {
	Helper()
	Fatalf(format string, args ...any)
	Cleanup(f func())
}

// Kit mints sessions for the instances of one Config. Its methods report
// a mistake (a jar that would not send the cookies back, say) through the
// TB given to New, so a Kit that subtests share fails their parent test. A
// Kit is safe for concurrent use.
type Kit struct {
	t   TB
	cfg hfauth.Config
	o   *hfauth.OAuth
}

// New returns a Kit for cfg, failing the test when cfg is not a valid
// configuration. An empty cfg.SessionSecret is set to a fresh random
// secret (see Config); one shorter than 32 bytes fails the test. A zero
// cfg.RevalidateEvery is set to -1, revalidation off: in real mode, the
// authenticate step would otherwise read userinfo with the made-up access
// token of a minted session once RevalidateEvery passed on the Config's
// clock, reaching the provider, which would refuse the token and log the
// user out. A test that sets RevalidateEvery keeps it. A nil cfg.Logger is
// set to one that discards everything, so the test's output holds no MOCK
// MODE warnings and no mock key (see the package documentation); pass a
// Logger to see the instance's lines. New builds the OAuth for the app
// under test from cfg with hfauth.New, which does not read the
// environment, and closes it when the test ends. New(t, cfg) is
// NewWith(t, cfg, hfauth.New).
func New(t TB, cfg hfauth.Config) *Kit {
	t.Helper()
	return NewWith(t, cfg, hfauth.New)
}

// NewWith is New with build in place of hfauth.New: once cfg is completed
// as New completes it, build makes the instance from it and returns its
// hfauth.OAuth, which the Kit mints through and closes when the test ends.
// It is for the test kit of an adapter whose OAuth embeds an
// *hfauth.OAuth (package echohftest builds an *echohf.OAuth with build), or
// for an app's own constructor, so that the instance the app serves with
// is the one the Kit mints through. A build error fails the test.
func NewWith(t TB, cfg hfauth.Config, build func(hfauth.Config) (*hfauth.OAuth, error)) *Kit {
	t.Helper()
	switch n := len(cfg.SessionSecret); {
	case n == 0:
		cfg.SessionSecret = randomSecret()
	case n < minSecretLen:
		t.Fatalf("hfauthtest.New: SessionSecret is %d bytes long; it must be at least %d (leave it empty to have New make one)", n, minSecretLen)
		return nil
	}
	if cfg.RevalidateEvery == 0 {
		cfg.RevalidateEvery = -1 // minted sessions never reach a provider
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler) // quiet: no MOCK MODE lines, no mock key
	}
	cfg = clone(cfg)
	o, err := build(clone(cfg))
	if err == nil && o == nil {
		err = errors.New("build returned no OAuth")
	}
	if err != nil {
		t.Fatalf("hfauthtest.New: %v", err)
		return nil
	}
	t.Cleanup(o.Close)
	return &Kit{t: t, cfg: cfg, o: o}
}

// clone returns cfg with slices of its own, so that neither the test nor
// the instances the Kit builds change the Kit's Config.
func clone(cfg hfauth.Config) hfauth.Config {
	cfg.Scopes = slices.Clone(cfg.Scopes)
	cfg.OrgIDs = slices.Clone(cfg.OrgIDs)
	cfg.OldSessionSecrets = slices.Clone(cfg.OldSessionSecrets)
	return cfg
}

// randomSecret returns 32 random bytes, hex-encoded.
func randomSecret() string {
	b := make([]byte, minSecretLen)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	return hex.EncodeToString(b)
}

// OAuth returns the instance to give the app under test: it accepts the
// sessions the Kit mints.
func (k *Kit) OAuth() *hfauth.OAuth { return k.o }

// Config returns the Config the Kit's OAuth was built from, session secret
// included, revalidation off unless the test set RevalidateEvery, and the
// discarding Logger unless the test set one (see New). Instances built
// from it accept the Kit's sessions too, and never take them to the
// provider: give it to an app whose constructor builds its own instance,
// or build replicas from it. ConfigAs gives it as an adapter's Config.
func (k *Kit) Config() hfauth.Config { return clone(k.cfg) }

// Cookies returns the session cookies of user, as the login callback would
// set them (one cookie, or chunks for a large session), shaped by opts.
func (k *Kit) Cookies(user hfauth.OAuthUserInfo, opts ...Option) []*http.Cookie {
	k.t.Helper()
	return k.mint(nil, user, opts)
}

// Login signs user in on r: it puts the session cookies on r's Cookie
// header, in place of any session cookies r already carries, as a browser
// would after a login.
func (k *Kit) Login(r *http.Request, user hfauth.OAuthUserInfo, opts ...Option) {
	k.t.Helper()
	cookies := k.mint(r, user, opts)
	drop := make(map[string]bool, len(cookies))
	for _, c := range cookies {
		drop[c.Name] = true
	}
	kept := r.Cookies()
	r.Header.Del("Cookie")
	for _, c := range kept {
		if !drop[c.Name] {
			r.AddCookie(c)
		}
	}
	for _, c := range cookies {
		if c.MaxAge >= 0 { // not an expired stale cookie
			r.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value}) //nolint:gosec // G124: a request's cookie has no attributes
		}
	}
}

// LoginJar signs user in for requests to rawURL made with jar: it stores
// the session cookies in jar, in place of any session cookies jar held for
// rawURL, as a browser does at the end of a login. It fails the test when
// jar would not send them back to rawURL: a Secure cookie (a Config with
// SpaceHost or an https RedirectURL, without InsecureCookie) goes only to
// https URLs and, as browsers and net/http/cookiejar allow, to loopback
// hosts such as the 127.0.0.1 of httptest servers.
func (k *Kit) LoginJar(jar http.CookieJar, rawURL string, user hfauth.OAuthUserInfo, opts ...Option) {
	k.t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		k.t.Fatalf("hfauthtest: LoginJar: %q is not an absolute http(s) URL", rawURL)
		return
	}
	// The request a browser would send to rawURL, so that minting expires
	// the session cookies jar holds that the new session does not replace.
	r := &http.Request{Method: http.MethodGet, URL: u, Host: u.Host, Header: http.Header{}}
	for _, c := range jar.Cookies(u) {
		r.AddCookie(c)
	}
	cookies := k.mint(r, user, opts)
	jar.SetCookies(u, cookies)
	held := map[string]string{}
	for _, c := range jar.Cookies(u) {
		held[c.Name] = c.Value
	}
	for _, c := range cookies {
		if c.MaxAge < 0 || held[c.Name] == c.Value {
			continue
		}
		hint := ""
		if c.Secure && u.Scheme != "https" {
			hint = ": the cookie is Secure (the Config sets SpaceHost or an https RedirectURL), so it goes only to https URLs and loopback hosts; serve the app on 127.0.0.1 or with httptest.NewTLSServer, or set InsecureCookie"
		}
		k.t.Fatalf("hfauthtest: LoginJar: the jar does not send the session cookie %s back to %s%s", c.Name, rawURL, hint)
		return
	}
}

// now is the Kit's clock: the Config's.
func (k *Kit) now() time.Time {
	if k.cfg.Now != nil {
		return k.cfg.Now()
	}
	return time.Now()
}

// mint saves a session for user with opts, answering r (nil for none),
// and returns the cookies set: the session's, then the expired ones.
func (k *Kit) mint(r *http.Request, user hfauth.OAuthUserInfo, opts []Option) []*http.Cookie {
	k.t.Helper()
	m := minted{scope: "openid profile", token: "hf_oauth_test_" + user.PreferredUsername}
	for _, opt := range opts {
		opt.apply(&m)
	}
	now := k.now()
	switch {
	case m.expired:
		m.expires = now.Add(-time.Hour)
	case m.expires.IsZero():
		m.expires = now.Add(defaultLifetime)
	}
	o := k.o
	// A session that is already over, or signed with another secret, comes
	// from a replica with its clock set back, or with that secret.
	past := m.expires.Unix()-now.Unix() < 1
	if past || m.otherSecret {
		cfg := k.Config()
		cfg.Logger = slog.New(slog.DiscardHandler)
		if m.otherSecret {
			cfg.SessionSecret, cfg.OldSessionSecrets = randomSecret(), nil
		}
		if past {
			at := m.expires.Add(-time.Minute)
			cfg.Now = func() time.Time { return at }
		}
		var err error
		if o, err = hfauth.New(cfg); err != nil { // a replica, for SaveSession only
			k.t.Fatalf("hfauthtest: minting a session: %v", err)
			return nil
		}
		defer o.Close()
	}
	rec := httptest.NewRecorder()
	info := &hfauth.OAuthInfo{AccessToken: m.token, AccessTokenExpiresAt: m.expires, UserInfo: user, Scope: m.scope}
	if err := o.SaveSession(rec, r, info); err != nil {
		k.t.Fatalf("hfauthtest: minting a session for %q: %v", user.PreferredUsername, err)
		return nil
	}
	cookies := rec.Result().Cookies()
	if m.tampered {
		tamper(cookies)
	}
	return cookies
}

// tamper changes one character of the signature at the end of the token
// that cookies carry (chunk cookies hold it in order, so its end may
// straddle the last two), as an attacker editing a cookie would.
func tamper(cookies []*http.Cookie) {
	pos := 10 // from the end of the token: well inside an HS256 signature
	for i := len(cookies) - 1; i >= 0; i-- {
		c := cookies[i] //nolint:gosec // G124: the cookies SaveSession set, attributes and all
		if c.MaxAge < 0 {
			continue
		}
		if len(c.Value) < pos {
			pos -= len(c.Value)
			continue
		}
		b := []byte(c.Value)
		j := len(b) - pos
		if b[j] == 'A' {
			b[j] = 'B'
		} else {
			b[j] = 'A'
		}
		c.Value = string(b)
		return
	}
}

// minted is what the options set.
type minted struct {
	expires     time.Time
	expired     bool
	scope       string
	token       string
	tampered    bool
	otherSecret bool
}

// An Option shapes the session a Kit mints.
type Option interface{ apply(*minted) }

type option func(*minted)

func (f option) apply(m *minted) { f(m) }

// ExpiresAt makes the access token, and so the session, expire at t. A
// time that has passed mints an expired session (see Expired). Default: 8
// hours after the Kit's clock (Config.Now), Hugging Face's default token
// lifetime.
func ExpiresAt(t time.Time) Option {
	return option(func(m *minted) { m.expires, m.expired = t, false })
}

// Expired mints a session whose access token expired an hour before the
// Kit's clock: an instance treats the request as logged out and expires
// the cookie.
func Expired() Option {
	return option(func(m *minted) { m.expired = true })
}

// Scope sets the space-separated scopes the user granted. Default
// "openid profile".
func Scope(scope string) Option {
	return option(func(m *minted) { m.scope = scope })
}

// AccessToken sets the session's access token, the one Info returns and
// HubClient (hfauth's, or an adapter's) sends to the Hub. Default
// "hf_oauth_test_" followed by the user's PreferredUsername.
func AccessToken(token string) Option {
	return option(func(m *minted) { m.token = token })
}

// Tampered changes one character of the session's signature, as an
// attacker editing the cookie would: an instance treats the request as
// logged out and expires the cookie.
func Tampered() Option {
	return option(func(m *minted) { m.tampered = true })
}

// OtherSecret signs the session with a random secret that no instance
// knows, like a session of another app: an instance treats the request as
// logged out but leaves the cookie alone, as it does for any key it does
// not know (another replica may already have it, see
// jwtstore.ErrUnknownKey).
func OtherSecret() Option {
	return option(func(m *minted) { m.otherSecret = true })
}
