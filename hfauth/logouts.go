package hfauth

import (
	"cmp"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// This file is the per-process memory of logouts. A logout ends its whole
// sign-in on the replica that served it: the cookie it was sent, the older
// cookies of the same sign-in that a refresh or a revalidation replaced
// (a page's request sent before the new cookie arrived, or a copy), and
// any newer one a refresh under way mints. Every cookie of a sign-in
// carries the login's state id (or, for a session no OAuth login made,
// a sign-in id of its own) and the user's sub, which no renewal changes:
// that pair is the memory's key.
//
// Auth consults the memory on every request at the cost of two atomic
// loads: each logout bumps an epoch, and a session whose *session (kept
// by jwtstore's cache across requests) was checked at the current epoch
// is not looked up again. A session parsed anew (a cache miss, or the
// cache off) is looked up once there has been any logout at all.

// maxLogouts bounds the sign-ins a process remembers as logged out (about
// 100 bytes each). When full, those that end soonest are forgotten first.
const maxLogouts = 1 << 14

// sweepLogouts is how often a logout also forgets the sign-ins that have
// ended, so that the memory shrinks as they end and not only when full.
const sweepLogouts = time.Minute

// signInKey identifies the sign-in of a session: the login's state id, or
// for a session no OAuth login made its SignIn id, and the user's sub. A
// session with neither (minted by a version that kept no such id) stands
// alone, under its sealed token, which a renewal changes.
type signInKey struct{ id, sub string }

// signIn is the key of the sign-in s belongs to.
func (s *session) signIn() signInKey {
	switch {
	case s.State != "":
		return signInKey{s.State, s.User.Sub}
	case s.SignIn != "":
		return signInKey{s.SignIn, s.User.Sub} // random like a state id: the two never meet
	}
	return signInKey{s.Token, s.User.Sub}
}

// logouts is the memory of logged-out sign-ins, safe for concurrent use.
// Its zero value is ready to use.
type logouts struct {
	epoch atomic.Uint64 // bumped by each logout, once it is recorded
	mu    sync.RWMutex
	m     map[signInKey]int64 // until when (Unix nanoseconds) the sign-in is logged out
	swept int64               // when ended sign-ins were last forgotten (Unix nanoseconds)
	feed  feedMemory          // the Revocations applied here (feedmemory.go)
}

// add records that the sign-in k is logged out from now until until.
func (l *logouts) add(k signInKey, now, until time.Time) {
	l.mu.Lock()
	if l.m == nil {
		l.m = make(map[signInKey]int64)
	}
	if t := now.UnixNano(); t-l.swept >= int64(sweepLogouts) || len(l.m) >= maxLogouts {
		l.makeRoom(t)
	}
	l.m[k] = max(l.m[k], until.UnixNano())
	l.mu.Unlock()
	l.epoch.Add(1)
}

// makeRoom forgets the sign-ins whose cookies have all ended by now, then,
// when the memory is full, those that end soonest, down to seven eighths
// of maxLogouts (so that the next adds find room without looking). l.mu
// must be held for writing.
func (l *logouts) makeRoom(now int64) {
	l.swept = now
	for k, until := range l.m {
		if now >= until {
			delete(l.m, k)
		}
	}
	keep := maxLogouts * 7 / 8
	if len(l.m) < maxLogouts {
		return
	}
	keys := make([]signInKey, 0, len(l.m))
	for k := range l.m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b signInKey) int { return cmp.Compare(l.m[a], l.m[b]) })
	for _, k := range keys[:len(keys)-keep] {
		delete(l.m, k)
	}
}

// has reports whether the sign-in k is logged out at now (Unix nanoseconds).
func (l *logouts) has(k signInKey, now int64) bool {
	l.mu.RLock()
	until, ok := l.m[k]
	l.mu.RUnlock()
	return ok && now < until
}

// loggedOut reports whether the sign-in of s was logged out in this
// process, at now (Unix nanoseconds). A session found signed in is marked
// with the epoch it was checked at, and not looked up again until the
// next logout.
func (l *logouts) loggedOut(s *session, now int64) bool {
	epoch := l.epoch.Load() // before the lookup: a logout recorded after it bumps the epoch past this
	if s.seen.Load() == epoch {
		return false
	}
	if l.has(s.signIn(), now) || l.feed.revoked(s, now/int64(time.Second)) || l.refusing() {
		return true
	}
	s.seen.Store(epoch)
	return false
}

// current reports whether no logout came since s was last found signed
// in: the memory need not be looked up for it.
func (l *logouts) current(s *session) bool {
	return s.seen.Load() == l.epoch.Load()
}
