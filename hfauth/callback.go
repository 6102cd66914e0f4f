package hfauth

// This file holds the callback route: the state check, the retries of a
// login whose cookie was lost, and the completion of a sign-in (code
// exchange, id_token, userinfo).

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"strings"
)

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
		case errors.Is(err, errClient):
			o.logClientRefused(err)
			return o.fail(CallbackPath, http.StatusBadGateway, "Sign-in failed: the Hugging Face OpenID provider refused this app's credentials. The app's operator must fix its configuration.", err)
		case errors.Is(err, errTokenRefused): // any other 4xx: a fresh sign-in is the user's way out (the log says which)
			return o.fail(CallbackPath, http.StatusBadRequest, "Sign-in failed: the authorization code was refused (it may have expired). Please sign in again.", err)
		case unanswered(err):
			return o.fail(CallbackPath, http.StatusBadGateway, "Sign-in failed: the Hugging Face OpenID provider could not be reached. Please try again.", err)
		default:
			return o.fail(CallbackPath, http.StatusBadGateway, "Sign-in failed: the Hugging Face OpenID provider answered with an error. Please try again.", err)
		}
	}
	if pend.Handoff != "" { // the login started on a custom domain
		return o.handOff(w, r, pend, st.target, info, refresh)
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
	l := loginLink{retries: retries + 1, orgIDs: st.orgIDs, consent: st.consent}
	if st.target != "/" {
		l.target = st.target
	}
	u := l.build(o.prefix)
	if retries >= maxRetries {
		if o.cfg.SpaceHost == "" || retries >= maxRetries+maxBreakouts {
			return o.fail(CallbackPath, http.StatusBadRequest, "Sign-in failed: the browser did not keep the login cookie. Please allow cookies for this site and try again.", errors.New("state mismatch after retries"))
		}
		u = "https://" + o.cfg.SpaceHost + u
	}
	o.cfg.Logger.Info("echohf: login cookie missing on callback, retrying login", "retries", retries+1)
	return redirect(u)
}

// complete exchanges the code, verifies the id_token and fetches userinfo.
// stateID is the id of the login's state: all of it that the session
// keeps, so that a crafted login link cannot make the session larger.
// refresh is the refresh token the provider issued, if any.
func (o *OAuth) complete(ctx context.Context, p *provider, pend pending, stateID, code string) (info *OAuthInfo, refresh string, err error) {
	ctx, cancel := context.WithTimeout(ctx, o.cfg.Timeout)
	defer cancel()
	asked := o.cfg.Now() // the token's life counts from its request, not from the end of the sign-in
	tok, err := p.Exchange(ctx, code, pend.Redirect, pend.Verifier)
	if err != nil {
		return nil, "", err
	}
	rawID, _ := tok.Extra("id_token").(string) // Exchange saw it
	claims, err := p.VerifyIDToken(ctx, rawID, pend.Nonce)
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
	expires := expiryOf(tok, asked, defaultTokenLifetime)
	scope, _ := tok.Extra("scope").(string)
	if scope == "" {
		scope = strings.Join(o.cfg.Scopes, " ")
	}
	return &OAuthInfo{AccessToken: tok.AccessToken, AccessTokenExpiresAt: expires, UserInfo: user, State: stateID, Scope: scope}, tok.RefreshToken, nil
}
