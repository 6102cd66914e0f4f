package hfauth

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"golang.org/x/oauth2"
)

// defaultTokenLifetime applies when the provider gives no expires_in, and
// to mock sessions (the reference's 8 hours).
const defaultTokenLifetime = 8 * time.Hour

// callback completes a sign-in: it checks the state against the login
// cookie (and consumes the cookie), exchanges the code, verifies the
// id_token, reads userinfo, mints the session and redirects to the target.
// In mock mode it signs the mocked user in (mockCallback).
func (o *OAuth) callback(w http.ResponseWriter, r *http.Request) reply {
	if o.cfg.mode == ModeMock {
		return o.mockCallback(w, r)
	}
	q := r.URL.Query()
	state := q.Get("state")
	st, ok := parseState(state)
	if !ok {
		return o.fail(CallbackPath, http.StatusBadRequest, msgBadState, nil)
	}
	store, err := o.logins.Sub(st.id)
	if err != nil {
		return o.fail(CallbackPath, http.StatusBadRequest, msgBadState, nil)
	}
	pend, err := store.Load(r)
	matched := err == nil && subtle.ConstantTimeCompare(pend.StateHash, stateHash(state)) == 1
	store.Clear(w, r) // a login cookie is consumed once, whatever happens next
	if e := q.Get("error"); e != "" {
		if e == "access_denied" {
			return o.fail(CallbackPath, http.StatusForbidden, "Sign-in was canceled: access to your Hugging Face account was not granted.", ErrAccessDenied)
		}
		return o.fail(CallbackPath, http.StatusBadRequest, "Sign-in failed: the provider answered with an error.", fmt.Errorf("provider error %q", safeToken(e)))
	}
	if !matched {
		return o.retryLogin(st)
	}
	// The browser dropped its login cookie above, but a copy would still
	// verify: the state is used once per process, before any network call.
	if !o.usedStates.claim(pend.StateHash, o.cfg.Now(), loginTTL+o.cfg.Leeway) {
		return o.fail(CallbackPath, http.StatusBadRequest, "Sign-in failed: this sign-in was already used. Please sign in again.", errStateUsed)
	}
	code := q.Get("code")
	if code == "" {
		return o.fail(CallbackPath, http.StatusBadRequest, "Sign-in failed: the callback has no authorization code.", nil)
	}
	p, err := o.providerFor(r.Context())
	if err != nil {
		return o.fail(CallbackPath, http.StatusServiceUnavailable, unavailable(err), err)
	}
	info, refresh, err := o.complete(r.Context(), p, pend, st.id, code)
	if err != nil {
		switch {
		case errors.Is(err, errVerify):
			return o.fail(CallbackPath, http.StatusUnauthorized, "Sign-in failed: the identity returned by Hugging Face could not be verified.", err)
		case errors.Is(err, errTokenRefused): // any 4xx: a fresh sign-in is the user's way out (the log says which)
			return o.fail(CallbackPath, http.StatusBadRequest, "Sign-in failed: the authorization code was refused (it may have expired). Please sign in again.", err)
		case unanswered(err):
			return o.fail(CallbackPath, http.StatusBadGateway, "Sign-in failed: the Hugging Face OpenID provider could not be reached. Please try again.", err)
		default:
			return o.fail(CallbackPath, http.StatusBadGateway, "Sign-in failed: the Hugging Face OpenID provider answered with an error. Please try again.", err)
		}
	}
	if err := o.saveSession(w, r, info, refresh); err != nil {
		return o.fail(CallbackPath, http.StatusInternalServerError, "Sign-in failed: the session could not be stored.", err)
	}
	return redirect(st.target) // from the state the login cookie vouched for
}

// retryLogin follows the reference when a callback arrives without its
// login cookie (typically third-party cookies blocked in the Space's
// iframe): back to the same login with the retry counter bumped, and after
// maxRetries retries, to the Space's own host, outside the iframe.
func (o *OAuth) retryLogin(st loginState) reply {
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
			return o.fail(CallbackPath, http.StatusBadRequest, "Sign-in failed: the browser did not keep the login cookie. Please allow cookies for this site and try again.", errors.New("state mismatch after retries"))
		}
		u = "https://" + o.cfg.SpaceHost + u
	}
	o.cfg.Logger.Info("echohf: login cookie missing on callback, retrying login", "retries", retries+1)
	return redirect(u)
}

// Refusals of the token endpoint (tokenError).
var (
	// errTokenRefused reports a token request answered with a 4xx: a bad
	// grant, but also a rate limit or a client the provider does not
	// accept (a client secret being rotated).
	errTokenRefused = errors.New("echohf: token request refused")
	// errGrant reports a code or refresh token refused as invalid_grant
	// (RFC 6749 section 5.2): the grant itself is expired, used or
	// revoked. It matches errTokenRefused.
	errGrant = fmt.Errorf("%w: invalid grant", errTokenRefused)
)

// complete exchanges the code, verifies the id_token and fetches userinfo.
// stateID is the id of the login's state: all of it that the session
// keeps, so that a crafted login link cannot make the session larger.
// refresh is the refresh token the provider issued, if any.
func (o *OAuth) complete(ctx context.Context, p *provider, pend pending, stateID, code string) (info *OAuthInfo, refresh string, err error) {
	ctx, cancel := context.WithTimeout(ctx, o.cfg.Timeout)
	defer cancel()
	cfg := p.oauth
	cfg.RedirectURL = pend.Redirect
	tok, err := cfg.Exchange(context.WithValue(ctx, oauth2.HTTPClient, o.cfg.HTTPClient), code, oauth2.VerifierOption(pend.Verifier))
	if err != nil {
		return nil, "", tokenError(p.TokenEndpoint, err)
	}
	rawID, _ := tok.Extra("id_token").(string)
	if rawID == "" {
		return nil, "", &providerError{step: "token endpoint", host: hostOf(p.TokenEndpoint), what: "sent no id_token", kind: errProvider}
	}
	claims, err := o.verifyIDToken(ctx, p, rawID, pend.Nonce)
	if err != nil {
		return nil, "", err
	}
	user, err := o.readUser(ctx, p, tok.AccessToken)
	if err != nil {
		return nil, "", err
	}
	if user.Sub != claims.Sub {
		return nil, "", fmt.Errorf("%w: userinfo sub is not the id_token's", errVerify)
	}
	fromToken, _ := parseUserInfo(claims.JSON)
	mergeUser(&user, fromToken)
	expires := expiryOf(tok, o.cfg.Now(), defaultTokenLifetime)
	scope, _ := tok.Extra("scope").(string)
	if scope == "" {
		scope = strings.Join(o.cfg.Scopes, " ")
	}
	return &OAuthInfo{AccessToken: tok.AccessToken, AccessTokenExpiresAt: expires, UserInfo: user, State: stateID, Scope: scope}, tok.RefreshToken, nil
}

// tokenError describes a failed token request (a code exchange or a
// refresh): a 4xx answer with invalid_grant is a refused grant (errGrant),
// any other 4xx a refused request (errTokenRefused), anything else a
// provider failure (errProvider). Only errGrant says that a refresh token
// is spent: a rate limit or a client the provider refuses for a while
// says nothing of it.
func tokenError(endpoint string, err error) error {
	e := &providerError{step: "token endpoint", host: hostOf(endpoint), kind: errProvider}
	if re := (*oauth2.RetrieveError)(nil); errors.As(err, &re) && re.Response != nil {
		code := re.Response.StatusCode
		e.what, e.status = strings.TrimSpace(fmt.Sprintf("answered %d %s", code, safeToken(re.ErrorCode))), code
		switch {
		case code < 400 || code >= 500:
		case re.ErrorCode == "invalid_grant":
			e.kind = errGrant
		default:
			e.kind = errTokenRefused
		}
		return e
	}
	// x/oauth2 formats its own errors with %v, so only the transport's
	// errors (from the client's Do) can be unwrapped; its message tells a
	// body cut short from an answer it could not parse.
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) || errors.As(err, new(net.Error)) ||
		strings.HasPrefix(err.Error(), "oauth2: cannot fetch token") {
		e.what, e.unanswered = transportError(err), true
		return e
	}
	e.what = "sent a token response that could not be read"
	return e
}

// mergeUser fills the profile fields userinfo left empty in u from from:
// the id_token's claims, or on a renewal the session's user as it was.
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
