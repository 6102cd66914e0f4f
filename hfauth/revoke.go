package hfauth

// This file holds the revocation of a session's tokens at logout.

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/oauth2"
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
// a copy out at their next revalidation. A refresh of the session that this
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
	renewal := o.renewals.forget(s.Token, now, time.Unix(s.end(o.cfg.SessionMaxAge), 0))
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
					o.renewals.forget(next.Token, now, time.Unix(next.end(o.cfg.SessionMaxAge), 0))
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
// cookie of its sign-in has ended. The older ones end no later than s
// (refreshes give later expiries); a refresh under way somewhere as logout
// comes gives a token of the same lifetime as that of s, from at most
// Timeout later. No cookie of the sign-in outlives SessionMaxAge.
func (o *OAuth) signInEnd(s *session, now time.Time) time.Time {
	end := max(s.end(o.cfg.SessionMaxAge), now.Add(s.lifetime()+o.cfg.Timeout).Unix()+1)
	if s.Login > 0 {
		end = min(end, s.Login+int64(o.cfg.SessionMaxAge/time.Second))
	}
	return time.Unix(end, 0)
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

// revoke asks p's revocation endpoint to revoke t, authenticating the
// client as at the token endpoint. Any answer but 200 is a failure.
func (o *OAuth) revoke(ctx context.Context, p *provider, t revocation) error {
	form := url.Values{"token": {t.token}, "token_type_hint": {t.hint}}
	header := p.oauth.Endpoint.AuthStyle != oauth2.AuthStyleInParams
	if !header {
		form.Set("client_id", o.cfg.ClientID)
		form.Set("client_secret", o.cfg.ClientSecret)
	}
	pe := &providerError{step: "revocation", host: hostOf(p.RevocationEndpoint), kind: errProvider}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.RevocationEndpoint, strings.NewReader(form.Encode()))
	if err != nil {
		pe.what = "has an unusable URL"
		return pe
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if header { // as x/oauth2 does for the token endpoint (RFC 6749 section 2.3.1)
		req.SetBasicAuth(url.QueryEscape(o.cfg.ClientID), url.QueryEscape(o.cfg.ClientSecret))
	}
	res, err := o.cfg.HTTPClient.Do(req)
	if err != nil {
		pe.what, pe.unanswered = transportError(err), true
		return pe
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, maxDocSize))
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		pe.what, pe.status = fmt.Sprintf("answered %d", res.StatusCode), res.StatusCode
		return pe
	}
	return nil
}
