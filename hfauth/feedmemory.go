package hfauth

// This file holds feedMemory, the part of the logout memory (logouts.go)
// that Revocations fill: the sign-ins logged out on any replica, and the
// users logged out of all their devices, by keyed digest. Auth reads it
// only when the logout epoch moved since a session was last found signed
// in, like the rest of the logout memory; an app with no feed and no
// "log out everywhere" never fills it and never reads it.

import (
	"cmp"
	"crypto/hmac"
	"crypto/sha256"
	"hash"
	"io"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// userCut is a user's "log out all my devices": sign-ins made at or before
// before (Unix seconds) are logged out until until (Unix seconds).
type userCut struct{ before, until int64 }

// feedMemory holds the Revocations applied to this process. Its zero value
// (with key set) is ready to use.
type feedMemory struct {
	key     []byte           // of the digests, derived from the session secret (feed.go)
	now     func() time.Time // Config.Now
	macs    sync.Pool        // of hash.Hash keyed with key, for digest
	refused atomic.Bool      // a fail-closed feed is out of sync: every session is refused
	mu      sync.RWMutex
	ids     map[[16]byte]int64   // sign-in digest → until (Unix seconds)
	users   map[[16]byte]userCut // user digest → the latest cut
}

// digest is the keyed digest of the parts, each ended by a zero byte.
func (f *feedMemory) digest(parts ...string) (d [16]byte) {
	mac, _ := f.macs.Get().(hash.Hash)
	if mac == nil {
		mac = hmac.New(sha256.New, f.key)
	}
	mac.Reset()
	var sum [sha256.Size]byte
	for _, p := range parts {
		_, _ = io.WriteString(mac, p)
		mac.Write(sum[:1]) // a zero byte
	}
	copy(d[:], mac.Sum(sum[:0]))
	f.macs.Put(mac)
	return d
}

// signInDigest is the Revocation key of the sign-in k.
func (f *feedMemory) signInDigest(k signInKey) [16]byte { return f.digest("s", k.id, k.sub) }

// userDigest is the Revocation key of the user sub.
func (f *feedMemory) userDigest(sub string) [16]byte { return f.digest("u", sub) }

// tag is the Tag of r: the keyed digest of its other fields.
func (f *feedMemory) tag(r Revocation) (t [8]byte) {
	kind := "ts"
	if r.User {
		kind = "tu"
	}
	d := f.digest(kind, string(r.Key[:]), strconv.FormatInt(r.Before, 10), strconv.FormatInt(r.Until, 10))
	copy(t[:], d[:])
	return t
}

// put records r, forgetting first what has ended (and, when full, what
// ends soonest); it reports whether r changed anything.
func (f *feedMemory) put(r Revocation, now int64) bool {
	if r.Until <= now {
		return false
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if r.User {
		if f.users == nil {
			f.users = make(map[[16]byte]userCut)
		}
		trim(f.users, now, func(c userCut) int64 { return c.until })
		old, ok := f.users[r.Key]
		if ok && old.before >= r.Before && old.until >= r.Until {
			return false
		}
		f.users[r.Key] = userCut{max(old.before, r.Before), max(old.until, r.Until)}
		return true
	}
	if f.ids == nil {
		f.ids = make(map[[16]byte]int64)
	}
	trim(f.ids, now, func(u int64) int64 { return u })
	if f.ids[r.Key] >= r.Until {
		return false
	}
	f.ids[r.Key] = r.Until
	return true
}

// trim makes room in m, which holds at most maxLogouts entries: when full,
// it forgets those ended by now, then those that end soonest, down to
// seven eighths of maxLogouts.
func trim[V any](m map[[16]byte]V, now int64, until func(V) int64) {
	if len(m) < maxLogouts {
		return
	}
	for k, v := range m {
		if until(v) <= now {
			delete(m, k)
		}
	}
	if len(m) < maxLogouts {
		return
	}
	keys := make([][16]byte, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b [16]byte) int { return cmp.Compare(until(m[a]), until(m[b])) })
	for _, k := range keys[:len(keys)-maxLogouts*7/8] {
		delete(m, k)
	}
}

// revoked reports whether s is logged out by a Revocation at now (Unix
// seconds).
func (f *feedMemory) revoked(s *session, now int64) bool {
	f.mu.RLock()
	empty := len(f.ids) == 0 && len(f.users) == 0
	f.mu.RUnlock()
	if empty {
		return false
	}
	id, user := f.signInDigest(s.signIn()), f.userDigest(s.User.Sub)
	f.mu.RLock()
	defer f.mu.RUnlock()
	if until, ok := f.ids[id]; ok && now < until {
		return true
	}
	// A session of a version that kept no sign-in time counts as signed in
	// at time zero: before any cut.
	c, ok := f.users[user]
	return ok && now < c.until && s.Login <= c.before
}

// apply records r, when its Tag is right, and, when it is news, moves the
// epoch so that sessions found signed in before are looked up again.
func (l *logouts) apply(r Revocation) {
	if t := l.feed.tag(r); !hmac.Equal(t[:], r.Tag[:]) {
		return // not made with the session secret: something other than echohf wrote it
	}
	if l.feed.put(r, l.feed.now().Unix()) {
		l.epoch.Add(1)
	}
}

// refuse turns fail-closed refusal on or off (RevocationFeed.Start).
func (l *logouts) refuse(on bool) {
	if l.feed.refused.Swap(on) != on {
		l.epoch.Add(1)
	}
}

// refusing reports whether a fail-closed feed refuses every session now.
func (l *logouts) refusing() bool { return l.feed.refused.Load() }
