package hfredis

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"

	"github.com/echohf/echohf/hfauth"
)

// TestParseURL: the client's URL forms, hfredis's own parameters, and
// errors that never quote the password.
func TestParseURL(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		url      string
		prefix   string
		closed   bool
		password string
		db       int
		tls      bool
		err      string
	}{
		{url: "redis://localhost:6379"},
		{url: "redis://:pw1@h:1/2?prefix=app1:&policy=closed", prefix: "app1:", closed: true, password: "pw1", db: 2},
		{url: "rediss://user:pw2@h:1/0?policy=open", password: "pw2", tls: true},
		{url: "redis://h:1?policy=maybe", err: "policy"},
		{url: "redis://:s3cretpw@h:1/0?bogus=1", err: "bogus"},
		{url: "redis://:s3cretpw@h:1/notadb", err: "hfredis"},
		{url: "http://:s3cretpw@h:1/0", err: "hfredis"},
		{url: "::s3cretpw", err: "malformed"},
	} {
		cfg, err := ParseURL(tt.url)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) || strings.Contains(err.Error(), "s3cretpw") {
				t.Errorf("%s: %v; want an error about %q, without the password", tt.url, err, tt.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tt.url, err)
			continue
		}
		if cfg.Prefix != tt.prefix || cfg.FailClosed != tt.closed || cfg.Options.Password != tt.password || cfg.Options.DB != tt.db || (cfg.Options.TLSConfig != nil) != tt.tls {
			t.Errorf("%s: prefix %q closed %v password %q db %d tls %v", tt.url, cfg.Prefix, cfg.FailClosed, cfg.Options.Password, cfg.Options.DB, cfg.Options.TLSConfig != nil)
		}
	}
}

// miniFeed starts a feed on mr with prefix, recording what it applies.
func miniFeed(t *testing.T, mr *miniredis.Miniredis, prefix string, logs *logBuffer) (*Feed, func() []hfauth.Revocation) {
	t.Helper()
	cfg, err := ParseURL("redis://" + mr.Addr() + "/0?prefix=" + prefix)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Logger = slog.New(slog.NewTextHandler(logs, nil))
	f, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = f.Close() })
	got := make(chan hfauth.Revocation, 100)
	f.Start(func(r hfauth.Revocation) { got <- r }, func(bool) {})
	waitFor(t, 5*time.Second, "in sync", func() bool { return f.Err() == nil })
	return f, func() []hfauth.Revocation {
		var out []hfauth.Revocation
		for {
			select {
			case r := <-got:
				out = append(out, r)
			case <-time.After(100 * time.Millisecond):
				return out
			}
		}
	}
}

// TestPrefixesAndJunk (miniredis): feeds under different prefixes share one
// Redis without seeing each other's revocations; entries that are not
// revocations (in the record or on the channel) are skipped with one
// warning, and the feed goes on.
func TestPrefixesAndJunk(t *testing.T) {
	t.Parallel()
	mr := miniredis.RunT(t)
	logs := &logBuffer{}
	a, gotA := miniFeed(t, mr, "a:", logs)
	_, gotB := miniFeed(t, mr, "b:", logs)
	r := hfauth.Revocation{Key: [16]byte{7}, Until: time.Now().Add(time.Hour).Unix()}
	if err := a.Publish(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	if got := gotA(); len(got) != 1 || got[0] != r {
		t.Errorf("prefix a: applied %+v; want %+v", got, r)
	}
	if got := gotB(); len(got) != 0 {
		t.Errorf("prefix b saw a's revocation: %+v", got)
	}
	mr.Publish("a:revocations", "not a revocation")
	if _, err := mr.ZAdd("a:revoked", float64(r.Until), "junk.AAAA.1"); err != nil {
		t.Fatal(err)
	}
	c, gotC := miniFeed(t, mr, "a:", logs)
	if got := gotC(); len(got) != 1 || got[0] != r {
		t.Errorf("a new feed read %+v from the record; want the one revocation", got)
	}
	if n := strings.Count(logs.String(), "not a revocation"); n < 1 || c.junk.Load() != 1 {
		t.Errorf("junk: %d warnings, %d skipped by the new feed; logs:\n%s", n, c.junk.Load(), logs)
	}
	if err := a.Publish(context.Background(), hfauth.Revocation{Key: [16]byte{8}, Until: r.Until}); err != nil {
		t.Fatal(err)
	}
	if got := gotC(); len(got) != 1 {
		t.Errorf("after junk, the feed applied %+v; want the new revocation", got)
	}
}

// TestRedisHoldsNoSecret (miniredis): after logins, a logout and a logout
// everywhere on three replicas, Redis holds only the feed's two keys, and
// every entry reads as a revocation: keyed digests and times, no token,
// cookie, state or user id.
func TestRedisHoldsNoSecret(t *testing.T) {
	t.Parallel()
	mr := miniredis.RunT(t)
	_, rs := threeReplicas(t, "redis://"+mr.Addr()+"/0", nil)
	br := browser(t)
	cookie := login(t, br, rs[0])
	get(t, br, rs[0].URL+hfauth.LogoutPath+"?_target_url=/whoami")
	other := browser(t)
	login(t, other, rs[1])
	get(t, other, rs[1].URL+hfauth.LogoutPath+"?everywhere=1&_target_url=/whoami")
	waitFor(t, time.Second, "logout propagated", func() bool { return whoami(t, rs[2], cookie) == "out" })
	for _, k := range mr.Keys() {
		if k != "test:revoked" {
			t.Errorf("Redis holds key %q", k)
		}
	}
	members, err := mr.ZMembers("test:revoked")
	if err != nil || len(members) != 3 {
		t.Fatalf("record: %q, %v; want two sign-ins and a user", members, err)
	}
	for _, m := range members {
		var r hfauth.Revocation
		if err := r.UnmarshalText([]byte(m)); err != nil || len(m) > 64 || strings.Contains(m, "mockuser") {
			t.Errorf("record entry %q is not just a revocation", m)
		}
	}
}

// TestEnvURL: ECHOHF_REDIS_URL turns the feed on for NewFromEnv (and so
// Default, and the adapters' Attach and Auth), once this package is
// linked; Close stops it.
func TestEnvURL(t *testing.T) {
	mr := miniredis.RunT(t)
	t.Setenv(hfauth.EnvRedisURL, "redis://"+mr.Addr()+"/0?prefix=env:")
	o, err := hfauth.NewFromEnv(hfauth.Config{Mode: hfauth.ModeMock, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "in sync", func() bool { return o.RevocationFeedErr() == nil })
	if n := mr.PubSubNumSub("env:revocations")["env:revocations"]; n != 1 {
		t.Errorf("%d subscribers on env:revocations; want 1", n)
	}
	o.Close()
	waitFor(t, 5*time.Second, "unsubscribed after Close", func() bool {
		return mr.PubSubNumSub("env:revocations")["env:revocations"] == 0
	})
}
