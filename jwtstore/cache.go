package jwtstore

import (
	"sync"
	"time"
)

// cache is a bounded memo from an exact token string to its verified claims. When full,
// an arbitrary entry (the first one of a Go map iteration, which starts at a random
// position) is evicted, so it never holds more than size entries; an entry found expired
// is dropped.
type cache[C any] struct {
	mu   sync.RWMutex
	size int
	m    map[string]*entry[C]
}

type entry[C any] struct {
	c             C
	aud           string
	exp, nbf, iat time.Time
}

func newCache[C any](size int) *cache[C] {
	return &cache[C]{size: size, m: make(map[string]*entry[C], min(size, 1024))}
}

func (c *cache[C]) get(tok string) *entry[C] {
	c.mu.RLock()
	e := c.m[tok]
	c.mu.RUnlock()
	return e
}

func (c *cache[C]) put(tok string, e *entry[C]) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.m[tok]; !ok && len(c.m) >= c.size {
		for k := range c.m {
			delete(c.m, k)
			break
		}
	}
	c.m[tok] = e
}

func (c *cache[C]) remove(tok string) {
	c.mu.Lock()
	delete(c.m, tok)
	c.mu.Unlock()
}

func (c *cache[C]) len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.m)
}
