package echohf

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwk"
)

// jwksRefreshFloor is the least time between two fetches of the provider's
// keys that logins force, however many key ids they bring that the cached
// keys do not hold.
const jwksRefreshFloor = time.Second

// maxRefusedKIDs bounds the key ids a keySource remembers as refused, so a
// provider issuing ever new bad key ids cannot grow its memory.
const maxRefusedKIDs = 256

// errUnknownKey reports a kid the provider's JWKS does not hold.
var errUnknownKey = fmt.Errorf("%w: unknown key id", errVerify)

// keySource finds the provider's verification keys. A jwk.Cache fetches
// the JWKS and refreshes it in the background; every set it fetches is
// kept here, so a lookup of a known kid never waits for the network.
//
// A kid the cached keys do not hold forces a refresh, at most one per
// jwksRefreshFloor: a login that comes sooner waits for the floor to pass,
// and logins that come while a refresh is under way wait for its result. A
// kid still unknown after a refresh that began once its login had arrived
// is refused for the refuse interval (Config.JWKSRefreshInterval) without
// further fetches. A refresh that fails refuses nothing: the logins waiting
// on it fail, the next one tries again, and the keys already cached keep
// working.
type keySource struct {
	cache   *jwk.Cache
	ctx     context.Context // the OAuth's: Close ends refreshes
	url     string
	host    string // the JWKS host, for log lines
	refuse  time.Duration
	timeout time.Duration
	now     func() time.Time

	set atomic.Pointer[jwk.Set] // the latest set fetched; nil before the first

	mu       sync.Mutex
	last     time.Time              // when the last forced refresh began
	inflight *refresh               // the forced refresh under way, if any
	done     *refresh               // the last forced refresh that ended
	refused  map[[32]byte]time.Time // sha256 of a refused kid → refused until
}

// refresh is one forced fetch of the JWKS, shared by every login that
// waits for it.
type refresh struct {
	started time.Time
	done    chan struct{}
	err     error // set before done is closed
}

// newKeySource registers the provider's JWKS URL with a new jwk.Cache
// owned by ctx.
func newKeySource(ctx context.Context, jwksURL string, r resolved) (*keySource, error) {
	k := &keySource{
		cache:   jwk.NewCache(ctx),
		ctx:     ctx,
		url:     jwksURL,
		host:    hostOf(jwksURL),
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
		return nil, &providerError{step: "jwks", host: k.host, what: "has an unusable jwks_uri", kind: errProvider}
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

// lookup returns the key kid names, refreshing the cached keys when they
// do not hold it (see keySource).
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
				return nil, errUnknownKey
			}
			delete(k.refused, id)
		}
		r := k.inflight
		if r == nil && k.done != nil && !k.done.started.Before(arrived) {
			r = k.done // a refresh that began once this login had arrived has ended
		}
		if r == nil {
			// Wait once: a clock that does not move must not hold a login
			// until its timeout.
			if wait := k.last.Add(jwksRefreshFloor).Sub(now); wait > 0 && !waited {
				k.mu.Unlock()
				waited = true
				if err := sleep(ctx, wait); err != nil {
					return nil, k.failure(err)
				}
				continue
			}
			r = k.startLocked(now)
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
			return nil, errUnknownKey
		}
		// That refresh began before this login arrived, so the set it
		// fetched may predate the key: wait for the next one.
	}
}

// startLocked starts a forced refresh. k.mu must be held.
func (k *keySource) startLocked(now time.Time) *refresh {
	r := &refresh{started: now, done: make(chan struct{})}
	k.inflight, k.last = r, now
	go func() {
		// Not the login's context: one visitor closing their tab must not
		// fail the refresh for every login waiting on it.
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
	what := "sent an unusable key set"
	var se *statusError
	switch {
	case errors.As(err, &se):
		what = fmt.Sprintf("answered %d", se.code)
	case errors.Is(err, errTooLarge):
		what = "sent a body over 1 MiB"
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled), errors.As(err, new(net.Error)):
		what = transportError(err)
	}
	return &providerError{step: "jwks", host: k.host, what: what, kind: errProvider}
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

// errTooLarge reports a provider answer over maxDocSize.
var errTooLarge = errors.New("echohf: provider answer over 1 MiB")

// statusError reports a JWKS answer other than 200.
type statusError struct{ code int }

func (e *statusError) Error() string { return fmt.Sprintf("echohf: JWKS answered %d", e.code) }

// jwksClient is what jwk.Cache fetches the JWKS with: Config.HTTPClient,
// with a non-200 answer turned into a statusError and the body cut off
// with errTooLarge past maxDocSize, so that an oversized key set fails the
// fetch instead of being read without bound. jwk.Cache gives its fetches
// no context, so a client without a Timeout gets Config.Timeout, and the
// OAuth's context ends fetches at Close.
type jwksClient struct {
	ctx context.Context
	c   *http.Client
}

func newJWKSClient(ctx context.Context, c *http.Client, timeout time.Duration) jwksClient {
	cc := *c
	if cc.Timeout <= 0 {
		cc.Timeout = timeout
	}
	return jwksClient{ctx: ctx, c: &cc}
}

// Get fetches u (see jwksClient).
func (j jwksClient) Get(u string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(j.ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	res, err := j.c.Do(req)
	if err != nil {
		return nil, err
	}
	if res.StatusCode != http.StatusOK {
		_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, maxDocSize))
		res.Body.Close()
		return nil, &statusError{code: res.StatusCode}
	}
	res.Body = &capReader{body: res.Body, left: maxDocSize}
	return res, nil
}

// capReader reads at most left bytes of body and fails with errTooLarge
// beyond. It closes body at its end or on the first error, since
// jwk.Cache never closes the bodies it reads.
type capReader struct {
	body io.ReadCloser
	left int64
	err  error
}

func (c *capReader) Read(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	if int64(len(p)) > c.left+1 {
		p = p[:c.left+1] // one byte past the cap tells a body at the cap from one over
	}
	n, err := c.body.Read(p)
	c.left -= int64(n)
	if c.left < 0 {
		n, err = n+int(c.left), errTooLarge
	}
	if err != nil {
		c.err = err
		c.body.Close()
	}
	return n, err
}

// Close closes the body.
func (c *capReader) Close() error {
	if c.err == nil {
		c.err = http.ErrBodyReadAfterClose
	}
	return c.body.Close()
}
