package jwtstore

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// Subs is what one request carries of a Store's Sub views: their cookies, grouped by id,
// read from the Cookie header in one pass by [Store.ReadSubs]. Its methods work from that
// pass and never read the header again, so looking at several views of a request costs
// one parse of its Cookie header, however many cookies it carries.
type Subs[C any] struct {
	s     *Store[C]
	ids   []string
	found []subCookies   // by position in ids
	vals  []subValue     // the kept cookies' values, each name once
	index map[string]int // id to its position in ids, once there are many
}

// ReadSubs reads the Cookie header of r once and returns the cookies of s's Sub views in
// it, grouped by id in the order each id first appears. It keeps the cookies of at most
// maxIDs ids, and stops reading at the first cookie of any further id: a request with
// thousands of views' cookies costs no more than one with maxIDs of them, but a cookie of
// a kept view that comes after that point (a duplicate, a chunk) goes unseen. Up to that
// point, Load answers as the view's own Load. Names no Sub view writes (an id Sub
// refuses, a chunk index of MaxChunks or more) are skipped. r may be nil.
func (s *Store[C]) ReadSubs(r *http.Request, maxIDs int) *Subs[C] {
	v := &Subs[C]{s: s}
	if r == nil || maxIDs <= 0 {
		return v
	}
	prefix := s.name + "_"
	eachCookie(r.Header["Cookie"], func(name, raw string) bool {
		rest, ok := strings.CutPrefix(name, prefix)
		if !ok {
			return true
		}
		id, suffix := rest, ""
		if i := strings.IndexByte(rest, '.'); i >= 0 {
			id, suffix = rest[:i], rest[i:]
		}
		idx, ok := chunkIndex(suffix)
		if !ok || !validSubID(id) {
			return true
		}
		k, ok := v.lookup(id)
		if !ok {
			if len(v.ids) == maxIDs {
				return false
			}
			k = v.keep(id, maxIDs)
		}
		v.add(k, idx, raw)
		return true
	})
	return v
}

// subCookies records which cookies of one Sub view ReadSubs kept.
type subCookies struct {
	names uint64 // bit 0: the single cookie; bit i+1: chunk i
	dup   bool   // a name came twice
}

// subValue is the raw value of one cookie that ReadSubs kept.
type subValue struct {
	k   int // the view's position in Subs.ids
	idx int // -1 for the single cookie, else the chunk index
	raw string
}

// add records chunk idx (-1: the single cookie) of the view at k with its raw value.
func (v *Subs[C]) add(k, idx int, raw string) {
	c := &v.found[k]
	bit := uint64(1) << (idx + 1)
	if c.names&bit != 0 {
		c.dup = true
		return
	}
	c.names |= bit
	v.vals = append(v.vals, subValue{k, idx, raw})
}

// keep adds id to the ids kept, at most maxIDs, and returns its position.
func (v *Subs[C]) keep(id string, maxIDs int) int {
	const linear = 8 // ids searched one by one before a map pays off
	k := len(v.ids)
	if k == 0 {
		v.ids = make([]string, 0, min(maxIDs, 2*linear))
		v.found = make([]subCookies, 0, min(maxIDs, 2*linear))
		v.vals = make([]subValue, 0, min(maxIDs, 2*linear))
	}
	v.ids = append(v.ids, id)
	v.found = append(v.found, subCookies{})
	if v.index != nil {
		v.index[id] = k
	} else if k == linear {
		v.index = make(map[string]int, 2*linear)
		for i, kept := range v.ids {
			v.index[kept] = i
		}
	}
	return k
}

// lookup returns the position of id among the ids kept.
func (v *Subs[C]) lookup(id string) (int, bool) {
	if v.index != nil {
		k, ok := v.index[id]
		return k, ok
	}
	k := slices.Index(v.ids, id)
	return k, k >= 0
}

// IDs returns the ids of the Sub views whose cookies ReadSubs kept, in the order they first
// appear in the request.
func (v *Subs[C]) IDs() []string { return slices.Clone(v.ids) }

// Load returns the claims of the Sub view id as Sub(id).Load would for the request, from
// the cookies ReadSubs kept: an error matching ErrNoSession for an id whose cookies it did
// not keep.
func (v *Subs[C]) Load(id string) (C, error) {
	var zero C
	k, ok := v.lookup(id)
	if !ok {
		return zero, ErrNoSession
	}
	if v.found[k].dup {
		return zero, fmt.Errorf("%w: duplicated cookie", ErrInvalid)
	}
	var p pieces
	for _, sv := range v.vals {
		if sv.k == k {
			p.add(sv.idx, cookieValue(sv.raw))
		}
	}
	tok, err := p.token(v.s.o.MaxSize)
	if err != nil {
		return zero, err
	}
	c, _, err := v.s.view(id).loadToken(tok, v.s.o.Now())
	return c, err
}

// Expire adds to w one line expiring each cookie of the Sub view id that the request
// carries (its single cookie and its chunks, as ReadSubs kept them), at most limit lines,
// and returns how many it added. Unlike Clear, it writes nothing for a cookie the request
// does not carry, nor for one whose expiring line w already has.
func (v *Subs[C]) Expire(w http.ResponseWriter, id string, limit int) int {
	k, ok := v.lookup(id)
	if !ok || limit <= 0 {
		return 0
	}
	names := v.found[k].names
	h := w.Header()
	name := v.s.name + "_" + id
	n := 0
	for i := -1; i < MaxChunks && n < limit; i++ {
		if names&(1<<(i+1)) == 0 {
			continue
		}
		if i < 0 {
			n += v.s.expire(h, name)
		} else {
			n += v.s.expire(h, name+"."+strconv.Itoa(i))
		}
	}
	return n
}
