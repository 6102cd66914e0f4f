// Package echohftest helps apps built on echohf (Echo v4) test their own
// handlers: it signs test users in with no provider and no network, the
// way net/http/httptest serves requests with no real network.
//
// It is package hfauthtest, the framework-neutral kit, with echohf's
// types: New takes an echohf.Config and Kit.OAuth returns an
// *echohf.OAuth. Apps on Echo v5 (echohf5) or plain net/http use
// hfauthtest itself, which brings no Echo into their tests; Kit.Core
// gives the hfauthtest.Kit underneath, for helpers shared with such tests.
//
// A Kit builds the echohf instance of the app under test from a Config and
// mints session cookies for users built in the test, with the
// organizations, roles, security restrictions, scope, access token and
// expiry the test needs:
//
//	kit := echohftest.New(t, echohf.Config{})
//	e := echo.New()
//	e.Use(kit.OAuth().Auth())
//	e.GET("/members", members, echohf.RequireOrg("acme"))
//
//	req := httptest.NewRequest(http.MethodGet, "/members", nil)
//	kit.Login(req, echohftest.User("alice", echohftest.Org("acme", echohf.RoleWrite)))
//	rec := httptest.NewRecorder()
//	e.ServeHTTP(rec, req) // alice is signed in
//
// Login puts the session on an *http.Request, LoginJar in an
// http.CookieJar for a client talking to a test server, and Cookies returns
// the cookies themselves. The options Expired, Tampered and OtherSecret mint
// the sessions of negative tests, which Auth must treat as logged out.
//
// # Sessions only for the test's own secret
//
// A Kit can sign users in to no instance but those built from its own
// Config. New builds one OAuth from the Config (without reading the
// environment, like echohf.New) and mints through it (with
// hfauthtest.NewWith), with OAuth.SaveSession, the code that stores a
// session after a real login. The Config must carry the session secret: when SessionSecret is empty,
// New sets it to a fresh random secret, and a SessionSecret shorter than 32
// bytes fails the test. So the cookies a Kit mints are accepted by
// Kit.OAuth, and by any instance built from Kit.Config (a replica, or the
// app's own instance when its constructor takes a Config), but not by an
// instance configured with any other secret, nor by one that signs with
// the random per-process key of mock mode without a secret.
//
// # No provider, later either
//
// A minted session holds a made-up access token and no refresh token, so
// no provider would accept it. The Kit's Config turns revalidation off
// (RevalidateEvery -1) unless the test sets RevalidateEvery, so that Auth
// never reads userinfo for it, however far the Config's clock moves: in
// real mode as in mock mode, a Kit's sessions cost no network I/O.
//
// # Quiet by default
//
// An instance logs warnings meant for a person starting a server: in mock
// mode (the mode of a Config without SPACE_ID, the usual one in tests),
// that it signs in a mocked user, and, once its routes are attached, the
// sign-in link with its mock key. A Kit whose Config has no Logger gives
// its instance one that discards everything, so none of that, and never
// the key, reaches the test's output, even with go test -v. Set
// Config.Logger to see the instance's lines, a slog.Logger writing to a
// buffer the test reads, say.
package echohftest
