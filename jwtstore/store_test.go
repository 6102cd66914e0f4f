package jwtstore

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
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

func base64Decode(s string) (string, error) {
	b, err := jwt.NewParser().DecodeSegment(s)
	return string(b), err
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
		{"unknown kid", cookieHeader(otherRec), ErrInvalid},
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

func TestOptionsRoundTrip(t *testing.T) {
	type check func(t *testing.T, c *http.Cookie, line string)
	tests := []struct {
		name  string
		mut   func(*Options)
		cname string
		check check
	}{
		{"defaults", nil, "session", func(t *testing.T, c *http.Cookie, line string) {
			if c.Path != "/" || c.Domain != "" || !c.Secure || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Partitioned {
				t.Errorf("cookie = %q", line)
			}
		}},
		{"path", func(o *Options) { o.Path = "/app" }, "session", func(t *testing.T, c *http.Cookie, line string) {
			if c.Path != "/app" {
				t.Errorf("cookie = %q", line)
			}
		}},
		{"domain", func(o *Options) { o.Domain = "example.com" }, "session", func(t *testing.T, c *http.Cookie, line string) {
			if c.Domain != "example.com" {
				t.Errorf("cookie = %q", line)
			}
		}},
		{"insecure", func(o *Options) { o.Insecure = true }, "session", func(t *testing.T, c *http.Cookie, line string) {
			if c.Secure || !c.HttpOnly {
				t.Errorf("cookie = %q", line)
			}
		}},
		{"strict", func(o *Options) { o.SameSite = http.SameSiteStrictMode }, "session", func(t *testing.T, c *http.Cookie, line string) {
			if c.SameSite != http.SameSiteStrictMode {
				t.Errorf("cookie = %q", line)
			}
		}},
		{"none", func(o *Options) { o.SameSite = http.SameSiteNoneMode }, "session", func(t *testing.T, c *http.Cookie, line string) {
			if c.SameSite != http.SameSiteNoneMode || !c.Secure {
				t.Errorf("cookie = %q", line)
			}
		}},
		{"default mode", func(o *Options) { o.SameSite = http.SameSiteDefaultMode }, "session", func(t *testing.T, c *http.Cookie, line string) {
			if strings.Contains(line, "SameSite") {
				t.Errorf("cookie = %q", line)
			}
		}},
		{"partitioned", func(o *Options) { o.Partitioned = true; o.SameSite = http.SameSiteNoneMode }, "session", func(t *testing.T, c *http.Cookie, line string) {
			if !c.Partitioned || !strings.Contains(line, "; Partitioned") {
				t.Errorf("cookie = %q", line)
			}
		}},
		{"host prefix", func(o *Options) { o.HostPrefix = true }, "__Host-session", func(t *testing.T, c *http.Cookie, line string) {
			if !c.Secure || c.Path != "/" || c.Domain != "" {
				t.Errorf("cookie = %q", line)
			}
		}},
		{"max age", func(o *Options) { o.MaxAge = time.Hour }, "session", func(t *testing.T, c *http.Cookie, line string) {
			if c.MaxAge != 3600 || !c.Expires.Equal(t0.Add(time.Hour)) {
				t.Errorf("cookie = %q", line)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newTestStore(t, tt.mut)
			if s.Name() != tt.cname {
				t.Errorf("Name() = %q; want %q", s.Name(), tt.cname)
			}
			want := testClaims{User: "ada"}
			rec := save(t, s, nil, want, t0.Add(24*time.Hour))
			lines := rec.Result().Header.Values("Set-Cookie")
			cs := rec.Result().Cookies()
			if len(lines) != 1 || len(cs) != 1 || cs[0].Name != tt.cname {
				t.Fatalf("Set-Cookie = %q", lines)
			}
			tt.check(t, cs[0], lines[0])
			got, err := s.Load(requestWith(cookieHeader(rec)))
			if err != nil || got != want {
				t.Fatalf("Load = %+v, %v", got, err)
			}
			_, exp, _ := s.load(requestWith(cookieHeader(rec)))
			if limit := t0.Add(s.o.MaxAge); exp.After(limit) {
				t.Errorf("expiry %v after now+MaxAge %v", exp, limit)
			}
			// Clear keeps the attributes.
			clr := httptest.NewRecorder()
			s.Clear(clr, nil)
			cc := clr.Result().Cookies()
			if len(cc) != 1 || cc[0].MaxAge != -1 || cc[0].Name != tt.cname || cc[0].Path != cs[0].Path ||
				cc[0].Domain != cs[0].Domain || cc[0].Secure != cs[0].Secure || cc[0].SameSite != cs[0].SameSite ||
				cc[0].Partitioned != cs[0].Partitioned || !cc[0].HttpOnly {
				t.Errorf("Clear = %q", clr.Result().Header.Values("Set-Cookie"))
			}
		})
	}
}

func TestMaxAgeClamp(t *testing.T) {
	s := newTestStore(t, func(o *Options) { o.MaxAge = 2 * time.Hour })
	for _, tt := range []struct {
		in, want time.Time
	}{
		{t0.Add(time.Hour), t0.Add(time.Hour)},
		{t0.Add(5 * time.Hour), t0.Add(2 * time.Hour)},
		{time.Time{}, t0.Add(2 * time.Hour)},
		{t0.Add(90*time.Minute + 500*time.Millisecond), t0.Add(90 * time.Minute)},
	} {
		rec := save(t, s, nil, testClaims{User: "a"}, tt.in)
		_, exp, err := s.load(requestWith(cookieHeader(rec)))
		if err != nil || !exp.Equal(tt.want) {
			t.Errorf("Save(exp %v): expiry %v, %v; want %v", tt.in, exp, err, tt.want)
		}
		if c := rec.Result().Cookies()[0]; c.MaxAge != int(tt.want.Sub(t0)/time.Second) {
			t.Errorf("Save(exp %v): Max-Age %d", tt.in, c.MaxAge)
		}
	}
	for _, past := range []time.Time{t0, t0.Add(-time.Hour), t0.Add(999 * time.Millisecond)} {
		rec := httptest.NewRecorder()
		if err := s.Save(rec, nil, testClaims{}, past); err == nil || len(rec.Result().Cookies()) != 0 {
			t.Errorf("Save(exp %v) = %v, %d cookies; want error and none", past, err, len(rec.Result().Cookies()))
		}
	}
}

func TestNewRefuses(t *testing.T) {
	// want is a part of the error that names the option at fault. Some of New's checks
	// refuse what http.Cookie.Valid (run by checkLayout) would refuse anyway, for a
	// clearer message; want fails the case if such a check is dropped.
	tests := []struct {
		name string
		mut  func(*Options)
		want string
	}{
		{"no keys", func(o *Options) { o.Keys = nil }, "Keys"},
		{"empty secret", func(o *Options) { o.Keys = []Key{{ID: "a"}} }, "key 0"},
		{"empty old secret", func(o *Options) { o.Keys = append(o.Keys, Key{ID: "b"}) }, "key 1"},
		{"duplicate ids", func(o *Options) { o.Keys = []Key{{ID: "a", Secret: secretA}, {ID: "a", Secret: secretB}} }, "keys 0 and 1"},
		{"duplicate derived ids", func(o *Options) { o.Keys = []Key{{Secret: secretA}, {Secret: secretA}} }, "keys 0 and 1"},
		{"bad id", func(o *Options) { o.Keys = []Key{{ID: "a b", Secret: secretA}} }, "key 0: id"},
		{"long id", func(o *Options) { o.Keys = []Key{{ID: strings.Repeat("a", 65), Secret: secretA}} }, "key 0: id"},
		{"empty name", func(o *Options) { o.Name = "" }, "Options.Name"},
		{"bad name", func(o *Options) { o.Name = "ses sion" }, "Options.Name"},
		{"name with ;", func(o *Options) { o.Name = "a;b" }, "Options.Name"},
		{"name with =", func(o *Options) { o.Name = "a=b" }, "Options.Name"},
		{"name with prefix", func(o *Options) { o.Name = "__Host-session" }, "Options.Name"},
		{"__Secure- insecure", func(o *Options) { o.Name = "__Secure-s"; o.Insecure = true }, "Options.Name"},
		{"empty purpose", func(o *Options) { o.Purpose = "" }, "Options.Purpose"},
		{"bad purpose", func(o *Options) { o.Purpose = "a b" }, "Options.Purpose"},
		{"SameSite None insecure", func(o *Options) { o.SameSite = http.SameSiteNoneMode; o.Insecure = true }, "SameSite=None"},
		{"SameSite unknown", func(o *Options) { o.SameSite = 9 }, "Options.SameSite"},
		{"Partitioned insecure", func(o *Options) { o.Partitioned = true; o.Insecure = true }, "Partitioned"},
		{"HostPrefix insecure", func(o *Options) { o.HostPrefix = true; o.Insecure = true }, "HostPrefix"},
		{"HostPrefix domain", func(o *Options) { o.HostPrefix = true; o.Domain = "example.com" }, "HostPrefix"},
		{"HostPrefix path", func(o *Options) { o.HostPrefix = true; o.Path = "/app" }, "HostPrefix"},
		{"bad path", func(o *Options) { o.Path = "/a;b" }, "Options.Path"},
		{"relative path", func(o *Options) { o.Path = "a" }, "Options.Path"},
		{"bad domain", func(o *Options) { o.Domain = "exa mple.com" }, "Domain"},
		{"negative leeway", func(o *Options) { o.Leeway = -time.Second }, "Options.Leeway"},
		{"negative max age", func(o *Options) { o.MaxAge = -time.Second }, "Options.MaxAge"},
		{"max age under a second", func(o *Options) { o.MaxAge = 500 * time.Millisecond }, "Options.MaxAge"},
		{"negative max size", func(o *Options) { o.MaxSize = -1 }, "Options.MaxSize"},
		{"huge max size", func(o *Options) { o.MaxSize = 1 << 20 }, "Options.MaxSize"},
		{"negative cache", func(o *Options) { o.CacheSize = -1 }, "Options.CacheSize"},
		{"huge domain", func(o *Options) { o.Domain = strings.Repeat("a.", 1600) + "com" }, "Domain"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := New[testClaims](testOptions(tt.mut))
			if err == nil || s != nil {
				t.Fatalf("New = %v, %v; want an error", s, err)
			}
			if errors.Is(err, ErrNoSession) {
				t.Fatalf("config error %v matches ErrNoSession", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("New error %q does not name %s", err, tt.want)
			}
		})
	}
	_, err := New[testClaims](testOptions(func(o *Options) { o.Keys = []Key{{ID: "k1"}} }))
	if err == nil || !strings.Contains(err.Error(), "empty secret") {
		t.Errorf("empty secret error = %v; want a clear message", err)
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

func TestCookieParsing(t *testing.T) {
	s := newTestStore(t, nil)
	rec := save(t, s, nil, testClaims{User: "a"}, t0.Add(time.Hour))
	tok := rec.Result().Cookies()[0].Value
	for _, h := range [][]string{
		{"session=" + tok},
		{"  session=" + tok + "  "},
		{"a=1;session=" + tok + ";b=2"},
		{"a=1 ;  session = " + tok + " ; ; b"},
		{`session="` + tok + `"`},
		{"a=1", "session=" + tok},
		{"session=" + tok, "other=2"},
		{"session.x=1; session_y=2; sessionz=3; session=" + tok},
	} {
		if got, err := s.Load(requestWith(h...)); err != nil || got.User != "a" {
			t.Errorf("Load(%q) = %+v, %v", h, got, err)
		}
	}
	for _, h := range [][]string{
		{"session=" + tok, "session=" + tok},
		{`session="` + tok},
		{"session=" + tok + "; session.0=2~x"},
	} {
		if _, err := s.Load(requestWith(h...)); !errors.Is(err, ErrInvalid) {
			t.Errorf("Load(%q) err = %v; want ErrInvalid", h, err)
		}
	}
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

func TestChunks(t *testing.T) {
	s := newTestStore(t, nil)
	// pad compresses by about a quarter: 10000 bytes still take 3 compressed chunks.
	want := testClaims{User: "big", Pad: pad(10000)}
	rec := save(t, s, nil, want, t0.Add(time.Hour))
	cs := rec.Result().Cookies()
	lines := rec.Result().Header.Values("Set-Cookie")
	if len(cs) != 3 {
		t.Fatalf("got %d cookies; want 3", len(cs))
	}
	if h := headerOf(tokenOf(rec)); h != s.ring.signer.zipHeader {
		t.Errorf("chunked token header %q; want the zip header", h)
	}
	for i, c := range cs {
		if c.Name != "session."+strconv.Itoa(i) || len(lines[i]) > CookieLimit {
			t.Errorf("chunk %d: name %q, %d bytes", i, c.Name, len(lines[i]))
		}
	}
	if !strings.HasPrefix(cs[0].Value, "3~eyJ") {
		t.Errorf("chunk 0 starts %q", cs[0].Value[:8])
	}
	hdr := cookieHeader(rec)
	if got, err := s.Load(requestWith(hdr)); err != nil || got != want {
		t.Fatalf("Load chunked: %v", err)
	}
	// Order and separate header lines do not matter.
	if got, err := s.Load(requestWith("session.2="+cs[2].Value, "session.1="+cs[1].Value+"; session.0="+cs[0].Value)); err != nil || got != want {
		t.Fatalf("Load reordered: %v", err)
	}
	other := cookieHeader(save(t, s, nil, testClaims{User: "bigg", Pad: pad(10000)}, t0.Add(time.Hour)))
	oc := strings.Split(other, "; ")
	hc := strings.Split(hdr, "; ")
	bad := []struct {
		name string
		hdr  string
	}{
		{"missing chunk 1", hc[0] + "; " + hc[2]},
		{"missing last chunk", hc[0] + "; " + hc[1]},
		{"missing chunk 0", hc[1] + "; " + hc[2]},
		{"extra chunk", hdr + "; session.3=AAAA"},
		{"duplicated chunk", hdr + "; " + hc[1]},
		{"duplicated chunk, other value", hdr + "; " + oc[1]},
		{"chunks from two saves", hc[0] + "; " + oc[1] + "; " + hc[2]},
		{"chunk 0 from another save", oc[0] + "; " + hc[1] + "; " + hc[2]},
		{"count too small", "session.0=1~" + strings.TrimPrefix(hc[0], "session.0=3~") + "; " + hc[1] + "; " + hc[2]},
		{"count too large", "session.0=4~" + strings.TrimPrefix(hc[0], "session.0=3~") + "; " + hc[1] + "; " + hc[2]},
		{"count zero-padded", "session.0=03~" + strings.TrimPrefix(hc[0], "session.0=3~") + "; " + hc[1] + "; " + hc[2]},
		{"count not a number", "session.0=x~" + strings.TrimPrefix(hc[0], "session.0=3~") + "; " + hc[1] + "; " + hc[2]},
		{"no count", "session.0=" + strings.TrimPrefix(hc[0], "session.0=3~") + "; " + hc[1] + "; " + hc[2]},
		{"single and chunks", hdr + "; session=" + strings.TrimPrefix(hc[1], "session.1=")},
		{"huge chunks", "session.0=9~" + strings.Repeat("A", 5000) + "; session.1=" + strings.Repeat("A", 5000) + "; session.2=x; session.3=x; session.4=x; session.5=x; session.6=x; session.7=" + strings.Repeat("A", 30000) + "; session.8=x"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := s.Load(requestWith(tt.hdr)); !errors.Is(err, ErrInvalid) {
				t.Fatalf("Load err = %v; want ErrInvalid", err)
			}
		})
	}
}

// findExact searches for claims whose token, as one cookie, is exactly size bytes: the
// uncompressed token when zip is false, else the compressed one. Since a base64 segment
// never has a length of 4k+1, it tries cookie names of four lengths and returns the store.
func findExact(t *testing.T, size int, zip bool) (*Store[testClaims], testClaims) {
	t.Helper()
	for _, name := range []string{"session", "session1", "session12", "session123"} {
		s := newTestStore(t, func(o *Options) { o.Name = name })
		length := func(c testClaims) int {
			tok := mintUncompressed(t, s, c, nil)
			if zip {
				z, err := s.compact(tok)
				if err != nil || z == tok {
					t.Fatalf("compact: %v, compressed %v", err, z != tok)
				}
				tok = z
			}
			return len(s.cookie(s.name, tok, t0.Add(time.Hour), 3600).String())
		}
		n := 2000
		for step := 256; step > 0; step /= 2 { // the largest n whose user "a" length is below size
			if length(testClaims{User: "a", Pad: pad(n + step)}) < size {
				n += step
				step *= 2
			}
		}
		for ; n < 8000; n++ {
			l := 0
			for _, u := range []string{"a", "ab", "abc"} {
				c := testClaims{User: u, Pad: pad(n)}
				if l = length(c); l == size {
					return s, c
				}
			}
			if l > size+16 {
				break
			}
		}
	}
	t.Fatalf("no claims found with a %d-byte cookie (zip %v)", size, zip)
	return nil, testClaims{}
}

func TestChunkBoundaries(t *testing.T) {
	for _, tt := range []struct {
		name    string
		size    int  // length of the single cookie carrying the token
		zip     bool // size measured on the compressed token
		cookies int
		wantZip bool // Save writes the compressed token
	}{
		// A token that fits in one cookie is never compressed.
		{"fits", CookieLimit, false, 1, false},
		// One byte over: compressed, and then it fits again.
		{"over, compressed fits", CookieLimit + 1, false, 1, true},
		// Chunking of compressed tokens starts at the same limit.
		{"compressed fits", CookieLimit, true, 1, true},
		{"compressed over", CookieLimit + 1, true, 2, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s, c := findExact(t, tt.size, tt.zip)
			rec := save(t, s, nil, c, t0.Add(time.Hour))
			lines := rec.Result().Header.Values("Set-Cookie")
			if len(lines) != tt.cookies {
				t.Errorf("%d-byte cookie: %d Set-Cookie lines; want %d", tt.size, len(lines), tt.cookies)
			}
			if tt.cookies == 1 && tt.wantZip == tt.zip && len(lines[0]) != tt.size {
				t.Errorf("single line is %d bytes; want %d", len(lines[0]), tt.size)
			}
			for _, l := range lines {
				if len(l) > CookieLimit {
					t.Errorf("line of %d bytes", len(l))
				}
			}
			want := s.ring.signer.header
			if tt.wantZip {
				want = s.ring.signer.zipHeader
			}
			if h := headerOf(tokenOf(rec)); h != want {
				t.Errorf("header %q; want %q", h, want)
			}
			if got, err := s.Load(requestWith(cookieHeader(rec))); err != nil || got != c {
				t.Errorf("%d-byte cookie: Load err %v", tt.size, err)
			}
		})
	}
}

func TestStaleCookies(t *testing.T) {
	s := newTestStore(t, nil)
	big := save(t, s, nil, testClaims{User: "a", Pad: pad(10000)}, t0.Add(time.Hour))
	r := requestWith(cookieHeader(big) + "; unrelated=1")
	expired := func(rec *httptest.ResponseRecorder) (live, dead []string) {
		for _, c := range rec.Result().Cookies() {
			if c.MaxAge < 0 {
				dead = append(dead, c.Name)
				if c.Path != "/" || !c.Secure || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode {
					t.Errorf("expired cookie lost attributes: %+v", c)
				}
			} else {
				live = append(live, c.Name)
			}
		}
		return live, dead
	}
	// 3 chunks -> 1 cookie: the three chunks are expired.
	small := save(t, s, r, testClaims{User: "a"}, t0.Add(time.Hour))
	live, dead := expired(small)
	if fmt.Sprint(live) != "[session]" || fmt.Sprint(dead) != "[session.0 session.1 session.2]" {
		t.Errorf("3->1: live %v, expired %v", live, dead)
	}
	for _, l := range small.Result().Header.Values("Set-Cookie") {
		if strings.HasPrefix(l, "session.") && !strings.Contains(l, "Max-Age=0") {
			t.Errorf("stale line %q lacks Max-Age=0", l)
		}
	}
	// 1 cookie -> 2 chunks: the single cookie is expired.
	mid := save(t, s, requestWith(cookieHeader(small)), testClaims{User: "a", Pad: pad(6000)}, t0.Add(time.Hour))
	live, dead = expired(mid)
	if fmt.Sprint(live) != "[session.0 session.1]" || fmt.Sprint(dead) != "[session]" {
		t.Errorf("1->2: live %v, expired %v", live, dead)
	}
	// 3 chunks -> 2 chunks: chunk 2 is expired.
	mid2 := save(t, s, r, testClaims{User: "a", Pad: pad(6000)}, t0.Add(time.Hour))
	live, dead = expired(mid2)
	if fmt.Sprint(live) != "[session.0 session.1]" || fmt.Sprint(dead) != "[session.2]" {
		t.Errorf("3->2: live %v, expired %v", live, dead)
	}
	// Clear expires the base name and every chunk present.
	clr := httptest.NewRecorder()
	s.Clear(clr, r)
	live, dead = expired(clr)
	if len(live) != 0 || fmt.Sprint(dead) != "[session session.0 session.1 session.2]" {
		t.Errorf("Clear: live %v, expired %v", live, dead)
	}
	clr = httptest.NewRecorder()
	s.Clear(clr, requestWith("other=1"))
	if _, dead = expired(clr); fmt.Sprint(dead) != "[session]" {
		t.Errorf("Clear without cookies: expired %v", dead)
	}
}

func TestTooLarge(t *testing.T) {
	for _, tt := range []struct {
		name    string
		maxSize int
		pad     int
	}{
		{"single over MaxSize", 1000, 2000},
		{"chunks over default MaxSize", 0, 40000},
		{"chunks over MaxSize", 5000, 6000},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := newTestStore(t, func(o *Options) { o.MaxSize = tt.maxSize })
			rec := httptest.NewRecorder()
			err := s.Save(rec, requestWith("session.5=x"), testClaims{Pad: pad(tt.pad)}, t0.Add(time.Hour))
			if !errors.Is(err, ErrTooLarge) || errors.Is(err, ErrNoSession) {
				t.Fatalf("Save err = %v; want ErrTooLarge", err)
			}
			if h := rec.Result().Header.Values("Set-Cookie"); len(h) != 0 {
				t.Fatalf("Save wrote %q", h)
			}
		})
	}
	// Just under the default fits.
	s := newTestStore(t, nil)
	rec := save(t, s, nil, testClaims{Pad: pad(20000)}, t0.Add(time.Hour))
	if got, err := s.Load(requestWith(cookieHeader(rec))); err != nil || len(got.Pad) != 20000 {
		t.Fatalf("20 KB session: %v", err)
	}
}

// TestLoadSizeLimits checks that Load refuses validly signed tokens beyond its size
// limits: a single cookie longer than CookieLimit (Save would have chunked it), and a
// token longer than MaxSize in one cookie or in chunks. Each token loads where no limit
// applies, so only the limit refuses it.
func TestLoadSizeLimits(t *testing.T) {
	s := newTestStore(t, nil)
	small := newTestStore(t, func(o *Options) { o.MaxSize = 2000 }) // same key and purpose
	signed := func(padding int) string {
		return signRaw(s, s.ring.signer.header+"."+b64(string(claimsJSON("x", pad(padding), t0.Add(time.Hour)))))
	}
	tok5k, tok3k := signed(3600), signed(2400)
	if n := len(tok5k); n <= CookieLimit || n > 6000 {
		t.Fatalf("the 5 KB token has %d bytes", n)
	}
	// Over small's MaxSize, under CookieLimit, and long enough for chunkHeader to chunk.
	if n := len(tok3k); n <= 3000 || n > CookieLimit-len("session=") {
		t.Fatalf("the 3 KB token has %d bytes", n)
	}
	for _, tt := range []struct {
		name   string
		s      *Store[testClaims]
		header string
		want   error
	}{
		{"5 KB single cookie", s, "session=" + tok5k, ErrInvalid},
		{"5 KB in chunks", s, chunkHeader("session", tok5k), nil},
		{"3 KB single cookie, MaxSize 2000", small, "session=" + tok3k, ErrInvalid},
		{"3 KB in chunks, MaxSize 2000", small, chunkHeader("session", tok3k), ErrInvalid},
		{"3 KB single cookie, default MaxSize", s, "session=" + tok3k, nil},
		{"3 KB in chunks, default MaxSize", s, chunkHeader("session", tok3k), nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.s.Load(requestWith(tt.header))
			if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
				t.Fatalf("Load err = %v; want %v", err, tt.want)
			}
			if want := tt.want == nil; (got.User == "x") != want {
				t.Fatalf("Load claims = %.40v; want loaded %v", got, want)
			}
		})
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

// names returns a Cookie header of n empty cookies named prefix+i, i counting from from.
func names(prefix string, from, n int) string {
	parts := make([]string, n)
	for i := range parts {
		parts[i] = prefix + strconv.Itoa(from+i) + "="
	}
	return strings.Join(parts, "; ")
}

// Chunk indexes from MaxChunks up are not a store's: Load skips them instead of calling the
// session invalid, and no request makes Save or Clear answer more than one expiring line per
// name a store writes.
func TestChunkIndexOutOfRange(t *testing.T) {
	s := newTestStore(t, nil)
	single := cookieHeader(save(t, s, nil, testClaims{User: "a"}, t0.Add(time.Hour)))
	chunked := cookieHeader(save(t, s, nil, testClaims{User: "big", Pad: pad(10000)}, t0.Add(time.Hour)))
	for _, tt := range []struct {
		name, header string
		want         error // nil, ErrNoSession (and not ErrInvalid) or ErrInvalid
		user         string
	}{
		{"single and chunk 32", single + "; session.32=AAAA", nil, "a"},
		{"chunks and chunk 40", chunked + "; session.40=AAAA", nil, "big"},
		{"chunks and 36000 forged", chunked + "; " + names("session.", 100000, 36000), nil, "big"},
		{"only forged", names("session.", MaxChunks, 1000), ErrNoSession, ""},
		{"zero-padded index", single + "; session.01=x", nil, "a"},
		{"chunk 31 is ours", single + "; session.31=x", ErrInvalid, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.Load(requestWith(tt.header))
			if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) || got.User != tt.user {
				t.Fatalf("Load = user %q, %v; want user %q, %v", got.User, err, tt.user, tt.want)
			}
			if errors.Is(err, ErrInvalid) != errors.Is(tt.want, ErrInvalid) {
				t.Fatalf("Load err = %v; want %v", err, tt.want)
			}
		})
	}
	every := requestWith(names("session.", 0, 36000) + "; session=x")
	for _, tt := range []struct {
		name string
		run  func(w http.ResponseWriter)
		want int
	}{
		{"Clear", func(w http.ResponseWriter) { s.Clear(w, every) }, 1 + MaxChunks},
		{"Clear twice", func(w http.ResponseWriter) { s.Clear(w, every); s.Clear(w, every) }, 1 + MaxChunks},
		{"Save single", func(w http.ResponseWriter) { _ = s.Save(w, every, testClaims{User: "a"}, t0.Add(time.Hour)) }, 1 + MaxChunks},
		{"Save chunked", func(w http.ResponseWriter) {
			_ = s.Save(w, every, testClaims{User: "big", Pad: pad(10000)}, t0.Add(time.Hour))
		}, 1 + MaxChunks},
		{"Clear, only forged", func(w http.ResponseWriter) { s.Clear(w, requestWith(names("session.", MaxChunks, 36000))) }, 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			tt.run(rec)
			lines := rec.Result().Header.Values("Set-Cookie")
			if len(lines) != tt.want {
				t.Fatalf("%d Set-Cookie lines; want %d", len(lines), tt.want)
			}
			seen := map[string]bool{}
			for _, c := range rec.Result().Cookies() {
				if seen[c.Name] {
					t.Errorf("cookie %s set twice", c.Name)
				}
				seen[c.Name] = true
				if idx, ok := s.match(c.Name); !ok {
					t.Errorf("cookie %s (index %d) is not the store's", c.Name, idx)
				}
			}
		})
	}
}

// The line that expires a cookie is what net/http writes for it, for every name of a store.
func TestExpireLine(t *testing.T) {
	for _, tt := range []struct {
		name string
		mut  func(*Options)
	}{
		{"defaults", nil},
		{"insecure", func(o *Options) { o.Insecure = true }},
		{"none, partitioned, host prefix", func(o *Options) {
			o.SameSite, o.Partitioned, o.HostPrefix = http.SameSiteNoneMode, true, true
		}},
		{"domain and path", func(o *Options) { o.Domain, o.Path, o.SameSite = "example.com", "/app", http.SameSiteStrictMode }},
		{"no SameSite", func(o *Options) { o.SameSite = http.SameSiteDefaultMode }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := newTestStore(t, tt.mut)
			v, _ := s.Sub("view-1")
			for _, st := range []*Store[testClaims]{s, v} {
				for _, name := range []string{st.Name(), st.Name() + ".0", st.Name() + ".31"} {
					h := http.Header{}
					st.expire(h, name)
					want := st.cookie(name, "", time.Unix(0, 0), -1).String()
					if got := h.Get("Set-Cookie"); got != want {
						t.Errorf("expire(%q) = %q; want %q", name, got, want)
					}
					c, err := http.ParseSetCookie(h.Get("Set-Cookie"))
					if err != nil || c.Name != name || c.MaxAge >= 0 || c.Value != "" {
						t.Errorf("expire(%q) line parses as %+v, %v; want an expired cookie of that name", name, c, err)
					}
				}
			}
		})
	}
}
