package hfredis

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"runtime"
	"testing"
	"time"

	"github.com/echohf/echohf/hfauth"
	"github.com/echohf/echohf/hfauthtest"
	"github.com/echohf/echohf/internal/redistest"
)

// authHandler is Auth around a handler that writes the user's name, and a
// request carrying a session minted by kit.
func authHandler(b *testing.B, kit *hfauthtest.Kit) (http.Handler, *http.Request) {
	h := kit.OAuth().Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if info := hfauth.Info(r); info != nil {
			_, _ = io.WriteString(w, info.UserInfo.PreferredUsername) //nolint:gosec // G705: a plain-text answer of a benchmark, never HTML
		}
	}))
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	kit.Login(req, hfauth.OAuthUserInfo{Sub: "sub-1", PreferredUsername: "bench"})
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Body.String() != "bench" {
		b.Fatalf("warm-up: %q", rec.Body)
	}
	return h, req
}

// BenchmarkAuthFeed is Auth on a signed-in request: "off" with no feed,
// "on" with a Redis feed in sync holding 10,000 revocations of other
// sign-ins and 1,000 of other users (the hot path's lookup is the same
// two atomic loads), and "on_churn" with a revocation of someone else
// arriving before every request, so that each request looks the session
// up in the memory (two keyed digests). The bound is on ≤ 1.05×
// off.
func BenchmarkAuthFeed(b *testing.B) {
	srv := redistest.New(b)
	secret := "bench-session-secret-0123456789abcdef"
	b.Run("off", func(b *testing.B) {
		h, req := authHandler(b, hfauthtest.New(b, hfauth.Config{Mode: hfauth.ModeMock, SessionSecret: secret}))
		serve(b, h, req, nil)
	})
	for _, churn := range []bool{false, true} {
		name := "on"
		if churn {
			name = "on_churn"
		}
		b.Run(name, func(b *testing.B) {
			cfg, _ := ParseURL(srv.URL())
			cfg.Logger, cfg.Prefix = slog.New(slog.DiscardHandler), fmt.Sprintf("bench-%v:", churn)
			feed, err := New(cfg)
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { _ = feed.Close() })
			kit := hfauthtest.New(b, hfauth.Config{Mode: hfauth.ModeMock, SessionSecret: secret, RevocationFeed: feed})
			until := time.Now().Add(time.Hour).Unix()
			for i := range 11000 {
				var k [16]byte
				k[0], k[1], k[2] = byte(i), byte(i>>8), 0xee
				if err := feed.Publish(context.Background(), tagged(secret, hfauth.Revocation{Key: k, User: i >= 10000, Before: 1, Until: until})); err != nil {
					b.Fatal(err)
				}
			}
			waitFor(b, 5*time.Second, "in sync", func() bool { return feed.Err() == nil })
			h, req := authHandler(b, kit)
			var between func(int)
			if churn {
				// What a replica's feed delivers: straight into the core.
				between = func(i int) {
					var k [16]byte
					binary.LittleEndian.PutUint64(k[:8], uint64(i)) //nolint:gosec // G115: i counts up from 0
					k[8] = 0xcc
					text, _ := tagged(secret, hfauth.Revocation{Key: k, Until: until}).MarshalText()
					feed.deliver(string(text))
				}
			}
			serve(b, h, req, between)
		})
	}
}

// serve measures h serving req, calling between (when set) before each.
func serve(b *testing.B, h http.Handler, req *http.Request, between func(int)) {
	w := httptest.NewRecorder()
	b.ReportAllocs()
	b.ResetTimer()
	i := 0
	for b.Loop() {
		if between != nil {
			between(i)
			i++
		}
		w.Body.Reset()
		h.ServeHTTP(w, req)
	}
}

// TestRedisBytesPerEntry measures what the durable record costs in Redis
// per revocation (MEMORY USAGE of the sorted set, 10,000 entries).
func TestRedisBytesPerEntry(t *testing.T) {
	t.Parallel()
	srv := redistest.New(t)
	cfg, _ := ParseURL(srv.URL())
	cfg.Logger = slog.New(slog.DiscardHandler)
	f, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	const n = 10000
	until := time.Now().Add(time.Hour).Unix()
	for i := range n {
		var k [16]byte
		k[0], k[1] = byte(i), byte(i>>8)
		if err := f.Publish(context.Background(), hfauth.Revocation{Key: k, Until: until + int64(i)}); err != nil {
			t.Fatal(err)
		}
	}
	used, err := f.client.MemoryUsage(context.Background(), f.key).Result()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("Redis: %d bytes for %d revocations: %d bytes each", used, n, used/n)
	if used/n > 200 {
		t.Errorf("%d bytes per revocation in Redis; want at most 200", used/n)
	}
	runtime.KeepAlive(f)
}
