package echohf

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"golang.org/x/oauth2"

	"github.com/echohf/echohf/jwtstore"
)

// maxRetries is how many times a callback that lost its login cookie sends
// the browser back to login before breaking out of the Space's iframe.
const maxRetries = 2

// maxBreakouts bounds the retries after the break-out, so a browser that
// refuses every cookie gets an error page instead of a redirect loop.
const maxBreakouts = 2

// defaultTokenLifetime applies when the provider gives no expires_in, and
// to mock sessions (the reference's 8 hours).
const defaultTokenLifetime = 8 * time.Hour

// Messages the login routes give in more than one place.
const (
	msgBadState      = "Sign-in failed: the callback has no valid state. Please sign in again."
	msgUnavailable   = "Sign-in is unavailable: the Hugging Face OpenID provider could not be reached. Please try again in a moment."
	msgMockLocalOnly = "Mock login answers only local requests: this app runs in mock mode (SPACE_ID is not set)."
	msgMockKey       = "Mock login needs the sign-in link printed in the server's log: this app runs in mock mode (SPACE_ID is not set). Open that link once in this browser."
)

// Query parameters of the login route.
const (
	paramTarget    = "_target_url"
	paramRedirects = "_nb_redirects"
	paramOrgIDs    = "orgIds"
	paramPrompt    = "prompt" // only prompt=consent is passed on
)

func randomString(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	return base64.RawURLEncoding.EncodeToString(b)
}

// loginTarget is where a login comes back to: _target_url when given,
// else the current path's query kept on "/", as the reference does (never
// a mock key).
func loginTarget(q url.Values) string {
	if t := q.Get(paramTarget); t != "" {
		return SanitizeTarget(t)
	}
	rest := url.Values{}
	for k, v := range q {
		if k != paramRedirects && k != paramOrgIDs && k != paramMockKey && k != paramPrompt {
			rest[k] = v
		}
	}
	if len(rest) == 0 {
		return "/"
	}
	return SanitizeTarget("/?" + rest.Encode())
}

// redirects reads the retry counter of the state-mismatch loop.
func redirects(q url.Values) int {
	n, err := strconv.Atoi(q.Get(paramRedirects))
	if err != nil || n < 0 {
		return 0
	}
	return min(n, maxRetries+maxBreakouts+1)
}

// The OAuth state is "<id>.<retries>.<target>[.<orgIds>[.c]]": id is 128
// random bits (and names the login cookie); retries, target, the org ids
// asked for on the login URL and "c" for prompt=consent (then the org ids
// may be empty) let a callback whose login cookie was lost send the browser
// back to the same login without that cookie, as the reference does with
// its redirect URI. The login cookie keeps only the state's hash.
const stateIDLen = 22 // base64url of 16 bytes

// maxStateTarget bounds the target carried in the state: a longer one is
// cut to its path, or to "/", so that no login, however crafted, makes an
// authorize URL or a session (which keeps the state) grow without bound.
const maxStateTarget = 1024

// maxLoginOrgIDs bounds the org ids of one authorize URL, configured and
// asked for together.
const maxLoginOrgIDs = 16

// loginState is what the OAuth state carries from login to callback.
type loginState struct {
	id      string   // names the login cookie
	retries int      // callbacks so far that lost their login cookie
	target  string   // sanitized path to come back to
	orgIDs  []string // asked for on the login URL (not the configured ones)
	consent bool     // prompt=consent was asked for
}

// stateTarget fits target into maxStateTarget.
func stateTarget(target string) string {
	if len(target) <= maxStateTarget {
		return target
	}
	if path, _, _ := strings.Cut(target, "?"); len(path) <= maxStateTarget {
		return path
	}
	return "/"
}

// newState starts a login: a fresh id, and the target cut to fit.
func newState(retries int, target string, orgIDs []string) loginState {
	return loginState{id: randomString(16), retries: retries, target: stateTarget(target), orgIDs: orgIDs}
}

// String encodes s as the OAuth state parameter.
func (s loginState) String() string {
	state := s.id + "." + strconv.Itoa(s.retries) + "." + base64.RawURLEncoding.EncodeToString([]byte(s.target))
	if len(s.orgIDs) > 0 || s.consent {
		state += "." + strings.Join(s.orgIDs, ",")
	}
	if s.consent {
		state += ".c"
	}
	return state
}

// stateHash is what a login cookie keeps of its state.
func stateHash(state string) []byte {
	h := sha256.Sum256([]byte(state))
	return h[:]
}

// parseState decodes a state from the callback's query. It trusts nothing:
// the target is sanitized again and every org id checked.
func parseState(state string) (loginState, bool) {
	parts := strings.SplitN(state, ".", 6)
	if len(parts) < 3 || len(parts) > 5 || len(parts) == 5 && parts[4] != "c" {
		return loginState{}, false
	}
	id, n, t := parts[0], parts[1], parts[2]
	if len(id) != stateIDLen || len(t) > base64.RawURLEncoding.EncodedLen(maxStateTarget) {
		return loginState{}, false
	}
	for i := 0; i < len(id); i++ {
		if !idChar(id[i]) {
			return loginState{}, false
		}
	}
	retries, err := strconv.Atoi(n)
	if err != nil || retries < 0 || retries > maxRetries+maxBreakouts+1 {
		return loginState{}, false
	}
	raw, err := base64.RawURLEncoding.DecodeString(t)
	if err != nil {
		return loginState{}, false
	}
	s := loginState{id: id, retries: retries, target: SanitizeTarget(string(raw)), consent: len(parts) == 5}
	if len(parts) >= 4 && (parts[3] != "" || !s.consent) {
		s.orgIDs = strings.Split(parts[3], ",")
		if len(s.orgIDs) > maxLoginOrgIDs {
			return loginState{}, false
		}
		for _, org := range s.orgIDs {
			if !validOrgID(org) {
				return loginState{}, false
			}
		}
	}
	return s, true
}

// fail answers a login failure: a clear message for the user, a log line
// for the operator. Neither carries a secret: err is built by this package
// from status codes and fixed strings. For a provider failure the log line
// names the provider's host and what went wrong, while the page stays
// generic. The answer's Internal error matches ErrLoginFailed (and err),
// for apps' error handlers.
func (o *OAuth) fail(c echo.Context, status int, msg string, err error) error {
	attrs := []any{"status", status, "path", c.Path()}
	internal := ErrLoginFailed
	if err != nil {
		attrs = append(attrs, "error", err.Error())
		if pe := (*providerError)(nil); errors.As(err, &pe) && pe.host != "" {
			attrs = append(attrs, "provider", pe.host)
		}
		if !errors.Is(err, ErrLoginFailed) {
			internal = fmt.Errorf("%w: %w", ErrLoginFailed, err)
		} else {
			internal = err
		}
	}
	o.cfg.Logger.Warn("echohf: login failed: "+msg, attrs...)
	return echo.NewHTTPError(status, msg).WithInternal(internal)
}

func (o *OAuth) login(c echo.Context) error {
	q := c.QueryParams()
	target := loginTarget(q)
	if o.cfg.mode == ModeMock {
		if done, err := o.mockGate(c, LoginPath); done {
			return err
		}
		return c.Redirect(http.StatusFound, o.prefix+CallbackPath+"?"+paramTarget+"="+url.QueryEscape(target))
	}
	req, res := c.Request(), c.Response()
	redirect, ok := o.redirectURL(req)
	if !ok {
		return o.fail(c, http.StatusBadRequest, "Sign-in could not start: the request's Host header is not a valid host name.", errBadHost)
	}
	p, err := o.providerFor(req.Context())
	if err != nil {
		return o.fail(c, http.StatusServiceUnavailable, msgUnavailable, err)
	}
	asked := o.askedOrgIDs(q)
	st := newState(redirects(q), target, asked)
	st.consent = wantsConsent(q)
	state := st.String()
	pend := pending{
		StateHash: stateHash(state),
		Nonce:     randomString(16),
		Verifier:  oauth2.GenerateVerifier(),
		Redirect:  redirect,
		Created:   o.cfg.Now().UnixNano(),
	}
	// The new login cookie takes one of the answer's Set-Cookie lines; the
	// pruning gets what is left after the lines already written (Auth may
	// have expired a bad session).
	o.prunePending(res, req, maxLoginSetCookies-1-len(res.Header()["Set-Cookie"]))
	store, err := o.logins.Sub(st.id)
	if err == nil {
		// The id is new, so the request has no stale cookie of it to expire.
		err = store.Save(res, nil, pend, o.cfg.Now().Add(loginTTL))
	}
	if err != nil {
		return o.fail(c, http.StatusInternalServerError, "Sign-in could not start.", err)
	}
	opts := []oauth2.AuthCodeOption{
		oauth2.S256ChallengeOption(pend.Verifier),
		oauth2.SetAuthURLParam("nonce", pend.Nonce),
		oauth2.SetAuthURLParam("redirect_uri", pend.Redirect),
	}
	if ids := slices.Concat(o.cfg.OrgIDs, asked); len(ids) > 0 {
		opts = append(opts, oauth2.SetAuthURLParam(paramOrgIDs, strings.Join(ids, ",")))
	}
	if st.consent {
		opts = append(opts, oauth2.SetAuthURLParam(paramPrompt, promptConsent))
	}
	return c.Redirect(http.StatusFound, p.oauth.AuthCodeURL(state, opts...))
}

// askedOrgIDs reads the org ids asked for on the login URL: valid ones not
// already configured, as many as fit beside the configured ones.
func (o *OAuth) askedOrgIDs(q url.Values) []string {
	var asked []string
	room := maxLoginOrgIDs - len(o.cfg.OrgIDs)
	for _, v := range q[paramOrgIDs] {
		for _, id := range strings.Split(v, ",") {
			if len(asked) < room && validOrgID(id) && !slices.Contains(o.cfg.OrgIDs, id) && !slices.Contains(asked, id) {
				asked = append(asked, id)
			}
		}
	}
	return asked
}

func (o *OAuth) callback(c echo.Context) error {
	if o.cfg.mode == ModeMock {
		return o.mockCallback(c)
	}
	req, res := c.Request(), c.Response()
	q := req.URL.Query()
	state := q.Get("state")
	st, ok := parseState(state)
	if !ok {
		return o.fail(c, http.StatusBadRequest, msgBadState, nil)
	}
	store, err := o.logins.Sub(st.id)
	if err != nil {
		return o.fail(c, http.StatusBadRequest, msgBadState, nil)
	}
	pend, err := store.Load(req)
	matched := err == nil && subtle.ConstantTimeCompare(pend.StateHash, stateHash(state)) == 1
	store.Clear(res, req) // a login cookie is consumed once, whatever happens next
	if e := q.Get("error"); e != "" {
		if e == "access_denied" {
			return o.fail(c, http.StatusForbidden, "Sign-in was canceled: access to your Hugging Face account was not granted.", ErrAccessDenied)
		}
		return o.fail(c, http.StatusBadRequest, "Sign-in failed: the provider answered with an error.", fmt.Errorf("provider error %q", safeToken(e)))
	}
	if !matched {
		return o.retryLogin(c, st)
	}
	code := q.Get("code")
	if code == "" {
		return o.fail(c, http.StatusBadRequest, "Sign-in failed: the callback has no authorization code.", nil)
	}
	p, err := o.providerFor(req.Context())
	if err != nil {
		return o.fail(c, http.StatusServiceUnavailable, msgUnavailable, err)
	}
	info, err := o.complete(req.Context(), p, pend, state, code)
	if err != nil {
		switch {
		case errors.Is(err, errVerify):
			return o.fail(c, http.StatusUnauthorized, "Sign-in failed: the identity returned by Hugging Face could not be verified.", err)
		case errors.Is(err, errGrant):
			return o.fail(c, http.StatusBadRequest, "Sign-in failed: the authorization code was refused (it may have expired). Please sign in again.", err)
		default:
			return o.fail(c, http.StatusBadGateway, "Sign-in failed: the Hugging Face OpenID provider did not answer properly. Please try again.", err)
		}
	}
	if err := o.saveSession(res, req, info); err != nil {
		return o.fail(c, http.StatusInternalServerError, "Sign-in failed: the session could not be stored.", err)
	}
	return c.Redirect(http.StatusFound, st.target) // from the state the login cookie vouched for
}

// retryLogin follows the reference when a callback arrives without its
// login cookie (typically third-party cookies blocked in the Space's
// iframe): back to the same login with the retry counter bumped, and after
// maxRetries retries, to the Space's own host, outside the iframe.
func (o *OAuth) retryLogin(c echo.Context, st loginState) error {
	retries := st.retries
	v := url.Values{paramRedirects: {strconv.Itoa(retries + 1)}}
	if st.target != "" && st.target != "/" {
		v.Set(paramTarget, st.target)
	}
	if len(st.orgIDs) > 0 {
		v.Set(paramOrgIDs, strings.Join(st.orgIDs, ","))
	}
	if st.consent {
		v.Set(paramPrompt, promptConsent)
	}
	u := o.prefix + LoginPath + "?" + v.Encode()
	if retries >= maxRetries {
		if o.cfg.SpaceHost == "" || retries >= maxRetries+maxBreakouts {
			return o.fail(c, http.StatusBadRequest, "Sign-in failed: the browser did not keep the login cookie. Please allow cookies for this site and try again.", errors.New("state mismatch after retries"))
		}
		u = "https://" + o.cfg.SpaceHost + u
	}
	o.cfg.Logger.Info("echohf: login cookie missing on callback, retrying login", "retries", retries+1)
	return c.Redirect(http.StatusFound, u)
}

// errGrant reports a code the token endpoint refused (invalid_grant and
// other 4xx answers).
var errGrant = errors.New("echohf: authorization code refused")

// complete exchanges the code, verifies the id_token and fetches userinfo.
func (o *OAuth) complete(ctx context.Context, p *provider, pend pending, state, code string) (*OAuthInfo, error) {
	ctx, cancel := context.WithTimeout(ctx, o.cfg.Timeout)
	defer cancel()
	cfg := p.oauth
	cfg.RedirectURL = pend.Redirect
	tok, err := cfg.Exchange(context.WithValue(ctx, oauth2.HTTPClient, o.cfg.HTTPClient), code, oauth2.VerifierOption(pend.Verifier))
	if err != nil {
		return nil, tokenError(p.TokenEndpoint, err)
	}
	rawID, _ := tok.Extra("id_token").(string)
	if rawID == "" {
		return nil, &providerError{step: "token endpoint", host: hostOf(p.TokenEndpoint), what: "sent no id_token", kind: errProvider}
	}
	claims, err := o.verifyIDToken(ctx, p, rawID, pend.Nonce)
	if err != nil {
		return nil, err
	}
	body, err := o.getBody(ctx, "userinfo", p.UserinfoEndpoint, tok.AccessToken)
	if err != nil {
		return nil, err
	}
	user, err := parseUserInfo(body)
	if err != nil {
		return nil, &providerError{step: "userinfo", host: hostOf(p.UserinfoEndpoint), what: "sent a document that is not a JSON object", kind: errProvider}
	}
	if user.Sub != claims.Sub {
		return nil, fmt.Errorf("%w: userinfo sub is not the id_token's", errVerify)
	}
	fromToken, _ := parseUserInfo(claims.JSON)
	mergeUser(&user, fromToken)
	expires := tok.Expiry
	if expires.IsZero() {
		expires = o.cfg.Now().Add(defaultTokenLifetime)
	}
	scope, _ := tok.Extra("scope").(string)
	if scope == "" {
		scope = strings.Join(o.cfg.Scopes, " ")
	}
	return &OAuthInfo{AccessToken: tok.AccessToken, AccessTokenExpiresAt: expires, UserInfo: user, State: state, Scope: scope}, nil
}

// mergeUser fills the fields userinfo left empty from the id_token's claims.
func mergeUser(u *OAuthUserInfo, from OAuthUserInfo) {
	fill := func(dst *string, src string) {
		if *dst == "" {
			*dst = src
		}
	}
	fill(&u.Name, from.Name)
	fill(&u.PreferredUsername, from.PreferredUsername)
	fill(&u.Picture, from.Picture)
	fill(&u.Profile, from.Profile)
	if u.Email == nil {
		u.Email = from.Email
	}
	if u.EmailVerified == nil {
		u.EmailVerified = from.EmailVerified
	}
	if u.Website == nil {
		u.Website = from.Website
	}
}

// saveSession seals the access token and mints the session cookie.
func (o *OAuth) saveSession(w http.ResponseWriter, r *http.Request, info *OAuthInfo) error {
	sealed, err := o.sealer.Seal([]byte(info.AccessToken))
	if err != nil {
		return err
	}
	s := &session{Token: sealed, Expires: info.AccessTokenExpiresAt.Unix(), Scope: info.Scope, State: info.State, User: info.UserInfo}
	// The cookie expires with the access token. jwtstore accepts it Leeway
	// longer (clock skew), but Auth ends the session at s.Expires exactly.
	expires := time.Unix(s.Expires, 0)
	err = o.sessions.Save(w, r, s, expires)
	if !errors.Is(err, jwtstore.ErrTooLarge) {
		return err
	}
	// A member of very many organizations: drop their avatars, then keep
	// as many organizations as fit (found by bisection; a Save that fails
	// writes nothing). A missing org can only make RequireOrg refuse.
	all := len(s.User.Orgs)
	orgs := make([]OAuthOrgInfo, all)
	for i, org := range s.User.Orgs {
		org.Picture = ""
		orgs[i] = org
	}
	lo, hi := -1, all // the largest count known to fit, the smallest known not to
	for lo+1 < hi {
		n := (lo + hi + 1) / 2
		s.User.Orgs = orgs[:n]
		if err = o.sessions.Save(discard{http.Header{}}, nil, s, expires); err == nil { // a probe: no stale cookies to expire
			lo = n
		} else if errors.Is(err, jwtstore.ErrTooLarge) {
			hi = n
		} else {
			return err
		}
	}
	if lo < 0 {
		return err
	}
	s.User.Orgs = orgs[:lo]
	o.cfg.Logger.Warn("echohf: session too large for cookies: organization avatars dropped and organizations truncated", "kept", lo, "orgs", all)
	return o.sessions.Save(w, r, s, expires)
}

func (o *OAuth) logout(c echo.Context) error {
	// The session cookie is SameSite=None in a Space, so another site could
	// log users out with an <img>; browsers say where a request comes from.
	if c.Request().Header.Get("Sec-Fetch-Site") == "cross-site" {
		return echo.NewHTTPError(http.StatusForbidden, "Log out from this site's own pages.")
	}
	o.sessions.Clear(c.Response(), c.Request())
	return c.Redirect(http.StatusFound, SanitizeTarget(c.QueryParam(paramTarget)))
}

// safeToken keeps an OAuth error code printable and short for logs.
func safeToken(s string) string {
	if len(s) > 64 {
		s = s[:64]
	}
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e {
			return '?'
		}
		return r
	}, s)
}

// discard is a ResponseWriter that drops everything: saveSession probes
// which sessions fit with it.
type discard struct{ h http.Header }

// Header returns headers that are thrown away.
func (d discard) Header() http.Header { return d.h }

// Write drops p.
func (d discard) Write(p []byte) (int, error) { return len(p), nil }

// WriteHeader drops the status.
func (d discard) WriteHeader(int) {}
