package jwtstore

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

func FuzzLoad(f *testing.F) {
	s := newTestStore(f, nil)
	small := testClaims{User: "ada", N: 1}
	big := testClaims{User: "big", Pad: pad(7000)}
	one := cookieHeader(save(f, s, nil, small, t0.Add(time.Hour)))
	chunked := cookieHeader(save(f, s, nil, big, t0.Add(time.Hour)))
	// Chunked tokens are compressed; so is a large repetitive one, which then fits in one
	// cookie.
	zipOne := testClaims{User: "zip", Pad: strings.Repeat("research-lab-", 1000)}
	zipped := cookieHeader(save(f, s, nil, zipOne, t0.Add(time.Hour)))
	if !strings.HasPrefix(chunked, "session.0=2~"+s.ring.signer.zipHeader+".") || !strings.HasPrefix(zipped, "session="+s.ring.signer.zipHeader+".") {
		f.Fatalf("seeds not compressed: %.80s, %.80s", chunked, zipped)
	}
	zipNotDeflate, _ := signZip(s.ring.signer, []byte(`{"iss":"jwtstore","aud":"jwtstore:session","exp":1e10,"c":{"u":"ada","n":1}}`))
	zipTrailing, _ := signZip(s.ring.signer, append(mustDeflate(f, []byte(`{"iss":"jwtstore","aud":"jwtstore:session","exp":1e10,"c":{"u":"ada","n":1}}`)), 0))
	tok := strings.TrimPrefix(one, "session=")
	none := jwt.NewWithClaims(jwt.SigningMethodNone, jwt.MapClaims{"exp": t0.Add(time.Hour).Unix(), "aud": "jwtstore:session", "iss": "jwtstore"})
	none.Header["kid"] = s.ring.signer.kid
	noneTok, _ := none.SignedString(jwt.UnsafeAllowNoneSignatureType)
	for _, seed := range []string{
		one,
		chunked,
		one + "; other=1",
		`session="` + tok + `"`,
		zipped,
		"session=" + zipNotDeflate,
		"session=" + zipTrailing,
		one[:len(one)-10],
		chunked[:len(chunked)/2],
		"session=" + noneTok,
		"session=garbage",
		"session=" + strings.Repeat("A", 10<<10),
		"session.0=2~a; session.1=b",
		"session.0=99~a",
		one + "; " + one,
		"",
		";;;",
		"session",
		"session.0",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, header string) {
		got, err := s.Load(requestWith(header))
		if err != nil {
			if !errors.Is(err, ErrNoSession) {
				t.Fatalf("Load err = %v; want one matching ErrNoSession", err)
			}
			if got != (testClaims{}) {
				t.Fatalf("Load returned claims with error %v", err)
			}
			return
		}
		if got != small && got != big && got != zipOne {
			t.Fatalf("Load(%q) = %+v; not a saved session", header, got)
		}
	})
}

// FuzzReadSubs checks that, below its bound, Subs answers exactly as each view's own Load.
func FuzzReadSubs(f *testing.F) {
	s := newTestStore(f, nil)
	var parts []string
	for _, id := range []string{"a", "b-_9"} {
		v, _ := s.Sub(id)
		parts = append(parts, cookieHeader(save(f, v, nil, testClaims{User: id}, t0.Add(time.Hour))))
	}
	big, _ := s.Sub("big")
	parts = append(parts, cookieHeader(save(f, big, nil, testClaims{User: "big", Pad: pad(7000)}, t0.Add(time.Hour))))
	all := strings.Join(parts, "; ")
	for _, seed := range []string{
		all,
		all + "; " + parts[0],
		"session_a.0=2~x; session_a.1=y; session_a.32=z",
		"session_=1; session_a b=2; session_a..0=3; session_a.00=4; session_" + strings.Repeat("x", 65) + "=5",
		`session_q="quoted"; session_q.1=x`,
		"",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, header string) {
		r := requestWith(header)
		v := s.ReadSubs(r, 1<<20)
		ids := v.IDs()
		if hasDup(ids) {
			t.Fatalf("IDs() = %q has duplicates", ids)
		}
		for _, id := range ids {
			view, err := s.Sub(id)
			if err != nil {
				t.Fatalf("ReadSubs kept id %q that Sub refuses: %v", id, err)
			}
			got, err := v.Load(id)
			want, wantErr := view.Load(r)
			if got != want || fmt.Sprint(err) != fmt.Sprint(wantErr) {
				t.Fatalf("Subs.Load(%q) = %v, %v; Sub(%q).Load = %v, %v", id, got, err, id, want, wantErr)
			}
		}
	})
}

func hasDup(ids []string) bool {
	seen := map[string]bool{}
	for _, id := range ids {
		if seen[id] {
			return true
		}
		seen[id] = true
	}
	return false
}
