package hfauth

// This file holds the refresh-token grant of a due session, and the token
// endpoint's errors.

import (
	"context"
	"errors"
	"time"

	"golang.org/x/oauth2"
)

// refreshSession refreshes s, at now, with its refresh token (the refresh
// grant, internal/oidc's Provider.Refresh), then reads userinfo with the new access token. The renewed session holds
// the new tokens (Hugging Face's refresh tokens rotate and are single-use)
// and, when userinfo answered, the user data as the provider has it now.
//
// A refresh refused with invalid_grant (another replica refreshed the
// session first, or the token was revoked, at logout say) serves s for
// renewedGrace, with no cookie that could land after the winner's, then
// ends it: the cookie has no future, and a revalidation must not re-mint
// it (its access token may outlive a logout at the provider). Any other failure,
// another 4xx included (429; invalid_client or unauthorized_client, which
// is also logged at Error level as a configuration problem), keeps s and
// tries again shortly. An answer for another user, an id_token that fails
// verification, or a 401 from userinfo for the new token logs the session out.
func (o *OAuth) refreshSession(ctx context.Context, p *provider, s *session, now time.Time) outcome {
	rt, err := o.refreshSealer.Open(s.Refresh)
	if err != nil { // impossible under a valid signature, short of a key mix-up
		return outcome{retry: o.dueOf(s, true), noRefresh: true}
	}
	tok, err := p.Refresh(ctx, string(rt))
	if err != nil {
		if errors.Is(err, errGrant) {
			o.cfg.Logger.Info("echohf: session refresh refused (another replica refreshed it, or it was revoked); the session ends after a grace",
				"user", s.User.PreferredUsername, "error", err.Error())
			return outcome{retry: now.Add(renewedGrace).UnixNano(), noRefresh: true, refused: true}
		}
		if errors.Is(err, errClient) { // the operator's to fix; the session goes on
			o.logClientRefused(err)
		}
		o.renewFailed("echohf: session refresh failed; the session goes on and is tried again shortly", s, err)
		return outcome{retry: retryAfter(s, now).UnixNano()}
	}
	scope, _ := tok.Extra("scope").(string)
	if scope == "" {
		scope = s.Scope
	}
	next := &session{Checked: s.Checked, Scope: scope, State: s.State, SignIn: s.SignIn, User: s.User}
	next.setExpiry(expiryOf(tok, now, s.lifetime()))
	next.setIssued(now)
	next.setLogin(s.signedIn(now))
	next.Refresh, _ = o.refreshSealer.Seal([]byte(tok.RefreshToken)) // fails only with crypto/rand; the session then goes without
	var fromToken OAuthUserInfo
	if rawID, _ := tok.Extra("id_token").(string); rawID != "" {
		claims, err := p.VerifyRefreshedIDToken(ctx, rawID)
		switch {
		case errors.Is(err, errVerify), err == nil && claims.Sub != s.User.Sub:
			o.cfg.Logger.Warn("echohf: session ended: the id_token of its refresh does not verify, or names another user", "user", s.User.PreferredUsername)
			return outcome{end: true}
		case err != nil: // the keys could not be fetched: userinfo still vouches for the user
			o.renewFailed("echohf: id_token of a refresh not checked", s, err)
		default:
			fromToken, _ = parseUserInfo(claims.JSON)
		}
	}
	user, err := o.readUser(ctx, p, tok.AccessToken)
	switch {
	case tokenRefused(err):
		o.cfg.Logger.Info("echohf: session ended: the provider refused the access token it just issued", "user", s.User.PreferredUsername)
		return outcome{end: true}
	case err != nil: // the new tokens are kept; the next request revalidates
		o.renewFailed("echohf: userinfo failed after a refresh; the session goes on with its user data", s, err)
	case user.Sub != s.User.Sub:
		o.cfg.Logger.Warn("echohf: session ended: userinfo describes another user than the session's", "user", s.User.PreferredUsername)
		return outcome{end: true}
	default:
		mergeUser(&user, fromToken)
		mergeUser(&user, s.User)
		next.User, next.Checked = user, now.Unix()
	}
	return o.renewedOutcome(s, next, tok.AccessToken, now, false)
}

// lifetime is how long the access token of s was granted for, or the
// default when the session does not say.
func (s *session) lifetime() time.Duration {
	if issued, exp := s.issued(), s.expiry(); !issued.IsZero() && issued.Before(exp) {
		return exp.Sub(issued)
	}
	return defaultTokenLifetime
}

// expiryOf is when tok, obtained at now, expires: expires_in seconds after
// now, at most maxExpiresIn, or fallback after now when the answer gives
// no positive expires_in (none, 0, negative). x/oauth2's Expiry is not
// used: it follows time.Now, not Config.Now, it is set in the past for a
// negative expires_in, and for a form-encoded answer (where ExpiresIn stays
// 0 and Extra gives the number) it overflows on a huge one.
func expiryOf(tok *oauth2.Token, now time.Time, fallback time.Duration) time.Time {
	secs := tok.ExpiresIn
	if n, ok := tok.Extra("expires_in").(int64); ok { // only a form-encoded answer gives an int64
		secs = n
	}
	if secs <= 0 {
		return now.Add(fallback)
	}
	return now.Add(time.Duration(min(secs, maxExpiresIn)) * time.Second)
}

// maxExpiresIn bounds expires_in (seconds) far beyond any cookie's life,
// so that no answer overflows a time.Duration.
const maxExpiresIn = 10 * 365 * 24 * 3600

// defaultTokenLifetime applies when the provider gives no expires_in, and
// to mock sessions (the reference's 8 hours).
const defaultTokenLifetime = 8 * time.Hour

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
