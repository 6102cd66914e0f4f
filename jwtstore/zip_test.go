package jwtstore

import (
	"bytes"
	"compress/zlib"
	"crypto/rand"
	"errors"
	"fmt"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/echohf/echohf/internal/deflate"
)

// claimsJSON is a payload Load accepts from the default test store, with the given claims.
func claimsJSON(user, p string, exp time.Time) []byte {
	return fmt.Appendf(nil, `{"iss":"jwtstore","aud":["jwtstore:session"],"exp":%d,"iat":%d,"c":{"u":%q,"p":%q}}`,
		exp.Unix(), t0.Unix(), user, p)
}

func mustDeflate(t testing.TB, b []byte) []byte {
	t.Helper()
	z, err := deflate.Compress(b)
	if err != nil {
		t.Fatal(err)
	}
	return z
}

// mustSignZip mints a validly signed compressed token of s whose payload segment encodes
// payload as is.
func mustSignZip[C any](t testing.TB, s *Store[C], payload []byte) string {
	t.Helper()
	tok, err := signZip(s.ring.signer, payload)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func TestCompressedRoundTrip(t *testing.T) {
	for _, tt := range []struct {
		name    string
		c       testClaims
		zip     bool
		cookies int
	}{
		{"small", testClaims{User: "ada"}, false, 1},
		{"3 KB fits, never compressed", testClaims{User: "ada", Pad: pad(2800)}, false, 1},
		{"repetitive 30 KB, one cookie", testClaims{User: "ada", Pad: strings.Repeat("research-lab-", 2300)}, true, 1},
		{"random 10 KB, chunks", testClaims{User: "ada", Pad: pad(10000)}, true, 3},
		{"random 20 KB, chunks", testClaims{User: "ada", Pad: pad(20000)}, true, 6},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := &clock{now: t0}
			base := newTestStore(t, func(o *Options) { o.CacheSize = 8; o.Now = c.Now })
			view, err := base.Sub("state-1")
			if err != nil {
				t.Fatal(err)
			}
			other, _ := base.Sub("state-2")
			for _, s := range []*Store[testClaims]{base, view} {
				c.now = t0
				rec := save(t, s, nil, tt.c, t0.Add(time.Hour))
				tok := tokenOf(rec)
				wantHeader, wantJSON := s.ring.signer.header, `{"alg":"HS256","kid":"`+s.ring.signer.kid+`","typ":"JWT"}`
				if tt.zip {
					wantHeader, wantJSON = s.ring.signer.zipHeader, `{"alg":"HS256","kid":"`+s.ring.signer.kid+`","typ":"JWT","zip":"DEF"}`
				}
				if h := headerOf(tok); h != wantHeader {
					t.Fatalf("%s: header %q; want %q", s.Name(), h, wantHeader)
				}
				if h, _ := base64Decode(headerOf(tok)); h != wantJSON {
					t.Fatalf("%s: header JSON %s; want %s", s.Name(), h, wantJSON)
				}
				if n := len(rec.Result().Header.Values("Set-Cookie")); n != tt.cookies {
					t.Errorf("%s: %d cookies; want %d", s.Name(), n, tt.cookies)
				}
				hdr := cookieHeader(rec)
				// Twice: the second Load is a cache hit on the exact token.
				for i := 0; i < 2; i++ {
					got, err := s.Load(requestWith(hdr))
					if err != nil || got != tt.c {
						t.Fatalf("%s: Load %d = %.40v, %v", s.Name(), i, got, err)
					}
					if s.cache.get(tok) == nil {
						t.Fatalf("%s: token not cached", s.Name())
					}
				}
				if _, exp, err := s.load(requestWith(hdr)); err != nil || !exp.Equal(t0.Add(time.Hour)) {
					t.Errorf("%s: load expiry = %v, %v", s.Name(), exp, err)
				}
				// A cache hit still checks the times.
				c.now = t0.Add(2 * time.Hour)
				if _, err := s.Load(requestWith(hdr)); !errors.Is(err, ErrExpired) {
					t.Errorf("%s: expired Load err = %v; want ErrExpired", s.Name(), err)
				}
				c.now = t0
				// A view's token does not load under another view's name.
				if s == view {
					if _, err := other.Load(requestWith(chunkHeader(other.Name(), tok))); !errors.Is(err, ErrInvalid) {
						t.Errorf("moved view cookie: %v; want ErrInvalid", err)
					}
				}
			}
		})
	}
	// Save never compresses a payload Load would refuse to inflate: this one would
	// compress to about a kilobyte.
	s := newTestStore(t, nil)
	if err := s.Save(httptest.NewRecorder(), nil, testClaims{Pad: strings.Repeat("a", maxInflate)}, t0.Add(time.Hour)); !errors.Is(err, ErrTooLarge) {
		t.Errorf("Save of a %d-byte payload: %v; want ErrTooLarge", maxInflate, err)
	}
}

func TestCompressedRotation(t *testing.T) {
	before, during, after := rotationStores(t)
	big := testClaims{User: "a", Pad: pad(10000)}
	oldRec := save(t, before, nil, big, t0.Add(time.Hour))
	newRec := save(t, during, nil, big, t0.Add(time.Hour))
	for rec, kid := range map[string]string{tokenOf(oldRec): "2025", tokenOf(newRec): "2026"} {
		if h, _ := base64Decode(headerOf(rec)); h != `{"alg":"HS256","kid":"`+kid+`","typ":"JWT","zip":"DEF"}` {
			t.Fatalf("header %s; want the zip header of kid %s", h, kid)
		}
	}
	assertRotation(t, before, during, after, cookieHeader(oldRec), cookieHeader(newRec), big, big)
}

func TestCompressedRejects(t *testing.T) {
	s := newTestStore(t, nil)
	k := s.ring.signer
	exp := t0.Add(time.Hour)
	validRec := save(t, s, nil, testClaims{User: "ada", Pad: pad(10000)}, exp)
	valid := tokenOf(validRec)
	if headerOf(valid) != k.zipHeader {
		t.Fatal("the 10 KB session is not compressed")
	}
	parts := strings.Split(valid, ".")
	plainTok := tokenOf(save(t, s, nil, testClaims{User: "ada"}, exp))
	plainParts := strings.Split(plainTok, ".")

	okJSON := claimsJSON("x", "", exp)
	flipped := []byte(parts[1])
	if mid := len(flipped) / 2; flipped[mid] == 'A' {
		flipped[mid] = 'B'
	} else {
		flipped[mid] = 'A'
	}
	var zl bytes.Buffer
	zw := zlib.NewWriter(&zl)
	_, _ = zw.Write(okJSON)
	_ = zw.Close()
	deflated := mustDeflate(t, okJSON)

	// Payloads of exactly maxInflate bytes and one more.
	atBound := claimsJSON("x", "", exp)
	atBound = claimsJSON("x", strings.Repeat("a", maxInflate-len(atBound)), exp)
	overBound := claimsJSON("x", strings.Repeat("a", maxInflate-len(claimsJSON("x", "", exp))+1), exp)
	bomb := claimsJSON("x", strings.Repeat("a", 16<<20), exp)

	impostor := newTestStore(t, func(o *Options) { o.Keys = []Key{{ID: k.kid, Secret: secretB}} })
	other := newTestStore(t, func(o *Options) { o.Keys = []Key{{Secret: secretB}} })
	login := newTestStore(t, func(o *Options) { o.Purpose = "login" })
	big := testClaims{User: "ada", Pad: pad(10000)}

	// Controls: each defect below is the only thing wrong with its token.
	for name, tok := range map[string]string{
		"compressed, chunked":        valid,
		"hand-compressed":            mustSignZip(t, s, deflated),
		"exactly maxInflate":         mustSignZip(t, s, mustDeflate(t, atBound)),
		"plain header, re-signed":    signRaw(s, k.header+"."+b64(string(okJSON))),
		"zip header, re-signed":      signRaw(s, k.zipHeader+"."+b64(string(deflated))),
		"original payload re-signed": signRaw(s, parts[0]+"."+parts[1]),
	} {
		if _, err := s.Load(requestWith(chunkHeader("session", tok))); err != nil {
			t.Fatalf("control %q: %v", name, err)
		}
	}
	if len(atBound) != maxInflate || len(overBound) != maxInflate+1 {
		t.Fatalf("bound payloads of %d and %d bytes", len(atBound), len(overBound))
	}

	tests := []struct {
		name string
		tok  string
		want error
	}{
		// Signature: checked before anything is inflated.
		{"tampered compressed payload", parts[0] + "." + string(flipped) + "." + parts[2], ErrInvalid},
		{"forged compressed payload, original signature", parts[0] + "." + b64(string(deflated)) + "." + parts[2], ErrInvalid},
		{"plain header on compressed token", k.header + "." + parts[1] + "." + parts[2], ErrInvalid},
		{"zip header on plain token", k.zipHeader + "." + plainParts[1] + "." + plainParts[2], ErrInvalid},
		{"compressed, foreign key same kid", tokenOf(save(t, impostor, nil, big, exp)), ErrInvalid},
		{"compressed, unknown kid", tokenOf(save(t, other, nil, big, exp)), ErrInvalid},
		{"compressed, other purpose", tokenOf(save(t, login, nil, big, exp)), ErrInvalid},
		// Validly signed, but the payload does not match the header.
		{"plain header over deflate", signRaw(s, k.header+"."+b64(string(deflated))), ErrInvalid},
		{"zip header over plain JSON", mustSignZip(t, s, okJSON), ErrInvalid},
		{"zip header over base64 text", mustSignZip(t, s, []byte(plainParts[1])), ErrInvalid},
		{"zip, empty payload", mustSignZip(t, s, nil), ErrInvalid},
		{"zip, random bytes", mustSignZip(t, s, []byte(pad(500))), ErrInvalid},
		{"zip, zlib-wrapped", mustSignZip(t, s, zl.Bytes()), ErrInvalid},
		{"zip, truncated stream", mustSignZip(t, s, deflated[:len(deflated)-2]), ErrInvalid},
		{"zip, trailing zero byte", mustSignZip(t, s, append(bytes.Clone(deflated), 0)), ErrInvalid},
		{"zip, second stream appended", mustSignZip(t, s, append(bytes.Clone(deflated), deflated...)), ErrInvalid},
		// The inflate bound.
		{"zip, one byte over the bound", mustSignZip(t, s, mustDeflate(t, overBound)), ErrInvalid},
		{"zip bomb, 16 MiB", mustSignZip(t, s, mustDeflate(t, bomb)), ErrInvalid},
		// The claims are checked after inflating as before.
		{"zip, expired", mustSignZip(t, s, mustDeflate(t, claimsJSON("x", "", t0.Add(-time.Hour)))), ErrExpired},
		{"zip, wrong aud", mustSignZip(t, s, mustDeflate(t, bytes.Replace(okJSON, []byte("jwtstore:session"), []byte("jwtstore:login"), 1))), ErrInvalid},
		{"zip, bad claims JSON", mustSignZip(t, s, mustDeflate(t, okJSON[:len(okJSON)-1])), ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, cache := range []int{0, 8} {
				st := withWarmCache(t, s, cache, cookieHeader(validRec))
				got, err := st.Load(requestWith(chunkHeader("session", tt.tok)))
				if !errors.Is(err, tt.want) || (errors.Is(tt.want, ErrInvalid) && errors.Is(err, ErrExpired)) {
					t.Fatalf("cache %d: Load err = %v; want %v", cache, err, tt.want)
				}
				if got != (testClaims{}) {
					t.Fatalf("cache %d: Load returned claims with %v", cache, err)
				}
				if strings.Contains(err.Error(), parts[1][:20]) {
					t.Fatalf("error leaks token bytes: %v", err)
				}
			}
		})
	}
}

func TestCompactOnlyWhenShorter(t *testing.T) {
	s := newTestStore(t, nil)
	k := s.ring.signer
	random := make([]byte, 5000)
	_, _ = rand.Read(random)
	for _, tt := range []struct {
		name    string
		payload []byte
		zip     bool
	}{
		{"incompressible", random, false},
		{"JSON", claimsJSON("x", pad(5000), t0.Add(time.Hour)), true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tok := signRaw(s, k.header+"."+b64(string(tt.payload)))
			z, err := s.compact(tok)
			if err != nil {
				t.Fatal(err)
			}
			if zip := z != tok; zip != tt.zip || (zip && len(z) >= len(tok)) {
				t.Fatalf("compact: %d bytes to %d; want compressed %v", len(tok), len(z), tt.zip)
			}
		})
	}
}

// TestZipBombAllocation checks that Load stops inflating at the bound instead of
// allocating the whole output.
func TestZipBombAllocation(t *testing.T) {
	s := newTestStore(t, nil)
	const size = 16 << 20
	tok := mustSignZip(t, s, mustDeflate(t, claimsJSON("x", strings.Repeat("a", size), t0.Add(time.Hour))))
	if len(tok) > s.o.MaxSize {
		t.Fatalf("bomb token of %d bytes is over MaxSize", len(tok))
	}
	r := requestWith(chunkHeader("session", tok))
	_, _ = s.Load(r) // warm the pools
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	_, err := s.Load(r)
	runtime.ReadMemStats(&after)
	if !errors.Is(err, ErrInvalid) {
		t.Fatalf("Load err = %v; want ErrInvalid", err)
	}
	if n := after.TotalAlloc - before.TotalAlloc; n > 4*maxInflate {
		t.Fatalf("Load of a %d MiB bomb allocated %d bytes; want at most %d", size>>20, n, 4*maxInflate)
	}
	// With a bad signature nothing is inflated at all.
	forged := requestWith(chunkHeader("session", tok[:len(tok)-43]+strings.Repeat("A", 43)))
	runtime.GC()
	runtime.ReadMemStats(&before)
	_, err = s.Load(forged)
	runtime.ReadMemStats(&after)
	if !errors.Is(err, ErrInvalid) {
		t.Fatalf("forged Load err = %v; want ErrInvalid", err)
	}
	if n := after.TotalAlloc - before.TotalAlloc; n > maxInflate/8 {
		t.Fatalf("Load of a forged bomb allocated %d bytes; want at most %d", n, maxInflate/8)
	}
}
