package hfauth

// This file holds the pending sign-ins a login cookie carries, and the
// memory of used states.

import (
	"crypto/sha256"
	"errors"
	"net/http"
	"sort"
	"sync"
	"time"
)

// pending is what a login cookie carries between the redirect to the
// provider and the callback. It keeps the state's SHA-256, not the state:
// the callback has the state from its query, and the cookie stays the same
// small size whatever target and org ids the state carries.
type pending struct {
	StateHash []byte `json:"h"`
	Nonce     string `json:"n"`
	Verifier  string `json:"v"`
	Redirect  string `json:"r"` // the redirect_uri sent to the provider
	Created   int64  `json:"c"` // Unix nanoseconds, to evict the oldest pending login
	// Handoff is the custom domain the login started on, and Bind the
	// SHA-256 of the bind cookie set there, for the handoff (handoff.go);
	// both empty for a login on the Space's own host.
	Handoff string `json:"hh,omitempty"`
	Bind    []byte `json:"hb,omitempty"`
}

// maxLoginSetCookies bounds the Set-Cookie lines of a login's answer,
// the new login cookie included, whatever cookies the request carries.
const maxLoginSetCookies = 16

// prunePending keeps the number of login cookies below the cap by expiring
// the oldest (and any that no longer verify), so a new login always has
// room. The request's Cookie header is read once, and only the first
// 2*MaxPendingLogins login ids in it are verified: a browser holds at most
// MaxPendingLogins of them, so more are forged or left over, and those
// after the bound are expired by name, unverified. It adds at most budget
// Set-Cookie lines, the oldest live login first, then the invalid ones,
// then the unverified ones; what does not fit is left for later logins.
func (o *OAuth) prunePending(w http.ResponseWriter, r *http.Request, budget int) {
	if budget <= 0 {
		return
	}
	checked := 2 * o.cfg.MaxPendingLogins
	subs := o.logins.ReadSubs(r, checked+budget)
	type entry struct {
		id      string
		created int64
	}
	var live []entry
	var drop []string
	for i, id := range subs.IDs() {
		if i >= checked {
			drop = append(drop, id)
			continue
		}
		p, err := subs.Load(id)
		if err != nil {
			drop = append(drop, id)
			continue
		}
		live = append(live, entry{id, p.Created})
	}
	if n := len(live) - o.cfg.MaxPendingLogins + 1; n > 0 {
		sort.Slice(live, func(i, j int) bool { return live[i].created < live[j].created })
		oldest := make([]string, n)
		for i, e := range live[:n] {
			oldest[i] = e.id
		}
		drop = append(oldest, drop...)
	}
	for _, id := range drop {
		if budget <= 0 {
			break
		}
		budget -= subs.Expire(w, id, budget)
	}
}

// errStateUsed reports a callback whose login state was already used.
var errStateUsed = errors.New("echohf: login state already used on this replica")

// maxUsedStates bounds the memo of used login states: about 3 MB at most,
// and 10 minutes of logins at 50 a second before the oldest are evicted.
const maxUsedStates = 1 << 15

// usedStates remembers the login states whose callback went past the login
// cookie check on this process, by the state's SHA-256, until their login
// cookie has expired. A login cookie is expired in the browser by its
// callback, but a copy of it would verify until its expiry: the memo makes
// it single use on a replica, so that replaying it with made-up codes
// cannot drive calls to the provider's token endpoint with the app's
// credentials. It is safe for concurrent use.
type usedStates struct {
	mu      sync.Mutex
	size    int
	expires map[[sha256.Size]byte]time.Time
	order   [][sha256.Size]byte // ring of the keys, oldest at head; grows up to size
	head, n int
}

// newUsedStates returns a memo of at most size states.
func newUsedStates(size int) *usedStates {
	return &usedStates{size: size, expires: make(map[[sha256.Size]byte]time.Time)}
}

// claim records the state whose SHA-256 is hash as used until now+ttl. It
// reports false when the state is already used (or hash is not a SHA-256).
// Expired states are forgotten first; a full memo forgets its oldest state.
// Every state gets the same ttl, so the oldest is the first to expire.
func (m *usedStates) claim(hash []byte, now time.Time, ttl time.Duration) bool {
	if len(hash) != sha256.Size {
		return false
	}
	key := [sha256.Size]byte(hash)
	m.mu.Lock()
	defer m.mu.Unlock()
	for m.n > 0 && !now.Before(m.expires[m.order[m.head]]) {
		m.dropOldest()
	}
	if _, used := m.expires[key]; used {
		return false
	}
	if m.n == len(m.order) && m.n < m.size {
		order := make([][sha256.Size]byte, min(max(2*m.n, 64), m.size))
		for i := range m.n {
			order[i] = m.order[(m.head+i)%m.n]
		}
		m.order, m.head = order, 0
	}
	if m.n == len(m.order) {
		m.dropOldest()
	}
	m.expires[key] = now.Add(ttl)
	m.order[(m.head+m.n)%len(m.order)] = key
	m.n++
	return true
}

// dropOldest forgets the oldest state; m.mu is held and m is not empty.
func (m *usedStates) dropOldest() {
	delete(m.expires, m.order[m.head])
	m.head = (m.head + 1) % len(m.order)
	m.n--
}

// len returns the number of states m holds.
func (m *usedStates) len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.expires)
}
