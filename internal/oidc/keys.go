package oidc

// This file holds keySource, the cache of the provider's JWKS and its forced
// fetches for unknown key ids.

import (
	"context"
	"crypto/sha256"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwk"
)

// KeyFetchFloor is the least time between two fetches of the provider's
// keys that logins force, however many key ids they bring that the cached
// keys do not hold.
const KeyFetchFloor = time.Second

// maxRefusedKIDs bounds the key ids a keySource remembers as refused, so a
// provider issuing ever new bad key ids cannot grow its memory.
const maxRefusedKIDs = 256

// keySource finds the provider's verification keys. A jwk.Cache fetches
// the JWKS and fetches it again in the background; every set it fetches is
// kept here, so a lookup of a known kid never waits for the network.
//
// A kid the cached keys do not hold forces a fetch, at most one per
// KeyFetchFloor: a login that comes sooner waits for the floor to pass,
// and logins that come while a fetch is under way wait for its result. A
// kid still unknown after a fetch that began once its login had arrived
// is refused for the refuse interval (Config.JWKSRefreshInterval) without
// further fetches. A fetch that fails refuses nothing: the logins waiting
// on it fail, the next one tries again, and the keys already cached keep
// working.
type keySource struct {
	cache   *jwk.Cache
	ctx     context.Context // the Client's: its end ends fetches
	url     string
	host    string // the JWKS host, for log lines
	refuse  time.Duration
	timeout time.Duration
	now     func() time.Time

	set atomic.Pointer[jwk.Set] // the latest set fetched; nil before the first

	mu       sync.Mutex
	last     time.Time              // when the last forced fetch began
	inflight *keyFetch              // the forced fetch under way, if any
	done     *keyFetch              // the last forced fetch that ended
	refused  map[[32]byte]time.Time // sha256 of a refused kid → refused until
}

// keyFetch is one forced fetch of the JWKS, shared by every login that
// waits for it.
type keyFetch struct {
	started time.Time
	done    chan struct{}
	err     error // set before done is closed
}

// newKeySource registers the provider's JWKS URL with a new jwk.Cache
// owned by ctx.
func newKeySource(ctx context.Context, jwksURL string, r Config) (*keySource, error) {
	k := &keySource{
		cache:   jwk.NewCache(ctx),
		ctx:     ctx,
		url:     jwksURL,
		host:    HostOf(jwksURL),
		refuse:  r.JWKSRefreshInterval,
		timeout: r.Timeout,
		now:     r.Now,
		refused: make(map[[32]byte]time.Time),
	}
	err := k.cache.Register(jwksURL,
		jwk.WithHTTPClient(newJWKSClient(ctx, r.HTTPClient, r.Timeout)),
		jwk.WithMinRefreshInterval(15*time.Minute),
		jwk.WithPostFetcher(jwk.PostFetchFunc(func(_ string, set jwk.Set) (jwk.Set, error) {
			k.set.Store(&set)
			return set, nil
		})),
	)
	if err != nil {
		return nil, &Error{Step: "jwks", Host: k.host, What: "has an unusable jwks_uri", Kind: ErrProvider}
	}
	return k, nil
}

// find looks kid up in the latest set fetched.
func (k *keySource) find(kid string) (jwk.Key, bool) {
	set := k.set.Load()
	if set == nil {
		return nil, false
	}
	return (*set).LookupKeyID(kid)
}

// lookup returns the key kid names, fetching the keys again when the cached
// ones do not hold it (see keySource).
func (k *keySource) lookup(ctx context.Context, kid string) (jwk.Key, error) {
	if key, ok := k.find(kid); ok {
		return key, nil
	}
	arrived := k.now()
	id := sha256.Sum256([]byte(kid))
	waited := false
	for {
		k.mu.Lock()
		if key, ok := k.find(kid); ok {
			k.mu.Unlock()
			return key, nil
		}
		now := k.now()
		if until, ok := k.refused[id]; ok {
			if now.Before(until) {
				k.mu.Unlock()
				return nil, ErrUnknownKey
			}
			delete(k.refused, id)
		}
		r := k.inflight
		if r == nil && k.done != nil && !k.done.started.Before(arrived) {
			r = k.done // a fetch that began once this login had arrived has ended
		}
		if r == nil {
			// Wait once: a clock that does not move must not hold a login
			// until its timeout.
			if wait := k.last.Add(KeyFetchFloor).Sub(now); wait > 0 && !waited {
				k.mu.Unlock()
				waited = true
				if err := sleep(ctx, wait); err != nil {
					return nil, k.failure(err)
				}
				continue
			}
			r = k.startFetchLocked(now)
		}
		k.mu.Unlock()
		select {
		case <-r.done:
		case <-ctx.Done():
			return nil, k.failure(ctx.Err())
		}
		if r.err != nil {
			return nil, r.err
		}
		if key, ok := k.find(kid); ok {
			return key, nil
		}
		if !r.started.Before(arrived) {
			k.refuseKID(id)
			return nil, ErrUnknownKey
		}
		// That fetch began before this login arrived, so the set it
		// fetched may predate the key: wait for the next one.
	}
}

// startFetchLocked starts a forced fetch. k.mu must be held.
func (k *keySource) startFetchLocked(now time.Time) *keyFetch {
	r := &keyFetch{started: now, done: make(chan struct{})}
	k.inflight, k.last = r, now
	go func() {
		// Not the login's context: one visitor closing their tab must not
		// fail the fetch for every login waiting on it.
		ctx, cancel := context.WithTimeout(k.ctx, k.timeout)
		defer cancel()
		if _, err := k.cache.Refresh(ctx, k.url); err != nil {
			r.err = k.failure(err)
		}
		k.mu.Lock()
		k.inflight, k.done = nil, r
		k.mu.Unlock()
		close(r.done)
	}()
	return r
}

// refuseKID remembers the kid whose hash is id as refused for k.refuse,
// making room by forgetting expired entries, else an arbitrary one.
func (k *keySource) refuseKID(id [32]byte) {
	k.mu.Lock()
	defer k.mu.Unlock()
	now := k.now()
	if len(k.refused) >= maxRefusedKIDs {
		for h, until := range k.refused {
			if !now.Before(until) {
				delete(k.refused, h)
			}
		}
	}
	if len(k.refused) >= maxRefusedKIDs {
		for h := range k.refused {
			delete(k.refused, h)
			break
		}
	}
	k.refused[id] = now.Add(k.refuse)
}

// failure describes a failed JWKS fetch for the log.
func (k *keySource) failure(err error) error {
	what, none, ok := fetchFailure(err)
	if !ok {
		what = "sent an unusable key set"
	}
	return &Error{Step: "jwks", Host: k.host, What: what, Kind: ErrProvider, Unanswered: none}
}

// sleep waits for d or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
