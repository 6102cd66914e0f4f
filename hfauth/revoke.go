package hfauth

// This file holds the revocation of a session's tokens at logout.

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"
)

// revokeWait bounds how long logout waits for the revocation of the
// session's tokens (Timeout, when shorter). A revocation still under way
// then goes on in the background, within Timeout.
const revokeWait = 2 * time.Second

// revokeSession ends the session r carries: in this process at once (every
// cookie of its sign-in, a copy of this one or an older one, is logged out
// here from now on; see logouts.go), and at the provider
// when discovery announced a revocation_endpoint, where its refresh token,
// then its access token, are revoked (RFC 7009), so that other replicas log
// a copy out at their next revalidation. Without that endpoint, its refresh
// token is spent instead (spendRefreshTokens). A refresh of the session that this
// process did, or is doing, as logout comes (a request of the same page in
// the refresh window) ends the same way: its answer may reach the browser
// after logout's. It is best effort: a failure is logged (and the other
// tokens still tried), and logout waits at most revokeWait for it. Mock
// mode has nothing to revoke, but remembers the logout.
func (o *OAuth) revokeSession(r *http.Request) {
	s, err := o.sessions.Load(r)
	if err != nil {
		return // no session, or one that no longer verifies: nothing to revoke
	}
	now := o.cfg.Now()
	o.logouts.add(s.signIn(), now, o.signInEnd(s, now))
	o.publishLogout(r, s, now) // to the other replicas, with a RevocationFeed (feed.go)
	if o.cfg.mode != ModeReal {
		return
	}
	renewal := o.renewals.forget(s.Token, now, o.endOf(s))
	s.due.Store(dueNow) // later requests of this cookie (jwtstore caches it) see it gone
	tokens := o.tokensOf(s)
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), o.cfg.Timeout)
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer cancel()
		if renewal != nil {
			select {
			case <-renewal.done: // renewal.out is set
				if next := renewal.out.next; next != nil {
					o.renewals.forget(next.Token, now, o.endOf(next))
					tokens = append(o.tokensOf(next), tokens...)
				}
			case <-ctx.Done():
			}
		}
		p, err := o.providerFor(ctx)
		if err != nil {
			o.cfg.Logger.Warn("echohf: logout could not revoke the session's tokens", "user", s.User.PreferredUsername, "error", err.Error())
			return
		}
		if p.RevocationEndpoint == "" {
			o.spendRefreshTokens(ctx, p, s, tokens)
			return
		}
		for _, t := range tokens {
			if err := o.revoke(ctx, p, t); err != nil {
				o.cfg.Logger.Warn("echohf: logout could not revoke the session's "+strings.ReplaceAll(t.hint, "_", " "),
					"user", s.User.PreferredUsername, "error", err.Error())
				if ctx.Err() != nil {
					return // out of time: the next would fail the same way
				}
			}
		}
	}()
	wait := time.NewTimer(min(o.cfg.Timeout, revokeWait))
	defer wait.Stop()
	select {
	case <-done:
	case <-wait.C:
	}
}

// signInEnd is how long a logout of s, at now, is remembered: until every
// cookie of its sign-in has ended. While o refreshes sessions, a cookie
// holding a refresh token lives until SessionMaxAge after the sign-in
// (its user may come back after its access token ended: session.end);
// a cookie that does not say when its user signed in gets that time at
// its renewal, which a refresh under way may do up to Timeout from now.
// Otherwise cookies end with their tokens: the older ones no later than
// s (refreshes give later expiries); a refresh under way somewhere as
// logout comes gives a token of the same lifetime as that of s, from at
// most Timeout later. No cookie of the sign-in outlives SessionMaxAge.
func (o *OAuth) signInEnd(s *session, now time.Time) time.Time {
	last := s.signedIn(now.Add(o.cfg.Timeout)).Add(o.cfg.SessionMaxAge)
	if o.refreshing() {
		return last
	}
	end := o.endOf(s)
	if later := now.Add(s.lifetime() + o.cfg.Timeout); later.After(end) {
		end = later
	}
	if last.Before(end) {
		return last
	}
	return end
}

// spendRefreshTokens uses each refresh token in tokens once, at p's token
// endpoint, dropping the answer: what logout does when p announces no
// revocation endpoint (Hugging Face documents none). Refresh tokens are
// single-use, so another replica that later gets a copy of the cookie,
// after its access token ended, has its refresh refused (invalid_grant)
// and logs it out, instead of refreshing it back to life until
// SessionMaxAge. The tokens of the answer are dropped unused; they expire
// at the provider. A failure is logged, as a revocation's is.
func (o *OAuth) spendRefreshTokens(ctx context.Context, p *provider, s *session, tokens []revocation) {
	for _, t := range tokens {
		if t.hint != "refresh_token" {
			continue
		}
		_, err := p.Refresh(ctx, t.token)
		if err == nil || errors.Is(err, errGrant) {
			continue // spent already (a refresh elsewhere), or revoked: what logout wants
		}
		o.cfg.Logger.Warn("echohf: logout could not spend the session's refresh token", "user", s.User.PreferredUsername, "error", err.Error())
		if ctx.Err() != nil {
			return
		}
	}
}

// revocation is a token to revoke, and its kind for token_type_hint.
type revocation struct{ token, hint string }

// tokensOf lists the tokens of s to revoke: its refresh token first (which
// may take the access tokens of its grant with it), then its access token.
func (o *OAuth) tokensOf(s *session) []revocation {
	var tokens []revocation
	if rt, err := o.refreshSealer.Open(s.Refresh); err == nil && s.Refresh != "" {
		tokens = append(tokens, revocation{string(rt), "refresh_token"})
	}
	if at, err := o.sealer.Open(s.Token); err == nil {
		tokens = append(tokens, revocation{string(at), "access_token"})
	}
	return tokens
}

// revoke asks p's revocation endpoint to revoke t (internal/oidc's
// Revoke: the client authenticates as at the token endpoint). Any answer
// but 200 is a failure.
func (o *OAuth) revoke(ctx context.Context, p *provider, t revocation) error {
	return p.Revoke(ctx, t.token, t.hint)
}
