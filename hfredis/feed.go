package hfredis

// This file holds Feed, the hfauth.RevocationFeed on Redis: Publish, and
// the loop that keeps each replica in sync.

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/echohf/echohf/hfauth"
)

// Defaults of Config, and the feed's bounds.
const (
	// DefaultPrefix is Config.Prefix's default.
	DefaultPrefix = "echohf:"
	// DefaultTimeout is Config.Timeout's default.
	DefaultTimeout = 500 * time.Millisecond
	// maxRecord bounds the durable record: beyond it, the revocations that
	// end soonest are dropped (each replica keeps at most as many in memory).
	maxRecord = 1 << 16
	// maxBackoff bounds the wait between reconnection attempts.
	maxBackoff = 2 * time.Second
)

// Config configures a Feed.
type Config struct {
	// Options is the Redis client's configuration (address, password, TLS,
	// database); ParseURL makes it from a URL. Its timeouts and retries are
	// set from Timeout. Required.
	Options *redis.Options
	// Prefix starts the names of the feed's two keys (the sorted set and
	// the channel), so that several apps share one Redis: apps whose
	// replicas must see each other's logouts share a prefix (and a session
	// secret). Optional. Default DefaultPrefix.
	Prefix string
	// FailClosed makes every replica refuse every session while it is out
	// of sync with Redis (down, frozen, not yet read on start): no logout
	// can be missed, and nobody is signed in meanwhile (cookies are kept
	// for when Redis is back). Optional. Default false (fail open: sessions
	// are still verified by their signature, and a logout on another
	// replica holds there only once it revalidates the session).
	FailClosed bool
	// Timeout bounds each Redis command, and is how often the feed checks
	// that Redis still answers: a frozen Redis is noticed within twice
	// Timeout. Optional. Default DefaultTimeout.
	Timeout time.Duration
	// Logger receives the feed's outages and recoveries. Optional. Default
	// slog.Default().
	Logger *slog.Logger
}

// Feed is an hfauth.RevocationFeed on Redis; see the package doc. It is
// safe for concurrent use.
type Feed struct {
	cfg     Config
	client  *redis.Client
	key     string // the sorted set: revocation text scored by its Until
	channel string // the pub/sub channel of new revocations

	ctx    context.Context
	cancel context.CancelFunc
	done   chan struct{}

	mu     sync.Mutex
	apply  func(hfauth.Revocation)
	refuse func(bool)

	err     atomic.Pointer[error] // nil while in sync
	catchUp atomic.Int64          // catch-ups done (tests)
	junk    atomic.Int64          // unreadable entries skipped
}

// errNotYet is Err's answer until the feed has read Redis once.
var errNotYet = errors.New("hfredis: not yet in sync with Redis")

// New returns a Feed; it connects once started (hfauth.New starts it).
func New(cfg Config) (*Feed, error) {
	if cfg.Options == nil {
		return nil, errors.New("hfredis: Config.Options is required (see ParseURL)")
	}
	if cfg.Prefix == "" {
		cfg.Prefix = DefaultPrefix
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	opts := *cfg.Options
	opts.DialTimeout, opts.ReadTimeout, opts.WriteTimeout = cfg.Timeout, cfg.Timeout, cfg.Timeout
	opts.PoolTimeout, opts.MaxRetries = cfg.Timeout, -1
	opts.ContextTimeoutEnabled = true
	ctx, cancel := context.WithCancel(context.Background())
	f := &Feed{cfg: cfg, client: redis.NewClient(&opts), key: cfg.Prefix + "revoked", channel: cfg.Prefix + "revocations",
		ctx: ctx, cancel: cancel, done: make(chan struct{})}
	f.err.Store(&errNotYet)
	return f, nil
}

// Start begins feeding apply from Redis in the background; see
// hfauth.RevocationFeed. A fail-closed feed refuses until its first read.
func (f *Feed) Start(apply func(hfauth.Revocation), refuse func(bool)) {
	f.mu.Lock()
	f.apply, f.refuse = apply, refuse
	f.mu.Unlock()
	if f.cfg.FailClosed {
		refuse(true)
	}
	go f.run()
}

// Publish adds r to the durable record and announces it to every replica,
// in one transaction, within Timeout.
func (f *Feed) Publish(ctx context.Context, r hfauth.Revocation) error {
	text, _ := r.MarshalText()
	ctx, cancel := context.WithTimeout(ctx, f.cfg.Timeout)
	defer cancel()
	now := time.Now().Unix()
	_, err := f.client.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.ZAdd(ctx, f.key, redis.Z{Score: float64(r.Until), Member: string(text)})
		p.ZRemRangeByScore(ctx, f.key, "-inf", strconv.FormatInt(now, 10))
		p.ZRemRangeByRank(ctx, f.key, 0, -maxRecord-1)
		p.Publish(ctx, f.channel, string(text))
		return nil
	})
	if err != nil {
		return fmt.Errorf("hfredis: publish: %w", err)
	}
	return nil
}

// Err reports nil while the feed is in sync with Redis, else why not: a
// health signal for readiness probes.
func (f *Feed) Err() error {
	if p := f.err.Load(); p != nil {
		return *p
	}
	return nil
}

// Close stops the feed and closes its connections.
func (f *Feed) Close() error {
	f.cancel()
	f.mu.Lock()
	started := f.apply != nil
	f.mu.Unlock()
	if started {
		<-f.done
	}
	return f.client.Close()
}

// run keeps a subscription open, reconnecting with a growing pause after
// each failure, until Close.
func (f *Feed) run() {
	defer close(f.done)
	pause := f.cfg.Timeout / 10
	for f.ctx.Err() == nil {
		ps := f.client.Subscribe(f.ctx, f.channel)
		synced, err := f.listen(ps)
		_ = ps.Close()
		if f.ctx.Err() != nil {
			return
		}
		f.down(err)
		if synced {
			pause = f.cfg.Timeout / 10
		}
		select {
		case <-f.ctx.Done():
			return
		case <-time.After(pause):
		}
		pause = min(2*pause, maxBackoff)
	}
}

// listen reads ps until its connection fails, catching up with the durable
// record each time the subscription is confirmed (so that nothing
// published while it was away is missed), and pinging when Redis is quiet
// so that a frozen one is noticed. It reports whether it got in sync.
func (f *Feed) listen(ps *redis.PubSub) (synced bool, err error) {
	pinged := false
	for {
		msg, err := ps.ReceiveTimeout(f.ctx, f.cfg.Timeout)
		if err != nil {
			var ne interface{ Timeout() bool }
			if errors.As(err, &ne) && ne.Timeout() && !pinged && f.ctx.Err() == nil {
				if err := ps.Ping(f.ctx); err != nil {
					return synced, err
				}
				pinged = true
				continue
			}
			return synced, err
		}
		pinged = false
		switch m := msg.(type) {
		case *redis.Subscription:
			if m.Kind != "subscribe" {
				continue
			}
			if err := f.readRecord(); err != nil {
				return synced, err
			}
			synced = true
			f.up()
		case *redis.Message:
			f.deliver(m.Payload)
		}
	}
}

// readRecord applies the revocations of the durable record that have not
// ended: at most maxRecord, those that end last (Publish keeps no more,
// but anyone who can write to Redis can add more; a replica's memory
// keeps fewer anyway).
func (f *Feed) readRecord() error {
	ctx, cancel := context.WithTimeout(f.ctx, 4*f.cfg.Timeout)
	defer cancel()
	now := time.Now().Unix()
	texts, err := f.client.ZRangeArgs(ctx, redis.ZRangeArgs{Key: f.key, Start: "+inf", Stop: "(" + strconv.FormatInt(now, 10),
		ByScore: true, Rev: true, Count: maxRecord}).Result()
	if err != nil {
		return fmt.Errorf("hfredis: reading the record: %w", err)
	}
	for _, t := range texts {
		f.deliver(t)
	}
	f.catchUp.Add(1)
	return nil
}

// deliver applies the revocation whose text is t; what does not read as
// one (only a writer of Redis other than echohf puts it there) is skipped,
// and counted.
func (f *Feed) deliver(t string) {
	var r hfauth.Revocation
	if err := r.UnmarshalText([]byte(t)); err != nil {
		if f.junk.Add(1) == 1 {
			f.cfg.Logger.Warn("hfredis: skipped an entry of the feed that is not a revocation (something other than echohf writes to its keys?)", "key", f.key)
		}
		return
	}
	f.mu.Lock()
	apply := f.apply
	f.mu.Unlock()
	apply(r)
}

// up records that the feed is in sync.
func (f *Feed) up() {
	if old := f.err.Swap(nil); old != nil && !errors.Is(*old, errNotYet) {
		f.cfg.Logger.Info("hfredis: revocation feed back in sync with Redis; logouts missed meanwhile are applied", "key", f.key)
	}
	if f.cfg.FailClosed {
		f.refuse(false)
	}
}

// down records that the feed is out of sync, logging it loudly the first
// time.
func (f *Feed) down(err error) {
	if err == nil {
		err = errors.New("connection lost")
	}
	err = fmt.Errorf("hfredis: out of sync with Redis: %w", err)
	if old := f.err.Swap(&err); old == nil || errors.Is(*old, errNotYet) {
		policy := "failing OPEN: sessions are still verified by their signature, but a logout on another replica is not seen here until Redis is back"
		if f.cfg.FailClosed {
			policy = "failing CLOSED: every session is refused until Redis is back"
		}
		f.cfg.Logger.Error("hfredis: REVOCATION FEED DOWN, "+policy, "error", err.Error())
	}
	if f.cfg.FailClosed {
		f.refuse(true)
	}
}

var _ hfauth.RevocationFeed = (*Feed)(nil)
