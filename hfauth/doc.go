// Package echohf adds "Sign in with Hugging Face" to Echo v4 apps, with no
// server-side session store: the Go counterpart of huggingface_hub's
// attach_huggingface_oauth and parse_huggingface_oauth.
//
// The whole setup is three lines:
//
//	e := echo.New()
//	echohf.Attach(e)     // GET /oauth/huggingface/{login,callback,logout}
//	e.Use(echohf.Auth()) // reads the session cookie on every request
//	e.GET("/", func(c echo.Context) error {
//		if info := echohf.Info(c); info != nil {
//			return c.String(200, "Hello, "+info.UserInfo.PreferredUsername+"!")
//		}
//		return c.String(200, "Not logged in!")
//	})
//
// In a Space with `hf_oauth: true` (SPACE_ID set), login runs the OpenID
// Connect flow against Hugging Face: PKCE, state and nonce in a short-lived
// signed login cookie, code exchange, id_token verified against the
// provider's cached JWKS, userinfo. The callback then mints a signed JWT
// session cookie holding the user's info and the sealed access token, so
// any replica with the same configuration accepts it. Elsewhere, mock mode
// logs local visitors in as a mocked user with no provider at all, once
// their browser has opened the sign-in link logged by Attach
// (OAuth.MockLoginURL): a proxy on the same host makes a remote visitor look
// local, so only that link, which holds a key of the process, proves a
// visitor sits at the console.
//
// A session ends the moment its access token expires, unless a request
// comes in the token's last RefreshBefore: that request refreshes it with
// the refresh token sealed in the cookie. Whatever the refreshes, it ends
// SessionMaxAge (30 days) after the user signed in. Once a session's user data is
// RevalidateEvery old, a request reads userinfo again, so organization and
// role changes reach Info and the guards, and a revoked token logs the
// session out. Both calls happen once per session per process, bounded by
// Timeout, and what they learn travels in the re-minted cookie, so replicas
// do not repeat them; any other request does no network I/O. Logout revokes
// the session's tokens where the provider has a revocation endpoint.
//
// The guards RequireLogin and RequireOrg run after Auth, on a route, a
// group or the whole app (e.Use(echohf.Auth(), echohf.RequireLogin())):
// they never guard echohf's own routes.
//
// With Config.AcceptBearer (ECHOHF_ACCEPT_BEARER=1), scripts and CLIs can
// call the app's API with "Authorization: Bearer hf_…" instead of a cookie.
// Auth asks the Hub's /api/whoami-v2 (at Config.HFEndpoint) who owns the
// token and serves its answer through Info, with the token as AccessToken
// (OAuthInfo.FromBearer tells the two kinds of login apart). Answers are
// cached by the token's SHA-256, never the token: an accepted token for 5
// minutes (so one revoked on the Hub works that much longer at most), a
// refused one for 30 seconds, at most 1024 of each; concurrent first
// requests with a token share one call. A Hub that fails or does not answer
// within Timeout leaves the request logged out (never a 5xx) and is asked
// again a second later. Only tokens shaped like Hugging Face's ("hf_" and
// base64url characters, at most 256 bytes) are sent to the Hub, and OAuth
// access tokens ("hf_oauth_…", granted to an app, maybe another one) are
// refused unless Config.AcceptBearerOAuthTokens is set. A request
// with a bearer header is decided by it alone: its session cookie is
// neither read nor changed, and no cookie is set. A guard answers such a
// request, when logged out, with 401 and "WWW-Authenticate: Bearer"
// (error="invalid_token" when the token was refused), never a redirect.
//
// Attach and Auth configure themselves from the environment (see Default),
// and panic on a bad one. Use New with a Config to configure in code, to get
// errors instead of panics, or to run several instances (replicas) in one
// process: New uses its Config as given and never reads the environment,
// while NewFromEnv and Config.FromEnv fill empty fields from it. Either way a
// bad configuration is one error, matching ErrConfig, that names every bad or
// missing setting at once.
//
// HubClient gives a handler an *http.Client that calls the Hugging Face Hub
// with the signed-in user's access token; a 401 from the Hub signs the user
// out. Package echohftest signs test users in for the tests of apps built on
// echohf, through SaveSession.
package hfauth
