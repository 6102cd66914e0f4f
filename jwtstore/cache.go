package jwtstore

import (
	"sync"
	"time"
)

// cache is a bounded memo from an exact token string to its verified claims. When full,
// an arbitrary entry (the first one of a Go map iteration, which starts at a random
// position) is evicted, so it never holds more than size entries; an entry found expired
// is dropped.
//
// The map is keyed by the token's last sigLen bytes (its signature) so that a lookup
// hashes a few dozen bytes rather than the whole token; a hit still requires the whole
// token to equal the one that was verified.
type cache[C any] struct {
	mu   sync.RWMutex
	size int
	m    map[string]*entry[C]
}

type entry[C any] struct {
	tok           string // the verified token, compared in full on every hit
	c             C
	aud           string
	exp, nbf, iat time.Time
}

// cacheKey returns the part of tok that keys the cache: its last sigLen bytes, the
// signature of a well-formed token.
func cacheKey(tok string) string {
	if len(tok) <= sigLen {
		return tok
	}
	return tok[len(tok)-sigLen:]
}

func newCache[C any](size int) *cache[C] {
	return &cache[C]{size: size, m: make(map[string]*entry[C], min(size, 1024))}
}

func (c *cache[C]) get(tok string) *entry[C] {
	c.mu.RLock()
	e := c.m[cacheKey(tok)]
	c.mu.RUnlock()
	if e == nil || e.tok != tok {
		return nil
	}
	return e
}

// put remembers e, whose tok must not alias a request's memory.
func (c *cache[C]) put(e *entry[C]) {
	key := cacheKey(e.tok)
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.m[key]; !ok && len(c.m) >= c.size {
		for k := range c.m {
			delete(c.m, k)
			break
		}
	}
	c.m[key] = e
}

func (c *cache[C]) remove(tok string) {
	key := cacheKey(tok)
	c.mu.Lock()
	if e := c.m[key]; e != nil && e.tok == tok {
		delete(c.m, key)
	}
	c.mu.Unlock()
}

func (c *cache[C]) len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.m)
}
