package jwtstore

// This file holds the memo of verified tokens (Options.CacheSize): what
// spares Load the HMAC and JSON work for a token it has seen before.

import (
	"hash/maphash"
	"math/bits"
	"sync/atomic"
	"time"
)

// maxCacheSize bounds Options.CacheSize: the cache's table of slots is
// allocated whole by New, 8 bytes a slot, and its entries take a few KB
// each, so more than this is a mistake, not a need.
const maxCacheSize = 1 << 22

// cache is a bounded memo from an exact token string to its verified claims,
// read without a lock: a table of size slots, each an atomic pointer to an
// entry. A token may sit in two of them (one slot when they coincide),
// picked by a hash of its last sigLen bytes (the signature of a token Save
// minted, a MAC no one without the key can choose), seeded per cache. The
// hash only says where to look: a hit needs the whole token to equal the
// one that was verified, so a token that shares a cached token's signature
// but not all its bytes is verified in full. put fills a free slot of the
// two, else replaces the entry that expires first, so the cache never holds
// more than size entries; an entry found expired is dropped.
//
// A lookup is two atomic loads (plain loads on amd64 and arm64), a hash of
// sigLen bytes and one string comparison: requests on many cores read the
// cache without writing to shared memory.
type cache[C any] struct {
	seed  maphash.Seed
	slots []atomic.Pointer[entry[C]]
}

// entry is a verified token and what Load needs to answer it again.
type entry[C any] struct {
	tok string // the verified token, compared in full on every hit
	c   C
	aud string
	exp time.Time
	// The times of checkTimes with the Leeway applied, so that a hit only
	// compares: expBy is exp+Leeway; nbfBy and iatBy are nbf and iat less
	// Leeway, or zero for a claim the token lacks.
	expBy, nbfBy, iatBy time.Time
}

// newEntry returns the entry of tok, verified with claims c for aud,
// times exp, nbf and iat (zero when absent), checked with leeway.
func newEntry[C any](tok string, c C, aud string, exp, nbf, iat time.Time, leeway time.Duration) *entry[C] {
	e := &entry[C]{tok: tok, c: c, aud: aud, exp: exp, expBy: exp.Add(leeway)}
	if !nbf.IsZero() {
		e.nbfBy = nbf.Add(-leeway)
	}
	if !iat.IsZero() {
		e.iatBy = iat.Add(-leeway)
	}
	return e
}

// check is checkTimes for a hit: the same answers at now, by comparisons
// alone.
func (e *entry[C]) check(now time.Time) error {
	switch {
	case !now.Before(e.expBy):
		return ErrExpired
	case !e.nbfBy.IsZero() && e.nbfBy.After(now):
		return errNbf
	case !e.iatBy.IsZero() && e.iatBy.After(now):
		return errIat
	}
	return nil
}

// cacheKey returns the part of tok that places it in the cache: its last
// sigLen bytes, the signature of a well-formed token.
func cacheKey(tok string) string {
	if len(tok) <= sigLen {
		return tok
	}
	return tok[len(tok)-sigLen:]
}

func newCache[C any](size int) *cache[C] {
	return &cache[C]{seed: maphash.MakeSeed(), slots: make([]atomic.Pointer[entry[C]], size)}
}

// where returns the two slots where tok may be (equal when they coincide).
func (c *cache[C]) where(tok string) (*atomic.Pointer[entry[C]], *atomic.Pointer[entry[C]]) {
	h := maphash.String(c.seed, cacheKey(tok))
	n := uint64(len(c.slots))
	i, _ := bits.Mul64(h, n)                        // the high bits of h scaled to [0, n)
	j, _ := bits.Mul64(bits.RotateLeft64(h, 32), n) // the low bits, likewise
	return &c.slots[i], &c.slots[j]
}

// get returns the entry of the verified token tok, or nil.
func (c *cache[C]) get(tok string) *entry[C] {
	a, b := c.where(tok)
	if e := a.Load(); e != nil && e.tok == tok {
		return e
	}
	if e := b.Load(); e != nil && e.tok == tok {
		return e
	}
	return nil
}

// put remembers e, whose tok must not alias a request's memory: in a slot of
// the two that is free or holds the same token, else in place of the entry
// that expires first. Concurrent puts may replace each other's entries: the
// cache is a memo, and a token it lost is verified again.
func (c *cache[C]) put(e *entry[C]) {
	a, b := c.where(e.tok)
	ea, eb := a.Load(), b.Load()
	switch {
	case ea == nil || ea.tok == e.tok:
		a.Store(e)
	case eb == nil || eb.tok == e.tok:
		b.Store(e)
	case eb.exp.Before(ea.exp):
		b.Store(e)
	default:
		a.Store(e)
	}
}

// remove forgets tok.
func (c *cache[C]) remove(tok string) {
	a, b := c.where(tok)
	for _, p := range [2]*atomic.Pointer[entry[C]]{a, b} {
		if e := p.Load(); e != nil && e.tok == tok {
			p.CompareAndSwap(e, nil)
		}
	}
}

// len counts the entries the cache holds.
func (c *cache[C]) len() int {
	n := 0
	for i := range c.slots {
		if c.slots[i].Load() != nil {
			n++
		}
	}
	return n
}
