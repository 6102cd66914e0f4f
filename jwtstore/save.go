package jwtstore

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// chunkSep separates the chunk count from chunk 0's data; it is never in a JWT.
const chunkSep = '~'

// envelope is the JWT claims set: the registered claims plus the caller's claims under "c".
type envelope[C any] struct {
	jwt.RegisteredClaims
	C C `json:"c"`
}

// Save mints a token holding claims, valid until expires, and sets it on w as one cookie.
// When one cookie would exceed CookieLimit, the payload is compressed (see the package
// documentation) and the token is split into chunk cookies if it still does not fit.
// expires is clamped to now+MaxAge (a zero expires means now+MaxAge) and truncated to the
// second; an expiry that is not at least one second ahead is an error. Stale cookies of
// this store present in r (chunks left by a larger session, or the single cookie when
// writing chunks) are expired; r may be nil. When the cookies would exceed MaxSize, Save
// writes nothing and returns an error matching ErrTooLarge.
func (s *Store[C]) Save(w http.ResponseWriter, r *http.Request, claims C, expires time.Time) error {
	now := s.o.Now()
	if limit := now.Add(s.o.MaxAge); expires.IsZero() || expires.After(limit) {
		expires = limit
	}
	exp := time.Unix(expires.Unix(), 0)
	maxAge := int(exp.Unix() - now.Unix())
	if maxAge < 1 {
		return fmt.Errorf("jwtstore: expiry %s is not in the future", expires.UTC().Format(time.RFC3339))
	}
	env := &envelope[C]{C: claims}
	env.Issuer = "jwtstore"
	env.Audience = jwt.ClaimStrings{s.aud}
	env.ExpiresAt = jwt.NewNumericDate(exp)
	env.IssuedAt = jwt.NewNumericDate(now)
	tok, err := s.sign(env)
	if err != nil {
		return err
	}
	lines, err := s.setCookieLines(tok, exp, maxAge)
	if err != nil {
		return err
	}
	h := w.Header()
	for _, l := range lines {
		h.Add("Set-Cookie", l)
	}
	single := len(lines) == 1
	s.expireStale(h, r, func(chunk int) bool {
		if chunk < 0 {
			return !single
		}
		return single || chunk >= len(lines)
	})
	return nil
}

// sign mints the compact JWS for env with the signing key.
func (s *Store[C]) sign(env *envelope[C]) (string, error) {
	t := jwt.NewWithClaims(jwt.SigningMethodHS256, env)
	t.Header["kid"] = s.ring.signer.kid
	tok, err := t.SignedString(s.ring.signer.key)
	if err != nil {
		return "", fmt.Errorf("jwtstore: signing: %w", err)
	}
	return tok, nil
}

// setCookieLines returns the Set-Cookie header values carrying tok, an uncompressed token
// minted by sign. When tok does not fit in one cookie, its payload is compressed first if
// that makes it shorter (see compact).
func (s *Store[C]) setCookieLines(tok string, exp time.Time, maxAge int) ([]string, error) {
	one := s.cookie(s.name, tok, exp, maxAge).String()
	if len(one) > CookieLimit {
		z, err := s.compact(tok)
		if err != nil {
			return nil, err
		}
		if z != tok {
			tok = z
			one = s.cookie(s.name, tok, exp, maxAge).String()
		}
	}
	if len(one) <= CookieLimit {
		if len(one) > s.o.MaxSize {
			return nil, fmt.Errorf("%w: %d bytes over MaxSize %d", ErrTooLarge, len(one), s.o.MaxSize)
		}
		return []string{one}, nil
	}
	// Room for data in chunk i of n, from the measured attribute overhead.
	room := func(i, n int) int {
		c := CookieLimit - len(s.cookie(s.chunkName(i), "", exp, maxAge).String())
		if i == 0 {
			c -= len(strconv.Itoa(n)) + 1
		}
		return c
	}
	n := 2
	for ; n <= MaxChunks; n++ {
		total := 0
		for i := 0; i < n; i++ {
			total += room(i, n)
		}
		if total >= len(tok) {
			break
		}
	}
	if n > MaxChunks {
		return nil, fmt.Errorf("%w: token of %d bytes needs more than %d cookies", ErrTooLarge, len(tok), MaxChunks)
	}
	lines := make([]string, 0, n)
	size := 0
	rest := tok
	for i := 0; i < n; i++ {
		part := rest[:min(room(i, n), len(rest))]
		rest = rest[len(part):]
		if i == 0 {
			part = strconv.Itoa(n) + string(chunkSep) + part
		}
		l := s.cookie(s.chunkName(i), part, exp, maxAge).String()
		size += len(l)
		lines = append(lines, l)
	}
	if size > s.o.MaxSize {
		return nil, fmt.Errorf("%w: %d bytes in %d cookies, over MaxSize %d", ErrTooLarge, size, n, s.o.MaxSize)
	}
	return lines, nil
}

func (s *Store[C]) chunkName(i int) string { return s.name + "." + strconv.Itoa(i) }

// cookie builds a cookie of this store with its attributes.
func (s *Store[C]) cookie(name, value string, exp time.Time, maxAge int) *http.Cookie {
	// #nosec G124 -- HttpOnly always; Secure unless Options.Insecure; SameSite from Options (Lax by default).
	return &http.Cookie{
		Name:        name,
		Value:       value,
		Path:        s.o.Path,
		Domain:      s.o.Domain,
		Expires:     exp.UTC(),
		MaxAge:      maxAge,
		Secure:      !s.o.Insecure,
		HttpOnly:    true,
		SameSite:    s.o.SameSite,
		Partitioned: s.o.Partitioned,
	}
}

// expireStale adds expiring Set-Cookie lines for this store's cookies present in r that
// stale reports as stale: chunk is -1 for the single cookie, else the chunk index. It adds
// at most one line per name a store can write (1+MaxChunks), whatever r carries.
func (s *Store[C]) expireStale(h http.Header, r *http.Request, stale func(chunk int) bool) {
	if r == nil {
		return
	}
	var done uint64 // bit 0: the single cookie; bit i+1: chunk i
	eachCookie(r.Header["Cookie"], func(name, _ string) bool {
		idx, ok := s.match(name)
		if bit := uint64(1) << (idx + 1); ok && done&bit == 0 && stale(idx) {
			done |= bit
			s.expire(h, name)
		}
		return true
	})
}

// expire adds to h the Set-Cookie line that expires the cookie name, unless h already has
// it (Clear called twice for one response), and returns the number of lines added.
func (s *Store[C]) expire(h http.Header, name string) int {
	line := name + "=" + s.gone // the attributes are the same for every name of a store
	if slices.Contains(h["Set-Cookie"], line) {
		return 0
	}
	h["Set-Cookie"] = append(h["Set-Cookie"], line)
	return 1
}
