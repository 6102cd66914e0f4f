package jwtstore

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

func TestRoundTrip(t *testing.T) {
	s := newTestStore(t, nil)
	want := testClaims{User: "ada", N: 7}
	rec := save(t, s, nil, want, t0.Add(time.Hour))
	got, err := s.Load(requestWith(cookieHeader(rec)))
	if err != nil || got != want {
		t.Fatalf("Load = %+v, %v; want %+v, nil", got, err, want)
	}
	_, exp, err := s.load(requestWith(cookieHeader(rec)))
	if err != nil || !exp.Equal(t0.Add(time.Hour)) {
		t.Fatalf("load expiry = %v, %v; want %v", exp, err, t0.Add(time.Hour))
	}
	// The token is a standard JWS golang-jwt can parse with the derived key.
	tok := rec.Result().Cookies()[0].Value
	env := &envelope[testClaims]{}
	if _, err := jwt.ParseWithClaims(tok, env, func(*jwt.Token) (any, error) { return s.ring.signer.key, nil },
		jwt.WithValidMethods([]string{"HS256"}), jwt.WithTimeFunc(func() time.Time { return t0 })); err != nil {
		t.Fatalf("golang-jwt parse: %v", err)
	}
	if h, _ := base64Decode(tok[:strings.IndexByte(tok, '.')]); h != `{"alg":"HS256","kid":"`+s.ring.signer.kid+`","typ":"JWT"}` {
		t.Errorf("header = %s", h)
	}
}

func TestLoadNoCookie(t *testing.T) {
	s := newTestStore(t, nil)
	for _, h := range [][]string{nil, {""}, {"other=1; session2=x; sessio=y"}, {"session.x=1", "session.01=2"}} {
		_, err := s.Load(requestWith(h...))
		if !errors.Is(err, ErrNoSession) || errors.Is(err, ErrInvalid) || errors.Is(err, ErrExpired) {
			t.Errorf("Load(%q) err = %v; want ErrNoSession", h, err)
		}
	}
	if _, err := s.Load(nil); !errors.Is(err, ErrNoSession) || errors.Is(err, ErrInvalid) {
		t.Errorf("Load(nil) err = %v", err)
	}
}

func TestRotation(t *testing.T) {
	before, during, after := rotationStores(t)
	oldClaims, newClaims := testClaims{User: "a"}, testClaims{User: "b"}
	oldCookie := cookieHeader(save(t, before, nil, oldClaims, t0.Add(time.Hour)))
	newCookie := cookieHeader(save(t, during, nil, newClaims, t0.Add(time.Hour)))
	assertRotation(t, before, during, after, oldCookie, newCookie, oldClaims, newClaims)
	// Derived ids are stable and distinct per secret.
	if a, b := (Key{Secret: secretA}).id(), (Key{Secret: secretA}).id(); a != b || a == (Key{Secret: secretB}).id() || len(a) != 8 {
		t.Errorf("derived ids %q %q", a, b)
	}
}

func TestSub(t *testing.T) {
	s := newTestStore(t, func(o *Options) { o.CacheSize = 16 })
	a, err := s.Sub("state-A_1")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := s.Sub("B")
	if a.Name() != "session_state-A_1" {
		t.Errorf("Name() = %q", a.Name())
	}
	rec := save(t, a, nil, testClaims{User: "x"}, t0.Add(time.Minute))
	hdr := cookieHeader(rec)
	if !strings.HasPrefix(hdr, "session_state-A_1=") {
		t.Fatalf("cookie %q", hdr)
	}
	if got, err := a.Load(requestWith(hdr)); err != nil || got.User != "x" {
		t.Fatalf("Sub Load = %+v, %v", got, err)
	}
	if _, err := s.Load(requestWith(hdr)); !errors.Is(err, ErrNoSession) || errors.Is(err, ErrInvalid) {
		t.Errorf("base Load of sub cookie: %v; want ErrNoSession", err)
	}
	// Moving the value to another view's name fails on aud, with and without the cache hit.
	moved := "session_B=" + strings.TrimPrefix(hdr, "session_state-A_1=")
	if _, err := b.Load(requestWith(moved)); !errors.Is(err, ErrInvalid) {
		t.Errorf("moved cookie: %v; want ErrInvalid", err)
	}
	if _, err := s.Load(requestWith("session=" + strings.TrimPrefix(hdr, "session_state-A_1="))); !errors.Is(err, ErrInvalid) {
		t.Errorf("moved to base: %v; want ErrInvalid", err)
	}
	hs := newTestStore(t, func(o *Options) { o.HostPrefix = true })
	if v, _ := hs.Sub("x"); v.Name() != "__Host-session_x" {
		t.Errorf("host Sub name %q", v.Name())
	}
	for _, id := range []string{"", "a.b", "a b", "a;b", strings.Repeat("a", 65), "é"} {
		if v, err := s.Sub(id); err == nil || v != nil {
			t.Errorf("Sub(%q) = %v, nil; want error", id, v)
		}
	}
}

func TestCache(t *testing.T) {
	c := &clock{now: t0}
	s := newTestStore(t, func(o *Options) { o.CacheSize = 2; o.Now = c.Now })
	type P struct{ Name string }
	ps, err := New[*P](testOptions(func(o *Options) { o.CacheSize = 2 }))
	if err != nil {
		t.Fatal(err)
	}
	prec := save(t, ps, nil, &P{Name: "x"}, t0.Add(time.Hour))
	p1, err1 := ps.Load(requestWith(cookieHeader(prec)))
	p2, err2 := ps.Load(requestWith(cookieHeader(prec)))
	if err1 != nil || err2 != nil || p1 != p2 || p1.Name != "x" {
		t.Fatalf("cached pointer loads: %p %p %v %v", p1, p2, err1, err2)
	}
	hdrs := make([]string, 5)
	for i := range hdrs {
		hdrs[i] = cookieHeader(save(t, s, nil, testClaims{User: "u", N: i}, t0.Add(time.Minute)))
		if got, err := s.Load(requestWith(hdrs[i])); err != nil || got.N != i {
			t.Fatalf("Load %d: %v", i, err)
		}
		if n := s.cache.len(); n > 2 {
			t.Fatalf("cache holds %d entries; bound 2", n)
		}
	}
	// A hit still checks expiry against Now.
	if _, err := s.Load(requestWith(hdrs[4])); err != nil {
		t.Fatal(err)
	}
	if s.cache.get(strings.TrimPrefix(hdrs[4], "session=")) == nil {
		t.Fatal("last token not cached")
	}
	c.now = t0.Add(2 * time.Minute)
	if _, err := s.Load(requestWith(hdrs[4])); !errors.Is(err, ErrExpired) {
		t.Fatalf("cached expired token: %v; want ErrExpired", err)
	}
	if s.cache.get(strings.TrimPrefix(hdrs[4], "session=")) != nil {
		t.Fatal("expired token still cached")
	}
	if _, err := s.Load(requestWith(hdrs[4])); !errors.Is(err, ErrExpired) {
		t.Fatalf("expired token, uncached: %v; want ErrExpired", err)
	}
	// A hit also checks nbf/iat when the clock goes back.
	c.now = t0
	if _, err := s.Load(requestWith(hdrs[4])); err != nil {
		t.Fatal(err)
	}
	c.now = t0.Add(-time.Hour)
	if s.cache.get(strings.TrimPrefix(hdrs[4], "session=")) == nil {
		t.Fatal("token not re-cached")
	}
	if _, err := s.Load(requestWith(hdrs[4])); !errors.Is(err, ErrInvalid) {
		t.Fatalf("cached token before iat: %v; want ErrInvalid", err)
	}
	// Only exact token strings hit: a payload byte changed under the cached token's
	// signature has the same cache key, and is verified in full.
	c.now = t0
	tok := strings.TrimPrefix(hdrs[4], "session=")
	if s.cache.get(tok) == nil {
		t.Fatal("token not cached before the altered load")
	}
	alt := []byte(tok)
	i := strings.IndexByte(tok, '.') + 10
	if alt[i] == 'A' {
		alt[i] = 'B'
	} else {
		alt[i] = 'A'
	}
	if cacheKey(string(alt)) != cacheKey(tok) || string(alt) == tok {
		t.Fatalf("altered token %q does not share the cache key of %q", alt, tok)
	}
	if got, err := s.Load(requestWith("session=" + string(alt))); !errors.Is(err, ErrInvalid) || got != (testClaims{}) {
		t.Fatalf("altered token: %+v, %v; want ErrInvalid", got, err)
	}
}

func TestConcurrentLoad(t *testing.T) {
	s := newTestStore(t, func(o *Options) { o.CacheSize = 4 })
	var hdrs []string
	for i := 0; i < 8; i++ {
		hdrs = append(hdrs, cookieHeader(save(t, s, nil, testClaims{User: "u", N: i}, t0.Add(time.Hour))))
	}
	done := make(chan error)
	for g := 0; g < 8; g++ {
		go func() {
			var err error
			for i := 0; i < 200 && err == nil; i++ {
				n := (i + g) % len(hdrs)
				var c testClaims
				if c, err = s.Load(requestWith(hdrs[n])); err == nil && c.N != n {
					err = fmt.Errorf("got N %d; want %d", c.N, n)
				}
			}
			done <- err
		}()
	}
	for g := 0; g < 8; g++ {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
}
