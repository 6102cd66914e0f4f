package hfauth

import (
	"context"
	"math"
	"net/http"
	"sync"
	"time"

	"github.com/echohf/echohf/jwtstore"
)

// This file is the due path of Auth: what a request does when its session
// is due for a refresh (the access token is in its last RefreshBefore) or a
// revalidation (its user data is older than RevalidateEvery). The calls to
// the provider themselves are in refresh.go and revalidate.go.
//
// Nothing is stored outside the cookie but a bounded per-process memory,
// keyed by the session's sealed access token (unique to each minted cookie):
// the renewal under way, which every request of the session waits for
// instead of starting its own, and for a while what it gave. A replica that
// forgets (a restart, an eviction) does one call too many, never a wrong one.

// Due times of note: never comes; dueNow has passed, and unlike 0 (not
// set yet) it is kept when infoOf first sets a session's due time.
const (
	never  = math.MaxInt64
	dueNow = 1
)

// Memory of renewals.
const (
	// maxRenewals bounds the renewals a process remembers. One that is
	// forgotten costs a call to the provider, no more.
	maxRenewals = 4096
	// renewedGrace is how long a renewed session is handed to requests
	// that still carry the cookie it replaces: those sent before the new
	// cookie arrived. A session whose refresh was refused with
	// invalid_grant is likewise served that long (another replica may have
	// refreshed it, and the page's requests sent before the winner's cookie
	// arrived are served), then logged out: its sign-in goes on, if at
	// all, with a newer cookie.
	renewedGrace = 30 * time.Second
	// Retries after a provider failure come after a quarter of the token's
	// remaining life, within these bounds.
	minRetry = time.Second
	maxRetry = 30 * time.Second
)

// dueOf is when, in Unix nanoseconds, a request of s must renew it: the
// start of its refresh window when it holds a refresh token (and
// noRefresh does not say it is spent), or RevalidateEvery after its last
// check, whichever comes first. Mock sessions are never due.
func (o *OAuth) dueOf(s *session, noRefresh bool) int64 {
	if o.cfg.mode != ModeReal {
		return never
	}
	due := int64(never)
	if o.canRefresh(s, noRefresh) {
		due = s.refreshFrom(o.cfg.RefreshBefore).UnixNano()
	}
	if o.cfg.RevalidateEvery > 0 {
		due = min(due, time.Unix(s.Checked, 0).Add(o.cfg.RevalidateEvery).UnixNano())
	}
	return due
}

// canRefresh reports whether s may be refreshed: refreshing is on, s
// holds a refresh token not known to be spent, and its token ends before
// SessionMaxAge does (a refresh never extends a session past it).
func (o *OAuth) canRefresh(s *session, noRefresh bool) bool {
	return !noRefresh && s.Refresh != "" && o.cfg.RefreshBefore > 0 &&
		(s.Login <= 0 || atMs(s.Login, s.LoginMs).Add(o.cfg.SessionMaxAge).After(s.expiry()))
}

// refreshFrom is the start of the refresh window of s: before its expiry,
// but never more than half the token's lifetime (when known), so that a
// short-lived token is not refreshed right after login.
func (s *session) refreshFrom(before time.Duration) time.Time {
	exp := s.expiry()
	if issued := s.issued(); !issued.IsZero() && issued.Before(exp) {
		before = min(before, exp.Sub(issued)/2)
	}
	return exp.Add(-before)
}

// retryAfter is when a renewal of s that failed at now is tried again.
func retryAfter(s *session, now time.Time) time.Time {
	wait := s.expiry().Sub(now) / 4
	return now.Add(min(max(wait, minRetry), maxRetry))
}

// outcome is what a renewal gave, for every request of the session.
type outcome struct {
	next   *session                   // the renewed session; nil when the current one goes on
	cookie *jwtstore.Minted[*session] // next's cookie, minted once, written by every request
	info   *OAuthInfo                 // next's info
	end    bool                       // the provider refused the session: log it out
	// retry is when, in Unix nanoseconds, the current session may be tried
	// again (when next is nil and end false); noRefresh says its refresh
	// token is spent, so that try will not refresh.
	retry     int64
	noRefresh bool
	// refused says the provider refused the session's refresh token
	// (invalid_grant): at retry, the session ends instead.
	refused bool
}

// renew serves a request of s that came when s was due, at now: it waits
// for the renewal of s (starting it when none is under way or remembered),
// then mints the renewed session on w, logs the session out, or goes on
// with s, as the outcome says. echohf's own routes never renew: logout
// revokes the tokens of the cookie it was sent, not those of a cookie the
// browser has not got yet.
//
// A session whose access token has ended (its user was away, and it holds
// a refresh token: see session.end) renews the same way, by a refresh.
// When that does not give a new token (the provider is down, slow or
// refused it), the request is logged out but the cookie is kept: a later
// request, here or on another replica, refreshes it once the provider is
// back, unless the refusal ends it (invalid_grant, after its grace).
func (o *OAuth) renew(w http.ResponseWriter, r *http.Request, s *session, info *OAuthInfo, now time.Time) *OAuthInfo {
	if o.ownRoute(r.URL.Path) {
		return unexpired(s, info, now)
	}
	out, ok := o.renewals.do(r.Context(), s.Token, now, o.endOf(s), func(noRefresh bool) outcome {
		return o.renewSession(r.Context(), s, info, noRefresh)
	})
	switch {
	case !ok: // the client left while waiting
		return unexpired(s, info, now)
	case out.end:
		o.sessions.Clear(w, r)
		return nil
	case out.next != nil && (o.logouts.has(out.next.signIn(), now.UnixNano()) || o.logouts.feed.revoked(out.next, now.Unix())):
		o.sessions.Clear(w, r) // logged out while it was renewed, here or (through the feed) on another replica
		return nil
	case out.next != nil:
		if err := out.cookie.Write(w, r); err != nil { // it fit when minted: cannot fail
			o.cfg.Logger.Warn("echohf: renewed session could not be stored", "error", err.Error())
		}
		return out.info
	}
	exp := s.expiry().UnixNano()
	if now.UnixNano() >= exp {
		return nil // every request of this cookie asks the memory of renewals until one refreshes it
	}
	s.due.Store(min(out.retry, exp)) // later requests of this cookie go straight on until then
	return info
}

// unexpired is info when the access token of s has not ended by now, else
// nil: the request is logged out, with the cookie left as it is.
func unexpired(s *session, info *OAuthInfo, now time.Time) *OAuthInfo {
	if !now.Before(s.expiry()) {
		return nil
	}
	return info
}

// renewSession renews s: a refresh when s is in its refresh window or its
// access token has ended, else a revalidation. It calls the provider on a
// context of its own, bounded by Timeout, so that the visitor who started
// it leaving does not fail it for the others. A session whose token has
// ended and that cannot be refreshed (its refresh token is known to be
// spent) ends.
func (o *OAuth) renewSession(ctx context.Context, s *session, info *OAuthInfo, noRefresh bool) outcome {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), o.cfg.Timeout)
	defer cancel()
	now := o.cfg.Now()
	if !o.canRefresh(s, noRefresh) && !now.Before(s.expiry()) {
		return outcome{end: true}
	}
	p, err := o.providerFor(ctx)
	if err != nil {
		o.renewFailed("echohf: session renewal failed (provider discovery); the session goes on and is tried again shortly", s, err)
		return outcome{retry: retryAfter(s, now).UnixNano(), noRefresh: noRefresh}
	}
	if o.canRefresh(s, noRefresh) && !now.Before(s.refreshFrom(o.cfg.RefreshBefore)) {
		return o.coordinatedRefresh(ctx, p, s, now) // refreshSession, coordinated across replicas by a feed that can
	}
	if o.cfg.RevalidateEvery > 0 && !now.Before(time.Unix(s.Checked, 0).Add(o.cfg.RevalidateEvery)) {
		return o.revalidate(ctx, p, s, info, now, noRefresh)
	}
	return outcome{retry: o.dueOf(s, noRefresh), noRefresh: noRefresh}
}

// renewFailed logs, with the message what, a renewal of s that the
// provider could not serve: the step and host, never a token.
func (o *OAuth) renewFailed(what string, s *session, err error) {
	o.cfg.Logger.Warn(what, "user", s.User.PreferredUsername, "error", err.Error())
}

// renewals is the per-process memory of renewals, safe for concurrent
// use. Its zero value is ready to use.
type renewals struct {
	mu sync.Mutex
	m  map[string]*renewal
}

// renewal is one renewal, under way or over.
type renewal struct {
	done    chan struct{} // closed when out is set
	out     outcome
	until   int64 // Unix nanoseconds after which an ended renewal is forgotten
	expires int64 // Unix nanoseconds: the end of the session renewed
}

// closedChan is a closed channel: the done of a renewal that is over when made.
var closedChan = func() chan struct{} {
	c := make(chan struct{})
	close(c)
	return c
}()

// loggedOut is a renewal that ended its session, remembered until the
// session's end (Unix nanoseconds).
func loggedOut(expires int64) *renewal {
	return &renewal{done: closedChan, out: outcome{end: true}, until: expires, expires: expires}
}

// maxChain bounds how many renewals of one session back successorEnded
// looks: one a revalidation, one a refresh, and a few more for luck.
const maxChain = 8

// do returns the outcome of the renewal of the session key, at now. A
// renewal that ended and is still remembered answers at once; one under way
// is waited for; otherwise work runs in this request, told whether the
// session's refresh token is known to be spent. expires is the session's
// end, after which nothing about it is worth remembering. ok is false when
// ctx ended first.
func (rs *renewals) do(ctx context.Context, key string, now, expires time.Time, work func(noRefresh bool) outcome) (out outcome, ok bool) {
	t := now.UnixNano()
	rs.mu.Lock()
	e := rs.m[key]
	noRefresh := false
	if e != nil && e.over() {
		switch {
		case t >= e.until:
			e = nil
		case e.out.next != nil && rs.successorEnded(e, t):
			// Logged out (or refused) since it was renewed: so is every
			// cookie it replaced.
			e = loggedOut(e.expires)
			rs.m[key] = e
			rs.mu.Unlock()
			return e.out, true
		case t < e.out.retry || e.out.next != nil || e.out.end:
			rs.mu.Unlock()
			return e.out, true
		case e.out.refused:
			// Its grace is over: a session whose refresh token the provider
			// refused is never renewed back to life (a revalidation would
			// re-mint it for as long as its access token lasts).
			e = loggedOut(e.expires)
			rs.m[key] = e
			rs.mu.Unlock()
			return e.out, true
		default: // time to try again; a spent refresh token stays spent
			noRefresh, e = e.out.noRefresh, nil
		}
	}
	if e != nil {
		rs.mu.Unlock()
		select {
		case <-e.done:
			return e.out, true
		case <-ctx.Done():
			return outcome{}, false
		}
	}
	e = &renewal{done: make(chan struct{}), expires: expires.UnixNano()}
	rs.put(key, e, t)
	rs.mu.Unlock()
	defer func() { // even if work panics, nobody waits for it forever
		rs.mu.Lock()
		e.out, e.until = out, keepUntil(out, now, expires)
		close(e.done)
		rs.mu.Unlock()
	}()
	return work(noRefresh), true
}

// keepUntil is how long the outcome out of a renewal done at now is
// remembered: a renewed session for renewedGrace, a failure until its
// retry, a session logged out or whose refresh token is spent until it
// would have ended (expires).
func keepUntil(out outcome, now, expires time.Time) int64 {
	switch {
	case out.next != nil:
		return now.Add(renewedGrace).UnixNano()
	case out.end, out.noRefresh:
		return expires.UnixNano()
	}
	return out.retry
}

// over reports whether e has ended. rs.mu must be held.
func (e *renewal) over() bool {
	select {
	case <-e.done:
		return true
	default:
		return false
	}
}

// put adds e under key, making room when the memory is full: it drops
// the renewals forgotten by now, then ended ones down to seven eighths of
// maxRenewals (so that the next puts find room without looking), sparing
// logouts, and only then a logout. Renewals under way are never dropped
// (there are no more of them than requests being served). rs.mu must be
// held.
func (rs *renewals) put(key string, e *renewal, now int64) {
	if rs.m == nil {
		rs.m = make(map[string]*renewal)
	}
	if _, ok := rs.m[key]; !ok && len(rs.m) >= maxRenewals {
		rs.drop(func(old *renewal) bool { return now >= old.until }, 0)
		rs.drop(func(old *renewal) bool { return !old.out.end }, maxRenewals*7/8)
		rs.drop(func(*renewal) bool { return true }, maxRenewals-1)
	}
	rs.m[key] = e
}

// drop forgets ended renewals that match, until at most keep are left.
// rs.mu must be held.
func (rs *renewals) drop(match func(*renewal) bool, keep int) {
	for k, old := range rs.m {
		if len(rs.m) <= keep {
			return
		}
		if old.over() && match(old) {
			delete(rs.m, k)
		}
	}
}

// known reports whether rs holds anything about the session key.
func (rs *renewals) known(key string) bool {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	_, ok := rs.m[key]
	return ok
}

// forget makes the session key logged out in this process from now until
// expires (logout), and with it every session it renewed from, whose
// cookies a page may still send. It returns the renewal of key it
// replaces, if any: one under way goes on for the requests waiting for it.
func (rs *renewals) forget(key string, now, expires time.Time) *renewal {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	old := rs.m[key]
	rs.put(key, loggedOut(expires.UnixNano()), now.UnixNano())
	for ended := []string{key}; len(ended) > 0; {
		k := ended[len(ended)-1]
		ended = ended[:len(ended)-1]
		for pk, e := range rs.m {
			if e.over() && e.out.next != nil && e.out.next.Token == k {
				rs.m[pk] = loggedOut(e.expires)
				ended = append(ended, pk)
			}
		}
	}
	return old
}

// successorEnded reports whether the session that e renewed, or one
// renewed from it since, has ended: logged out, or refused by the
// provider. rs.mu must be held.
func (rs *renewals) successorEnded(e *renewal, now int64) bool {
	for range maxChain {
		if e.out.next == nil {
			return false
		}
		if e = rs.m[e.out.next.Token]; e == nil || !e.over() || now >= e.until {
			return false
		}
		if e.out.end {
			return true
		}
	}
	return false
}
