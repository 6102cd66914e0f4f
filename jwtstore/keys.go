package jwtstore

import (
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"hash"
	"strings"
	"sync"

	"github.com/golang-jwt/jwt/v5"
)

// formatVersion is mixed into every HKDF label. Bumping it changes every derived key and
// key id, so all cookies and sealed values minted by an older format stop verifying.
const formatVersion = "v1"

// Key is one secret of a keyring. ID is the kid carried in the JWT header (and in sealed
// values); when empty it is derived from the secret with HKDF-SHA256 as a short base64url
// string, so apps configured only with secrets still get stable ids. An ID may use the
// characters A-Z a-z 0-9 '_' '-' '.' and be at most 64 bytes long.
//
// Secret should be at least 32 random bytes; an empty secret is refused.
type Key struct {
	ID     string
	Secret []byte
}

// id returns the id a Key uses: k.ID when set, otherwise the id derived from k.Secret.
// It returns "" for a key with an empty secret and no ID.
func (k Key) id() string {
	if k.ID != "" {
		return k.ID
	}
	if len(k.Secret) == 0 {
		return ""
	}
	b, err := hkdf.Key(sha256.New, k.Secret, nil, "jwtstore "+formatVersion+" kid", 6)
	if err != nil {
		return ""
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

func validKeyID(id string) bool {
	if len(id) == 0 || len(id) > 64 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !b64Letter[c] && c != '.' {
			return false
		}
	}
	return true
}

// signKey is one HS256 key of a Store's ring.
type signKey struct {
	kid       string
	key       []byte // HKDF output, 32 bytes
	header    string // the exact base64url header segment we mint for this kid
	zipHeader string // the same with "zip":"DEF", for a compressed payload
	pool      sync.Pool
}

// sigLen is the length of an HS256 signature segment: a SHA-256 MAC (32 bytes) in
// base64url without padding, 43 characters.
const sigLen = (sha256.Size*8 + 5) / 6

// macState is a pooled HMAC plus scratch buffers for one verification.
type macState struct {
	h   hash.Hash
	sum [sha256.Size]byte
	enc [sigLen]byte // base64url(sum) without padding
	buf []byte       // signing input copy
	dec []byte       // decoded payload
}

const maxPooledBuf = 64 << 10

func (k *signKey) get() *macState {
	if m, ok := k.pool.Get().(*macState); ok {
		m.h.Reset()
		return m
	}
	return &macState{h: hmac.New(sha256.New, k.key)}
}

func (k *signKey) put(m *macState) {
	if cap(m.buf) > maxPooledBuf || cap(m.dec) > maxPooledBuf {
		return
	}
	k.pool.Put(m)
}

// ring is the immutable keyring of a Store, shared by its Sub views.
type ring struct {
	signer   *signKey
	byHeader map[string]headerRef // both header segments of every key
}

// headerRef is what an accepted header segment stands for: the key that verifies the
// token and whether its payload is compressed.
type headerRef struct {
	key *signKey
	zip bool
}

// deriveKey derives a 32-byte subkey of secret for one use and purpose.
func deriveKey(secret []byte, use, purpose string) ([]byte, error) {
	return hkdf.Key(sha256.New, secret, nil, "jwtstore "+formatVersion+" "+use+":"+purpose, 32)
}

// checkKeys validates a keyring and returns the ids in order.
func checkKeys(keys []Key) ([]string, error) {
	if len(keys) == 0 {
		return nil, errors.New("jwtstore: no keys: Keys[0] signs and is required")
	}
	ids := make([]string, len(keys))
	seen := make(map[string]int, len(keys))
	for i, k := range keys {
		if len(k.Secret) == 0 {
			return nil, fmt.Errorf("jwtstore: key %d (id %q) has an empty secret", i, k.ID)
		}
		id := k.id()
		if !validKeyID(id) {
			return nil, fmt.Errorf("jwtstore: key %d: id %q must be 1 to 64 characters from A-Z a-z 0-9 _ - and dot", i, id)
		}
		if j, dup := seen[id]; dup {
			return nil, fmt.Errorf("jwtstore: keys %d and %d have the same id %q", j, i, id)
		}
		seen[id] = i
		ids[i] = id
	}
	return ids, nil
}

func newRing(keys []Key, purpose string) (*ring, error) {
	ids, err := checkKeys(keys)
	if err != nil {
		return nil, err
	}
	r := &ring{
		byHeader: make(map[string]headerRef, 2*len(keys)),
	}
	for i, k := range keys {
		key, err := deriveKey(k.Secret, "sign", purpose)
		if err != nil {
			return nil, fmt.Errorf("jwtstore: deriving key %q: %w", ids[i], err)
		}
		h, err := headerSegment(ids[i], false)
		if err != nil {
			return nil, fmt.Errorf("jwtstore: encoding header for key %q: %w", ids[i], err)
		}
		zh, err := headerSegment(ids[i], true)
		if err != nil {
			return nil, fmt.Errorf("jwtstore: encoding header for key %q: %w", ids[i], err)
		}
		sk := &signKey{kid: ids[i], key: key, header: h, zipHeader: zh}
		r.byHeader[sk.header] = headerRef{key: sk}
		r.byHeader[sk.zipHeader] = headerRef{key: sk, zip: true}
		if i == 0 {
			r.signer = sk
		}
	}
	return r, nil
}

// headerSegment returns the base64url header segment of a token signed by kid, as
// golang-jwt encodes it: {"alg":"HS256","kid":kid,"typ":"JWT"}, with "zip":"DEF" added
// for a compressed payload. Taking it from golang-jwt keeps the segments Load accepts
// byte for byte equal to the ones Save mints.
func headerSegment(kid string, zip bool) (string, error) {
	t := jwt.New(jwt.SigningMethodHS256)
	t.Header["kid"] = kid
	if zip {
		t.Header["zip"] = "DEF"
	}
	ss, err := t.SigningString()
	if err != nil {
		return "", err
	}
	return ss[:indexDot(ss)], nil
}

func indexDot(s string) int { return strings.IndexByte(s, '.') }

// b64Letter reports the characters of unpadded base64url.
var b64Letter = func() (t [256]bool) {
	for c := 'A'; c <= 'Z'; c++ {
		t[c] = true
	}
	for c := 'a'; c <= 'z'; c++ {
		t[c] = true
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	t['-'], t['_'] = true, true
	return t
}()
