package hfauth

// This file holds the hook for a revocation feed: RevocationFeed, which a
// package such as hfredis implements to share logouts between replicas,
// the Revocation it carries, the registry that turns Config's
// RevocationFeedURL into a feed, and what logout publishes through it.
// The memory the feed fills is in feedmemory.go.

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// purposeRevocation is the purpose of the key that digests sign-ins and
// users into Revocation keys.
const purposeRevocation = "echohf/revocation/v1"

// RevocationFeed shares logouts between the replicas of an app, so that a
// logout on one is refused on all of them at once (see docs/revocation.md).
// Config.RevocationFeed takes one; the package hfredis implements it on
// Redis. The core never waits on a feed while authenticating a request:
// the feed hands what it learns to the core's memory, and Auth reads that
// memory only.
type RevocationFeed interface {
	// Start is called once, by New, with where to deliver: apply for each
	// revocation that any replica (this one included) records, on start
	// and again after every reconnect (duplicates and any order are fine);
	// refuse(true) while every session must be refused (a fail-closed feed
	// out of sync), refuse(false) when that ends. Both may be called from
	// any goroutine, at any time until Close.
	Start(apply func(Revocation), refuse func(bool))
	// Publish records r for every replica. Logout calls it and waits for
	// it, within Config.Timeout; an error is logged.
	Publish(ctx context.Context, r Revocation) error
	// Err reports nil while the feed is in sync, else why it is not.
	Err() error
	// Close stops the feed. OAuth.Close calls it for a feed opened from
	// RevocationFeedURL, not for one given in Config.RevocationFeed.
	Close() error
}

// Revocation is one logout, as a RevocationFeed carries it. It holds no
// secret and no user id: its Key is a keyed digest (HMAC-SHA256 under a key
// derived from the session secret, cut to 16 bytes) of a sign-in and its
// user, or of a user alone. Whoever reads it learns nothing. Its Tag
// authenticates it: a replica applies only revocations whose Tag it
// verifies, so that nobody without the session secret can add one (a
// flood of made-up revocations would otherwise push real ones out of the
// replicas' bounded memory).
type Revocation struct {
	Key [16]byte
	// User marks the logout of every sign-in of a user made at or before
	// Before ("log out all my devices"); else Key is one sign-in.
	User bool
	// Before is, for a User revocation, when (Unix seconds) the logout
	// happened: sign-ins made in that second or earlier end.
	Before int64
	// Until (Unix seconds) is when every cookie it ends has ended; a feed
	// may forget it then.
	Until int64
	// Tag is a MAC of the other fields under the same key as Key, set by
	// the replica that publishes it and checked by those that apply it.
	Tag [8]byte
}

// maxRevocationText bounds the text form of a Revocation.
const maxRevocationText = 64

// MarshalText gives r's text form: "s.KEY.UNTIL.TAG" for a sign-in,
// "u.KEY.BEFORE.UNTIL.TAG" for a user, KEY and TAG in unpadded base64url,
// times in decimal Unix seconds.
func (r Revocation) MarshalText() ([]byte, error) {
	key, tag := base64.RawURLEncoding.EncodeToString(r.Key[:]), base64.RawURLEncoding.EncodeToString(r.Tag[:])
	if r.User {
		return fmt.Appendf(nil, "u.%s.%d.%d.%s", key, r.Before, r.Until, tag), nil
	}
	return fmt.Appendf(nil, "s.%s.%d.%s", key, r.Until, tag), nil
}

// errRevocationText is the error of an unreadable Revocation text.
var errRevocationText = errors.New("hfauth: not a revocation")

// UnmarshalText reads the form MarshalText gives. It is fed by the
// feed's store, which anyone with write access to it can fill: anything
// else is an error, never a panic.
func (r *Revocation) UnmarshalText(b []byte) error {
	if len(b) > maxRevocationText {
		return errRevocationText
	}
	parts := strings.Split(string(b), ".")
	var out Revocation
	switch {
	case len(parts) == 4 && parts[0] == "s":
	case len(parts) == 5 && parts[0] == "u":
		out.User = true
	default:
		return errRevocationText
	}
	key, err := base64.RawURLEncoding.Strict().DecodeString(parts[1])
	if err != nil || len(key) != len(out.Key) {
		return errRevocationText
	}
	copy(out.Key[:], key)
	tag, err := base64.RawURLEncoding.Strict().DecodeString(parts[len(parts)-1])
	if err != nil || len(tag) != len(out.Tag) {
		return errRevocationText
	}
	copy(out.Tag[:], tag)
	times := parts[2 : len(parts)-1]
	if out.User {
		if out.Before, err = strconv.ParseInt(times[0], 10, 64); err != nil || out.Before <= 0 {
			return errRevocationText
		}
		times = times[1:]
	}
	if out.Until, err = strconv.ParseInt(times[0], 10, 64); err != nil || out.Until <= 0 {
		return errRevocationText
	}
	*r = out
	return nil
}

// FeedOpener opens the RevocationFeed that a Config.RevocationFeedURL
// names; logger is Config.Logger.
type FeedOpener func(rawURL string, logger *slog.Logger) (RevocationFeed, error)

var (
	feedMu      sync.Mutex
	feedOpeners = map[string]FeedOpener{}
)

// RegisterRevocationFeed makes New open Config.RevocationFeedURL with open
// when the URL's scheme is one of schemes. A feed package calls it from
// its init function, so that importing it (even as `import _`) is what
// lets $ECHOHF_REDIS_URL take effect; the core itself links no client.
func RegisterRevocationFeed(open FeedOpener, schemes ...string) {
	feedMu.Lock()
	defer feedMu.Unlock()
	for _, s := range schemes {
		feedOpeners[strings.ToLower(s)] = open
	}
}

// feedOpener returns the opener registered for rawURL's scheme, or nil.
func feedOpener(rawURL string) (FeedOpener, string) {
	scheme, _, _ := strings.Cut(rawURL, "://")
	scheme = strings.ToLower(scheme)
	feedMu.Lock()
	defer feedMu.Unlock()
	return feedOpeners[scheme], scheme
}

// checkFeedURL records in p why RevocationFeedURL cannot be opened, never
// quoting it (it may hold a password).
func checkFeedURL(c *Config, p *configError) {
	if c.RevocationFeedURL == "" {
		return
	}
	u, err := url.Parse(c.RevocationFeedURL)
	if err != nil || u.Host == "" {
		p.addf("RevocationFeedURL (%s) is not a URL such as redis://host:6379/0", EnvRedisURL)
		return
	}
	if c.RevocationFeed != nil {
		p.addf("RevocationFeed and RevocationFeedURL (%s) are both set; set one", EnvRedisURL)
		return
	}
	if open, scheme := feedOpener(c.RevocationFeedURL); open == nil {
		p.addf("RevocationFeedURL (%s) has scheme %q, which no linked package opens: import _ \"github.com/echohf/echohf/hfredis\" for redis:// and rediss://",
			EnvRedisURL, scheme)
	}
}

// startFeed derives the digests' key from secret (the current session
// secret), then opens the configured feed (from RevocationFeedURL when that
// is how it was given) and starts it into o's memory.
func (o *OAuth) startFeed(secret []byte) error {
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(purposeRevocation))
	o.logouts.feed.key, o.logouts.feed.now = mac.Sum(nil), o.cfg.Now
	f := o.cfg.RevocationFeed
	if f == nil && o.cfg.RevocationFeedURL != "" {
		open, _ := feedOpener(o.cfg.RevocationFeedURL)
		var err error
		if f, err = open(o.cfg.RevocationFeedURL, o.cfg.Logger); err != nil {
			return fmt.Errorf("%w: RevocationFeedURL (%s): %w", ErrConfig, EnvRedisURL, err)
		}
		o.feedOwned = true
	}
	if f == nil {
		return nil
	}
	o.feed = f
	f.Start(func(r Revocation) { o.logouts.apply(r) }, o.logouts.refuse)
	return nil
}

// publish records rev in this process's memory and, with a feed, for every
// replica, waiting at most Timeout. A failure is logged: the logout still
// holds here, and elsewhere at the next revalidation.
func (o *OAuth) publish(ctx context.Context, rev Revocation) {
	rev.Tag = o.logouts.feed.tag(rev)
	o.logouts.apply(rev)
	if o.feed == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), o.cfg.Timeout)
	defer cancel()
	if err := o.feed.Publish(ctx, rev); err != nil {
		o.cfg.Logger.Error("echohf: REVOCATION FEED: a logout could not be shared with the other replicas; they accept its cookies until they revalidate them",
			"error", err.Error())
	}
}

// publishLogout shares the logout of s, at now, with every replica.
func (o *OAuth) publishLogout(r *http.Request, s *session, now time.Time) {
	if o.feed == nil {
		return
	}
	o.publish(r.Context(), Revocation{Key: o.logouts.feed.signInDigest(s.signIn()), Until: o.signInEnd(s, now).Unix()})
}

// LogoutEverywhere ends every session of the user r is signed in as that
// was signed in before now, or in this very second: on every replica when
// a RevocationFeed is configured, else on this process only. The cookies
// of r are cleared on w. It returns ErrLoginRequired when r carries no valid
// session. The logout route does the same with ?everywhere=1.
func (o *OAuth) LogoutEverywhere(w http.ResponseWriter, r *http.Request) error {
	s, err := o.sessions.Load(r)
	now := o.cfg.Now()
	if err != nil || !o.live(s, now) {
		return ErrLoginRequired
	}
	o.publish(r.Context(), Revocation{
		Key: o.logouts.feed.userDigest(s.User.Sub), User: true, Before: now.Unix(),
		// No cookie of a sign-in made before now outlives SessionMaxAge.
		Until: now.Add(o.cfg.SessionMaxAge).Unix() + 1,
	})
	o.revokeSession(r)
	o.sessions.Clear(w, r)
	return nil
}

// RevocationFeedErr reports nil when no RevocationFeed is configured or the
// configured one is in sync, else why it is not: a health signal for
// readiness probes.
func (o *OAuth) RevocationFeedErr() error {
	if o.feed == nil {
		return nil
	}
	return o.feed.Err()
}
