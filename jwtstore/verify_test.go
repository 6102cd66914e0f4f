package jwtstore

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// foreign mints a session of the default test store with another signing method and key.
func foreign(t *testing.T, m jwt.SigningMethod, key any, kid string) string {
	t.Helper()
	tk := jwt.NewWithClaims(m, sessionEnvelope("jwtstore:session", testClaims{User: "eve"}))
	tk.Header["kid"] = kid
	s, err := tk.SignedString(key)
	if err != nil {
		t.Fatalf("minting %s: %v", m.Alg(), err)
	}
	return s
}

func TestLoadRejects(t *testing.T) {
	s := newTestStore(t, nil)
	kid := s.ring.signer.kid
	good := s.ring.signer.header
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	_, edKey, _ := ed25519.GenerateKey(rand.Reader)

	mint := func(edit func(e *envelope[testClaims])) string {
		return mintUncompressed(t, s, testClaims{User: "ada"}, edit)
	}
	validTok := mint(nil)
	if _, err := s.Load(requestWith("session=" + validTok)); err != nil {
		t.Fatalf("valid token: %v", err)
	}
	parts := strings.Split(validTok, ".")
	payload := parts[1]

	// Same secret and kid, different purpose: a different HKDF key.
	login := newTestStore(t, func(o *Options) { o.Purpose = "login" })
	loginRec := save(t, login, nil, testClaims{User: "ada"}, t0.Add(time.Hour))
	// Same kid as s but another secret.
	impostor := newTestStore(t, func(o *Options) { o.Keys = []Key{{ID: kid, Secret: secretB}} })
	impRec := save(t, impostor, nil, testClaims{User: "ada"}, t0.Add(time.Hour))
	// Unknown kid.
	other := newTestStore(t, func(o *Options) { o.Keys = []Key{{Secret: secretB}} })
	otherRec := save(t, other, nil, testClaims{User: "ada"}, t0.Add(time.Hour))
	// Unknown kid, a compressed token in chunks.
	otherBig := save(t, other, nil, testClaims{User: "ada", Pad: pad(9000)}, t0.Add(time.Hour))
	if n := len(otherBig.Result().Cookies()); n < 2 {
		t.Fatalf("the large token of an unknown kid is %d cookie(s); want chunks", n)
	}
	unknownKid := func(header string) string { return "session=" + b64(header) + "." + payload + "." + parts[2] }

	nonCanon := func(p string) string {
		b := []byte(p)
		b[len(b)-1] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"[strings.IndexByte("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", b[len(b)-1])^1]
		return string(b)
	}
	if len(payload)%4 == 0 {
		t.Fatalf("test payload length %d has no spare bits", len(payload))
	}
	hs := func(m jwt.SigningMethod) string { return foreign(t, m, s.ring.signer.key, kid) }

	tests := []struct {
		name   string
		header string
		want   error
	}{
		{"alg none", "session=" + foreign(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, kid), ErrInvalid},
		{"RS256", "session=" + foreign(t, jwt.SigningMethodRS256, rsaKey, kid), ErrInvalid},
		{"PS256", "session=" + foreign(t, jwt.SigningMethodPS256, rsaKey, kid), ErrInvalid},
		{"ES256", "session=" + foreign(t, jwt.SigningMethodES256, ecKey, kid), ErrInvalid},
		{"EdDSA", "session=" + foreign(t, jwt.SigningMethodEdDSA, edKey, kid), ErrInvalid},
		{"HS384 same key", "session=" + hs(jwt.SigningMethodHS384), ErrInvalid},
		{"HS512 same key", "session=" + hs(jwt.SigningMethodHS512), ErrInvalid},
		{"HS256 foreign key same kid", cookieHeader(impRec), ErrInvalid},
		{"unknown kid", cookieHeader(otherRec), ErrUnknownKey},
		{"unknown kid, compressed in chunks", cookieHeader(otherBig), ErrUnknownKey},
		{"unknown kid, hand-made header", unknownKid(`{"alg":"HS256","kid":"k2","typ":"JWT"}`), ErrUnknownKey},
		{"unknown kid, RS256", "session=" + foreign(t, jwt.SigningMethodRS256, rsaKey, "k2"), ErrInvalid},
		{"unknown kid, alg none", unknownKid(`{"alg":"none","kid":"k2","typ":"JWT"}`), ErrInvalid},
		{"unknown kid, extra header field", unknownKid(`{"alg":"HS256","jku":"https://x","kid":"k2","typ":"JWT"}`), ErrInvalid},
		{"unknown kid, fields reordered", unknownKid(`{"kid":"k2","alg":"HS256","typ":"JWT"}`), ErrInvalid},
		{"unknown kid of bad characters", unknownKid(`{"alg":"HS256","kid":"k/2","typ":"JWT"}`), ErrInvalid},
		{"unknown kid, short signature", unknownKid(`{"alg":"HS256","kid":"k2","typ":"JWT"}`) + "x", ErrInvalid},
		{"no kid", unknownKid(`{"alg":"HS256","typ":"JWT"}`), ErrInvalid},
		{"other purpose, same secret", cookieHeader(loginRec), ErrInvalid},
		{"wrong aud, same key", "session=" + mint(func(e *envelope[testClaims]) { e.Audience = jwt.ClaimStrings{"jwtstore:login"} }), ErrInvalid},
		{"two auds", "session=" + mint(func(e *envelope[testClaims]) { e.Audience = append(e.Audience, "x") }), ErrInvalid},
		{"no aud", "session=" + mint(func(e *envelope[testClaims]) { e.Audience = nil }), ErrInvalid},
		{"wrong iss", "session=" + mint(func(e *envelope[testClaims]) { e.Issuer = "other" }), ErrInvalid},
		{"expired", "session=" + mint(func(e *envelope[testClaims]) { e.ExpiresAt = jwt.NewNumericDate(t0.Add(-time.Minute)) }), ErrExpired},
		{"expired at leeway", "session=" + mint(func(e *envelope[testClaims]) { e.ExpiresAt = jwt.NewNumericDate(t0.Add(-DefaultLeeway)) }), ErrExpired},
		{"nbf in the future", "session=" + mint(func(e *envelope[testClaims]) { e.NotBefore = jwt.NewNumericDate(t0.Add(time.Minute)) }), ErrInvalid},
		{"iat in the future", "session=" + mint(func(e *envelope[testClaims]) { e.IssuedAt = jwt.NewNumericDate(t0.Add(time.Minute)) }), ErrInvalid},
		{"missing exp", "session=" + mint(func(e *envelope[testClaims]) { e.ExpiresAt = nil }), ErrInvalid},
		{"garbage", "session=%%%not a token%%%", ErrInvalid},
		{"empty value", "session=", ErrInvalid},
		{"truncated", "session=" + validTok[:len(validTok)-5], ErrInvalid},
		{"truncated to header", "session=" + validTok[:len(good)+1], ErrInvalid},
		{"10 KB", "session=" + strings.Repeat("A", 10<<10), ErrInvalid},
		{"10 KB after header", "session=" + good + "." + strings.Repeat("A", 10<<10) + "." + parts[2], ErrInvalid},
		{"two segments", "session=" + good + "." + payload, ErrInvalid},
		{"four segments", "session=" + validTok + ".x", ErrInvalid},
		{"four segments signed", "session=" + signRaw(s, good+"."+payload+".x"), ErrInvalid},
		{"bad signature", "session=" + parts[0] + "." + parts[1] + "." + strings.Repeat("A", 43), ErrInvalid},
		{"padded signature", "session=" + validTok + "=", ErrInvalid},
		{"bad base64 payload", "session=" + signRaw(s, good+"."+payload[:8]+"!"+payload[9:]), ErrInvalid},
		{"padded payload", "session=" + signRaw(s, good+"."+payload+"="), ErrInvalid},
		{"non-canonical base64", "session=" + signRaw(s, good+"."+nonCanon(payload)), ErrInvalid},
		{"bad JSON", "session=" + signRaw(s, good+"."+b64(`{"exp":`)), ErrInvalid},
		{"JSON array", "session=" + signRaw(s, good+"."+b64(`[1,2]`)), ErrInvalid},
		{"exp wrong type", "session=" + signRaw(s, good+"."+b64(`{"iss":"jwtstore","aud":["jwtstore:session"],"exp":"later","c":{"u":"x"}}`)), ErrInvalid},
		{"claims wrong type", "session=" + signRaw(s, good+"."+b64(fmt.Sprintf(`{"iss":"jwtstore","aud":["jwtstore:session"],"exp":%d,"c":{"u":5}}`, t0.Unix()+60))), ErrInvalid},
		{"duplicated cookie", "session=" + validTok + "; session=" + validTok, ErrInvalid},
		{"base64 with newline", "session=" + signRaw(s, good+"."+payload[:4]+"\n"+payload[4:]), ErrInvalid},
		{"base64 with carriage return", "session=" + signRaw(s, good+"."+payload[:40]+"\r"+payload[40:]), ErrInvalid},
	}
	// The hand-built payload with the right types loads, so the two type cases above fail
	// only on their types.
	okJSON := signRaw(s, good+"."+b64(fmt.Sprintf(`{"iss":"jwtstore","aud":"jwtstore:session","exp":%d,"c":{"u":"x"}}`, t0.Unix()+60)))
	if c, err := s.Load(requestWith("session=" + okJSON)); err != nil || c.User != "x" {
		t.Fatalf("hand-built token: %+v, %v", c, err)
	}
	// The non-canonical variant decodes to the same bytes, so only Strict rejects it.
	if c, err := s.Load(requestWith("session=" + signRaw(s, good+"."+payload))); err != nil || c.User != "ada" {
		t.Fatalf("re-signed payload: %+v, %v", c, err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, cache := range []int{0, 8} {
				st := withWarmCache(t, s, cache, "session="+validTok)
				got, err := st.Load(requestWith(tt.header))
				if !errors.Is(err, tt.want) || !errors.Is(err, ErrNoSession) {
					t.Fatalf("cache %d: Load err = %v; want %v", cache, err, tt.want)
				}
				if errors.Is(tt.want, ErrInvalid) && errors.Is(err, ErrExpired) {
					t.Fatalf("cache %d: Load err = %v; want ErrInvalid", cache, err)
				}
				if errors.Is(tt.want, ErrInvalid) && !errors.Is(err, ErrInvalid) {
					t.Fatalf("cache %d: Load err = %v; want it to match ErrInvalid", cache, err)
				}
				if !errors.Is(tt.want, ErrUnknownKey) && errors.Is(err, ErrUnknownKey) {
					t.Fatalf("cache %d: Load err = %v; want it not to match ErrUnknownKey", cache, err)
				}
				if got != (testClaims{}) {
					t.Fatalf("cache %d: Load claims = %+v; want zero", cache, got)
				}
				if strings.Contains(err.Error(), payload[:20]) {
					t.Fatalf("error leaks token bytes: %v", err)
				}
			}
		})
	}
}

func TestLeeway(t *testing.T) {
	c := &clock{now: t0}
	for _, tt := range []struct {
		name   string
		leeway time.Duration
		skew   time.Duration // clock moved past exp by this
		want   error
	}{
		{"default, within", 0, 20 * time.Second, nil},
		{"default, beyond", 0, 31 * time.Second, ErrExpired},
		{"1s, within", time.Second, 0, nil},
		{"1s, beyond", time.Second, 2 * time.Second, ErrExpired},
		{"5m, within", 5 * time.Minute, 4 * time.Minute, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := newTestStore(t, func(o *Options) { o.Leeway = tt.leeway; o.Now = c.Now })
			c.now = t0
			rec := save(t, s, nil, testClaims{User: "a"}, t0.Add(time.Minute))
			c.now = t0.Add(time.Minute + tt.skew - time.Nanosecond)
			_, err := s.Load(requestWith(cookieHeader(rec)))
			if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
				t.Fatalf("Load err = %v; want %v", err, tt.want)
			}
		})
	}
}

func TestRegisteredClaimForms(t *testing.T) {
	s := newTestStore(t, nil)
	h := s.ring.signer.header
	exp := t0.Unix() + 60
	for _, tt := range []struct {
		name    string
		payload string
		want    error
	}{
		{"aud array", fmt.Sprintf(`{"iss":"jwtstore","aud":["jwtstore:session"],"exp":%d,"c":{"u":"x"}}`, exp), nil},
		{"aud string", fmt.Sprintf(`{"iss":"jwtstore","aud":"jwtstore:session","exp":%d,"c":{"u":"x"}}`, exp), nil},
		{"fractional exp", fmt.Sprintf(`{"iss":"jwtstore","aud":"jwtstore:session","exp":%d.5,"c":{"u":"x"}}`, exp), nil},
		{"exp null", `{"iss":"jwtstore","aud":"jwtstore:session","exp":null,"c":{"u":"x"}}`, ErrInvalid},
		{"exp huge", `{"iss":"jwtstore","aud":"jwtstore:session","exp":1e300,"c":{"u":"x"}}`, ErrInvalid},
		{"exp out of range", `{"iss":"jwtstore","aud":"jwtstore:session","exp":1e999,"c":{"u":"x"}}`, ErrInvalid},
		{"exp past", `{"iss":"jwtstore","aud":"jwtstore:session","exp":1000,"c":{"u":"x"}}`, ErrExpired},
		{"no iss", fmt.Sprintf(`{"aud":"jwtstore:session","exp":%d,"c":{"u":"x"}}`, exp), ErrInvalid},
		{"iss null", fmt.Sprintf(`{"iss":null,"aud":"jwtstore:session","exp":%d,"c":{"u":"x"}}`, exp), ErrInvalid},
		{"aud null", fmt.Sprintf(`{"iss":"jwtstore","aud":null,"exp":%d,"c":{"u":"x"}}`, exp), ErrInvalid},
		{"aud prefix", fmt.Sprintf(`{"iss":"jwtstore","aud":"jwtstore:sess","exp":%d,"c":{"u":"x"}}`, exp), ErrInvalid},
		{"aud other view", fmt.Sprintf(`{"iss":"jwtstore","aud":"jwtstore:session#a","exp":%d,"c":{"u":"x"}}`, exp), ErrInvalid},
		{"nbf null", fmt.Sprintf(`{"iss":"jwtstore","aud":"jwtstore:session","exp":%d,"nbf":null,"c":{"u":"x"}}`, exp), nil},
		{"nbf string", fmt.Sprintf(`{"iss":"jwtstore","aud":"jwtstore:session","exp":%d,"nbf":"1","c":{"u":"x"}}`, exp), ErrInvalid},
		{"no claims", fmt.Sprintf(`{"iss":"jwtstore","aud":"jwtstore:session","exp":%d}`, exp), nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.Load(requestWith("session=" + signRaw(s, h+"."+b64(tt.payload))))
			if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
				t.Fatalf("Load err = %v; want %v", err, tt.want)
			}
		})
	}
}
