package hfauth

import (
	"fmt"
	"sort"
	"time"

	"github.com/echohf/echohf/jwtstore"
)

// This file fits a session into its cookies. A member of very many
// organizations gets a cookie without their avatars, holding as many
// organizations as fit. Each candidate costs a full encoding (packing,
// two DEFLATE passes, a signature), so the count that fits is estimated
// from the sizes measured so far rather than bisected over the whole list:
// a handful of encodings near the cut instead of one per halving.

// maxEstimates bounds the candidates chosen by estimation; the search
// bisects after them, so it ends in any case.
const maxEstimates = 6

// mint mints the session cookie of s as it stands at now, the one clock
// reading of this store: the size search and the cookie it returns use it
// alike, and the cookie returned is the last fitting one the search
// measured, so what is written is what was measured. A session too large
// for the cookies loses its organizations' avatars, then as many
// organizations as it must (s is changed to what the cookie holds).
// Errors match jwtstore.ErrTooLarge when no organization list fits.
func (o *OAuth) mint(s *session, now time.Time) (*jwtstore.Minted[*session], error) {
	expires := o.cookieExpiry(s)
	// The user's text goes as it is when the cookie fits in one cookie
	// that way, so that a replica's first check of it inflates nothing
	// (docs/performance.md); else deflated, when that saves bytes.
	s.plainText = true
	whole, err := o.sessions.Mint(s, expires, now)
	if err == nil && (whole.Compressed() || whole.Size() > jwtstore.CookieLimit) {
		s.plainText = false
		whole, err = o.sessions.Mint(s, expires, now)
	}
	if err != nil || whole.Room() >= 0 {
		return whole, err
	}
	all := len(s.User.Orgs)
	orgs := make([]OAuthOrgInfo, all)
	for i, org := range s.User.Orgs {
		org.Picture = ""
		orgs[i] = org
	}
	f := fitter{cum: cumulativeSizes(orgs), try: func(n int) (*jwtstore.Minted[*session], error) {
		s.User.Orgs = orgs[:n]
		return o.sessions.Mint(s, expires, now)
	}}
	// The session as it was is a first measure of the bytes an
	// organization costs (avatars included, so more than without).
	f.first = point{w: sum(cumulativeSizes(s.User.Orgs)), room: whole.Room()}
	kept, m, err := f.search(all)
	if err != nil {
		return nil, err
	}
	if m == nil {
		return nil, fmt.Errorf("%w: even without organizations (%d bytes over)", jwtstore.ErrTooLarge, -whole.Room())
	}
	s.User.Orgs = orgs[:kept]
	if kept == all {
		o.cfg.Logger.Warn("echohf: session too large for cookies: organization avatars dropped", "orgs", all)
	} else {
		o.cfg.Logger.Warn("echohf: session too large for cookies: organization avatars dropped and organizations truncated", "kept", kept, "orgs", all)
	}
	return m, nil
}

// cookieExpiry is when the cookie of s expires: with the session
// (session.end), its access token or SessionMaxAge after the sign-in. The
// JWT's exp and the cookie's Max-Age are whole seconds: the end is rounded
// up, so that neither comes before it. jwtstore accepts the cookie Leeway
// longer (clock skew), but Auth ends the session at its end exactly.
func (o *OAuth) cookieExpiry(s *session) time.Time {
	end := o.endOf(s)
	if whole := end.Truncate(time.Second); whole.Before(end) {
		return whole.Add(time.Second)
	}
	return end
}

// sum is the last of the cumulative sizes c.
func sum(c []int) int { return c[len(c)-1] }

// cumulativeSizes returns c with c[n] the packed size, before compression,
// of orgs[:n]: a measure of what the first n organizations add to a cookie
// that costs no compression.
func cumulativeSizes(orgs []OAuthOrgInfo) []int {
	c := make([]int, len(orgs)+1)
	var p packer
	for i := range orgs {
		p.bin, p.text = p.bin[:0], p.text[:0]
		p.org(&orgs[i])
		c[i+1] = c[i] + len(p.bin) + len(p.text)
	}
	return c
}

// point is a measured candidate: the packed size w of its organizations
// and the room its cookie leaves (negative when it does not fit).
type point struct{ w, room int }

// fitter finds the largest count of organizations whose cookie fits.
type fitter struct {
	cum   []int // cumulativeSizes of the organizations
	try   func(n int) (*jwtstore.Minted[*session], error)
	first point // a measure taken before the search, for its first estimate
}

// search returns the largest n in [0, all] whose cookie fits and that
// cookie, or a nil cookie when not even n = 0 fits. Like the bisection it
// replaces, it takes a cookie to grow with n; sizes that do so only
// roughly (compression) cost more candidates, not a wrong answer near them.
func (f *fitter) search(all int) (int, *jwtstore.Minted[*session], error) {
	lo, hi := -1, all+1 // the largest count known to fit, the smallest known not to
	var best *jwtstore.Minted[*session]
	var loP, hiP, prev point // prev: the fitting point before lo
	hiMeasured := false
	for step := 0; lo+1 < hi; step++ {
		n := 0
		switch {
		case lo < 0: // first the session without organizations: the base
		case step > maxEstimates:
			n = (lo + hi) / 2
		case hiMeasured:
			n = f.estimate(loP, hiP)
		case step == 1:
			n = f.estimate(loP, point{w: f.first.w, room: f.first.room})
		default:
			n = f.estimate(prev, loP)
		}
		n = min(max(n, lo+1), hi-1)
		m, err := f.try(n)
		if err != nil {
			return 0, nil, err
		}
		p := point{w: f.cum[n], room: m.Room()}
		switch {
		case p.room >= 0:
			prev, loP, lo, best = loP, p, n, m
		case n == 0:
			return 0, nil, nil
		default:
			hiP, hi, hiMeasured = p, n, true
		}
	}
	return lo, best, nil
}

// estimate returns the count at which the room left, going linearly in
// the packed size through a and b, runs out: the largest n whose packed
// size is at most that.
func (f *fitter) estimate(a, b point) int {
	if a.w == b.w || a.room == b.room {
		return len(f.cum) // nothing to go on: the top of the range
	}
	w := float64(a.w) + float64(a.room)*float64(b.w-a.w)/float64(a.room-b.room)
	return sort.Search(len(f.cum), func(i int) bool { return float64(f.cum[i]) > w }) - 1
}
