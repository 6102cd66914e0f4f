package jwtstore

import (
	"errors"
	"strings"
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
