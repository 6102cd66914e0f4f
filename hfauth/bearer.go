package hfauth

// This file holds the bearer-token path (Config.AcceptBearer): bearerAuth,
// which checks a request's Hugging Face token with the Hub and caches the
// answers.

import (
	"context"
	"crypto/sha256"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Bearer tokens (Config.AcceptBearer): API clients send a Hugging Face
// token in "Authorization: Bearer hf_…" instead of a session cookie. Auth
// asks the Hub's whoami-v2 who owns it and caches the answer by the
// token's SHA-256, never the token itself.
const (
	// bearerTTL is how long an accepted token is trusted before the Hub is
	// asked again: a token revoked on the Hub works here that much longer
	// at most.
	bearerTTL = 5 * time.Minute
	// bearerRefusedTTL is how long a token the Hub refused stays refused
	// without another call.
	bearerRefusedTTL = 30 * time.Second
	// bearerRetry is how long a Hub failure (an error status, a timeout, an
	// unreadable answer) is remembered: the token's requests are logged out
	// meanwhile, and the Hub is asked again after it.
	bearerRetry = time.Second
	// bearerCacheSize bounds each of the caches of accepted and of failed
	// tokens; a full cache drops an expired entry, else a random one.
	bearerCacheSize = 1024
	// maxBearerLen bounds the tokens checked: Hugging Face's are far
	// shorter, and a longer one is refused before it is hashed.
	maxBearerLen = 256
)

// BearerOutcome is what the authenticate step made of a request's bearer
// token.
type BearerOutcome int

// What the authenticate step made of a request's bearer token.
const (
	BearerNone       BearerOutcome = iota // no bearer token on the request
	BearerAccepted                        // the Hub named the token's owner
	BearerRefused                         // refused by the Hub, or not a Hugging Face token
	BearerUnverified                      // the Hub could not be asked
)

// hasBearer reports whether r carries an Authorization header with the
// Bearer scheme (in any case).
func hasBearer(r *http.Request) bool {
	for _, v := range r.Header["Authorization"] {
		if scheme, _, _ := strings.Cut(v, " "); strings.EqualFold(scheme, "Bearer") {
			return true
		}
	}
	return false
}

// oauthTokenPrefix starts Hugging Face's OAuth access tokens, which
// Config.AcceptBearerOAuthTokens alone lets through as bearer tokens.
const oauthTokenPrefix = "hf_oauth_" //nolint:gosec // G101: the prefix of a kind of token, not a credential

// bearerToken returns r's bearer token when it can be a Hugging Face
// token: the only Authorization header, "hf_" and base64url characters, at
// most maxBearerLen bytes.
func bearerToken(r *http.Request) (string, bool) {
	values := r.Header["Authorization"]
	if len(values) != 1 {
		return "", false
	}
	scheme, token, _ := strings.Cut(values[0], " ")
	if !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	if len(token) > maxBearerLen || len(token) <= len("hf_") || !strings.HasPrefix(token, "hf_") {
		return "", false
	}
	for i := 0; i < len(token); i++ {
		if !idChar(token[i]) {
			return "", false
		}
	}
	return token, true
}

// bearerAuth is the bearer-token path: it owns the cache of the Hub's
// answers (by token hash) and the whoami calls in flight, and asks the Hub
// through whoami. It is safe for concurrent use.
type bearerAuth struct {
	now         func() time.Time
	timeout     time.Duration // bounds each whoami call
	logger      *slog.Logger
	hfEndpoint  string // the Hub, for the users' profile links
	acceptOAuth bool   // Config.AcceptBearerOAuthTokens
	// whoami asks the Hub's whoami-v2 who owns a token (OAuth.getWhoami).
	whoami func(ctx context.Context, token string) (whoami, error)
	cache  bearerCache
}

// newBearerAuth is the bearer-token path of o.
func newBearerAuth(o *OAuth) *bearerAuth {
	return &bearerAuth{now: o.cfg.Now, timeout: o.cfg.Timeout, logger: o.cfg.Logger, hfEndpoint: o.cfg.HFEndpoint,
		acceptOAuth: o.cfg.AcceptBearerOAuthTokens, whoami: o.getWhoami}
}

// bearerLogin is Auth for a request with a bearer token: the token alone
// decides (bearerAuth.login), the session cookie is neither read nor
// changed, and no cookie is set. It returns the login, or nil and what
// became of the token.
func (o *OAuth) bearerLogin(r *http.Request) (*OAuthInfo, BearerOutcome) {
	token, user, outcome := o.bearers.login(r)
	if user == nil {
		return nil, outcome
	}
	return &OAuthInfo{AccessToken: token, UserInfo: *user, owner: o, bearer: true}, BearerAccepted
}

// login checks r's bearer token: its owner when the Hub accepts it, else
// nil and why. An OAuth access token is refused, with no call to the Hub,
// unless AcceptBearerOAuthTokens is set: it may be another app's.
func (b *bearerAuth) login(r *http.Request) (string, *OAuthUserInfo, BearerOutcome) {
	token, ok := bearerToken(r)
	if !ok || !b.acceptOAuth && strings.HasPrefix(token, oauthTokenPrefix) {
		return "", nil, BearerRefused
	}
	user, outcome := b.check(r.Context(), token)
	return token, user, outcome
}

// bearerChallenge is the RFC 6750 challenge of a guard's 401 when o
// accepts bearer tokens: "Bearer", with error="invalid_token" when the
// request's token was refused; "" when o does not accept them.
func (o *OAuth) bearerChallenge(state BearerOutcome) string {
	if !o.cfg.AcceptBearer {
		return ""
	}
	if state == BearerRefused {
		return `Bearer error="invalid_token"`
	}
	return "Bearer"
}

// bearerKey is the cache key of token: its SHA-256.
func bearerKey(token string) [sha256.Size]byte { return sha256.Sum256([]byte(token)) }

// forget drops the cached acceptance of token, so that the next request
// with it asks the Hub again: HubClient calls it when the Hub refuses a
// token Auth still trusts.
func (b *bearerAuth) forget(token string) {
	if b == nil { // an OAuth that New did not build
		return
	}
	key := bearerKey(token)
	b.cache.mu.Lock()
	delete(b.cache.ok.entries, key)
	b.cache.mu.Unlock()
}

// bearerEntry is the Hub's answer about one token.
type bearerEntry struct {
	user    *OAuthUserInfo // the owner; nil unless outcome is BearerAccepted
	outcome BearerOutcome
	expires time.Time
}

// ttlCache is a bounded map of entries that expire. Its zero value is
// ready to use; its owner locks it.
type ttlCache struct {
	entries map[[sha256.Size]byte]bearerEntry
}

// get returns the live entry for k, forgetting an expired one.
func (c *ttlCache) get(k [sha256.Size]byte, now time.Time) (bearerEntry, bool) {
	e, ok := c.entries[k]
	if ok && !now.Before(e.expires) {
		delete(c.entries, k)
		return bearerEntry{}, false
	}
	return e, ok
}

// put stores e for k. When the cache is full it first drops an expired
// entry among a few, else one at random (map order).
func (c *ttlCache) put(k [sha256.Size]byte, e bearerEntry, now time.Time) {
	if c.entries == nil {
		c.entries = make(map[[sha256.Size]byte]bearerEntry)
	}
	if _, ok := c.entries[k]; !ok && len(c.entries) >= bearerCacheSize {
		var victim [sha256.Size]byte
		seen := 0
		for key, old := range c.entries {
			victim = key
			if seen++; !now.Before(old.expires) || seen == 8 {
				break
			}
		}
		delete(c.entries, victim)
	}
	c.entries[k] = e
}

// bearerCache holds the Hub's answers by token hash, and the whoami calls
// in flight so that concurrent first requests with a token share one. Its
// zero value is ready to use.
type bearerCache struct {
	mu       sync.Mutex
	ok       ttlCache // accepted tokens
	failed   ttlCache // refused tokens and Hub failures
	inflight map[[sha256.Size]byte]*bearerCall
}

// bearerCall is a whoami call in flight; entry is set before done closes.
type bearerCall struct {
	done  chan struct{}
	entry bearerEntry
}

// check returns the owner of token from the cache, or asks the Hub (one
// call per token at a time). A nil user comes with the reason.
func (b *bearerAuth) check(ctx context.Context, token string) (*OAuthUserInfo, BearerOutcome) {
	key := bearerKey(token)
	c := &b.cache
	c.mu.Lock()
	now := b.now()
	if e, ok := c.ok.get(key, now); ok {
		c.mu.Unlock()
		return e.user, e.outcome
	}
	if e, ok := c.failed.get(key, now); ok {
		c.mu.Unlock()
		return nil, e.outcome
	}
	call, wait := c.inflight[key]
	if !wait {
		if c.inflight == nil {
			c.inflight = make(map[[sha256.Size]byte]*bearerCall)
		}
		call = &bearerCall{done: make(chan struct{})}
		c.inflight[key] = call
	}
	c.mu.Unlock()
	if wait {
		select {
		case <-call.done:
			return call.entry.user, call.entry.outcome
		case <-ctx.Done():
			return nil, BearerUnverified
		}
	}
	call.entry = bearerEntry{outcome: BearerUnverified}
	defer func() { // even if the call panics, waiters are released
		c.mu.Lock()
		delete(c.inflight, key)
		if call.entry.outcome == BearerAccepted {
			c.ok.put(key, call.entry, b.now())
		} else {
			c.failed.put(key, call.entry, b.now())
		}
		c.mu.Unlock()
		close(call.done)
	}()
	call.entry = b.ask(ctx, token)
	return call.entry.user, call.entry.outcome
}

// ask asks the Hub who owns token. The call outlives the request that
// made it (other requests may be waiting for it), within Timeout.
func (b *bearerAuth) ask(ctx context.Context, token string) bearerEntry {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), b.timeout)
	defer cancel()
	who, err := b.whoami(ctx, token)
	now := b.now()
	var pe *providerError
	switch {
	case err == nil && who.isUser():
		u := who.userInfo(b.hfEndpoint)
		return bearerEntry{user: &u, outcome: BearerAccepted, expires: now.Add(bearerTTL)}
	case err == nil: // an organization's or an application's token, not a user's
		return bearerEntry{outcome: BearerRefused, expires: now.Add(bearerRefusedTTL)}
	case errors.As(err, &pe) && pe.Status == http.StatusUnauthorized:
		return bearerEntry{outcome: BearerRefused, expires: now.Add(bearerRefusedTTL)}
	}
	b.logger.Warn("echohf: a bearer token could not be checked, so its request is logged out", "error", err.Error())
	return bearerEntry{outcome: BearerUnverified, expires: now.Add(bearerRetry)}
}
