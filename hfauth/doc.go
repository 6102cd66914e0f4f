// Package hfauth is the framework-neutral core of "Sign in with Hugging
// Face", with no server-side session store: the Go counterpart of
// huggingface_hub's attach_huggingface_oauth and parse_huggingface_oauth.
// It imports net/http and no web framework. It holds all the behavior;
// the adapters (package echohf for Echo v4) only connect it to their
// framework. On plain net/http it is used directly:
//
//	o, err := hfauth.NewFromEnv(hfauth.Config{})
//	if err != nil {
//		log.Fatal(err) // names every bad or missing setting
//	}
//	mux := http.NewServeMux()
//	mux.Handle("/oauth/huggingface/", o.Handler()) // login, callback, logout, handoff
//	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
//		if info := hfauth.Info(r); info != nil {
//			fmt.Fprintf(w, "Hello, %s!", info.UserInfo.PreferredUsername)
//			return
//		}
//		fmt.Fprint(w, "Not logged in!")
//	})
//	log.Fatal(http.ListenAndServe(":7860", o.Middleware(mux)))
//
// # Sign-in
//
// In a Space with `hf_oauth: true` (SPACE_ID set), login runs the OpenID
// Connect flow against Hugging Face: PKCE, state and nonce in a
// short-lived signed login cookie, code exchange, id_token verified against
// the provider's cached JWKS, userinfo. The callback then mints a signed
// JWT session cookie holding the user's info and the sealed access token,
// so any replica with the same configuration accepts it. Redirect targets
// are same-origin paths only (SanitizeTarget).
//
// A Space with custom domains lists them in SpaceHost after its own host.
// A login on a custom domain goes through the callback on the Space's own
// host, the redirect URI registered with Hugging Face, which hands the new
// session back to the custom domain in a sealed, one-time form POST that
// lives 30 seconds, bound to that domain and to the browser that started
// the login (HandoffPath; docs/custom-domains.md says what is guaranteed).
//
// Elsewhere, mock mode logs local visitors in as a mocked user with no
// provider at all, once their browser has opened the sign-in link that
// mounting the routes logs (OAuth.MockLoginURL): a proxy on the same host
// makes a remote visitor look local, so only that link, which holds a key
// of the process, proves a visitor sits at the console.
//
// # Sessions
//
// OAuth.Authenticate, the step that runs on every request (Middleware on
// net/http, Auth in an adapter), reads the session cookie. A missing,
// tampered or expired session is "logged out", never an error answer.
// When a session ends is written once, in docs/sessions.md
// (https://github.com/echohf/echohf/blob/main/docs/sessions.md#when-a-session-ends).
// A request that comes in the last RefreshBefore of a session's access
// token, or after the token ended, refreshes it with the refresh token
// sealed in the cookie. Once a
// session's user data is RevalidateEvery old, a request reads userinfo
// again, so organization and role changes reach Info and the guards, and a
// revoked token logs the session out. Both calls happen once per session per
// process, bounded by Timeout, and what they learn travels in the
// re-minted cookie, so replicas do not repeat them; any other request does
// no network I/O. Logout revokes the session's tokens where the provider
// has a revocation endpoint, and else spends its refresh token. An unsafe request (not GET, HEAD or OPTIONS)
// that another site made the browser send (Sec-Fetch-Site: cross-site) is
// logged out, its session cookie neither read nor cleared, so that no other
// site can act as the user through the cookie (SameSite=None in a Space).
//
// # Bearer tokens
//
// With Config.AcceptBearer (ECHOHF_ACCEPT_BEARER=1), scripts and CLIs can
// call the app's API with "Authorization: Bearer hf_…" instead of a cookie.
// The authenticate step asks the Hub's /api/whoami-v2 (at
// Config.HFEndpoint) who owns the token and serves its answer through Info,
// with the token as AccessToken (OAuthInfo.FromBearer tells the two kinds
// of login apart). Answers are cached by the token's SHA-256, never the
// token: an accepted token for 5 minutes (so one revoked on the Hub works
// that much longer at most), a refused one for 30 seconds, at most 1024 of
// each; concurrent first requests with a token share one call. A Hub that
// fails or does not answer within Timeout leaves the request logged out
// (never a 5xx) and is asked again a second later. Only tokens shaped like
// Hugging Face's ("hf_" and base64url characters, at most 256 bytes) are
// sent to the Hub, and OAuth access tokens ("hf_oauth_…", granted to an
// app, maybe another one) are refused unless Config.AcceptBearerOAuthTokens
// is set. A request with a bearer header is decided by it alone: its
// session cookie is neither read nor changed, and no cookie is set.
//
// # Guards
//
// A Guard (RequireLoginGuard, RequireOrgGuard) runs after the
// authenticate step, on a route, a group or the whole app: it never guards
// the OAuth's own login, callback, logout and handoff routes. A logged-out
// browser navigation is redirected to login, coming back to the current path and
// query; any other logged-out request gets 401. A navigation is a GET or
// HEAD whose Sec-Fetch-Mode header is "navigate" (what browsers send when
// loading a page), or, when the request has no Sec-Fetch-Mode (an older
// browser), whose Accept header lists text/html. So a script's fetch, a
// POST or a client asking for JSON gets 401 rather than a redirect it
// cannot follow, and so does, with Config.AcceptBearer, any request that
// came with a bearer token: its 401 carries a "WWW-Authenticate: Bearer"
// challenge (error="invalid_token" when the token was refused). On a
// request the authenticate step did not see (missing, installed after the
// guard, or skipping the request), a guard cannot tell who is logged in: it
// logs the mistake once and answers 500 with ErrNoAuth, rather than send
// the browser round a login loop.
//
// # Configuration
//
// New uses its Config as given and never reads the environment, so several
// instances (replicas) can run in one process; NewFromEnv and
// Config.FromEnv fill empty fields from it, and Default is the instance
// configured from the environment alone. A bad configuration is one error,
// matching ErrConfig, that names every bad or missing setting at once.
//
// # The Hub
//
// HubClient gives a handler an *http.Client that calls the Hugging Face Hub
// with the signed-in user's access token; a 401 from the Hub signs the user
// out. Package echohftest signs test users in for the tests of apps, through
// OAuth.SaveSession.
//
// # Adapters
//
// An adapter for a web framework registers the routes with OAuth.Mount
// (rendering the Decision of OAuth.Login, Callback and Logout its own way),
// runs OAuth.Authenticate (or OAuth.Skip) on every request and keeps the
// Seen it returns where its framework keeps request values, hands that Seen
// back to Guard.Decide and Seen.HubClient, and renders a Decision as its
// framework answers errors. Middleware, Info, HubClient, Handler and
// Guard.Middleware are the net/http adapter, built the same way.
package hfauth
