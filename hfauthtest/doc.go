// Package hfauthtest helps apps built on hfauth, on plain net/http or on
// any adapter (echohf5 for Echo v5, echohf for Echo v4), test their own
// handlers: it signs test users in with no provider and no network, the
// way net/http/httptest serves requests with no real network. It imports
// hfauth and the standard library only, so it brings no web framework
// into an app's tests. Apps on Echo v4 use package echohftest, the same
// kit with echohf's types.
//
// A Kit builds the instance of the app under test from a Config and mints
// session cookies for users built in the test, with the organizations,
// roles, security restrictions, scope, access token and expiry the test
// needs. On net/http:
//
//	kit := hfauthtest.New(t, hfauth.Config{})
//	guard, _ := hfauth.RequireOrgGuard(hfauth.RequireOrgConfig{Orgs: []string{"acme"}})
//	h := kit.OAuth().Middleware(guard.Middleware(members))
//
//	req := httptest.NewRequest(http.MethodGet, "/members", nil)
//	kit.Login(req, hfauthtest.User("alice", hfauthtest.Org("acme", hfauth.RoleWrite)))
//	rec := httptest.NewRecorder()
//	h.ServeHTTP(rec, req) // alice is signed in
//
// On Echo v5, the app's instance is built from the Kit's Config, which
// ConfigAs gives as an echohf5.Config:
//
//	kit := hfauthtest.New(t, hfauth.Config{})
//	oauth, err := echohf5.New(hfauthtest.ConfigAs[echohf5.Config](kit))
//	e := echo.New()
//	e.Use(oauth.Auth())
//
// Login puts the session on an *http.Request, LoginJar in an
// http.CookieJar for a client talking to a test server, and Cookies returns
// the cookies themselves. The options Expired, Tampered and OtherSecret mint
// the sessions of negative tests, which the app must treat as logged out.
//
// # Sessions only for the test's own secret
//
// A Kit can sign users in to no instance but those built from its own
// Config. New builds one hfauth.OAuth from the Config (without reading the
// environment, like hfauth.New) and mints through it, with
// OAuth.SaveSession, the code that stores a session after a real login;
// NewWith lets an adapter's kit, or an app's constructor, build that
// instance. The Config must carry the session secret: when SessionSecret is
// empty, New sets it to a fresh random secret, and a SessionSecret shorter
// than 32 bytes fails the test. So the cookies a Kit mints are accepted by
// Kit.OAuth, and by any instance built from Kit.Config (a replica, or the
// app's own instance, on any adapter), but not by an instance configured
// with any other secret, nor by one that signs with the random per-process
// key of mock mode without a secret.
//
// # No provider, later either
//
// A minted session holds a made-up access token and no refresh token, so
// no provider would accept it. The Kit's Config turns revalidation off
// (RevalidateEvery -1) unless the test sets RevalidateEvery, so that the
// authenticate step never reads userinfo for it, however far the Config's
// clock moves: in real mode as in mock mode, a Kit's sessions cost no
// network I/O.
//
// # Quiet by default
//
// An instance logs warnings meant for a person starting a server: in mock
// mode (the mode of a Config without SPACE_ID, the usual one in tests),
// that it signs in a mocked user, and, once its routes are mounted, the
// sign-in link with its mock key. A Kit whose Config has no Logger gives
// its instance one that discards everything, so none of that, and never
// the key, reaches the test's output, even with go test -v. Set
// Config.Logger to see the instance's lines, a slog.Logger writing to a
// buffer the test reads, say.
package hfauthtest
