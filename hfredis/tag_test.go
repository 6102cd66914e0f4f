package hfredis

// This file holds tagged, which sets a Revocation's Tag as a replica whose
// session secret is secret does, for tests and benchmarks that publish
// revocations straight to Redis.

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"

	"github.com/echohf/echohf/hfauth"
	"github.com/echohf/echohf/hfauthtest"
)

// revocationKey is the key hfauth derives from secret for the digests.
func revocationKey(secret string) []byte {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte("echohf/revocation/v1"))
	return mac.Sum(nil)
}

// digest is hfauth's keyed digest of parts, each ended by a zero byte.
func digest(secret string, parts ...string) (d [16]byte) {
	mac := hmac.New(sha256.New, revocationKey(secret))
	for _, p := range parts {
		mac.Write([]byte(p))
		mac.Write([]byte{0})
	}
	copy(d[:], mac.Sum(nil))
	return d
}

// tagged is r with the Tag that a replica of secret gives it.
func tagged(secret string, r hfauth.Revocation) hfauth.Revocation {
	kind := "ts"
	if r.User {
		kind = "tu"
	}
	d := digest(secret, kind, string(r.Key[:]), strconv.FormatInt(r.Before, 10), strconv.FormatInt(r.Until, 10))
	copy(r.Tag[:], d[:])
	return r
}

// TestTagged (miniredis): a user revocation that tagged makes, published
// straight to Redis, logs the user out; the same one untagged, or tagged
// with another secret, does not.
func TestTagged(t *testing.T) {
	t.Parallel()
	const secret = "tagged-session-secret-0123456789abcdef"
	for _, tc := range []struct {
		name string
		rev  func(hfauth.Revocation) hfauth.Revocation
		out  bool
	}{
		{"tagged", func(r hfauth.Revocation) hfauth.Revocation { return tagged(secret, r) }, true},
		{"untagged", func(r hfauth.Revocation) hfauth.Revocation { return r }, false},
		{"another secret", func(r hfauth.Revocation) hfauth.Revocation { return tagged("another-secret-0123456789abcdef0123", r) }, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			mr := miniredis.RunT(t)
			cfg, _ := ParseURL("redis://" + mr.Addr() + "/0")
			cfg.Logger = slog.New(slog.DiscardHandler)
			feed, err := New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			kit := hfauthtest.New(t, hfauth.Config{Mode: hfauth.ModeMock, SessionSecret: secret, RevocationFeed: feed})
			t.Cleanup(func() { _ = feed.Close() })
			waitFor(t, 5*time.Second, "in sync", func() bool { return feed.Err() == nil })
			req := httptest.NewRequest(http.MethodGet, "/", nil)
			kit.Login(req, hfauth.OAuthUserInfo{Sub: "sub-1", PreferredUsername: "tagged"})
			now := time.Now().Unix()
			r := tc.rev(hfauth.Revocation{Key: digest(secret, "u", "sub-1"), User: true, Before: now + 1, Until: now + 3600})
			if err := feed.Publish(context.Background(), r); err != nil {
				t.Fatal(err)
			}
			time.Sleep(200 * time.Millisecond)
			signedIn := kit.OAuth().Authenticate(httptest.NewRecorder(), req).Info != nil
			if signedIn == tc.out {
				t.Errorf("signed in after the revocation: %v; want %v", signedIn, !tc.out)
			}
		})
	}
}
