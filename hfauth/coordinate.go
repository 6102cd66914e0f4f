package hfauth

// This file coordinates the refresh of a session across replicas, when the
// revocation feed also implements RefreshCoordinator (hfredis does): one
// replica takes a short lock and refreshes, and hands the renewed session,
// sealed, to the others, which would otherwise each spend the single-use
// refresh token again and be refused (invalid_grant). Only the due path
// (renew.go) comes here; Auth's hot path never does. See
// docs/revocation.md, "Refresh without a race".

import (
	"context"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"time"
)

// purposeHandover is the sealing purpose of a renewed session handed from
// the replica that refreshed it to the others.
const purposeHandover = "echohf/refresh-handover/v1"

// Bounds of a coordinated refresh.
const (
	// handoverPoll is how often a replica waiting for another's refresh
	// looks for its result.
	handoverPoll = 10 * time.Millisecond
	// handoverTTL is how long a renewed session stays for the replicas that
	// get the replaced cookie late.
	handoverTTL = renewedGrace
	// maxHandover bounds what a replica reads as a result: a session's
	// cookies are at most 32 KiB.
	maxHandover = 64 << 10
)

// RefreshCoordinator is what a RevocationFeed may also implement to
// coordinate the refreshes of a session across replicas (hfredis does): a
// short lock per session, and the result its holder leaves for the
// others. New finds it by a type assertion on the feed. Keys are keyed
// digests (never a token); results are sealed under the session keys, and
// a replica checks each as it would a cookie, so a writer of the store can
// at most make a replica refresh alone or log a session out.
type RefreshCoordinator interface {
	// ClaimRefresh takes the lock key for ttl unless it is held or a result
	// was left under key. won says this replica must refresh; else result
	// is what was left, nil while none is.
	ClaimRefresh(ctx context.Context, key string, ttl time.Duration) (won bool, result []byte, err error)
	// ShareRefresh leaves result under key for ttl, for the replicas that
	// did not win; a nil result releases the lock instead (the refresh
	// gave no session to hand over).
	ShareRefresh(ctx context.Context, key string, result []byte, ttl time.Duration) error
	// RefreshResult returns what was left under key (nil when nothing is)
	// and whether the lock is still held.
	RefreshResult(ctx context.Context, key string) (result []byte, held bool, err error)
}

// coordinatedRefresh refreshes s (refreshSession), coordinated with the
// other replicas when the feed is a RefreshCoordinator in sync: the replica
// that wins the lock refreshes and shares the renewed session; the others
// wait for it, at most half of Timeout, and serve it. When the store fails,
// is slow, the winner gives nothing or what is read does not check, the
// replica refreshes on its own, as without a feed.
func (o *OAuth) coordinatedRefresh(ctx context.Context, p *provider, s *session, now time.Time) outcome {
	c, ok := o.feed.(RefreshCoordinator)
	if !ok || o.feed.Err() != nil {
		return o.refreshSession(ctx, p, s, now)
	}
	key := o.handoverKey(s)
	wait, cancel := context.WithTimeout(ctx, o.cfg.Timeout/2)
	defer cancel()
	won, result, err := c.ClaimRefresh(wait, key, o.cfg.Timeout)
	if err != nil {
		o.renewFailed("echohf: refresh not coordinated (revocation feed); refreshing alone", s, err)
		return o.refreshSession(ctx, p, s, now)
	}
	if won {
		out := o.refreshSession(ctx, p, s, now)
		var sealed []byte
		if out.next != nil {
			sealed = o.sealHandover(key, out.next)
		}
		share, cancel := context.WithTimeout(context.WithoutCancel(ctx), o.cfg.Timeout/2)
		defer cancel()
		if err := c.ShareRefresh(share, key, sealed, handoverTTL); err != nil {
			o.renewFailed("echohf: refreshed session not shared (revocation feed); other replicas refresh alone", s, err)
		}
		return out
	}
	held := true
	for result == nil && held {
		select {
		case <-wait.Done():
			o.renewFailed("echohf: no refresh from another replica in time; refreshing alone", s, wait.Err())
			return o.refreshSession(ctx, p, s, now)
		case <-time.After(handoverPoll):
		}
		if result, held, err = c.RefreshResult(wait, key); err != nil {
			o.renewFailed("echohf: refresh not coordinated (revocation feed); refreshing alone", s, err)
			return o.refreshSession(ctx, p, s, now)
		}
	}
	if result == nil { // the winner's refresh gave nothing to hand over
		return o.refreshSession(ctx, p, s, now)
	}
	out, ok := o.openHandover(key, s, result, o.cfg.Now())
	if !ok {
		o.cfg.Logger.Warn("echohf: a refreshed session read from the revocation feed does not check (something other than echohf writes to it?); refreshing alone",
			"user", s.User.PreferredUsername)
		return o.refreshSession(ctx, p, s, now)
	}
	o.cfg.Logger.Info("echohf: session refreshed by another replica, handed over through the revocation feed", "user", s.User.PreferredUsername)
	return out
}

// handoverKey is the coordination key of the refresh of s: a keyed digest
// of its sign-in and of its cookie's sealed access token (each refresh of a
// sign-in has its own), unpadded base64url.
func (o *OAuth) handoverKey(s *session) string {
	k := s.signIn()
	d := o.logouts.feed.digest("r", k.id, k.sub, s.Token)
	return base64.RawURLEncoding.EncodeToString(d[:])
}

// sealHandover seals next, the session that replaces the one of key, with
// key inside, so that it can stand for no other session. nil when sealing
// fails (crypto/rand): the others then refresh alone.
func (o *OAuth) sealHandover(key string, next *session) []byte {
	body, err := json.Marshal(next)
	if err != nil {
		return nil
	}
	sealed, err := o.handoverSealer.Seal(append([]byte(key+"\n"), body...))
	if err != nil {
		return nil
	}
	return []byte(sealed)
}

// openHandover checks result, read under key for the refresh of s, as a
// cookie is checked: sealed under the session keys, for this very key,
// the same sign-in and sign-in time as s, not ended and not logged out at
// now. It then mints the session's cookie here. ok is false when any check
// fails; a session logged out meanwhile gives an outcome that ends s.
func (o *OAuth) openHandover(key string, s *session, result []byte, now time.Time) (out outcome, ok bool) {
	if len(result) > maxHandover {
		return outcome{}, false
	}
	plain, err := o.handoverSealer.Open(string(result))
	prefix := []byte(key + "\n")
	if err != nil || len(plain) < len(prefix) || subtle.ConstantTimeCompare(plain[:len(prefix)], prefix) != 1 {
		return outcome{}, false
	}
	next := &session{}
	if err := json.Unmarshal(plain[len(prefix):], next); err != nil {
		return outcome{}, false
	}
	if next.signIn() != s.signIn() || next.Login != s.Login || next.LoginMs != s.LoginMs || !o.live(next, now) || !now.Before(next.expiry()) {
		return outcome{}, false
	}
	if o.logouts.loggedOut(next, now.UnixNano()) {
		return outcome{end: true}, true
	}
	token, err := o.sealer.Open(next.Token)
	if err != nil {
		return outcome{}, false
	}
	cookie, err := o.mint(next, now)
	if err != nil {
		return outcome{}, false
	}
	return outcome{next: next, cookie: cookie, info: o.infoFrom(next, string(token))}, true
}
