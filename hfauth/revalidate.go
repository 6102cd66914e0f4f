package hfauth

// This file holds the revalidation of a due session: userinfo read again
// with its access token.

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/echohf/echohf/internal/oidc"
	"github.com/echohf/echohf/jwtstore"
)

// readUser reads userinfo with the access token token. A failure is a
// *providerError; tokenRefused tells the provider's refusal of the token.
func (o *OAuth) readUser(ctx context.Context, p *provider, token string) (OAuthUserInfo, error) {
	body, err := p.UserInfo(ctx, token)
	if err != nil {
		return OAuthUserInfo{}, err
	}
	user, err := parseUserInfo(body)
	if err != nil {
		return OAuthUserInfo{}, &providerError{Step: "userinfo", Host: oidc.HostOf(p.UserinfoEndpoint), What: "sent a document that is not a JSON object", Kind: errProvider}
	}
	return user, nil
}

// tokenRefused reports whether err, from readUser, says that the provider
// no longer accepts the access token (revoked, or expired early): userinfo
// answered 401, or 403 as some providers do for a revoked token (zitadel's
// OP, for one).
func tokenRefused(err error) bool {
	pe := (*providerError)(nil)
	return errors.As(err, &pe) && (pe.Status == http.StatusUnauthorized || pe.Status == http.StatusForbidden)
}

// revalidate reads userinfo again for s with its access token, at now: the
// renewed session carries the user data as the provider has it now (org
// and role changes reach Info and the guards) and the time of this check,
// so that no replica repeats it before RevalidateEvery. A 401 or 403 logs the
// session out; another failure keeps s and tries again later. noRefresh
// says the refresh token of s is spent: the renewed session goes without.
func (o *OAuth) revalidate(ctx context.Context, p *provider, s *session, info *OAuthInfo, now time.Time, noRefresh bool) outcome {
	user, err := o.readUser(ctx, p, info.AccessToken)
	switch {
	case tokenRefused(err):
		o.cfg.Logger.Info("echohf: session ended: the provider no longer accepts its access token (revoked or expired)",
			"user", s.User.PreferredUsername)
		return outcome{end: true}
	case err != nil:
		o.renewFailed("echohf: session revalidation failed; the session goes on and is tried again shortly", s, err)
		return outcome{retry: retryAfter(s, now).UnixNano(), noRefresh: noRefresh}
	case user.Sub != s.User.Sub:
		o.cfg.Logger.Warn("echohf: session ended: userinfo describes another user than the session's", "user", s.User.PreferredUsername)
		return outcome{end: true}
	}
	mergeUser(&user, s.User)
	next := &session{Refresh: s.Refresh, Expires: s.Expires, ExpiresMs: s.ExpiresMs, Issued: s.Issued, IssuedMs: s.IssuedMs,
		Checked: now.Unix(), Scope: s.Scope, State: s.State, SignIn: s.SignIn, User: user}
	next.setLogin(s.signedIn(now))
	if noRefresh {
		next.Refresh = "" // spent: no replica needs to try it again
	}
	return o.renewedOutcome(s, next, info.AccessToken, now, noRefresh)
}

// renewedOutcome completes next, the session that replaces s: it seals
// its access token access anew (so the new cookie's memory in renewals is
// its own) and mints its cookie at now, the renewal's clock reading: every
// request of the session writes that very cookie, which was measured to
// fit. When that fails, s goes on.
func (o *OAuth) renewedOutcome(s, next *session, access string, now time.Time, noRefresh bool) outcome {
	sealed, err := o.sealer.Seal([]byte(access))
	var cookie *jwtstore.Minted[*session]
	if err == nil {
		next.Token = sealed
		cookie, err = o.mint(next, now)
	}
	if err != nil {
		o.renewFailed("echohf: renewed session could not be stored; the session goes on", s, err)
		return outcome{retry: retryAfter(s, now).UnixNano(), noRefresh: noRefresh}
	}
	return outcome{next: next, cookie: cookie, info: o.infoFrom(next, access)}
}
