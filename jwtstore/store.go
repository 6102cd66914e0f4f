package jwtstore

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Errors returned by Load and Open. All of them except ErrTooLarge match ErrNoSession with
// errors.Is, so callers can treat any Load error as "logged out". Errors from Load wrap
// ErrInvalid or ErrExpired with detail; they never include token bytes.
var (
	// ErrNoSession reports that the request carries no session cookie at all.
	ErrNoSession = errors.New("jwtstore: no session")
	// ErrInvalid reports a session cookie that is malformed, badly signed, signed by an
	// unknown key (then the error is ErrUnknownKey), minted for another purpose, not yet valid (nbf or iat in the future),
	// duplicated, or made of missing or mixed chunks. It matches ErrNoSession.
	ErrInvalid = fmt.Errorf("%w: invalid", ErrNoSession)
	// ErrUnknownKey reports a session cookie shaped exactly as Save mints them but signed
	// with a key id that is not in the ring: most likely a key that another process
	// already has (a rolling rotation) or that was removed. It matches ErrInvalid, so a
	// caller that treats it as logged out needs no change; a caller that clears invalid
	// cookies may leave these alone, so that a process that does not know a new key yet
	// does not log its users out everywhere.
	ErrUnknownKey = fmt.Errorf("%w: unknown key", ErrInvalid)
	// ErrExpired reports a well-formed, correctly signed session whose exp has passed
	// (beyond Options.Leeway). It matches ErrNoSession.
	ErrExpired = fmt.Errorf("%w: expired", ErrNoSession)
	// ErrTooLarge is returned by Save when the cookies it would write exceed Options.MaxSize.
	// Nothing is written in that case.
	ErrTooLarge = errors.New("jwtstore: session too large")
)

// Store saves, loads and clears sessions of claims type C as signed JWT cookies. A Store
// is safe for concurrent use.
type Store[C any] struct {
	o       Options // normalized
	name    string  // effective cookie name
	aud     string
	audJSON [2][]byte // aud as Save encodes it: ["aud"] and "aud"
	ring    *ring
	cache   *cache[C]
	gone    string // what follows "name=" in the line that expires a cookie
}

// Name returns the effective cookie name, with the "__Host-" prefix when HostPrefix is set.
func (s *Store[C]) Name() string { return s.name }

// Sub returns a view of s that shares its keys, options and cache but whose cookie is named
// Name()+"_"+id, for example one login cookie per pending OAuth state. The view's tokens
// are bound to its name (through aud), so a cookie cannot be moved from one view to
// another. id must match [A-Za-z0-9_-]{1,64}.
func (s *Store[C]) Sub(id string) (*Store[C], error) {
	if len(id) == 0 || len(id) > maxSubID {
		return nil, fmt.Errorf("jwtstore: Sub id must be 1 to %d characters, got %d", maxSubID, len(id))
	}
	if !validSubID(id) {
		return nil, errors.New("jwtstore: Sub id must match [A-Za-z0-9_-]{1,64}")
	}
	v := s.view(id)
	if err := v.checkLayout(); err != nil {
		return nil, err
	}
	return v, nil
}

// view returns the Sub view id, which must be valid, without checking its cookie layout.
func (s *Store[C]) view(id string) *Store[C] {
	v := *s
	v.name = s.name + "_" + id
	v.setAud(s.aud + "#" + id)
	return &v
}

func (s *Store[C]) setAud(aud string) {
	s.aud = aud
	q := strconv.Quote(aud) // aud is plain ASCII without quotes or backslashes
	s.audJSON = [2][]byte{[]byte("[" + q + "]"), []byte(q)}
}

// Clear expires the session cookie and every chunk of it present in r (the single cookie
// is expired even when absent). r may be nil.
func (s *Store[C]) Clear(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	s.expire(h, s.name)
	s.expireStale(h, r, func(chunk int) bool { return chunk >= 0 })
}

// Load reads the session cookie (or its chunks) from r, verifies it and returns its
// claims. On any failure it returns the zero C and an error matching ErrNoSession:
// ErrNoSession itself when there is no cookie, else one wrapping ErrInvalid or ErrExpired
// (ErrUnknownKey, which matches ErrInvalid, for a token signed with a key id not in the ring).
//
// Load accepts only the exact JWT headers that Save mints for a kid of the ring
// ({"alg":"HS256","kid":...,"typ":"JWT"}, or the same with "zip":"DEF" for a compressed
// payload), checks the HMAC-SHA256 signature in constant time before decoding the payload,
// inflates a compressed payload (at most 1 MiB, nothing after the DEFLATE stream), then
// checks aud and iss exactly and exp (required), nbf and iat against Now with Leeway.
//
// With CacheSize > 0, a token verified once is remembered (up to CacheSize tokens; a new
// one may replace another) and later Loads of the exact same token only re-check aud and
// the times. Load then returns the same C value for the same token: slices, maps and
// pointers inside it are shared between callers, who must treat them as read-only.
func (s *Store[C]) Load(r *http.Request) (C, error) {
	return s.LoadAt(r, s.o.Now())
}

// LoadAt is Load with the times checked against now rather than Options.Now(): a caller
// that needs the time of the request for checks of its own reads the clock once.
func (s *Store[C]) LoadAt(r *http.Request, now time.Time) (C, error) {
	c, _, err := s.loadAt(r, now)
	return c, err
}

// load is Load that also returns the token's expiry.
func (s *Store[C]) load(r *http.Request) (C, time.Time, error) {
	return s.loadAt(r, s.o.Now())
}

// loadAt is LoadAt that also returns the token's expiry.
func (s *Store[C]) loadAt(r *http.Request, now time.Time) (C, time.Time, error) {
	var zero C
	if r == nil {
		return zero, time.Time{}, ErrNoSession
	}
	tok, err := s.find(r.Header["Cookie"])
	if err != nil {
		return zero, time.Time{}, err
	}
	return s.loadToken(tok, now)
}

// loadToken verifies tok, found in this store's cookies, at now and returns its claims
// and expiry.
func (s *Store[C]) loadToken(tok string, now time.Time) (C, time.Time, error) {
	var zero C
	if s.cache != nil {
		if e := s.cache.get(tok); e != nil {
			if e.aud != s.aud {
				return zero, time.Time{}, fmt.Errorf("%w: wrong audience", ErrInvalid)
			}
			if err := e.check(now); err != nil {
				if errors.Is(err, ErrExpired) {
					s.cache.remove(tok)
				}
				return zero, time.Time{}, err
			}
			return e.c, e.exp, nil
		}
	}
	var w wire[C]
	if err := s.verify(tok, &w); err != nil {
		return zero, time.Time{}, err
	}
	if !w.Exp.set {
		return zero, time.Time{}, fmt.Errorf("%w: no exp", ErrInvalid)
	}
	if !w.Iss.ok || !w.Aud.ok {
		return zero, time.Time{}, fmt.Errorf("%w: wrong issuer or audience", ErrInvalid)
	}
	var nbf, iat time.Time
	if w.Nbf.set {
		nbf = w.Nbf.t
	}
	if w.Iat.set {
		iat = w.Iat.t
	}
	exp := w.Exp.t
	if err := s.checkTimes(now, exp, nbf, iat); err != nil {
		return zero, time.Time{}, err
	}
	if s.cache != nil {
		s.cache.put(newEntry(strings.Clone(tok), w.C, s.aud, exp, nbf, iat, s.o.Leeway))
	}
	return w.C, exp, nil
}

func (s *Store[C]) checkTimes(now, exp, nbf, iat time.Time) error {
	if !now.Before(exp.Add(s.o.Leeway)) {
		return ErrExpired
	}
	early := now.Add(s.o.Leeway)
	if !nbf.IsZero() && nbf.After(early) {
		return errNbf
	}
	if !iat.IsZero() && iat.After(early) {
		return errIat
	}
	return nil
}

// Errors of checkTimes (and of a cache hit's check) for a token not yet valid.
var (
	errNbf = fmt.Errorf("%w: nbf in the future", ErrInvalid)
	errIat = fmt.Errorf("%w: iat in the future", ErrInvalid)
)
