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
// writes nothing and returns an error matching ErrTooLarge. now is Options.Now.
func (s *Store[C]) Save(w http.ResponseWriter, r *http.Request, claims C, expires time.Time) error {
	return s.SaveAt(w, r, claims, expires, s.o.Now())
}

// SaveAt is Save at the time now instead of Options.Now: the token's iat, the clamp of
// expires and the cookies' Max-Age all count from now.
func (s *Store[C]) SaveAt(w http.ResponseWriter, r *http.Request, claims C, expires, now time.Time) error {
	m, err := s.Mint(claims, expires, now)
	if err != nil {
		return err
	}
	return m.Write(w, r)
}

// Minted is a token minted by Store.Mint and the cookies that carry it, ready to be
// written. It is safe for concurrent use: one Minted may be written on many responses.
type Minted[C any] struct {
	s      *Store[C]
	tok    string // compressed when it needs more than one cookie and that is shorter
	zip    bool   // tok is compressed
	exp    time.Time
	maxAge int
	n      int // cookies: 1 for the single cookie, else the number of chunks
	size   int // bytes of the Set-Cookie values
}

// Mint mints, at the time now, the token that SaveAt would write for claims and expires,
// and lays it out in cookies as SaveAt does, without writing anything. It fails as SaveAt
// does, except on size: a token whose cookies would exceed MaxSize is minted all the
// same, with a negative Room, so that a caller fitting its claims to the cookies can see
// by how much they miss; Write refuses it.
func (s *Store[C]) Mint(claims C, expires, now time.Time) (*Minted[C], error) {
	if limit := now.Add(s.o.MaxAge); expires.IsZero() || expires.After(limit) {
		expires = limit
	}
	exp := time.Unix(expires.Unix(), 0)
	maxAge := int(exp.Unix() - now.Unix())
	if maxAge < 1 {
		return nil, fmt.Errorf("jwtstore: expiry %s is not in the future", expires.UTC().Format(time.RFC3339))
	}
	env := &envelope[C]{C: claims}
	env.Issuer = "jwtstore"
	env.Audience = jwt.ClaimStrings{s.aud}
	env.ExpiresAt = jwt.NewNumericDate(exp)
	env.IssuedAt = jwt.NewNumericDate(now)
	tok, err := s.sign(env)
	if err != nil {
		return nil, err
	}
	m := &Minted[C]{s: s, exp: exp, maxAge: maxAge}
	if err := m.layout(tok); err != nil {
		return nil, err
	}
	return m, nil
}

// Size is the number of bytes of the Set-Cookie header values (names, values and
// attributes) that Write sets: what Options.MaxSize bounds.
func (m *Minted[C]) Size() int { return m.size }

// Compressed reports whether m's payload is DEFLATE-compressed: its token did not fit in
// one cookie as it was.
func (m *Minted[C]) Compressed() bool { return m.zip }

// Room is Options.MaxSize minus Size: negative when the cookies are too large, which
// Write then refuses.
func (m *Minted[C]) Room() int {
	if m.n > MaxChunks {
		return min(m.s.o.MaxSize-m.size, -1)
	}
	return m.s.o.MaxSize - m.size
}

// Write sets m's cookies on w, and expires the stale cookies of this store that r carries
// (chunks left by a larger session, or the single cookie when writing chunks); r may be
// nil. When the cookies exceed MaxSize (a negative Room), Write writes nothing and returns
// an error matching ErrTooLarge.
func (m *Minted[C]) Write(w http.ResponseWriter, r *http.Request) error {
	switch {
	case m.n > MaxChunks:
		return fmt.Errorf("%w: token of %d bytes needs more than %d cookies", ErrTooLarge, len(m.tok), MaxChunks)
	case m.Room() < 0 && m.n == 1:
		return fmt.Errorf("%w: %d bytes over MaxSize %d", ErrTooLarge, m.size, m.s.o.MaxSize)
	case m.Room() < 0:
		return fmt.Errorf("%w: %d bytes in %d cookies, over MaxSize %d", ErrTooLarge, m.size, m.n, m.s.o.MaxSize)
	}
	h := w.Header()
	for _, l := range m.lines() {
		h.Add("Set-Cookie", l)
	}
	single := m.n == 1
	m.s.expireStale(h, r, func(chunk int) bool {
		if chunk < 0 {
			return !single
		}
		return single || chunk >= m.n
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

// overhead is the length of the Set-Cookie value of the cookie name of m with an empty
// value: every byte of a value (base64url, digits and "~", none quoted) adds one to it.
func (m *Minted[C]) overhead(name string) int {
	return len(m.s.cookie(name, "", m.exp, m.maxAge).String())
}

// layout sets m's token and cookie count and size from tok, an uncompressed token minted
// by sign. When tok does not fit in one cookie, its payload is compressed first if that
// makes it shorter (see compact). The count is not capped at MaxChunks, so that Size
// measures a token too large for any layout too.
func (m *Minted[C]) layout(tok string) error {
	base := m.overhead(m.s.name)
	if base+len(tok) > CookieLimit {
		z, err := m.s.compact(tok)
		if err != nil {
			return err
		}
		m.zip = z != tok
		tok = z
	}
	m.tok = tok
	if base+len(tok) <= CookieLimit {
		m.n, m.size = 1, base+len(tok)
		return nil
	}
	// n chunks carry CookieLimit bytes each, less their names and attributes, and
	// chunk 0 the count and "~": the smallest n whose room holds tok.
	room, over := 0, 0 // over: the overheads of the chunks so far
	for m.n = 0; m.n < 2 || room-len(strconv.Itoa(m.n))-1 < len(tok); m.n++ {
		o := m.overhead(m.s.chunkName(m.n))
		room += CookieLimit - o
		over += o
	}
	m.size = over + len(strconv.Itoa(m.n)) + 1 + len(tok)
	return nil
}

// room is the data that chunk i of m's n holds.
func (m *Minted[C]) room(i int) int {
	c := CookieLimit - m.overhead(m.s.chunkName(i))
	if i == 0 {
		c -= len(strconv.Itoa(m.n)) + 1
	}
	return c
}

// lines returns the Set-Cookie header values that carry m's token.
func (m *Minted[C]) lines() []string {
	s := m.s
	if m.n == 1 {
		return []string{s.cookie(s.name, m.tok, m.exp, m.maxAge).String()}
	}
	lines := make([]string, 0, m.n)
	rest := m.tok
	for i := 0; i < m.n; i++ {
		part := rest[:min(m.room(i), len(rest))]
		rest = rest[len(part):]
		if i == 0 {
			part = strconv.Itoa(m.n) + string(chunkSep) + part
		}
		lines = append(lines, s.cookie(s.chunkName(i), part, m.exp, m.maxAge).String())
	}
	return lines
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
