package jwtstore

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

// The cache is keyed by the signature, but a hit needs the whole token:
// a forged token that reuses a cached token's signature over another
// payload, header or chunking is verified in full, and refused.
func TestCacheExactMatch(t *testing.T) {
	s := newTestStore(t, func(o *Options) { o.CacheSize = 8 })
	hdr := cookieHeader(save(t, s, nil, testClaims{User: "alice"}, time.Now().Add(time.Hour)))
	if _, err := s.Load(requestWith(hdr)); err != nil {
		t.Fatal(err)
	}
	tok := strings.TrimPrefix(hdr, "session=")
	if s.cache.get(tok) == nil {
		t.Fatal("token not cached after Load")
	}
	h, rest, _ := strings.Cut(tok, ".")
	payload, sig, _ := strings.Cut(rest, ".")
	flip := func(s string, i int) string {
		b := []byte(s)
		if b[i] == 'A' {
			b[i] = 'B'
		} else {
			b[i] = 'A'
		}
		return string(b)
	}
	forged := []struct{ name, tok string }{
		{"payload byte changed", h + "." + flip(payload, len(payload)/2) + "." + sig},
		{"payload truncated", h + "." + payload[:len(payload)-4] + "." + sig},
		{"header byte changed", flip(h, 3) + "." + payload + "." + sig},
		{"signature alone", sig},
	}
	for _, f := range forged {
		t.Run(f.name, func(t *testing.T) {
			if s.cache.get(f.tok) != nil {
				t.Fatal("forged token is a cache hit")
			}
			if got, err := s.Load(requestWith("session=" + f.tok)); !errors.Is(err, ErrInvalid) {
				t.Fatalf("Load(forged) = %+v, %v; want ErrInvalid", got, err)
			}
		})
	}
	if _, err := s.Load(requestWith(hdr)); err != nil {
		t.Fatalf("genuine token after forgeries: %v", err)
	}
}

// tokenIn returns a token-like string, distinct for each n, whose two slots
// in c are different (or, with same, the same slot twice).
func tokenIn(t *testing.T, c *cache[testClaims], n int, same bool) string {
	t.Helper()
	for i := 0; i < 10000; i++ {
		tok := fmt.Sprintf("h.p%d.%043d", n, i)
		if a, b := c.where(tok); (a == b) == same {
			return tok
		}
	}
	t.Fatal("no token found with the slots wanted")
	return ""
}

// A full cache makes room in one of a token's two slots: a free one, else
// the one whose entry expires first. It never holds more than its size.
func TestCacheReplacesSoonestToExpire(t *testing.T) {
	t.Parallel()
	c := newCache[testClaims](2)
	put := func(tok string, exp time.Duration) {
		c.put(&entry[testClaims]{tok: tok, c: testClaims{User: tok}, exp: t0.Add(exp)})
	}
	soon, late, next := tokenIn(t, c, 1, false), tokenIn(t, c, 2, false), tokenIn(t, c, 3, false)
	put(soon, time.Minute)
	put(late, time.Hour)
	if c.get(soon) == nil || c.get(late) == nil || c.len() != 2 {
		t.Fatalf("two tokens in a 2-slot cache: hits %v %v, len %d", c.get(soon) != nil, c.get(late) != nil, c.len())
	}
	put(next, 30*time.Minute)
	if c.get(soon) != nil || c.get(late) == nil || c.get(next) == nil || c.len() != 2 {
		t.Fatalf("after a third: soon %v, late %v, next %v, len %d; want the soonest to expire replaced",
			c.get(soon) != nil, c.get(late) != nil, c.get(next) != nil, c.len())
	}
	put(next, 40*time.Minute) // the same token again takes its own slot
	if e := c.get(next); e == nil || !e.exp.Equal(t0.Add(40*time.Minute)) || c.get(late) == nil {
		t.Fatal("putting a cached token again did not replace its own entry")
	}
	c.remove(next)
	if c.get(next) != nil || c.get(late) == nil || c.len() != 1 {
		t.Fatalf("remove: next %v, late %v, len %d", c.get(next) != nil, c.get(late) != nil, c.len())
	}
	c.remove(next) // gone already: nothing else moves
	if c.get(late) == nil {
		t.Fatal("removing an absent token dropped another")
	}
}

// Whatever the order of puts, the cache holds at most its size, the last
// token put is a hit, and a hit is the entry of that very token.
func TestCacheBound(t *testing.T) {
	t.Parallel()
	for _, size := range []int{1, 3, 64} {
		c := newCache[testClaims](size)
		for i := range 500 {
			tok := fmt.Sprintf("h.p.%043d", i)
			c.put(&entry[testClaims]{tok: tok, c: testClaims{N: i}, exp: t0.Add(time.Duration(i%7) * time.Minute)})
			if e := c.get(tok); e == nil || e.c.N != i {
				t.Fatalf("size %d: token %d not a hit right after put", size, i)
			}
			if n := c.len(); n > size {
				t.Fatalf("size %d: holds %d entries", size, n)
			}
		}
		hits := 0
		for i := range 500 {
			if e := c.get(fmt.Sprintf("h.p.%043d", i)); e != nil {
				hits++
				if e.c.N != i {
					t.Fatalf("size %d: token %d hit the entry of %d", size, i, e.c.N)
				}
			}
		}
		if hits != c.len() {
			t.Fatalf("size %d: %d hits, %d entries", size, hits, c.len())
		}
	}
}

// Readers, writers and removers at once (run with -race): a hit is always
// the entry of the token looked up.
func TestCacheConcurrent(t *testing.T) {
	t.Parallel()
	c := newCache[testClaims](8)
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 2000 {
				n := (i*7 + g) % 24
				tok := fmt.Sprintf("h.p.%043d", n)
				switch i % 5 {
				case 0:
					c.put(&entry[testClaims]{tok: tok, c: testClaims{N: n}, exp: t0.Add(time.Duration(n) * time.Minute)})
				case 1:
					c.remove(tok)
				default:
					if e := c.get(tok); e != nil && e.c.N != n {
						errs <- fmt.Errorf("token %d hit the entry of %d", n, e.c.N)
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n := c.len(); n > 8 {
		t.Errorf("holds %d entries; bound 8", n)
	}
}

// A hit's check answers as checkTimes does, at every moment around the
// edges of exp, nbf and iat, with and without those claims.
func TestEntryCheckIsCheckTimes(t *testing.T) {
	t.Parallel()
	s := newTestStore(t, func(o *Options) { o.Leeway = 30 * time.Second })
	exp, nbf, iat := t0.Add(time.Hour), t0.Add(-time.Minute), t0
	for _, times := range [][3]time.Time{{exp, nbf, iat}, {exp, {}, {}}, {exp, nbf, {}}, {exp, {}, iat}} {
		e := newEntry("tok", testClaims{}, s.aud, times[0], times[1], times[2], s.o.Leeway)
		for _, now := range []time.Time{
			nbf.Add(-31 * time.Second), nbf.Add(-30 * time.Second), nbf.Add(-29 * time.Second),
			iat.Add(-30*time.Second - 1), iat.Add(-30 * time.Second), iat,
			exp, exp.Add(30*time.Second - 1), exp.Add(30 * time.Second), exp.Add(time.Hour),
			time.Now(), // with a monotonic reading, as Options.Now gives it
		} {
			if got, want := e.check(now), s.checkTimes(now, times[0], times[1], times[2]); !errors.Is(got, want) || !errors.Is(want, got) {
				t.Errorf("times %v at %v: check %v; checkTimes %v", times, now, got, want)
			}
		}
	}
}
