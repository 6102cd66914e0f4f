package jwtstore

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// hfOrg, hfUser and hfSession model what echohf stores: Hugging Face's OpenID user info
// with its orgs, plus a sealed access token.
type hfOrg struct {
	Sub                  string   `json:"sub"`
	Name                 string   `json:"name"`
	PreferredUsername    string   `json:"preferred_username"`
	Picture              string   `json:"picture"`
	IsEnterprise         bool     `json:"isEnterprise"`
	CanPay               *bool    `json:"canPay,omitempty"`
	RoleInOrg            string   `json:"roleInOrg,omitempty"`
	Plan                 string   `json:"plan,omitempty"`
	SecurityRestrictions []string `json:"securityRestrictions,omitempty"`
}

type hfUser struct {
	Sub               string  `json:"sub"`
	Name              string  `json:"name"`
	PreferredUsername string  `json:"preferred_username"`
	Profile           string  `json:"profile"`
	Picture           string  `json:"picture"`
	Website           string  `json:"website,omitempty"`
	Email             string  `json:"email,omitempty"`
	EmailVerified     *bool   `json:"email_verified,omitempty"`
	IsPro             bool    `json:"isPro"`
	CanPay            *bool   `json:"canPay,omitempty"`
	Orgs              []hfOrg `json:"orgs,omitempty"`
}

type hfSession struct {
	AccessToken          string `json:"access_token"`
	AccessTokenExpiresAt int64  `json:"access_token_expires_at"`
	UserInfo             hfUser `json:"user_info"`
	State                string `json:"state,omitempty"`
	Scope                string `json:"scope"`
}

func randHex(n int) string {
	b := make([]byte, (n+1)/2)
	rand.Read(b)
	return fmt.Sprintf("%x", b)[:n]
}

func randAlnum(n int) string {
	const a = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	b := make([]byte, n)
	rand.Read(b)
	for i := range b {
		b[i] = a[int(b[i])%len(a)]
	}
	return string(b)
}

func avatar() string {
	return "https://cdn-avatars.huggingface.co/v1/production/uploads/" + randHex(24) + "/" + randAlnum(21) + ".png"
}

func hfClaims(tb testing.TB, orgs int, exp time.Time) hfSession {
	sealer, err := NewSealer("access-token", []Key{{Secret: secretA}})
	if err != nil {
		tb.Fatal(err)
	}
	sealed, err := sealer.Seal([]byte("hf_oauth_" + randAlnum(34)))
	if err != nil {
		tb.Fatal(err)
	}
	yes, no := true, false
	plans := []string{"team", "enterprise", "plus"}
	roles := []string{"admin", "write", "read", "contributor"}
	u := hfUser{
		Sub:               randHex(24),
		Name:              "Ada Lovelace",
		PreferredUsername: "ada-lovelace",
		Profile:           "https://huggingface.co/ada-lovelace",
		Picture:           avatar(),
		Website:           "https://ada.example.org",
		Email:             "ada.lovelace@example.org",
		EmailVerified:     &yes,
		IsPro:             true,
		CanPay:            &yes,
	}
	for i := 0; i < orgs; i++ {
		name := fmt.Sprintf("research-lab-%d", i)
		o := hfOrg{
			Sub:               randHex(24),
			Name:              fmt.Sprintf("Research Lab %d", i),
			PreferredUsername: name,
			Picture:           avatar(),
			IsEnterprise:      i%3 == 1,
			CanPay:            &no,
			RoleInOrg:         roles[i%len(roles)],
			Plan:              plans[i%len(plans)],
		}
		if o.IsEnterprise {
			o.CanPay = &yes
			o.SecurityRestrictions = []string{"mfa", "token-policy"}
		}
		u.Orgs = append(u.Orgs, o)
	}
	return hfSession{
		AccessToken:          sealed,
		AccessTokenExpiresAt: exp.Unix(),
		UserInfo:             u,
		Scope:                "openid profile email read-repos",
	}
}

// hfFixture saves a realistic session with real time and returns the store, the
// request carrying the cookies and the Set-Cookie lines.
func hfFixture(tb testing.TB, orgs, cacheSize int) (*Store[hfSession], *http.Request, []string, hfSession) {
	s, err := New[hfSession](Options{Name: "session", Purpose: "session", Keys: []Key{{Secret: secretA}},
		SameSite: http.SameSiteNoneMode, Partitioned: true, CacheSize: cacheSize})
	if err != nil {
		tb.Fatal(err)
	}
	exp := time.Now().Add(8 * time.Hour)
	c := hfClaims(tb, orgs, exp)
	rec := httptest.NewRecorder()
	if err := s.Save(rec, nil, c, exp); err != nil {
		tb.Fatal(err)
	}
	return s, requestWith(cookieHeader(rec)), rec.Result().Header.Values("Set-Cookie"), c
}

// TestSizes measures the realistic sessions (the size table of docs/sessions.md) and bounds them: the
// 3-org session fits in one uncompressed cookie; the 100-org one (43 KB in 11 cookies
// uncompressed) is compressed into a few chunks, well under the default MaxSize.
func TestSizes(t *testing.T) {
	for _, tt := range []struct {
		orgs     int
		zip      bool
		cookies  int // at most
		setBytes int // at most, all Set-Cookie values
	}{
		{3, false, 1, 2500},
		{100, true, 3, 10 << 10},
	} {
		s, r, lines, want := hfFixture(t, tt.orgs, 0)
		total := 0
		for _, l := range lines {
			total += len(l)
		}
		hdr := r.Header.Get("Cookie")
		t.Logf("%d orgs: %d cookie(s), %d bytes of Set-Cookie, Cookie header %d bytes", tt.orgs, len(lines), total, len(hdr))
		tok := strings.TrimPrefix(hdr, "session=")
		if tt.orgs == 3 {
			t.Logf("3 orgs: token %d bytes", len(tok))
		} else {
			var b strings.Builder
			for _, c := range r.Cookies() {
				b.WriteString(c.Value)
			}
			tok = b.String()
			tok = tok[strings.IndexByte(tok, chunkSep)+1:]
			raw, _ := json.Marshal(want)
			t.Logf("%d orgs: claims JSON %d bytes, compressed token %d bytes", tt.orgs, len(raw), len(tok))
		}
		if zip := headerOf(tok) == s.ring.signer.zipHeader; zip != tt.zip {
			t.Errorf("%d orgs: compressed %v; want %v", tt.orgs, zip, tt.zip)
		}
		if len(lines) > tt.cookies || total > tt.setBytes || total > DefaultMaxSize {
			t.Errorf("%d orgs: %d cookies, %d bytes; want at most %d and %d", tt.orgs, len(lines), total, tt.cookies, tt.setBytes)
		}
		got, err := s.Load(r)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Fatalf("%d orgs: Load err %v, round trip equal %v", tt.orgs, err, reflect.DeepEqual(got, want))
		}
	}
}

// benchLoad measures Load of a session with orgs organizations.
func benchLoad(b *testing.B, orgs, cacheSize int) {
	s, r, _, _ := hfFixture(b, orgs, cacheSize)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Load(r); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkLoad(b *testing.B)       { benchLoad(b, 3, 0) }
func BenchmarkLoadCached(b *testing.B) { benchLoad(b, 3, 1024) }

// BenchmarkLoadCachedParallel is BenchmarkLoadCached on every core at
// once, as a server's concurrent requests for one session load it: what a
// lock on the cache's read path would cost them.
func BenchmarkLoadCachedParallel(b *testing.B) {
	s, r, _, _ := hfFixture(b, 3, 1024)
	if _, err := s.Load(r); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		req := r.Clone(r.Context())
		for pb.Next() {
			if _, err := s.Load(req); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
func BenchmarkLoad100Orgs(b *testing.B) { benchLoad(b, 100, 0) }

// benchSave measures Save of a session with orgs organizations.
func benchSave(b *testing.B, orgs int) {
	s, _, _, c := hfFixture(b, orgs, 0)
	exp := time.Now().Add(8 * time.Hour)
	rec := httptest.NewRecorder()
	h := rec.Header()
	b.ReportAllocs()
	for b.Loop() {
		clear(h)
		if err := s.Save(rec, nil, c, exp); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSave(b *testing.B)        { benchSave(b, 3) }
func BenchmarkSave100Orgs(b *testing.B) { benchSave(b, 100) }

func BenchmarkBaselineJWTParse(b *testing.B) {
	s, r, _, _ := hfFixture(b, 3, 0)
	tok := strings.TrimPrefix(r.Header.Get("Cookie"), "session=")
	key := s.ring.signer.key
	keyFunc := func(*jwt.Token) (any, error) { return key, nil }
	b.ReportAllocs()
	for b.Loop() {
		if _, err := jwt.ParseWithClaims(tok, &envelope[hfSession]{}, keyFunc, jwt.WithValidMethods([]string{"HS256"})); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkBaselineHMAC(b *testing.B) {
	s, r, _, _ := hfFixture(b, 3, 0)
	tok := strings.TrimPrefix(r.Header.Get("Cookie"), "session=")
	input := []byte(tok[:strings.LastIndexByte(tok, '.')])
	m := hmac.New(sha256.New, s.ring.signer.key)
	var sum [sha256.Size]byte
	b.ReportAllocs()
	for b.Loop() {
		m.Reset()
		m.Write(input)
		m.Sum(sum[:0])
	}
}
