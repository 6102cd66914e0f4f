package jwtstore

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

var t0 = time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)

type testClaims struct {
	User string `json:"u"`
	N    int    `json:"n,omitempty"`
	Pad  string `json:"p,omitempty"`
}

var secretA = []byte("0123456789abcdef0123456789abcdef")
var secretB = []byte("fedcba9876543210fedcba9876543210")

type clock struct{ now time.Time }

func (c *clock) Now() time.Time { return c.now }

func testOptions(mut func(*Options)) Options {
	o := Options{
		Name:    "session",
		Purpose: "session",
		Keys:    []Key{{Secret: secretA}},
		Now:     func() time.Time { return t0 },
	}
	if mut != nil {
		mut(&o)
	}
	return o
}

func newTestStore(t testing.TB, mut func(*Options)) *Store[testClaims] {
	t.Helper()
	s, err := New[testClaims](testOptions(mut))
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return s
}

// save runs Save and returns the recorder.
func save[C any](t testing.TB, s *Store[C], r *http.Request, c C, exp time.Time) *httptest.ResponseRecorder {
	t.Helper()
	rec := httptest.NewRecorder()
	if err := s.Save(rec, r, c, exp); err != nil {
		t.Fatalf("Save: %v", err)
	}
	return rec
}

// cookieHeader turns the live cookies set on rec into a Cookie header value.
func cookieHeader(rec *httptest.ResponseRecorder) string {
	var parts []string
	for _, c := range rec.Result().Cookies() {
		if c.MaxAge > 0 {
			parts = append(parts, c.Name+"="+c.Value)
		}
	}
	return strings.Join(parts, "; ")
}

func requestWith(header ...string) *http.Request {
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	for _, h := range header {
		r.Header.Add("Cookie", h)
	}
	return r
}

// sessionEnvelope returns the envelope Save at t0 builds for c and audience aud, expiring
// an hour later.
func sessionEnvelope(aud string, c testClaims) *envelope[testClaims] {
	e := &envelope[testClaims]{C: c}
	e.Issuer = "jwtstore"
	e.Audience = jwt.ClaimStrings{aud}
	e.ExpiresAt = jwt.NewNumericDate(t0.Add(time.Hour))
	e.IssuedAt = jwt.NewNumericDate(t0)
	return e
}

// mintUncompressed returns the token sign mints in s for c at t0, expiring an hour later:
// what Save writes, before any compression. edit, when not nil, changes the envelope
// before it is signed.
func mintUncompressed(t testing.TB, s *Store[testClaims], c testClaims, edit func(*envelope[testClaims])) string {
	t.Helper()
	e := sessionEnvelope(s.aud, c)
	if edit != nil {
		edit(e)
	}
	tok, err := s.sign(e)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// withWarmCache returns s itself when size is 0, else a store with s's options and a
// cache of size entries, warmed by loading the valid session in the Cookie header warm.
func withWarmCache(t *testing.T, s *Store[testClaims], size int, warm string) *Store[testClaims] {
	t.Helper()
	if size == 0 {
		return s
	}
	o := s.o
	o.CacheSize = size
	st := newTestStore(t, func(p *Options) { *p = o })
	if _, err := st.Load(requestWith(warm)); err != nil {
		t.Fatalf("warming the cache: %v", err)
	}
	return st
}

// signRaw signs an arbitrary signing input with the store's signing key.
func signRaw[C any](s *Store[C], input string) string {
	m := hmac.New(sha256.New, s.ring.signer.key)
	m.Write([]byte(input))
	return input + "." + base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func b64(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

// tokenOf reassembles the token carried by the live cookies set on rec: the single
// cookie's value, or the chunks' values joined without the "N~" count.
func tokenOf(rec *httptest.ResponseRecorder) string {
	var tok string
	for _, c := range rec.Result().Cookies() {
		if c.MaxAge > 0 {
			tok += c.Value
		}
	}
	if i := strings.IndexByte(tok, chunkSep); i >= 0 && i < 3 {
		tok = tok[i+1:]
	}
	return tok
}

// chunkHeader returns a Cookie header carrying tok under name: one cookie when it is at
// most 3000 bytes, else chunks of 3000 bytes (chunk 0 prefixed with the count).
func chunkHeader(name, tok string) string {
	const size = 3000
	if len(tok) <= size {
		return name + "=" + tok
	}
	n := (len(tok) + size - 1) / size
	parts := make([]string, n)
	for i := range parts {
		p := tok[i*size : min((i+1)*size, len(tok))]
		if i == 0 {
			p = strconv.Itoa(n) + string(chunkSep) + p
		}
		parts[i] = name + "." + strconv.Itoa(i) + "=" + p
	}
	return strings.Join(parts, "; ")
}

// headerOf returns the header segment of tok.
func headerOf(tok string) string { return tok[:max(strings.IndexByte(tok, '.'), 0)] }

// rotationStores returns the stores of a key rotation: before (ring [old]),
// during ([new, old]: new signs, old still verifies) and after ([new]).
func rotationStores(t *testing.T) (before, during, after *Store[testClaims]) {
	old := Key{ID: "2025", Secret: secretA}
	nw := Key{ID: "2026", Secret: secretB}
	before = newTestStore(t, func(o *Options) { o.Keys = []Key{old} })
	during = newTestStore(t, func(o *Options) { o.Keys = []Key{nw, old} })
	after = newTestStore(t, func(o *Options) { o.Keys = []Key{nw} })
	return before, during, after
}

// assertRotation checks what each ring of a rotation loads: oldCookie signed
// by the old key, newCookie by the new one, holding oldClaims and newClaims.
func assertRotation(t *testing.T, before, during, after *Store[testClaims], oldCookie, newCookie string, oldClaims, newClaims testClaims) {
	t.Helper()
	for _, tt := range []struct {
		name   string
		s      *Store[testClaims]
		cookie string
		claims testClaims
		want   error
	}{
		{"old key signs, old loads", before, oldCookie, oldClaims, nil},
		{"retired key still in ring", during, oldCookie, oldClaims, nil},
		{"new key loads", during, newCookie, newClaims, nil},
		{"new key loads after removal", after, newCookie, newClaims, nil},
		{"removed key", after, oldCookie, oldClaims, ErrUnknownKey},
		{"new key unknown to old ring", before, newCookie, newClaims, ErrUnknownKey},
	} {
		got, err := tt.s.Load(requestWith(tt.cookie))
		if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) || (err == nil && got != tt.claims) {
			t.Errorf("%s: err = %v; want %v", tt.name, err, tt.want)
		}
	}
}

func base64Decode(s string) (string, error) {
	b, err := jwt.NewParser().DecodeSegment(s)
	return string(b), err
}

// pad returns a deterministic, incompressible-looking string of n bytes.
func pad(n int) string {
	const a = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	b := make([]byte, n)
	x := uint32(2463534242)
	for i := range b {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		b[i] = a[x%uint32(len(a))]
	}
	return string(b)
}

// names returns a Cookie header of n empty cookies named prefix+i, i counting from from.
func names(prefix string, from, n int) string {
	parts := make([]string, n)
	for i := range parts {
		parts[i] = prefix + strconv.Itoa(from+i) + "="
	}
	return strings.Join(parts, "; ")
}
