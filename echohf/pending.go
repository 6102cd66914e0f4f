package echohf

import (
	"net/http"
	"sort"
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
